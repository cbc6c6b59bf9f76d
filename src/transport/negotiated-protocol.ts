/**
 * Which HTTP version a request really went over.
 *
 * undici 7 does not report it: the response handler sees status and headers only. What decides
 * it is the socket: undici's Client speaks HTTP/2 exactly when `socket.alpnProtocol === 'h2'`
 * (lib/dispatcher/client.js, undici v7.30 `connect()`), else HTTP/1.1. So the Agent built here
 * creates its Clients through a factory; each Client wraps its connector to remember the ALPN
 * result of its current socket, and stamps itself into a probe carried in the dispatch options
 * (undici passes the options object through Agent -> StreamPool -> Client unchanged; stream-pool.ts). When the
 * response arrives, the probe reads the protocol of the socket that carried it: a Client has one
 * socket (HTTP/1.1) or one session (HTTP/2) at a time, and a request in flight dies with it.
 */
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { ClientHttp2Session } from 'node:http2';
import { buildConnector, Client, type Dispatcher } from 'undici';

const PROBE = Symbol('watchmark.protocolProbe');

/** Carried in dispatch options; filled in by the Client that takes the request. */
export class ProtocolProbe {
  private socketState: { alpn: string | null } | undefined;

  /** "2.0" when the request went over an h2 session, "1.1" otherwise (plain TCP or TLS without h2). */
  httpVersion(): '1.1' | '2.0' {
    return this.socketState?.alpn === 'h2' ? '2.0' : '1.1';
  }

  /** @internal */
  attach(state: { alpn: string | null }): void {
    this.socketState = state;
  }
}

export type ProbedDispatchOptions = Dispatcher.DispatchOptions & { [PROBE]?: ProtocolProbe };

/** Adds a probe to dispatch options (request() and dispatch() both pass them through). */
export function withProbe<T extends object>(options: T, probe: ProtocolProbe): T {
  return Object.assign(options, { [PROBE]: probe });
}

/** What a ProtocolTrackingClient reports each time it has connected. */
export interface ConnectedReport {
  /** The socket's ALPN result: 'h2', 'http/1.1', or null (plain TCP, or TLS without ALPN). */
  alpn: string | null;
  /**
   * The HTTP/2 session undici runs over the socket (alpn 'h2' only), for its SETTINGS; undefined
   * when undici's internals no longer expose it where this code looks (then callers assume the
   * RFC's conservative 100 streams).
   */
  session: ClientHttp2Session | undefined;
}

/**
 * An undici Client that remembers the ALPN result of its current socket (for ProtocolProbes) and
 * reports every connect to `onConnected`, before undici writes the queued requests (undici emits
 * 'connect' and only then resumes the queue, client.js v7.30 `connect()`), so the caller can set
 * `pipelining` for the protocol the connection really speaks.
 */
export class ProtocolTrackingClient extends Client {
  private readonly socketState: { alpn: string | null };

  constructor(origin: URL | string, options: Client.Options, onConnected?: (client: ProtocolTrackingClient, report: ConnectedReport) => void) {
    const socketState: { alpn: string | null } = { alpn: null };
    const inner: buildConnector.connector =
      typeof options.connect === 'function'
        ? options.connect
        : buildConnector({ ...(options.connect ?? {}), allowH2: options.allowH2 ?? false } as buildConnector.BuildOptions);
    super(origin, {
      ...options,
      connect: (connectOptions, callback) => {
        inner(connectOptions, (...args) => {
          const [err, socket] = args;
          socketState.alpn = err ? null : alpnOf(socket);
          callback(...args);
        });
      },
    });
    this.socketState = socketState;
    if (onConnected) {
      this.on('connect', () => {
        const alpn = this.socketState.alpn;
        onConnected(this, { alpn, session: alpn === 'h2' ? http2SessionOf(this) : undefined });
      });
    }
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    (options as ProbedDispatchOptions)[PROBE]?.attach(this.socketState);
    return super.dispatch(options, handler);
  }
}

function alpnOf(socket: Socket | TLSSocket | null): string | null {
  const alpn = (socket as TLSSocket | null)?.alpnProtocol;
  return typeof alpn === 'string' ? alpn : null;
}

/**
 * undici keeps a Client's HTTP/2 session under its internal symbol `Symbol(http2Session)`
 * (lib/core/symbols.js kHTTP2Session, v7.30); no public API hands it out. Found by the symbol's
 * description; undefined if that ever changes (stream-pool.test.ts notices: it counts connections).
 */
function http2SessionOf(client: Client): ClientHttp2Session | undefined {
  const key = Object.getOwnPropertySymbols(client).find((symbol) => symbol.description === 'http2Session');
  const session = key ? (client as unknown as Record<symbol, unknown>)[key] : undefined;
  return session !== null && typeof session === 'object' && typeof (session as ClientHttp2Session).on === 'function'
    ? (session as ClientHttp2Session)
    : undefined;
}
