/**
 * Typed errors with stable codes. Anything that ends the CLI with exit code 2 is a WatchmarkError
 * (usage, connection, target); the message is one line meant for a human.
 */
export type ErrorCode =
  | 'WM_USAGE'
  | 'WM_KUBECONFIG'
  | 'WM_CONNECT'
  | 'WM_TLS'
  | 'WM_AUTH'
  | 'WM_HTTP'
  | 'WM_DISCOVERY'
  | 'WM_RESOURCE_NOT_FOUND'
  | 'WM_WORKLOAD'
  | 'WM_SCENARIO'
  | 'WM_TARGET'
  | 'WM_TIMEOUT'
  | 'WM_RECORDING'
  | 'WM_ABORTED'
  | 'WM_INTERNAL';

export class WatchmarkError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;
  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WatchmarkError';
    this.code = code;
    this.details = details;
  }
}

export function isWatchmarkError(err: unknown): err is WatchmarkError {
  return err instanceof WatchmarkError;
}
