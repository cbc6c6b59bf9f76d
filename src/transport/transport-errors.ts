/**
 * The transport boundary's error vocabulary: undici and Node error codes are mapped here to
 * watchmark's own stable codes, so nothing above the transport depends on undici's names.
 */
import { WatchmarkError } from '../errors.js';

export type TransportErrorCode =
  /** TCP connect refused (ECONNREFUSED). */
  | 'WM_CONN_REFUSED'
  /** The peer reset or closed the connection, or reset the HTTP/2 stream. */
  | 'WM_CONN_RESET'
  /** Host name did not resolve (ENOTFOUND, EAI_AGAIN). */
  | 'WM_DNS'
  /** undici's connect timeout (UND_ERR_CONNECT_TIMEOUT) or ETIMEDOUT. */
  | 'WM_CONNECT_TIMEOUT'
  /** No response headers within the bound (UND_ERR_HEADERS_TIMEOUT, or the client's own deadline). */
  | 'WM_HEADERS_TIMEOUT'
  /** A request-response body fell silent for too long (UND_ERR_BODY_TIMEOUT). Never a watch's body. */
  | 'WM_BODY_TIMEOUT'
  /** A whole request-response exchange did not complete within --request-timeout. */
  | 'WM_REQUEST_TIMEOUT'
  | 'WM_UNREACHABLE'
  /** Certificate verification failed (untrusted CA, name mismatch, expired). */
  | 'WM_TLS_CERT'
  /** Other TLS failures (protocol version, plain HTTP on a TLS port...). */
  | 'WM_TLS_HANDSHAKE'
  /** The server broke HTTP/1.1 or HTTP/2 (llhttp HPE_* or ERR_HTTP2_* errors). */
  | 'WM_PROTOCOL'
  /** watchmark aborted the request itself. */
  | 'WM_ABORTED'
  /** The TargetClient was closed while the request was in flight. */
  | 'WM_CLIENT_CLOSED'
  /** Connection.authHeaders() failed (exec plugin, token file...). */
  | 'WM_AUTH_HEADERS'
  | 'WM_TRANSPORT';

export interface TransportFailure {
  code: TransportErrorCode;
  /** The code undici or Node gave, e.g. UND_ERR_SOCKET, ECONNRESET; "" when there was none. */
  sourceCode: string;
  /** One line: what happened and the underlying code and message. */
  message: string;
  /** How a watch stream that died of this is closed in the timeline. */
  closeReason: 'reset' | 'error';
}

const DESCRIPTIONS: Record<TransportErrorCode, string> = {
  WM_CONN_REFUSED: 'connection refused',
  WM_CONN_RESET: 'connection reset or closed by the server',
  WM_DNS: 'host name did not resolve',
  WM_CONNECT_TIMEOUT: 'connect timed out',
  WM_HEADERS_TIMEOUT: 'no response headers in time',
  WM_BODY_TIMEOUT: 'response body timed out',
  WM_REQUEST_TIMEOUT: 'no complete response in time',
  WM_UNREACHABLE: 'host unreachable',
  WM_TLS_CERT: 'server certificate not trusted',
  WM_TLS_HANDSHAKE: 'TLS handshake failed',
  WM_PROTOCOL: 'HTTP protocol error',
  WM_ABORTED: 'aborted by watchmark',
  WM_CLIENT_CLOSED: 'client closed',
  WM_AUTH_HEADERS: 'could not derive authentication headers',
  WM_TRANSPORT: 'transport error',
};

const RESET_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ECONNABORTED',
  // undici SocketError: "other side closed" while a request was in flight.
  'UND_ERR_SOCKET',
  // Body shorter than its content-length: the peer closed mid-body.
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  // HTTP/2 RST_STREAM / GOAWAY from the peer.
  'ERR_HTTP2_STREAM_ERROR',
  'ERR_HTTP2_STREAM_CANCEL',
  'ERR_HTTP2_GOAWAY_SESSION',
  'ERR_HTTP2_SESSION_ERROR',
  'ERR_HTTP2_INVALID_SESSION',
]);

