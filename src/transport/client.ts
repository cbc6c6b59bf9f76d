/**
 * TargetClient: every HTTP request watchmark makes to one API server goes through here (one
 * undici Agent per target). Request-response calls throw WatchmarkError for transport failures;
 * watch() and list() record failures instead, so a broken server yields a record, not a crash.
 */
import type { Agent } from 'undici';
import type { Clock } from '../clock.js';
import { responseBodyExcerpt, WatchmarkError } from '../errors.js';
import { realScheduler, type Scheduler } from '../scheduler.js';
import type { ListRecord, StreamRecord, TimelineEntry, WatchedKind, WatchOptions } from '../record/timeline.js';
import { describeServer, parseServer, type Connection, type ServerAddress, type TlsMaterial } from './connection.js';
import { ProtocolProbe, withProbe } from './negotiated-protocol.js';
import { createProtocolTrackingAgent, type StreamPool } from './stream-pool.js';
import { redactorFor } from './redact.js';
import { sharedSocketReader, type SocketReader } from './socket-reader.js';
import { formatTimeoutMs, requestTimeouts, type RequestTimeouts } from './timeouts.js';
import { classifyTransportError, toWatchmarkError, transportFailure, type TransportErrorCode, type TransportFailure } from './transport-errors.js';
import { buildWatchQuery } from './watch-query.js';
import { PROTOBUF_MEDIA_TYPE } from '../protobuf/k8s-codec.js';
import { WatchStreamRecorder } from './watch-stream.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RequestJsonOptions {
  /** Serialised as JSON. */
  body?: unknown;
  signal?: AbortSignal;
  /** Accept header; default application/json. */
  accept?: string;
  /** Content-Type of the body; default application/json (PATCH callers pick a patch type). */
  contentType?: string;
}

export interface JsonResponse {
  status: number;
  /** Lower-cased names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The body parsed as JSON, or undefined when it is empty or not JSON. */
  body: unknown;
  text: string;
}

export interface WatchSpec {
  /** Stable id within the run, e.g. "watch-list#1". */
  id: string;
  scenario: string;
  /** Collection path without query, e.g. /api/v1/namespaces/ns/configmaps. */
  basePath: string;
  namespace?: string;
  watched: WatchedKind;
  options: WatchOptions;
}

export interface WatchCallOptions {
  /** Aborting it ends the stream with a `client-abort` close. */
  signal?: AbortSignal;
  /** Called synchronously for every entry appended to the record. */
  onEntry?: (entry: TimelineEntry) => void;
}

export interface ListSpec {
  id: string;
  scenario: string;
  /** Path and query, e.g. /api/v1/namespaces/ns/configmaps?limit=500&resourceVersion=0 (see buildListQuery). */
  path: string;
}

export interface TargetClientOptions {
  /**
   * --request-timeout: unset = the defaults (connect 30 s, response headers 60 s); 0 = no bound;
   * T = every request-response exchange within T, and a watch's connect plus headers within T.
   * The body of a watch is never bounded (see timeouts.ts).
   */
  requestTimeoutMs?: number | undefined;
  /** Runs the header and exchange deadlines; real timers unless a test drives them. */
  scheduler?: Scheduler;
  /** Watch frames longer than this are malformed and end decoding of their stream (--max-frame-size). */
  maxFrameBytes?: number | undefined;
  /** --encoding: what watches ask for (default json). The body is decoded as the response's Content-Type says, either way. */
  encoding?: WatchEncoding | undefined;
  /**
   * Reads the target's sockets on a thread of its own, so arrival times are taken off the socket
   * (socket-reader.ts). Default: the process's shared reader; null: the main thread reads them.
   */
  socketReader?: SocketReader | null;
}

export type WatchEncoding = 'json' | 'protobuf';
export const WATCH_ENCODINGS: readonly WatchEncoding[] = ['json', 'protobuf'];

/**
 * The Accept header of a protobuf watch: what client-go's protobuf clients send, protobuf first
 * and JSON as the fallback for types without protobuf (custom resources). client-go v0.37.2
 * rest/request.go UseProtobufAsDefault (typed clientsets, v0.32+) and kubelet's
 * setContentTypeForClient (cmd/kubelet/app/server.go) set exactly this; metadata.ConfigFor too.
 * kube-apiserver answers `application/vnd.kubernetes.protobuf;stream=watch`.
 */
export const PROTOBUF_WATCH_ACCEPT = `${PROTOBUF_MEDIA_TYPE},application/json`;

const USER_AGENT = 'watchmark';

