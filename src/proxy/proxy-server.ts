/**
 * `watchmark proxy`: a loopback reverse proxy (HTTPS with HTTP/2 and HTTP/1.1, or plain HTTP) in
 * front of a target API server. Clients authenticate to it with its own bearer token (written
 * into the kubeconfig it issues); it authenticates upstream with the target's credentials, so
 * the client never sees them. Everything passes through unchanged except what the faults change
 * on the requests they match (request-match.ts): answers the proxy gives itself, a rewritten
 * watch-list query, and watch streams through FaultedStream (stream-faults.ts).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { Agent } from 'undici';
import type { Clock } from '../clock.js';
import { WatchmarkError } from '../errors.js';
import { keepAliveScheduler, type Scheduler } from '../scheduler.js';
import { renderKubeconfig } from '../server/kubeconfig.js';
import { listenLoopback } from '../server/loopback-listener.js';
import { negotiateOutput } from '../server/negotiation.js';
import { generateSelfSignedTls } from '../tls/self-signed.js';
import { parseServer, type Connection } from '../transport/connection.js';
import { tlsConnectOptions } from '../transport/client.js';
import { faultDefinition, type Fault, type FaultName } from './faults.js';
import { errorEventFrame, expiredStatus, streamEncodingOf } from './frames.js';
import { classifyRequest, requestMatches, withoutInitialEvents, type ClassifiedRequest, type RequestMatcher } from './request-match.js';
import { FaultedStream, type StreamOutcome } from './stream-faults.js';
import { seededRandom } from '../seeded-random.js';
import { forwardedHeaders, headerValue, readBody, resetResponse, responseHeaders, statusFor, type Req, type Res } from './http-parts.js';


export interface ProxyOptions {
  /** How to reach and authenticate to the target. */
  upstream: Connection;
  faults: readonly Fault[];
  matcher: RequestMatcher;
  /** Port on 127.0.0.1 (0: a free one). */
  port: number;
  /** HTTPS (HTTP/2 and HTTP/1.1) with a generated CA; false: plain HTTP/1.1. */
  tls: boolean;
  clock: Clock;
  scheduler: Scheduler;
  /** --request-timeout: bounds the connect and response headers of each forwarded request (unset: connect 30 s, headers unbounded: the client has its own); 0 = no bound. */
  requestTimeoutMs?: number | undefined;
  /** Seeds drop-events and duplicate-events. */
  seed: number;
  /** One line per request touched and per fault applied. */
  log: (line: string) => void;
  /** Everything the client of a touched request was sent (--record). */
  record?: (entry: ProxyRecordEntry) => void;
}

/** One line of `--record`: a touched request, its answer, a frame the client was sent, a fault, its end. */
export type ProxyRecordEntry =
  | { kind: 'request'; id: number; atMs: number; method: string; path: string; forwardedPath?: string; match: ClassifiedRequest['kind']; resource?: string }
  | { kind: 'response'; id: number; atMs: number; status: number; contentType?: string }
  | { kind: 'frame'; id: number; atMs: number; bytes: number; text?: string; base64?: string }
  | { kind: 'fault'; id: number; atMs: number; fault: FaultName; detail: string }
  | { kind: 'end'; id: number; atMs: number; outcome: StreamOutcome | 'answered'; framesIn: number; framesOut: number };

/** What the proxy did to one touched request (the tests read these). */
export interface TouchedRequest {
  id: number;
  method: string;
  path: string;
  kind: ClassifiedRequest['kind'];
  resource: string | undefined;
  status?: number;
  counts: Partial<Record<FaultName, number>>;
  framesIn: number;
  framesOut: number;
  outcome?: StreamOutcome | 'answered';
}

export interface RunningProxy extends AsyncDisposable {
  url: string;
  token: string;
  caCertPem?: string;
  kubeconfigYaml(options?: { contextName?: string; namespace?: string }): string;
  /** Every request a fault touched, in order. */
  touched(): readonly TouchedRequest[];
  /** Each fault's total count over every request. */
  totals(): Partial<Record<FaultName, number>>;
  stop(): Promise<void>;
}

const STOP_GRACE_MS = 2_000;

