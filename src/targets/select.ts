import type { Clock } from '../clock.js';
import type { ServerProfile } from '../server/profiles.js';
import { TargetClient, type WatchEncoding } from '../transport/client.js';
import { registeringSecrets, type SecretRegistry } from '../transport/redact.js';
import { WatchmarkError } from '../errors.js';
import { kindNotice, type TargetKindOptions, type TargetOptionName } from './kind.js';
import { DEFAULT_TARGET, startTarget, TARGET_KINDS, targetKind, type TargetName } from './registry.js';
import { resolveTarget } from './resolve.js';
import type { ConnectionFlags, ReadyTarget } from './types.js';

export interface TargetSelection extends ConnectionFlags, GivenKindOptions {
  /** A local target kind (registry.ts TARGET_NAMES); unset: kubectl's order, then the embedded server. */
  target?: TargetName;
  /** Same as target=embedded (kept for the quick start). */
  embedded?: boolean;
  profile: ServerProfile;
  /** Frame limit of the client's watches (--max-frame-size); unset: the decoder's default. */
  maxFrameBytes?: number | undefined;
  /** What the client's watches ask for (--encoding); unset: JSON. */
  encoding?: WatchEncoding | undefined;
}

/** The kind options as flags give them (--assets, --image...): each only for the kinds that list it. */
type GivenKindOptions = { [K in Exclude<TargetOptionName, 'profile'>]?: TargetKindOptions[K] | undefined };

/** The kind --target or --embedded asked for, if any. */
function askedKind(selection: TargetSelection): TargetName | undefined {
  return selection.target ?? (selection.embedded ? 'embedded' : undefined);
}

/** Picks the target a command runs against: --target, --embedded, or kubectl's resolution order. */
export async function selectTarget(selection: TargetSelection, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<ReadyTarget> {
  const asked = askedKind(selection);
  const kindOptions = kindOptionsOf(selection, asked);
  const start = (name: TargetName) => startTarget(name, { env, options: { ...kindOptions, profile: selection.profile }, ...(signal ? { signal } : {}) });
  if (asked) return start(asked);
  return resolveTarget(selection, env, { embedded: () => start(DEFAULT_TARGET), ...(signal ? { signal } : {}) });
}

/** The kind options a selection can carry (--profile is left out: it has a default, so it is never "given"). */
const KIND_OPTION_NAMES = [...new Set(TARGET_KINDS.flatMap((kind) => kind.options))].filter((name): name is Exclude<TargetOptionName, 'profile'> => name !== 'profile');

/**
 * The kind options given (--assets, --image...), refused (WM_USAGE) when the asked kind does not
 * take them: an option for another target is a usage error, never silently ignored.
 */
export function kindOptionsOf(selection: TargetSelection, asked: TargetName | undefined): Partial<TargetKindOptions> {
  const given = KIND_OPTION_NAMES.filter((name) => selection[name] !== undefined);
  const takes: readonly string[] = asked ? targetKind(asked)!.options : [];
  const refused = given.filter((name) => !takes.includes(name));
  if (refused.length > 0) {
    // One clause per set of kinds that take the refused flags: "--container-port, --env apply to --target container".
    const byTakers = new Map<string, string[]>();
    for (const name of refused) {
      const takers = TARGET_KINDS.filter((kind) => (kind.options as readonly string[]).includes(name)).map((kind) => `--target ${kind.name}`).join(' and ');
      byTakers.set(takers, [...(byTakers.get(takers) ?? []), `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`]);
    }
    const clauses = [...byTakers].map(([takers, flags]) => `${flags.join(', ')} appl${flags.length === 1 ? 'ies' : 'y'} to ${takers}`);
    throw new WatchmarkError('WM_USAGE', `${clauses.join('; ')}${asked ? `, not --target ${asked}` : ''}`);
  }
  return Object.fromEntries(given.map((name) => [name, selection[name]]));
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
    encoding: selection.encoding,
  });
  try {
    return await use(target, client);
  } finally {
    await client.close();
    await target.stop();
  }
}