export class TargetClient implements AsyncDisposable {
  /** The server as shown in messages: origin and path prefix, never credentials. */
  readonly server: string;
  private readonly address: ServerAddress;
  private readonly agent: Agent;
  /** The bounds every request runs under (from --request-timeout or the defaults). */
  readonly timeouts: RequestTimeouts;
  private readonly scheduler: Scheduler;
  private readonly activeWatches = new Set<WatchStreamRecorder>();
  /** The Agent's per-origin pools (one per origin: the server's). */
  private readonly pools: StreamPool[] = [];
  /** The socket reader's newest chunk stamp, when its sockets go through one. */
  private readonly arrivalNs: (() => bigint | undefined) | undefined;
  private closed = false;

  constructor(
    private readonly connection: Connection,
    private readonly clock: Clock,
    private readonly options: TargetClientOptions = {},
  ) {
    this.address = parseServer(connection.server);
    this.server = describeServer(this.address);
    this.timeouts = requestTimeouts(options.requestTimeoutMs);
    this.scheduler = options.scheduler ?? realScheduler;
    const reader = options.socketReader === null ? undefined : (options.socketReader ?? sharedSocketReader);
    this.agent = createProtocolTrackingAgent({
      // Watches are long-lived and quiet for minutes: undici's timers must not end them (and
      // they are not measuring devices anyway; gaps are computed from recorded timestamps).
      // Response headers are bounded per request by the client's own deadline (connect
      // included), and request-response bodies by a per-request bodyTimeout (exchange()).
      bodyTimeout: 0,
      headersTimeout: 0,
      allowH2: connection.allowH2,
      connect: { ...tlsConnectOptions(connection.tls), timeout: this.timeouts.connectMs },
    }, { onPool: (pool) => this.pools.push(pool), ...(reader ? { socketReader: reader } : {}) });
    this.arrivalNs = reader ? () => reader.lastArrivalNs : undefined;
  }

  /**
   * The connections this client holds open now and the requests each carries (HTTP/1.1: one per
   * connection; HTTP/2: up to the server's stream limit). For tests and the scale bench.
   */
  connectionStats(): { connections: number; connected: number; requests: number[] } {
    const stats = this.pools.filter((pool) => !pool.destroyed && !pool.closed).map((pool) => pool.connectionStats());
    return {
      connections: stats.reduce((sum, s) => sum + s.connections, 0),
      connected: stats.reduce((sum, s) => sum + s.connected, 0),
      requests: stats.flatMap((s) => s.requests),
    };
  }

  /** One request-response exchange. Does not throw on non-2xx; throws WatchmarkError on transport failure. */
  async requestJson(method: HttpMethod, path: string, options: RequestJsonOptions = {}): Promise<JsonResponse> {
    return this.exchange(method, path, options);
  }

  /**
   * Opens a watch and records it until it closes. Resolves with the record for every transport
   * outcome (refused, reset, non-200, EOF, abort); rejects only for programming errors.
   */
  async watch(spec: WatchSpec, options: WatchCallOptions = {}): Promise<StreamRecord> {
    if (this.closed) throw new Error('TargetClient.watch() after close()');
    const path = `${this.address.pathPrefix}${spec.basePath}?${buildWatchQuery(spec.options)}`;
    const record: StreamRecord = {
      id: spec.id,
      scenario: spec.scenario,
      request: {
        method: 'GET',
        path,
        ...(spec.namespace !== undefined ? { namespace: spec.namespace } : {}),
        watched: { ...spec.watched },
        options: { ...spec.options },
        sentAtMs: this.clock.nowMs(),
        ...(this.options.encoding === 'protobuf' ? { accept: PROTOBUF_WATCH_ACCEPT } : {}),
      },
      entries: [],
    };
    const probe = new ProtocolProbe();
    const recorder = new WatchStreamRecorder(record, { clock: this.clock, probe, onEntry: options.onEntry, maxFrameBytes: this.options.maxFrameBytes, arrivalNs: this.arrivalNs });
    const { signal } = options;

    const onAbort = () => recorder.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    this.activeWatches.add(recorder);
    const forget = () => {
      signal?.removeEventListener('abort', onAbort);
      this.activeWatches.delete(recorder);
    };
    recorder.done.then(forget, forget);

    let auth: Record<string, string>;
    try {
      auth = await this.connection.authHeaders();
    } catch (err) {
      record.request.sentAtMs = this.clock.nowMs();
      recorder.failBeforeSend(transportFailure('WM_AUTH_HEADERS', err instanceof Error ? err.message : String(err)));
      return recorder.done;
    }
    if (signal?.aborted) recorder.abort();
    if (recorder.isClosed) return recorder.done; // aborted or client closed while deriving headers

    recorder.setRedactor(redactorFor(auth));
    // client-go takes watchStart just before sending, too (reflector.go).
    record.request.sentAtMs = this.clock.nowMs();
    if (this.timeouts.headersMs > 0) {
      // Connect plus response headers, never the body: a watch stays open and quiet for minutes.
      const failure = this.timeoutFailure('WM_HEADERS_TIMEOUT', this.timeouts.headersMs);
      const cancel = this.scheduler.after(this.timeouts.headersMs, () => recorder.failUnanswered(failure));
      recorder.done.then(cancel, cancel);
    }
    this.agent.dispatch(
      withProbe(
        {
          origin: this.address.origin,
          path,
          method: 'GET',
          headers: { accept: record.request.accept ?? 'application/json', 'user-agent': USER_AGENT, ...auth },
        },
        probe,
      ),
      recorder,
    );
    return recorder.done;
  }

