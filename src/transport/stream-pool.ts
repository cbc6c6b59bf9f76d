/**
 * The per-origin connection pool behind TargetClient's Agent: many watches share one HTTP/2
 * connection (as client-go's transport does), HTTP/1.1 keeps one connection per open request.
 *
 * Why not undici's Pool: it hands a request to a Client only while that Client is not "busy", and
 * undici's Client is busy as soon as it holds one request it has not written yet (`kPending > 0`,
 * lib/dispatcher/client.js v7.30) or holds `pipelining` requests (default 1, even over h2). A burst
 * of watches therefore got one new connection each before any of them had connected: 1,000
 * watches, ~2,000 file descriptors (issue 15). Here:
 * - the first request to an origin probes it: later ones wait until its connection has said which
 *   protocol it speaks (ALPN) and, for h2, how many streams it allows (the server's SETTINGS
 *   MAX_CONCURRENT_STREAMS, at most MAX_STREAMS_PER_CONNECTION);
 * - a request goes to the first connection with room (fewer requests queued or in flight than its
 *   limit: 1 for HTTP/1.1, the stream limit for h2), counting requests not yet written too; a new
 *   connection is opened only when every connection is full.
 * Servers: kube-apiserver announces 100 streams per connection unless --http2-max-streams-per-connection
 * says otherwise (k8s.io/apiserver v0.37 secure_serving.go); aggregated API servers built on
 * RecommendedOptions 1000; Node's http2 server 2^32-1 unless configured; the embedded server 1000.
 */
import type { ClientHttp2Session, Settings } from 'node:http2';
import { Agent, buildConnector, Dispatcher, errors, type Client } from 'undici';
import { realScheduler, type Scheduler } from '../scheduler.js';
import { ProtocolTrackingClient, type ConnectedReport } from './negotiated-protocol.js';
import { readerConnector, type SocketReader } from './socket-reader.js';

/**
 * Streams watchmark puts on one HTTP/2 connection at most, whatever the server allows (Go's
 * http2 transport assumes 1000 when a server announces no limit: x/net/http2 defaultMaxConcurrentStreams).
 */
export const MAX_STREAMS_PER_CONNECTION = 1000;
/** Until a server's SETTINGS arrive: RFC 9113 recommends servers allow at least 100; Go and undici assume 100. */
export const INITIAL_STREAMS_PER_CONNECTION = 100;
/**
 * HTTP/2 flow-control windows as client-go's transport opens them (x/net/http2 transport.go
 * transportDefaultConnFlow 1 GiB, transportDefaultStreamFlow 4 MiB), not undici's 512 KiB and
 * 256 KiB: with undici's, 10,000 watches receiving one event each (~4 MB) held the server's frames
 * until the main thread had handled enough of them to send WINDOW_UPDATE.
 */
export const HTTP2_CONNECTION_WINDOW_BYTES = 1 << 30;
export const HTTP2_STREAM_WINDOW_BYTES = 4 << 20;
/** How long the probe waits for the server's SETTINGS after the TLS handshake before assuming the initial limit. */
const SETTINGS_WAIT_MS = 2_000;

export interface StreamPoolOptions {
  /** Streams per h2 connection at most (default MAX_STREAMS_PER_CONNECTION). */
  maxStreamsPerConnection?: number;
  /** Runs the SETTINGS wait; real timers by default. */
  scheduler?: Scheduler;
  /** Called with every pool the Agent creates (one per origin). */
  onPool?: (pool: StreamPool) => void;
  /** Reads the pool's TCP connections on a thread of its own (socket-reader.ts); unset: the main thread reads them. */
  socketReader?: SocketReader;
}

/** undici's connector's default connect bound (lib/core/connect.js v7.30). */
const UNDICI_CONNECT_TIMEOUT_MS = 10_000;

/** The error undici's connector gives a connect that timed out (lib/core/util.js onConnectTimeout, v7.30). */
function connectTimeoutError(host: string, port: number, timeoutMs: number): Error {
  return new errors.ConnectTimeoutError(`Connect Timeout Error (attempted address: ${host}:${port}, timeout: ${timeoutMs}ms)`);
}

type Held = [Dispatcher.DispatchOptions, Dispatcher.DispatchHandler];
type OriginProtocol = 'unknown' | 'h1' | 'h2';

