import type { Clock } from '../clock.js';
import type { ServerProfile } from '../server/profiles.js';
import { TargetClient } from '../transport/client.js';
import { registeringSecrets, type SecretRegistry } from '../transport/redact.js';
import { kindNotice } from './kind.js';
import { WatchmarkError } from '../errors.js';
import { DEFAULT_TARGET, startTarget, TARGET_KINDS, targetKind, type TargetName } from './registry.js';
import { resolveTarget } from './resolve.js';
import type { ConnectionFlags, ReadyTarget } from './types.js';

export interface TargetSelection extends ConnectionFlags {
  /** A local target kind (registry.ts TARGET_NAMES); unset: kubectl's order, then the embedded server. */
  target?: TargetName;
  /** Same as target=embedded (kept for the quick start). */
  embedded?: boolean;
  profile: ServerProfile;
  /** --assets: the envtest assets directory (only --target envtest takes it). */
  assets?: string | undefined;
  /** Frame limit of the client's watches (--max-frame-size); unset: the decoder's default. */
  maxFrameBytes?: number | undefined;
}

/** The kind --target or --embedded asked for, if any. */
function askedKind(selection: TargetSelection): TargetName | undefined {
  return selection.target ?? (selection.embedded ? 'embedded' : undefined);
}

/**
 * A kind option given for a target that does not take it (--assets without --target envtest) is
 * a usage error, not silently ignored. --profile is left out: it has a default.
 */
export function checkKindOptions(selection: TargetSelection): void {
  if (selection.assets === undefined) return;
  const asked = askedKind(selection);
  if (asked && targetKind(asked)?.options.includes('assets')) return;
  const takers = TARGET_KINDS.filter((kind) => kind.options.includes('assets')).map((kind) => `--target ${kind.name}`);
  throw new WatchmarkError('WM_USAGE', `--assets is only for ${takers.join(' or ')}${asked ? ` (not --target ${asked})` : ''}`);
}

/** Picks the target a command runs against: --target, --embedded, or kubectl's resolution order. */
export async function selectTarget(selection: TargetSelection, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<ReadyTarget> {
  checkKindOptions(selection);
  const options = { profile: selection.profile, ...(selection.assets !== undefined ? { assets: selection.assets } : {}) };
  const start = (name: TargetName) => startTarget(name, { env, options, ...(signal ? { signal } : {}) });
  const asked = askedKind(selection);
  if (asked) return start(asked);
  return resolveTarget(selection, env, { embedded: () => start(DEFAULT_TARGET), ...(signal ? { signal } : {}) });
}

/** The one line a command prints about a target it started itself (null for remote targets). */
export function targetNotice(selection: TargetSelection, target: ReadyTarget): string | null {
  const kind = target.kind === undefined ? undefined : targetKind(target.kind);
  if (!kind) return null;
  const line = kindNotice(kind, target.description);
  return askedKind(selection) === kind.name ? line : `no kubeconfig found (--kubeconfig, $KUBECONFIG, ~/.kube/config): ${line}`;
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