  /** One LIST request, recorded. Never throws for transport failures (status 0 and `error` instead). */
  async list(spec: ListSpec, options: { signal?: AbortSignal } = {}): Promise<ListRecord> {
    const path = `${this.address.pathPrefix}${spec.path}`;
    let sentAtMs = this.clock.nowMs();
    const base = { id: spec.id, scenario: spec.scenario, path };
    let response: JsonResponse;
    try {
      response = await this.exchange('GET', spec.path, { ...(options.signal ? { signal: options.signal } : {}) }, () => {
        sentAtMs = this.clock.nowMs();
      });
    } catch (err) {
      return { ...base, sentAtMs, atMs: this.clock.nowMs(), status: 0, error: err instanceof Error ? err.message : String(err) };
    }
    const atMs = this.clock.nowMs();
    const record: ListRecord = { ...base, sentAtMs, atMs, status: response.status };
    const list = asRecord(response.body);
    const metadata = asRecord(list?.['metadata']);
    if (Array.isArray(list?.['items'])) record.itemCount = (list['items'] as unknown[]).length;
    if (typeof metadata?.['resourceVersion'] === 'string') record.resourceVersion = metadata['resourceVersion'];
    if (typeof metadata?.['continue'] === 'string' && metadata['continue'] !== '') record.continueToken = metadata['continue'];
    if (response.status < 200 || response.status > 299) {
      const message = list?.['message'];
      record.error = typeof message === 'string' && message ? message : `HTTP ${response.status}: ${responseBodyExcerpt(response.body, response.text, 1024)}`;
    }
    return record;
  }