export class StreamPool extends Dispatcher {
  private readonly clients: ProtocolTrackingClient[] = [];
  private protocol: OriginProtocol;
  /** Streams per h2 connection: the server's SETTINGS, capped. */
  private streamLimit = INITIAL_STREAMS_PER_CONNECTION;
  private readonly maxStreams: number;
  private readonly scheduler: Scheduler;
  /** The request whose connection is finding out the protocol; the others wait in `held`. */
  private probe: ProtocolTrackingClient | undefined;
  private held: Held[] = [];
  private isClosed = false;
  private isDestroyed = false;

  constructor(
    private readonly origin: string | URL,
    private clientOptions: Client.Options,
    options: StreamPoolOptions = {},
  ) {
    super();
    this.maxStreams = options.maxStreamsPerConnection ?? MAX_STREAMS_PER_CONNECTION;
    this.scheduler = options.scheduler ?? realScheduler;
    const https = new URL(String(origin)).protocol === 'https:';
    // Without TLS and ALPN there is no h2 (undici speaks no h2c): nothing to find out.
    this.protocol = https && clientOptions.allowH2 === true ? 'unknown' : 'h1';
    this.clientOptions = { connectionWindowSize: HTTP2_CONNECTION_WINDOW_BYTES, initialWindowSize: HTTP2_STREAM_WINDOW_BYTES, ...clientOptions };
    // One connector for all connections (as undici's Pool): TLS sessions are cached across them.
    const connect = clientOptions.connect;
    if (typeof connect !== 'function') {
      const tlsConnect = buildConnector({ ...(connect ?? {}), allowH2: clientOptions.allowH2 ?? false } as buildConnector.BuildOptions);
      this.clientOptions = {
        ...this.clientOptions,
        connect: options.socketReader
          ? (readerConnector(options.socketReader, tlsConnect as never, connect?.timeout ?? UNDICI_CONNECT_TIMEOUT_MS, connectTimeoutError) as buildConnector.connector)
          : tlsConnect,
      };
    }
  }

  get closed(): boolean {
    return this.isClosed;
  }

  get destroyed(): boolean {
    return this.isDestroyed;
  }

  /** Open connections and requests per connection, for tests and the scale bench. */
  connectionStats(): { connections: number; connected: number; requests: number[] } {
    const live = this.clients.filter((client) => !client.destroyed && !client.closed);
    return { connections: live.length, connected: live.filter((client) => client.stats.connected).length, requests: live.map((client) => client.stats.size) };
  }

