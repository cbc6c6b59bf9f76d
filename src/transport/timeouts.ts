/**
 * How long the transport waits for a server, in one place. Watches are long-lived and quiet for
 * minutes, so nothing here ever bounds the body of a watch; what is bounded is connecting and
 * waiting for response headers (every request), and whole request-response exchanges.
 *
 * kubectl's --request-timeout ("length of time to wait before giving up on a single server
 * request; 0 means don't time out") is Go's http.Client.Timeout: the whole exchange. client-go's
 * dialer bounds connecting at 30 s on its own (k8s.io/client-go v0.35.0 transport/cache.go
 * `dialer := &net.Dialer{Timeout: 30 * time.Second}`), which is where the connect default comes from.
 */

/** Connecting (TCP, and the TLS handshake) to the server. client-go's dialer uses 30 s. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;

/**
 * Without --request-timeout: the longest wait for response headers (connect included), and the
 * longest silence inside a request-response body. kube-apiserver answers a GET or a write within
 * its own 60 s request timeout (--request-timeout of kube-apiserver, default 1m0s) or answers 504,
 * so a healthy, loaded server never trips it.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

export interface RequestTimeouts {
  /** TCP connect plus TLS handshake (undici's connect.timeout); 0 = none. */
  connectMs: number;
  /** From dispatch until the response headers, connect included, for every request; 0 = none. */
  headersMs: number;
  /** Request-response only: from dispatch until the body is read (the whole exchange); 0 = none. */
  exchangeMs: number;
  /** Request-response only: the longest silence inside a body (undici's bodyTimeout); 0 = none. Never for watches. */
  bodyIdleMs: number;
}

/**
 * The timeouts for a `--request-timeout` value: unset gives the defaults (connect 30 s, headers
 * 60 s, body silence 60 s, no bound on a whole exchange); 0 bounds nothing; T > 0 bounds every
 * exchange to T in total and the connect plus headers of a watch to T (connect alone to
 * min(T, 30 s)). The body of a watch is never bounded.
 */
export function requestTimeouts(requestTimeoutMs?: number): RequestTimeouts {
  if (requestTimeoutMs === undefined) {
    return { connectMs: DEFAULT_CONNECT_TIMEOUT_MS, headersMs: DEFAULT_REQUEST_TIMEOUT_MS, exchangeMs: 0, bodyIdleMs: DEFAULT_REQUEST_TIMEOUT_MS };
  }
  if (!Number.isFinite(requestTimeoutMs) || requestTimeoutMs < 0) throw new RangeError(`request timeout ${requestTimeoutMs} ms is not a duration`);
  if (requestTimeoutMs === 0) return { connectMs: 0, headersMs: 0, exchangeMs: 0, bodyIdleMs: 0 };
  return {
    connectMs: Math.min(requestTimeoutMs, DEFAULT_CONNECT_TIMEOUT_MS),
    headersMs: requestTimeoutMs,
    exchangeMs: requestTimeoutMs,
    bodyIdleMs: requestTimeoutMs,
  };
}

/** "60s", "90s", "500ms": a timeout as a message shows it (whole seconds, else milliseconds). */
export function formatTimeoutMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
