import type { Clock } from '../clock.js';
import type { ServerProfile } from '../server/index.js';
import { TargetClient } from '../transport/client.js';
import { registeringSecrets, type SecretRegistry } from '../transport/redact.js';
import { startEmbeddedTarget } from './embedded.js';
import { resolveTarget } from './resolve.js';
import { startTestbedTarget, type TestbedTarget } from './testbed.js';
import type { ConnectionFlags, ReadyTarget } from './types.js';

export interface TargetSelection extends ConnectionFlags {
  /** embedded | kube-apiserver | kube-apiserver-uncached | kine; unset: kubectl's order, then the embedded server. */
  target?: 'embedded' | TestbedTarget;
  /** Same as target=embedded (kept for the quick start). */
  embedded?: boolean;
  profile: ServerProfile;
  /** Frame limit of the client's watches (--max-frame-size); unset: the decoder's default. */
  maxFrameBytes?: number | undefined;
}

/** Picks the target a command runs against: --target, --embedded, or kubectl's resolution order. */
export async function selectTarget(selection: TargetSelection, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<ReadyTarget> {
  const embedded = () => startEmbeddedTarget({ profile: selection.profile });
  if (selection.target && selection.target !== 'embedded') {
    return startTestbedTarget(selection.target, { env, ...(signal ? { signal } : {}) });
  }
  if (selection.embedded || selection.target === 'embedded') return embedded();
  return resolveTarget(selection, env, { embedded, ...(signal ? { signal } : {}) });
}

/** The one line a command prints about a target it started itself (null for remote targets). */
export function targetNotice(selection: TargetSelection, target: ReadyTarget): string | null {
  if (target.source === 'testbed') return `started ${target.description}`;
  if (target.source !== 'embedded') return null;
  const asked = selection.embedded || selection.target === 'embedded';
  return asked
    ? `started the ${target.description}`
    : `no kubeconfig found (--kubeconfig, $KUBECONFIG, ~/.kube/config): started the ${target.description}`;
}

/**
 * Selects the target, reports the notice line, opens a client on it and runs `use`; the client is
 * closed and a target watchmark started is stopped afterwards — on success, on error and on Ctrl-C.
 */
export async function withTargetClient<T>(
  selection: TargetSelection,
  options: {
    env: NodeJS.ProcessEnv;
    signal?: AbortSignal;
    clock: Clock;
    notice?: (line: string) => void;
    /** Gets every credential the client sends, for redacting the outputs. */
    secrets?: SecretRegistry;
  },
  use: (target: ReadyTarget, client: TargetClient) => Promise<T>,
): Promise<T> {
  const target = await selectTarget(selection, options.env, options.signal);
  const notice = targetNotice(selection, target);
  if (notice) options.notice?.(notice);
  const client = new TargetClient(options.secrets ? registeringSecrets(target.connection, options.secrets) : target.connection, options.clock, {
    requestTimeoutMs: selection.requestTimeoutMs,
    maxFrameBytes: selection.maxFrameBytes,
  });
  try {
    return await use(target, client);
  } finally {
    await client.close();
    await target.stop();
  }
}