export async function startProxy(options: ProxyOptions): Promise<RunningProxy> {
  const upstream = parseServer(options.upstream.server);
  const token = randomBytes(32).toString('hex');
  const tokenBytes = Buffer.from(`Bearer ${token}`);
  const tlsMaterial = options.tls ? generateSelfSignedTls('watchmark-proxy') : undefined;
  const bound = options.requestTimeoutMs;
  const agent = new Agent({
    // Watches are quiet for minutes: never a body timeout.
    bodyTimeout: 0,
    headersTimeout: bound ?? 0,
    // HTTP/1.1 upstream, one connection per open watch (clients still get HTTP/2 and HTTP/1.1 from
    // the proxy; watch semantics do not depend on the hop). undici 7.30.2's HTTP/2 client broke
    // twice: once the proxy had aborted upstream watch streams for informers that went away,
    // agent.destroy() failed its own `assert(client[kPending] === 0)` uncaught and never settled,
    // so stop() hung (test/real/proxy-bookmark-faults.test.ts); and a DELETE with a body
    // (client-go's DeleteOptions) asserted "buffer body must have content length" and left the
    // session broken (src/proxy/proxy-upstream.test.ts).
    allowH2: false,
    connect: { ...tlsConnectOptions(options.upstream.tls), timeout: bound ?? 30_000 },
  });
  const random = seededRandom(options.seed);
  const touched: TouchedRequest[] = [];
  const totals: Partial<Record<FaultName, number>> = {};
  const inflight = new Set<() => void>();
  const streamFaults = options.faults.filter((f) => faultDefinition(f.name).acts === 'stream' || f.name === 'ignore-send-initial-events');
  let nextId = 0;

  const now = () => options.clock.nowMs();
  const count = (entry: TouchedRequest, fault: FaultName, detail: string) => {
    entry.counts[fault] = (entry.counts[fault] ?? 0) + 1;
    totals[fault] = (totals[fault] ?? 0) + 1;
    options.log(`#${entry.id} ${fault}: ${detail}`);
    options.record?.({ kind: 'fault', id: entry.id, atMs: now(), fault, detail });
  };
  const recordFrame = (id: number, bytes: Buffer, encoding: 'json' | 'protobuf') =>
    options.record?.({ kind: 'frame', id, atMs: now(), bytes: bytes.length, ...(encoding === 'json' ? { text: bytes.toString('utf8') } : { base64: bytes.toString('base64') }) });

  const authorized = (req: Req): boolean => {
    const given = Buffer.from(String(req.headers.authorization ?? ''));
    return given.length === tokenBytes.length && timingSafeEqual(given, tokenBytes);
  };

  const answer = (res: Res, code: number, body: Buffer | string, contentType: string, extra: Record<string, string> = {}) => {
    if (res.headersSent) return;
    res.writeHead(code, { 'content-type': contentType, 'cache-control': 'no-cache, private', ...extra });
    res.end(body);
  };
  const answerStatus = (res: Res, code: number, message: string, extra: Record<string, string> = {}) =>
    answer(res, code, JSON.stringify(statusFor(code, message)), 'application/json', extra);

  async function handle(req: Req, res: Res): Promise<void> {
    if (!authorized(req)) return answerStatus(res, 401, 'Unauthorized');
    const method = req.method ?? 'GET';
    const pathAndQuery = req.url ?? '/';
    if (req.headers.upgrade || (req.headers.connection ?? '').toString().toLowerCase().includes('upgrade')) {
      return answerStatus(res, 501, 'watchmark proxy does not forward connection upgrades (exec, attach, port-forward)');
    }
    const classified = classifyRequest(method, pathAndQuery);
    const matched = options.faults.length > 0 && requestMatches(options.matcher, classified);
    const entry: TouchedRequest | undefined = matched
      ? { id: ++nextId, method, path: pathAndQuery, kind: classified.kind, resource: classified.resource, counts: {}, framesIn: 0, framesOut: 0 }
      : undefined;
    if (entry) touched.push(entry);

    const body = await readBody(req);
    let forwardPath = pathAndQuery;
    if (entry) {
      const label = `${classified.kind}${classified.resource ? ` ${classified.resource}` : ''}`;
      const answerWith = options.faults.find((f) => f.name === 'answer-status');
      const isRewatch = classified.kind === 'watch' && classified.resourceVersion !== '' && classified.resourceVersion !== '0';
      if (answerWith) {
        options.record?.({ kind: 'request', id: entry.id, atMs: now(), method, path: pathAndQuery, match: classified.kind, ...(classified.resource ? { resource: classified.resource } : {}) });
        options.log(`#${entry.id} ${method} ${pathAndQuery} (${label})`);
        count(entry, 'answer-status', `answered ${answerWith.value} without forwarding`);
        answerStatus(res, answerWith.value, `watchmark proxy: answer-status=${answerWith.value}`, answerWith.value === 429 || answerWith.value === 503 ? { 'retry-after': '1' } : {});
        return finishAnswered(entry, answerWith.value);
      }
      if (isRewatch && options.faults.some((f) => f.name === 'answer-410')) {
        options.record?.({ kind: 'request', id: entry.id, atMs: now(), method, path: pathAndQuery, match: classified.kind, ...(classified.resource ? { resource: classified.resource } : {}) });
        options.log(`#${entry.id} ${method} ${pathAndQuery} (${label})`);
        // kube-apiserver's negotiation (q-values, concrete before wildcard), as serve answers.
        const encoding = negotiateOutput(req.headers.accept) === 'protobuf' ? 'protobuf' : 'json';
        const frame = errorEventFrame(expiredStatus(classified.resourceVersion), encoding);
        count(entry, 'answer-410', `answered the re-watch from RV ${classified.resourceVersion} with a 410 Expired ERROR event`);
        recordFrame(entry.id, frame, encoding);
        answer(res, 200, frame, encoding === 'json' ? 'application/json' : 'application/vnd.kubernetes.protobuf;stream=watch');
        entry.framesOut = 1;
        return finishAnswered(entry, 200);
      }
      if (classified.kind === 'watch-list' && options.faults.some((f) => f.name === 'ignore-send-initial-events')) {
        forwardPath = withoutInitialEvents(pathAndQuery);
      }
      options.record?.({
        kind: 'request', id: entry.id, atMs: now(), method, path: pathAndQuery, match: classified.kind,
        ...(classified.resource ? { resource: classified.resource } : {}),
        ...(forwardPath !== pathAndQuery ? { forwardedPath: forwardPath } : {}),
      });
      options.log(`#${entry.id} ${method} ${pathAndQuery} (${label})`);
      if (forwardPath !== pathAndQuery) count(entry, 'ignore-send-initial-events', `forwarded as ${forwardPath}`);
    }

    const abort = new AbortController();
    const cancel = () => abort.abort();
    inflight.add(cancel);
    res.once('close', () => {
      inflight.delete(cancel);
      abort.abort();
    });
    const isWatch = classified.kind === 'watch' || classified.kind === 'watch-list';
    const faultsStream = entry !== undefined && isWatch && streamFaults.length > 0;
    const headers = forwardedHeaders(req.headers);
    // kube-apiserver gzips watch responses for clients that accept it (Go's transport always
    // offers gzip), and the faults read frames: a watch they act on is asked for uncompressed.
    if (faultsStream) delete headers['accept-encoding'];
    let upstreamResponse: Awaited<ReturnType<Agent['request']>>;
    try {
      const auth = await options.upstream.authHeaders();
      upstreamResponse = await agent.request({
        origin: upstream.origin,
        path: `${upstream.pathPrefix}${forwardPath}`,
        method: method as 'GET',
        headers: { ...headers, ...auth },
        ...(body.length > 0 ? { body } : {}),
        signal: abort.signal,
      });
    } catch (err) {
      if (abort.signal.aborted) return;
      const message = err instanceof Error ? err.message : String(err);
      if (entry) options.log(`#${entry.id} upstream request failed: ${message}`);
      return answerStatus(res, 502, `watchmark proxy: the request to ${upstream.origin} failed: ${message}`);
    }
    const status = upstreamResponse.statusCode;
    const contentType = headerValue(upstreamResponse.headers['content-type']);
    const contentEncoding = headerValue(upstreamResponse.headers['content-encoding']);
    const encoded = contentEncoding !== undefined && contentEncoding.toLowerCase() !== 'identity';
    const faulted = faultsStream && status === 200 && !encoded;
    if (entry) {
      entry.status = status;
      options.record?.({ kind: 'response', id: entry.id, atMs: now(), status, ...(contentType ? { contentType } : {}) });
      options.log(`#${entry.id} -> ${status}${contentType ? ` ${contentType}` : ''}${faulted ? `; faults: ${streamFaults.map((f) => f.text).join(', ')}` : ''}`);
      // Never a silent no-op: a body the faults cannot read goes through unchanged, and says so.
      if (faultsStream && status === 200 && encoded) options.log(`#${entry.id} content-encoding ${contentEncoding}: passed through without faults`);
    }
    res.writeHead(status, responseHeaders(upstreamResponse.headers, faulted));
    // A watch may stay silent for minutes: its headers go out now, not with the first event.
    if ('flushHeaders' in res) res.flushHeaders();
    const upstreamBody = upstreamResponse.body;
    upstreamBody.on('error', () => {});
    res.on('drain', () => upstreamBody.resume());
    const write = (chunk: Buffer) => {
      if (res.destroyed || res.writableEnded) return;
      if (!(res as ServerResponse).write(chunk)) upstreamBody.pause();
    };

    if (!faulted) {
      upstreamBody.on('data', (chunk: Buffer) => {
        if (entry) recordFrame(entry.id, chunk, streamEncodingOf(contentType));
        write(chunk);
      });
      upstreamBody.on('end', () => {
        res.end();
        if (entry) finishStream(entry, 'ended', 0, 0);
      });
      upstreamBody.on('error', () => resetResponse(req, res));
      return;
    }
    const encoding = streamEncodingOf(contentType);
    const stream = new FaultedStream({
      faults: streamFaults,
      encoding,
      requestKind: classified.kind,
      clock: options.clock,
      scheduler: options.scheduler,
      random,
      onApplied: (fault, detail) => count(entry, fault, detail),
      sink: {
        write: (bytes) => {
          recordFrame(entry.id, bytes, encoding);
          write(bytes);
        },
        end: () => res.end(),
        reset: () => resetResponse(req, res),
        stopUpstream: () => {
          abort.abort();
          upstreamBody.destroy();
        },
      },
    });
    res.once('close', () => {
      stream.clientGone();
      finishStream(entry, stream.outcome, stream.framesIn, stream.framesOut);
    });
    stream.start();
    upstreamBody.on('data', (chunk: Buffer) => stream.push(chunk));
    upstreamBody.on('end', () => stream.end());
    upstreamBody.on('error', () => {
      if (stream.outcome === 'open') resetResponse(req, res);
    });
  }

  const finished = new Set<number>();
  function finishStream(entry: TouchedRequest, outcome: StreamOutcome, framesIn: number, framesOut: number): void {
    if (finished.has(entry.id)) return;
    finished.add(entry.id);
    entry.outcome = outcome === 'open' ? 'client-gone' : outcome;
    if (framesIn > 0 || framesOut > 0) {
      entry.framesIn = framesIn;
      entry.framesOut = framesOut;
    }
    const counts = Object.entries(entry.counts).map(([f, n]) => `${f} x${n}`).join(', ');
    options.log(`#${entry.id} ended (${entry.outcome})${framesIn > 0 || framesOut > 0 ? `: ${framesIn} frames in, ${framesOut} out` : ''}${counts ? `; ${counts}` : ''}`);
    options.record?.({ kind: 'end', id: entry.id, atMs: now(), outcome: entry.outcome, framesIn: entry.framesIn, framesOut: entry.framesOut });
  }
  function finishAnswered(entry: TouchedRequest, status: number): void {
    entry.status = status;
    entry.outcome = 'answered';
    finished.add(entry.id);
    options.record?.({ kind: 'end', id: entry.id, atMs: now(), outcome: 'answered', framesIn: 0, framesOut: entry.framesOut });
  }

  const handler = (req: Req, res: Res) => {
    handle(req, res).catch((err: unknown) => {
      options.log(`internal error: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) answerStatus(res, 500, 'watchmark proxy internal error');
      else resetResponse(req, res);
    });
  };

  const { server, port, sockets, sessions } = await listenLoopback({
    mode: tlsMaterial ? 'h2' : 'http',
    ...(tlsMaterial ? { tls: tlsMaterial } : {}),
    handler,
    port: options.port,
    listenError: (err) => new WatchmarkError('WM_USAGE', `watchmark proxy cannot listen on 127.0.0.1:${options.port}: ${err.message}`, { code: err.code }),
  });
  const url = `${tlsMaterial ? 'https' : 'http'}://127.0.0.1:${port}`;

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const cancel of [...inflight]) cancel();
      for (const session of sessions) session.destroy();
      for (const socket of sockets) socket.destroy();
      const cancelForced = keepAliveScheduler.after(STOP_GRACE_MS, () => {
        for (const socket of sockets) socket.destroy();
      });
      await closed;
      cancelForced();
      await agent.destroy().catch(() => {});
    })();
    return stopping;
  };

  return {
    url,
    token,
    ...(tlsMaterial ? { caCertPem: tlsMaterial.caCertPem } : {}),
    kubeconfigYaml: (kubeconfigOptions = {}) =>
      renderKubeconfig({ url, token, contextName: 'watchmark-proxy', ...kubeconfigOptions, ...(tlsMaterial ? { caCertPem: tlsMaterial.caCertPem } : {}) }),
    touched: () => touched,
    totals: () => ({ ...totals }),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