const CODE_CLASSES: Array<[TransportErrorCode, (code: string) => boolean]> = [
  ['WM_CONN_RESET', (c) => RESET_CODES.has(c)],
  ['WM_CONN_REFUSED', (c) => c === 'ECONNREFUSED'],
  ['WM_DNS', (c) => c === 'ENOTFOUND' || c === 'EAI_AGAIN' || c === 'EAI_FAIL' || c === 'EAI_NONAME'],
  ['WM_CONNECT_TIMEOUT', (c) => c === 'UND_ERR_CONNECT_TIMEOUT' || c === 'ETIMEDOUT'],
  ['WM_HEADERS_TIMEOUT', (c) => c === 'UND_ERR_HEADERS_TIMEOUT'],
  ['WM_BODY_TIMEOUT', (c) => c === 'UND_ERR_BODY_TIMEOUT'],
  ['WM_UNREACHABLE', (c) => c === 'EHOSTUNREACH' || c === 'ENETUNREACH' || c === 'EHOSTDOWN' || c === 'ENETDOWN'],
  // OpenSSL verification codes (X509_V_ERR_* as Node names them) and Node's host-name check.
  [
    'WM_TLS_CERT',
    (c) =>
      c === 'ERR_TLS_CERT_ALTNAME_INVALID' ||
      c === 'HOSTNAME_MISMATCH' ||
      c === 'INVALID_CA' ||
      c === 'INVALID_PURPOSE' ||
      /CERT|SELF_SIGNED|^UNABLE_TO_(GET|VERIFY|DECRYPT|DECODE)/.test(c),
  ],
  ['WM_TLS_HANDSHAKE', (c) => c.startsWith('ERR_SSL_') || c.startsWith('ERR_TLS_') || c === 'EPROTO'],
  ['WM_PROTOCOL', (c) => c.startsWith('HPE_') || c.startsWith('ERR_HTTP2_') || c === 'UND_ERR_INFO' || c === 'UND_ERR_HEADERS_OVERFLOW'],
  ['WM_ABORTED', (c) => c === 'UND_ERR_ABORTED' || c === 'UND_ERR_ABORT' || c === 'ABORT_ERR'],
  ['WM_CLIENT_CLOSED', (c) => c === 'UND_ERR_DESTROYED' || c === 'UND_ERR_CLOSED'],
];

/** Maps an undici/Node error to watchmark's code. */
export function classifyTransportError(err: unknown): TransportFailure {
  const sourceCode = findCode(err);
  let code: TransportErrorCode = 'WM_TRANSPORT';
  for (const [candidate, matches] of CODE_CLASSES) {
    if (sourceCode && matches(sourceCode)) {
      code = candidate;
      break;
    }
  }
  if (code === 'WM_TRANSPORT' && err instanceof Error && err.name === 'AbortError') code = 'WM_ABORTED';
  return {
    code,
    sourceCode,
    message: failureMessage(code, sourceCode, err),
    closeReason: code === 'WM_CONN_RESET' ? 'reset' : 'error',
  };
}

/** A failure that did not come from undici (our own abort, our own close, authHeaders()). */
export function transportFailure(code: TransportErrorCode, detail?: string): TransportFailure {
  return {
    code,
    sourceCode: '',
    message: detail ? `${DESCRIPTIONS[code]}: ${oneLine(detail)}` : DESCRIPTIONS[code],
    closeReason: code === 'WM_CONN_RESET' ? 'reset' : 'error',
  };
}

/** Transport failures that are a bound running out (connect, headers, body, whole exchange). */
export const TIMEOUT_CODES: ReadonlySet<TransportErrorCode> = new Set(['WM_CONNECT_TIMEOUT', 'WM_HEADERS_TIMEOUT', 'WM_BODY_TIMEOUT', 'WM_REQUEST_TIMEOUT']);

/** The WatchmarkError a request-response call throws for a transport failure. */
export function toWatchmarkError(failure: TransportFailure, server: string, cause: unknown): WatchmarkError {
  const wmCode =
    failure.code === 'WM_TLS_CERT' || failure.code === 'WM_TLS_HANDSHAKE'
      ? 'WM_TLS'
      : failure.code === 'WM_ABORTED' || failure.code === 'WM_CLIENT_CLOSED'
        ? 'WM_ABORTED'
        : failure.code === 'WM_AUTH_HEADERS'
          ? 'WM_AUTH'
          : TIMEOUT_CODES.has(failure.code)
            ? 'WM_TIMEOUT'
            : 'WM_CONNECT';
  return new WatchmarkError(
    wmCode,
    `${server}: ${failure.message}`,
    { server, transportCode: failure.code, sourceCode: failure.sourceCode },
    { cause },
  );
}

function failureMessage(code: TransportErrorCode, sourceCode: string, err: unknown): string {
  const detail = err instanceof Error ? err.message : String(err);
  // "connect ECONNREFUSED 127.0.0.1:1" already names its code; "other side closed" does not.
  const text = !sourceCode ? detail : !detail || detail.includes(sourceCode) ? detail || sourceCode : `${sourceCode}: ${detail}`;
  return oneLine(text ? `${DESCRIPTIONS[code]} (${text})` : DESCRIPTIONS[code]);
}

/** The first error code along the cause chain (AggregateError: its first error). */
function findCode(err: unknown, depth = 0): string {
  if (depth > 5 || err === null || typeof err !== 'object') return '';
  const record = err as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof record.code === 'string' && record.code) return record.code;
  if (Array.isArray(record.errors) && record.errors.length > 0) {
    const inner = findCode(record.errors[0], depth + 1);
    if (inner) return inner;
  }
  return findCode(record.cause, depth + 1);
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