  override dispatch(dispatched: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    // undici holds a request it deems non-idempotent (any method but GET and HEAD, unless told)
    // until its connection carries no other request (client-h2.js busy(), v7.30): behind a watch
    // that never ends. The flag only decides that (and, on HTTP/1.1, pipelining behind it, which
    // never happens here); nothing retries requests. So requests go out as idempotent, as every
    // request shares an h2 connection in Go's transport.
    const options = dispatched.idempotent === undefined ? { ...dispatched, idempotent: true } : dispatched;
    if (this.isDestroyed || this.isClosed) {
      const error = new Error(this.isDestroyed ? 'The client is destroyed' : 'The client is closed');
      (handler as { onError?: (err: Error) => void }).onError?.(error);
      return false;
    }
    if (this.protocol === 'unknown') {
      if (this.probe) {
        this.held.push([options, handler]);
        return true;
      }
      const client = this.addClient(1);
      this.probe = client;
      const accepted = client.dispatch(options, handler);
      // A request undici refused before queueing (invalid options) leaves nothing to connect.
      if (client.stats.size === 0 && !client.stats.connected) this.endProbe(client);
      return accepted;
    }
    return this.pick().dispatch(options, handler);
  }

  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    this.releaseHeld();
    this.isClosed = true;
    const open = this.clients.filter((client) => !client.destroyed && !client.closed);
    const done = Promise.all(open.map((client) => client.close().catch(() => undefined))).then(() => undefined);
    if (callback) void done.then(callback, callback);
    else return done;
  }

  override destroy(): Promise<void>;
  override destroy(err: Error | null): Promise<void>;
  override destroy(callback: () => void): void;
  override destroy(err: Error | null, callback: () => void): void;
  override destroy(errOrCallback?: Error | null | (() => void), callback?: () => void): Promise<void> | void {
    const err = typeof errOrCallback === 'function' ? null : (errOrCallback ?? null);
    const cb = typeof errOrCallback === 'function' ? errOrCallback : callback;
    this.isDestroyed = true;
    const held = this.held;
    this.held = [];
    for (const [, handler] of held) (handler as { onError?: (e: Error) => void }).onError?.(err ?? new Error('The client is destroyed'));
    const done = Promise.all(this.clients.map((client) => client.destroy(err))).then(() => undefined);
    if (cb) void done.then(cb, cb);
    else return done;
  }

  /** The first connection with room, else a new one. */
  private pick(): ProtocolTrackingClient {
    const limit = this.protocol === 'h2' ? this.streamLimit : 1;
    for (const client of this.clients) {
      if (!client.destroyed && !client.closed && client.stats.size < limit) return client;
    }
    return this.addClient(limit);
  }

  private addClient(pipelining: number): ProtocolTrackingClient {
    const client = new ProtocolTrackingClient(this.origin, { ...this.clientOptions, pipelining }, (connected, report) => this.onConnected(connected, report));
    // Forwarded as undici's Pool does: the Agent counts connections by these events.
    const forward = (event: string) => (origin: URL, targets: readonly Dispatcher[] = [], error?: Error) => {
      (this as unknown as NodeJS.EventEmitter).emit(event, origin, [this, ...targets], error);
    };
    client.on('connect', forward('connect')).on('disconnect', forward('disconnect')).on('drain', forward('drain'));
    client.on('connectionError', (origin, targets, error) => {
      // Like undici's Pool (nodejs/undici#3895): a client whose connect failed is not reused.
      const index = this.clients.indexOf(client);
      if (index !== -1) this.clients.splice(index, 1);
      if (this.probe === client) this.endProbe(client);
      forward('connectionError')(origin, targets, error);
    });
    this.clients.push(client);
    return client;
  }

  /** Runs before undici writes the connection's queued requests. */
  private onConnected(client: ProtocolTrackingClient, report: ConnectedReport): void {
    if (report.alpn !== 'h2') {
      // HTTP/1.1: a watch holds its connection; never pipeline behind it.
      client.pipelining = 1;
      if (this.probe === client) {
        this.protocol = 'h1';
        this.endProbe(client);
      }
      return;
    }
    const session = report.session;
    const apply = (settings: Settings) => {
      const announced = settings.maxConcurrentStreams;
      const limit = Math.max(1, Math.min(this.maxStreams, announced ?? INITIAL_STREAMS_PER_CONNECTION));
      this.streamLimit = limit;
      client.pipelining = limit;
    };
    if (this.probe !== client) {
      client.pipelining = this.streamLimit;
      session?.on('remoteSettings', apply);
      return;
    }
    // The probe: the others wait for the server's SETTINGS (they come right after the handshake).
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      cancelWait();
      this.protocol = 'h2';
      this.endProbe(client);
    };
    const cancelWait = this.scheduler.after(SETTINGS_WAIT_MS, settle);
    if (!session) {
      client.pipelining = this.streamLimit;
      settle();
      return;
    }
    session.on('remoteSettings', (settings: Settings) => {
      apply(settings);
      settle();
    });
    onceEnded(session, settle);
  }

  private endProbe(client: ProtocolTrackingClient): void {
    if (this.probe !== client) return;
    this.probe = undefined;
    this.releaseHeld();
  }

  /**
   * Dispatches the waiting requests. If the probe failed (protocol still unknown), each goes its
   * own way as undici's Pool would send it; the next request after them probes again.
   */
  private releaseHeld(): void {
    const held = this.held;
    this.held = [];
    for (const [options, handler] of held) {
      const client = this.protocol === 'unknown' ? this.addClient(1) : this.pick();
      client.dispatch(options, handler);
    }
  }
}

function onceEnded(session: ClientHttp2Session, fn: () => void): void {
  session.once('close', fn);
  session.once('error', fn);
}

/** An undici Agent whose per-origin pools multiplex h2 and whose connections report their protocol to ProtocolProbes. */
export function createProtocolTrackingAgent(options: Agent.Options, poolOptions: StreamPoolOptions = {}): Agent {
  return new Agent({
    ...options,
    factory: (origin, agentOptions) => {
      const pool = new StreamPool(origin, agentOptions as Client.Options, poolOptions);
      poolOptions.onPool?.(pool);
      return pool;
    },
  });
}