  /** Ends every open watch (`client-abort`) and destroys the connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const recorder of [...this.activeWatches]) recorder.abort();
    await this.agent.destroy();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async exchange(method: HttpMethod, path: string, options: RequestJsonOptions, onSend?: () => void): Promise<JsonResponse> {
    if (this.closed) throw new Error(`TargetClient.${method} ${path} after close()`);
    let auth: Record<string, string>;
    try {
      auth = await this.connection.authHeaders();
    } catch (err) {
      if (err instanceof WatchmarkError) throw err;
      throw toWatchmarkError(transportFailure('WM_AUTH_HEADERS', err instanceof Error ? err.message : String(err)), this.server, err);
    }
    const redact = redactorFor(auth);
    const headers: Record<string, string> = { accept: options.accept ?? 'application/json', 'user-agent': USER_AGENT, ...auth };
    let body: string | undefined;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = options.contentType ?? 'application/json';
    }
    // The client's own deadlines: response headers (connect included) within headersMs, and with
    // --request-timeout the whole exchange within exchangeMs. `expired` says which one ran out.
    const deadline = new AbortController();
    let expired: TransportFailure | undefined;
    const expire = (failure: TransportFailure) => () => {
      expired ??= failure;
      deadline.abort(new Error(failure.message));
    };
    const { headersMs, exchangeMs } = this.timeouts;
    // Armed first: when both bounds are equal and no head came, the headers one names the problem.
    const cancelHeadersDeadline = headersMs > 0 ? this.scheduler.after(headersMs, expire(this.timeoutFailure('WM_HEADERS_TIMEOUT', headersMs))) : () => {};
    const cancelExchangeDeadline = exchangeMs > 0 ? this.scheduler.after(exchangeMs, expire(this.timeoutFailure('WM_REQUEST_TIMEOUT', exchangeMs))) : () => {};
    const signal = options.signal ? AbortSignal.any([options.signal, deadline.signal]) : deadline.signal;
    try {
      onSend?.();
      const response = await this.agent.request({
        origin: this.address.origin,
        path: `${this.address.pathPrefix}${path}`,
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
        signal,
        bodyTimeout: this.timeouts.bodyIdleMs,
      });
      cancelHeadersDeadline();
      const text = await response.body.text();
      const recorded: Record<string, string> = {};
      for (const [name, value] of Object.entries(response.headers)) {
        if (value !== undefined) recorded[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
      }
      if (response.statusCode === 400 && this.address.protocol === 'http:' && /HTTP request to an HTTPS server/i.test(text)) {
        // Go's net/http answers plain HTTP on a TLS port with this 400 (crypto/tls server.go).
        throw new WatchmarkError(
          'WM_CONNECT',
          `${method} ${this.server}${path} answered 400 "${responseBodyExcerpt(undefined, text, 120)}": the server speaks TLS; use ${this.tlsUrlHint()}`,
          { server: this.server },
        );
      }
      return { status: response.statusCode, headers: recorded, body: parseJson(text), text };
    } catch (err) {
      if (err instanceof WatchmarkError) throw err;
      const failure = options.signal?.aborted ? transportFailure('WM_ABORTED') : (expired ?? this.classify(err));
      const error = toWatchmarkError(failure, this.server, err);
      if (failure.code === 'WM_CONN_RESET' && this.address.protocol === 'http:') {
        // A TLS server hangs up on plain HTTP (Node's does, without a word): the likeliest cause.
        error.message += `; if ${this.address.origin.replace(/^http:\/\//, '')} serves TLS, use ${this.tlsUrlHint()}`;
      }
      // A bound that ran out names the request that got no answer, not only the server.
      if (failure === expired || failure.code === 'WM_CONNECT_TIMEOUT' || failure.code === 'WM_BODY_TIMEOUT') {
        error.message = `${method} ${this.server}${path}: ${failure.message}`;
      }
      error.message = redact(error.message);
      throw error;
    } finally {
      cancelHeadersDeadline();
      cancelExchangeDeadline();
    }
  }

  /** The server URL with https:// instead of http://, for messages about plain HTTP sent to a TLS port. */
  private tlsUrlHint(): string {
    return `https://${this.address.origin.replace(/^http:\/\//, '')}${this.address.pathPrefix}`;
  }

  /** classifyTransportError, with undici's timeouts described by the bound that ran out. */
  private classify(err: unknown): TransportFailure {
    const failure = classifyTransportError(err);
    if (failure.code === 'WM_CONNECT_TIMEOUT' && failure.sourceCode === 'UND_ERR_CONNECT_TIMEOUT') {
      return this.timeoutFailure('WM_CONNECT_TIMEOUT', this.timeouts.connectMs);
    }
    if (failure.code === 'WM_BODY_TIMEOUT') return this.timeoutFailure('WM_BODY_TIMEOUT', this.timeouts.bodyIdleMs);
    return failure;
  }

  /** The one-line failure for a bound that ran out, naming the bound and the flag that sets it. */
  private timeoutFailure(code: TransportErrorCode, ms: number): TransportFailure {
    const bound = formatTimeoutMs(ms);
    const text =
      code === 'WM_CONNECT_TIMEOUT'
        ? `could not connect within ${bound} (connect timed out; --request-timeout)`
        : code === 'WM_BODY_TIMEOUT'
          ? `response body silent for ${bound}, timed out (--request-timeout)`
          : code === 'WM_REQUEST_TIMEOUT'
            ? `no complete response within ${bound}, timed out (--request-timeout)`
            : `no response headers within ${bound} (--request-timeout)`;
    return { code, sourceCode: '', message: text, closeReason: 'error' };
  }
}

/** undici connect options from kubeconfig TLS material. Verification stays on unless told otherwise. */
export function tlsConnectOptions(tls: TlsMaterial): {
  rejectUnauthorized: boolean;
  ca?: string;
  cert?: string;
  key?: string;
  servername?: string;
} {
  return {
    rejectUnauthorized: !tls.insecureSkipTlsVerify,
    ...(tls.caPem ? { ca: tls.caPem } : {}),
    ...(tls.certPem ? { cert: tls.certPem } : {}),
    ...(tls.keyPem ? { key: tls.keyPem } : {}),
    ...(tls.serverName ? { servername: tls.serverName } : {}),
  };
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
