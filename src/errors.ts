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
  /** An output file (report, recording, kubeconfig) could not be written. */
  | 'WM_OUTPUT'
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

/** The first line of an error's message (or of the thrown value as text): for one-line messages that quote a cause. */
export function firstLineOf(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0]!.trim();
}

/** How much of a response body an error message quotes. */
export const BODY_EXCERPT_CHARS = 300;

/**
 * A useful, one-line part of an HTTP response body for an error message: the `message` of a
 * metav1.Status (or of any JSON object carrying one); otherwise the body compacted to one line
 * (JSON re-serialized without its pretty-printing, other text with whitespace runs collapsed) and
 * cut at `maxChars`. A pretty-printed body starting with "{" on its own line (kinm's 404) is
 * quoted for what it says, never cut down to "{".
 */
export function responseBodyExcerpt(body: unknown, text: string, maxChars = BODY_EXCERPT_CHARS): string {
  let parsed = body;
  if (parsed === undefined || parsed === null) {
    try {
      parsed = JSON.parse(text) as unknown;
    } catch {
      parsed = undefined;
    }
  }
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
    const message = (parsed as { message?: unknown }).message;
    if (typeof message === 'string' && message.trim() !== '') return bounded(message.replace(/\s+/g, ' ').trim(), maxChars);
  }
  const compact = parsed !== undefined && parsed !== null && typeof parsed === 'object' ? JSON.stringify(parsed) : text.replace(/\s+/g, ' ').trim();
  return compact === '' ? '(empty body)' : bounded(compact, maxChars);
}

function bounded(text: string, maxChars: number): string {
  return text.length > maxChars ? `${text.slice(0, maxChars)}…` : text;
}
