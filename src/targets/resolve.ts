import { WatchmarkError } from '../errors.js';
import {
  defaultKubeconfigStrategy,
  explicitServerStrategy,
  kubeconfigEnvStrategy,
  kubeconfigFlagStrategy,
} from './kubeconfig.js';
import type { ConnectionFlags, ReadyTarget, ResolveContext, TargetStrategy } from './types.js';

/** kubectl's order. The embedded server comes last and only where the command allows it. */
export const REMOTE_STRATEGIES: TargetStrategy[] = [
  explicitServerStrategy,
  kubeconfigFlagStrategy,
  kubeconfigEnvStrategy,
  defaultKubeconfigStrategy,
];

export interface ResolveOptions extends ResolveContext {
  /** Started when no remote strategy applies; absent means a remote target is required. */
  embedded?: () => Promise<ReadyTarget>;
}

export async function resolveTarget(
  flags: ConnectionFlags,
  env: NodeJS.ProcessEnv,
  options: ResolveOptions = {},
): Promise<ReadyTarget> {
  for (const strategy of REMOTE_STRATEGIES) {
    const target = await strategy.resolve(flags, env, options.signal ? { signal: options.signal } : {});
    if (options.signal?.aborted) {
      await target?.stop();
      throw new WatchmarkError('WM_ABORTED', 'interrupted while selecting the target');
    }
    if (target) return target;
  }
  if (options.embedded) return options.embedded();
  throw new WatchmarkError(
    'WM_KUBECONFIG',
    `no target: tried ${REMOTE_STRATEGIES.map((s) => s.name).join(', ')}; none applied (pass --kubeconfig or --server)`,
  );
}
