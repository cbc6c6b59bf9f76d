import type { Connection } from '../transport/connection.js';
import type { LocalTargetSource } from './registry.js';

/** Where a kubeconfig or --server target came from, in kubectl's resolution order. */
export type RemoteTargetSource = 'flags' | 'kubeconfig-flag' | 'KUBECONFIG' | 'default-kubeconfig';

/** Where the connection came from: kubectl's resolution order, or a local kind (registry.ts: 'embedded', 'testbed'). */
export type TargetSource = RemoteTargetSource | LocalTargetSource;

/** The report's description of a target. */
export interface TargetDescription {
  server: string;
  source: TargetSource;
  serverVersion: string | null;
  description: string;
}

/** A target that is ready to be measured. */
export interface ReadyTarget extends AsyncDisposable {
  source: TargetSource;
  connection: Connection;
  /** Human-readable description without secrets, e.g. "context kind-kind in ~/.kube/config". */
  description: string;
  /** Namespace from --namespace or the kubeconfig context, when one was given. */
  namespace?: string;
  /** The local target kind that started it (registry.ts); unset for remote targets. */
  kind?: string;
  /** Stops whatever the target started (the embedded server); a no-op for remote targets. */
  stop(): Promise<void>;
}

/** Connection flags as kubectl names them. */
export interface ConnectionFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  server?: string;
  token?: string;
  certificateAuthority?: string;
  insecureSkipTlsVerify?: boolean;
  /**
   * --request-timeout in ms: bounds every request-response exchange and the connect plus response
   * headers of a watch (never a watch's body); 0 = no bound; unset = the transport's defaults
   * (transport/timeouts.ts).
   */
  requestTimeoutMs?: number;
}

/**
 * A target strategy answers "not applicable here" (null), "ready, here is the connection", or
 * throws a WatchmarkError saying why it cannot be used.
 */
export interface TargetStrategy {
  name: string;
  resolve(flags: ConnectionFlags, env: NodeJS.ProcessEnv, context?: ResolveContext): Promise<ReadyTarget | null>;
}

/** What a strategy needs beyond flags and environment. */
export interface ResolveContext {
  /**
   * Ctrl-C: anything the target runs to get ready or to authenticate (exec credential plugins)
   * is stopped when it aborts, also for requests made later through the connection.
   */
  signal?: AbortSignal;
}
