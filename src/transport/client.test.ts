/**
 * TargetClient against real loopback servers on port 0 (node:http, node:https, node:http2) with
 * scripted streams. Timing is driven by a FakeClock the test moves between server writes; the
 * test waits for what the client has received (chunk entries), never for wall time.
 */
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { WatchmarkError } from '../errors.js';
import type { ChunkEntry, CloseEntry, StreamRecord, TimelineEntry } from '../record/timeline.js';
import { generateSelfSignedTls, type GeneratedTls } from '../tls/self-signed.js';
import { TargetClient, type WatchSpec } from './client.js';
import { HTTP2_CONNECTION_WINDOW_BYTES, HTTP2_STREAM_WINDOW_BYTES } from './stream-pool.js';
import type { Connection } from './connection.js';

// ---------------------------------------------------------------------------------------------
// Loopback servers

type ServerKind = 'http' | 'https' | 'h2';
type AnyRequest = http.IncomingMessage | http2.Http2ServerRequest;
type AnyResponse = http.ServerResponse | http2.Http2ServerResponse;

interface Exchange {
  req: AnyRequest;
  res: AnyResponse;
  /** Resolves when the server sees the client go away (request aborted or connection closed). */
  clientGone: Promise<void>;
}

/** A queue of incoming requests the test takes one by one. */
class Loopback {
  private readonly queue: Exchange[] = [];
  private readonly waiting: Array<(exchange: Exchange) => void> = [];
  private readonly sockets = new Set<Socket>();
  private readonly sessions = new Set<http2.ServerHttp2Session>();
  /** Set a handler to answer requests immediately instead of queueing them. */
  autoRespond: ((req: AnyRequest, res: AnyResponse) => void) | undefined;
  url = '';

  constructor(
    readonly kind: ServerKind,
    private readonly server: http.Server | https.Server | http2.Http2SecureServer,
  ) {
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    server.on('session', (session: http2.ServerHttp2Session) => {
      this.sessions.add(session);
      session.on('close', () => this.sessions.delete(session));
    });
    server.on('request', (req: AnyRequest, res: AnyResponse) => {
      if (this.autoRespond) {
        this.autoRespond(req, res);
        return;
      }
      const clientGone = new Promise<void>((resolve) => {
        res.on('close', () => resolve());
      });
      const exchange = { req, res, clientGone };
      const waiter = this.waiting.shift();
      if (waiter) waiter(exchange);
      else this.queue.push(exchange);
    });
  }

  static async start(kind: ServerKind, tls: GeneratedTls): Promise<Loopback> {
    const server =
      kind === 'http'
        ? http.createServer()
        : kind === 'https'
          ? https.createServer({ cert: tls.certPem, key: tls.keyPem })
          : http2.createSecureServer({ cert: tls.certPem, key: tls.keyPem, allowHTTP1: true });
    const loopback = new Loopback(kind, server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    loopback.url = `${kind === 'http' ? 'http' : 'https'}://127.0.0.1:${port}`;
    return loopback;
  }

  /** The server's HTTP/2 sessions open now. */
  h2Sessions(): http2.ServerHttp2Session[] {
    return [...this.sessions];
  }

  nextRequest(): Promise<Exchange> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  async close(): Promise<void> {
    for (const session of this.sessions) session.destroy();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Sends the response head now (status 200 is flushed before any event, as kube-apiserver does). */
function startStream(res: AnyResponse, status = 200, contentType = 'application/json'): void {
  res.writeHead(status, { 'content-type': contentType });
  if (res instanceof http.ServerResponse) res.flushHeaders();
}

/** Writes body bytes (the http and http2 response types do not share write's overloads). */
function send(res: AnyResponse, data: string | Uint8Array): void {
  (res as http.ServerResponse).write(data);
}

/** Writes a whole response (the http and http2 response types do not share writeHead's overloads). */
function respond(res: AnyResponse, status: number, headers: Record<string, string> = {}, body = ''): void {
  res.writeHead(status, headers);
  res.end(body);
}

/** Resets the stream from the server side: the TCP connection, or the HTTP/2 stream. */
function resetFromServer(exchange: Exchange): void {
  if (exchange.res instanceof http2.Http2ServerResponse) exchange.res.stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
  else exchange.req.socket.destroy();
}

// ---------------------------------------------------------------------------------------------
// Client-side helpers

/** Collects entries through onEntry and lets the test wait for conditions on them. */
class EntryTap {
  readonly entries: TimelineEntry[] = [];
  private waiters: Array<{ until: (entries: TimelineEntry[]) => boolean; resolve: () => void }> = [];

  readonly onEntry = (entry: TimelineEntry): void => {
    this.entries.push(entry);
    this.waiters = this.waiters.filter((w) => {
      if (!w.until(this.entries)) return true;
      w.resolve();
      return false;
    });
  };

  until(condition: (entries: TimelineEntry[]) => boolean): Promise<void> {
    if (condition(this.entries)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ until: condition, resolve }));
  }

  untilKind(kind: TimelineEntry['kind']): Promise<void> {
    return this.until((entries) => entries.some((e) => e.kind === kind));
  }

  untilBytes(total: number): Promise<void> {
    return this.until((entries) => receivedBytes(entries) >= total);
  }
}

function receivedBytes(entries: TimelineEntry[]): number {
  return entries.filter((e): e is ChunkEntry => e.kind === 'chunk').reduce((sum, e) => sum + e.bytes, 0);
}

const of = <K extends TimelineEntry['kind']>(record: StreamRecord, kind: K) =>
  record.entries.filter((e) => e.kind === kind) as Array<Extract<TimelineEntry, { kind: K }>>;

function closeOf(record: StreamRecord): CloseEntry {
  const closes = of(record, 'close');
  expect(closes).toHaveLength(1);
  expect(record.entries.at(-1)).toBe(closes[0]);
  return closes[0]!;
}

const spec = (overrides: Partial<WatchSpec> = {}): WatchSpec => ({
  id: 'watch#1',
  scenario: 'test',
  basePath: '/api/v1/namespaces/ns/configmaps',
  namespace: 'ns',
  watched: { apiVersion: 'v1', kind: 'ConfigMap', resource: 'configmaps' },
  options: { resourceVersion: '10', allowWatchBookmarks: true, timeoutSeconds: 300 },
  ...overrides,
});

const configMap = (name: string, rv: string, note = '') => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'ns', resourceVersion: rv },
  data: { note },
});

const line = (event: unknown) => JSON.stringify(event) + '\n';

// ---------------------------------------------------------------------------------------------

let trusted: GeneratedTls;
let untrusted: GeneratedTls;
const servers: Loopback[] = [];
const clients: TargetClient[] = [];

beforeAll(() => {
  trusted = generateSelfSignedTls('watchmark-test');
  untrusted = generateSelfSignedTls('someone-else');
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(kind: ServerKind, tls = trusted): Promise<Loopback> {
  const server = await Loopback.start(kind, tls);
  servers.push(server);
  return server;
}

interface ClientSetup {
  clock?: FakeClock;
  allowH2?: boolean;
  caPem?: string;
  insecureSkipTlsVerify?: boolean;
  authHeaders?: () => Promise<Record<string, string>>;
  pathPrefix?: string;
}

function connect(server: Loopback, setup: ClientSetup = {}): { client: TargetClient; clock: FakeClock } {
  const clock = setup.clock ?? new FakeClock(0);
  const connection: Connection = {
    server: server.url + (setup.pathPrefix ?? ''),
    tls: {
      insecureSkipTlsVerify: setup.insecureSkipTlsVerify ?? false,
      ...(server.kind === 'http' ? {} : { caPem: setup.caPem ?? trusted.caCertPem }),
    },
    allowH2: setup.allowH2 ?? server.kind === 'h2',
    authHeaders: setup.authHeaders ?? (async () => ({})),
  };
  const client = new TargetClient(connection, clock);
  clients.push(client);
  return { client, clock };
}

const KINDS: Array<{ kind: ServerKind; httpVersion: string }> = [
  { kind: 'http', httpVersion: '1.1' },
  { kind: 'https', httpVersion: '1.1' },
  { kind: 'h2', httpVersion: '2.0' },
];

describe.each(KINDS)('watch over $kind', ({ kind, httpVersion }) => {
  it('records chunks as they arrive and decodes frames split oddly across them', async () => {
    const server = await serve(kind);
    const { client, clock } = connect(server);
    const tap = new EntryTap();

    clock.set(10);
    const watching = client.watch(spec(), { onEntry: tap.onEntry });
    const exchange = await server.nextRequest();
    expect(exchange.req.url).toBe('/api/v1/namespaces/ns/configmaps?allowWatchBookmarks=true&resourceVersion=10&timeoutSeconds=300&watch=true');
    expect(exchange.req.httpVersion).toBe(httpVersion);

    clock.set(15);
    startStream(exchange.res);
    await tap.untilKind('response');

    const added = line({ type: 'ADDED', object: configMap('a', '11', 'héllo 😀 {"}') });
    const bookmark = line({ type: 'BOOKMARK', object: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { resourceVersion: '12' } } });
    const modified = JSON.stringify({ type: 'MODIFIED', object: configMap('a', '13') }); // last, no newline
    const stream = Buffer.from(added + bookmark + modified);
    const emoji = stream.indexOf(Buffer.from('😀'));
    const addedEnd = Buffer.byteLength(added);
    // Cuts: inside the first frame, inside the emoji, right after the first frame's "}" but
    // before its newline, and inside the third frame.
    const cuts = [7, emoji + 2, addedEnd - 1, addedEnd + Buffer.byteLength(bookmark) + 20, stream.length];
    const times = [20, 30, 40, 50, 60];
    let from = 0;
    for (const [i, cut] of cuts.entries()) {
      clock.set(times[i]!);
      send(exchange.res, stream.subarray(from, cut));
      await tap.untilBytes(cut);
      from = cut;
    }
    clock.set(70);
    exchange.res.end();
    const record = await watching;

    expect(record.request).toMatchObject({ method: 'GET', sentAtMs: 10, namespace: 'ns', path: exchange.req.url });
    const [response] = of(record, 'response');
    expect(response).toMatchObject({ atMs: 15, status: 200, httpVersion, contentType: 'application/json' });
    expect(response!.headers['content-type']).toBe('application/json');

    // Every byte was recorded, each chunk at the time its write was made.
    const chunks = of(record, 'chunk');
    expect(chunks.reduce((sum, c) => sum + c.bytes, 0)).toBe(stream.length);
    times.forEach((t, i) => {
      const bytesAtT = chunks.filter((c) => c.atMs === t).reduce((sum, c) => sum + c.bytes, 0);
      expect(bytesAtT).toBe(cuts[i]! - (i === 0 ? 0 : cuts[i - 1]!));
    });

    const events = of(record, 'event');
    expect(events.map((e) => [e.seq, e.type, e.atMs])).toEqual([
      [0, 'ADDED', 40], // completed by the chunk written at 40 (its "}" is the last byte of that chunk)
      [1, 'BOOKMARK', 50],
      [2, 'MODIFIED', 60],
    ]);
    expect((events[0]!.object as { data: { note: string } }).data.note).toBe('héllo 😀 {"}');
    expect(of(record, 'malformed')).toEqual([]);
    expect(closeOf(record)).toEqual({ kind: 'close', atMs: 70, reason: 'server-eof' });
    // Every entry was handed to onEntry, in order.
    expect(tap.entries).toEqual(record.entries);
  });

  it('closes with reset when the server drops the stream mid-frame, keeping the truncated frame', async () => {
    const server = await serve(kind);
    const { client, clock } = connect(server);
    const tap = new EntryTap();
    const watching = client.watch(spec(), { onEntry: tap.onEntry });
    const exchange = await server.nextRequest();
    startStream(exchange.res);
    const partial = line({ type: 'ADDED', object: configMap('a', '11') }) + '{"type":"MODIFIED","obj';
    clock.set(5);
    send(exchange.res, partial);
    await tap.untilBytes(Buffer.byteLength(partial));
    clock.set(9);
    resetFromServer(exchange);
    const record = await watching;

    expect(of(record, 'event').map((e) => e.type)).toEqual(['ADDED']);
    expect(of(record, 'malformed')).toEqual([{ kind: 'malformed', atMs: 9, raw: '{"type":"MODIFIED","obj', error: 'truncated frame at end of stream' }]);
    const close = closeOf(record);
    expect(close).toMatchObject({ atMs: 9, reason: 'reset', error: { code: 'WM_CONN_RESET' } });
    expect(close.error!.message).not.toMatch(/\n/);
  });

  it('closes with client-abort when the signal fires, and the server sees the client go', async () => {
    const server = await serve(kind);
    const { client, clock } = connect(server);
    const tap = new EntryTap();
    const controller = new AbortController();
    const watching = client.watch(spec(), { signal: controller.signal, onEntry: tap.onEntry });
    const exchange = await server.nextRequest();
    startStream(exchange.res);
    send(exchange.res, line({ type: 'ADDED', object: configMap('a', '11') }) + '{"type":"MOD');
    await tap.untilKind('event');
    clock.set(33);
    controller.abort();
    const record = await watching;
    await exchange.clientGone;

    // The half frame we cut off ourselves is not blamed on the server.
    expect(of(record, 'malformed')).toEqual([]);
    expect(closeOf(record)).toEqual({ kind: 'close', atMs: 33, reason: 'client-abort' });
  });

  it('records a non-200 response with its body and no frames', async () => {
    const server = await serve(kind);
    const { client } = connect(server);
    const watching = client.watch(spec({ options: { resourceVersion: 'x', sendInitialEvents: true } }));
    const exchange = await server.nextRequest();
    const status = { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided', reason: 'Invalid', code: 422 };
    exchange.res.writeHead(422, { 'content-type': 'application/json' });
    exchange.res.end(JSON.stringify(status));
    const record = await watching;

    const [response] = of(record, 'response');
    expect(response).toMatchObject({ status: 422, httpVersion, contentType: 'application/json' });
    expect(JSON.parse(response!.body!)).toEqual(status);
    expect(record.entries.map((e) => e.kind)).toEqual(['response', 'close']);
    expect(closeOf(record).reason).toBe('server-eof');
  });
});

describe('watch over h2: connection teardown', () => {
  it('closes with reset when the server destroys the whole HTTP/2 session mid-stream', async () => {
    const server = await serve('h2');
    const { client } = connect(server);
    const tap = new EntryTap();
    const watching = client.watch(spec(), { onEntry: tap.onEntry });
    const exchange = await server.nextRequest();
    startStream(exchange.res);
    send(exchange.res, line({ type: 'ADDED', object: configMap('a', '11') }));
    await tap.untilKind('event');
    (exchange.req as http2.Http2ServerRequest).stream.session!.destroy();
    expect(closeOf(await watching)).toMatchObject({ reason: 'reset', error: { code: 'WM_CONN_RESET' } });
  });
});

describe('watch: protocol negotiation', () => {
  it('offers HTTP/2 only when allowH2 is set, and reports what was negotiated', async () => {
    const server = await serve('h2'); // accepts h2 and http/1.1
    for (const allowH2 of [true, false]) {
      const { client } = connect(server, { allowH2 });
      const watching = client.watch(spec());
      const exchange = await server.nextRequest();
      startStream(exchange.res);
      exchange.res.end();
      const record = await watching;
      const expected = allowH2 ? '2.0' : '1.1';
      expect(exchange.req.httpVersion).toBe(expected);
      expect(of(record, 'response')[0]!.httpVersion).toBe(expected);
    }
  });

  it("opens HTTP/2 flow-control windows as client-go's transport does (1 GiB connection, 4 MiB stream)", async () => {
    const server = await serve('h2');
    const { client } = connect(server, { allowH2: true });
    const watching = client.watch(spec());
    const exchange = await server.nextRequest();
    const [session] = server.h2Sessions();
    expect(session!.remoteSettings.initialWindowSize).toBe(HTTP2_STREAM_WINDOW_BYTES);
    // The connection window grows by a WINDOW_UPDATE the client sends once connected.
    for (let turn = 0; turn < 1000 && session!.state.remoteWindowSize !== HTTP2_CONNECTION_WINDOW_BYTES; turn++) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(session!.state.remoteWindowSize).toBe(HTTP2_CONNECTION_WINDOW_BYTES);
    startStream(exchange.res);
    exchange.res.end();
    await watching;
  });

  it('reports HTTP/1.1 when the server does not offer h2 even though the client does', async () => {
    const server = await serve('https');
    const { client } = connect(server, { allowH2: true });
    const watching = client.watch(spec());
    const exchange = await server.nextRequest();
    startStream(exchange.res);
    exchange.res.end();
    expect(of(await watching, 'response')[0]!.httpVersion).toBe('1.1');
  });

  it('keeps the server path prefix', async () => {
    const server = await serve('http');
    const { client } = connect(server, { pathPrefix: '/k8s/clusters/c-1/' });
    const watching = client.watch(spec({ options: {} }));
    const exchange = await server.nextRequest();
    expect(exchange.req.url).toBe('/k8s/clusters/c-1/api/v1/namespaces/ns/configmaps?watch=true');
    respond(exchange.res, 200);
    expect((await watching).request.path).toBe(exchange.req.url);
  });
});

describe('watch: failures before any response', () => {
  it('resolves with an error close and no response entry when the connection is refused', async () => {
    const server = await serve('http');
    const { client } = connect(server);
    await server.close();
    servers.splice(servers.indexOf(server), 1);
    const record = await client.watch(spec());
    expect(record.entries.map((e) => e.kind)).toEqual(['close']);
    expect(closeOf(record)).toMatchObject({ reason: 'error', error: { code: 'WM_CONN_REFUSED' } });
    expect(closeOf(record).error!.message).toMatch(/ECONNREFUSED/);
  });

  it('resolves with an error close when the server certificate is not trusted', async () => {
    const server = await serve('h2', untrusted);
    const { client } = connect(server);
    const record = await client.watch(spec());
    expect(record.entries.map((e) => e.kind)).toEqual(['close']);
    expect(closeOf(record)).toMatchObject({ reason: 'error', error: { code: 'WM_TLS_CERT' } });
  });

  it('resolves with client-abort when the signal is already aborted, sending nothing', async () => {
    const server = await serve('http');
    const { client } = connect(server);
    let requests = 0;
    server.autoRespond = () => requests++;
    const record = await client.watch(spec(), { signal: AbortSignal.abort() });
    expect(record.entries).toEqual([{ kind: 'close', atMs: 0, reason: 'client-abort' }]);
    expect(requests).toBe(0);
  });

  it('resolves with an error close when authHeaders() fails', async () => {
    const server = await serve('http');
    const { client } = connect(server, {
      authHeaders: async () => {
        throw new Error('exec plugin exited with status 1');
      },
    });
    const record = await client.watch(spec());
    expect(closeOf(record)).toMatchObject({ reason: 'error', error: { code: 'WM_AUTH_HEADERS', message: expect.stringContaining('exec plugin exited') } });
  });

  it('ends open watches with client-abort when the client is closed', async () => {
    const server = await serve('h2');
    const { client, clock } = connect(server);
    const tap = new EntryTap();
    const watching = client.watch(spec(), { onEntry: tap.onEntry });
    const exchange = await server.nextRequest();
    startStream(exchange.res);
    await tap.untilKind('response');
    clock.set(44);
    await client.close();
    expect(closeOf(await watching)).toEqual({ kind: 'close', atMs: 44, reason: 'client-abort' });
    await expect(client.watch(spec())).rejects.toThrow(/after close/);
  });

  it('rejects (a programming error) when the onEntry listener throws, and stops the stream', async () => {
    const server = await serve('http');
    const { client } = connect(server);
    const watching = client.watch(spec(), {
      onEntry: (entry) => {
        if (entry.kind === 'event') throw new Error('listener bug');
      },
    });
    const exchange = await server.nextRequest();
    startStream(exchange.res);
    send(exchange.res, line({ type: 'ADDED', object: configMap('a', '1') }));
    await expect(watching).rejects.toThrow('listener bug');
    await exchange.clientGone;
  });
});

describe('credentials', () => {
  it('derives auth headers before every request and never records the token', async () => {
    const server = await serve('h2');
    let calls = 0;
    const tokenFor = (n: number) => `s3cr3t-token-${n}-abcdefghijklmnop`;
    const { client } = connect(server, {
      authHeaders: async () => ({ authorization: `Bearer ${tokenFor(++calls)}` }),
    });
    const seen: string[] = [];

    const first = client.watch(spec({ id: 'a' }));
    const ex1 = await server.nextRequest();
    seen.push(String(ex1.req.headers.authorization));
    // A misbehaving server echoing the credential back must not get it into the record.
    ex1.res.writeHead(401, { 'content-type': 'application/json', 'x-echo': String(ex1.req.headers.authorization) });
    ex1.res.end(JSON.stringify({ kind: 'Status', message: `token ${tokenFor(1)} is not valid` }));

    const second = client.watch(spec({ id: 'b' }));
    const ex2 = await server.nextRequest();
    seen.push(String(ex2.req.headers.authorization));
    startStream(ex2.res);
    ex2.res.end(line({ type: 'ADDED', object: configMap('a', '1') }));

    server.autoRespond = (req, res) => {
      seen.push(String(req.headers.authorization));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"major":"1","minor":"35"}');
    };
    const version = await client.requestJson('GET', '/version');
    expect(version.body).toEqual({ major: '1', minor: '35' });

    const records = await Promise.all([first, second]);
    expect(calls).toBe(3);
    expect(seen).toEqual([1, 2, 3].map((n) => `Bearer ${tokenFor(n)}`));
    const serialized = JSON.stringify(records);
    for (const n of [1, 2, 3]) expect(serialized).not.toContain(tokenFor(n));
    expect(serialized).toContain('[redacted]');
    expect(of(records[1]!, 'event')).toHaveLength(1);
  });

  it('records cookie and auth-challenge response headers with their values replaced', async () => {
    const server = await serve('http');
    const { client } = connect(server);
    const watching = client.watch(spec({ id: 'a' }));
    const ex = await server.nextRequest();
    ex.res.writeHead(401, { 'content-type': 'application/json', 'set-cookie': 'session=c00kie-value', 'www-authenticate': 'Bearer realm="kubernetes"', 'x-other': 'kept' });
    ex.res.end('{"kind":"Status","code":401}');
    const record = await watching;
    expect(of(record, 'response')[0]!.headers).toMatchObject({ 'set-cookie': '[redacted]', 'www-authenticate': '[redacted]', 'x-other': 'kept' });
    expect(JSON.stringify(record)).not.toContain('c00kie-value');
  });
});

describe('requestJson', () => {
  it('returns status, lower-cased headers, parsed body and text without throwing on non-2xx', async () => {
    const server = await serve('https');
    const { client } = connect(server);
    let received: { method?: string; url?: string; contentType?: string; body: string } = { body: '' };
    server.autoRespond = (req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received = { method: req.method!, url: req.url!, contentType: req.headers['content-type']!, body };
        res.writeHead(409, { 'Content-Type': 'application/json', 'X-Thing': 'y' });
        res.end('{"kind":"Status","reason":"AlreadyExists"}');
      });
    };
    const res = await client.requestJson('POST', '/api/v1/namespaces', { body: { metadata: { name: 'x' } } });
    expect(received).toEqual({ method: 'POST', url: '/api/v1/namespaces', contentType: 'application/json', body: '{"metadata":{"name":"x"}}' });
    expect(res.status).toBe(409);
    expect(res.headers['x-thing']).toBe('y');
    expect(res.body).toEqual({ kind: 'Status', reason: 'AlreadyExists' });
    expect(res.text).toBe('{"kind":"Status","reason":"AlreadyExists"}');
  });

  it('gives an undefined body for non-JSON text', async () => {
    const server = await serve('http');
    const { client } = connect(server);
    server.autoRespond = (_req, res) => respond(res, 500, {}, 'upstream exploded');
    expect(await client.requestJson('GET', '/healthz')).toMatchObject({ status: 500, body: undefined, text: 'upstream exploded' });
  });

  it('throws WM_CONNECT naming the server and the code when the connection is refused', async () => {
    const server = await serve('http');
    const { client } = connect(server);
    await server.close();
    servers.splice(servers.indexOf(server), 1);
    const err = await client.requestJson('GET', '/version').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WatchmarkError);
    expect((err as WatchmarkError).code).toBe('WM_CONNECT');
    expect((err as WatchmarkError).message).toContain(server.url);
    expect((err as WatchmarkError).message).toContain('ECONNREFUSED');
    expect((err as WatchmarkError).message).not.toMatch(/\n/);
  });

  it('throws WM_TLS for an untrusted certificate unless insecureSkipTlsVerify is set', async () => {
    const server = await serve('https', untrusted);
    server.autoRespond = (_req, res) => respond(res, 200, { 'content-type': 'application/json' }, '{}');

    const { client } = connect(server); // trusts the other CA
    const err = await client.requestJson('GET', '/version').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WatchmarkError);
    expect((err as WatchmarkError).code).toBe('WM_TLS');
    expect((err as WatchmarkError).details['transportCode']).toBe('WM_TLS_CERT');
    expect((err as WatchmarkError).message).toContain(server.url);

    const { client: insecure } = connect(server, { insecureSkipTlsVerify: true });
    expect((await insecure.requestJson('GET', '/version')).status).toBe(200);

    const { client: trusting } = connect(server, { caPem: untrusted.caCertPem });
    expect((await trusting.requestJson('GET', '/version')).status).toBe(200);
  });

  it('throws WM_ABORTED when its signal fires', async () => {
    const server = await serve('http');
    const { client } = connect(server);
    const controller = new AbortController();
    const pending = client.requestJson('GET', '/slow', { signal: controller.signal });
    await server.nextRequest();
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'WM_ABORTED' });
  });
});

describe('list', () => {
  it('records item count, list resourceVersion, continue token and times', async () => {
    const server = await serve('h2');
    const clock = new FakeClock(100);
    const { client } = connect(server, { clock });
    const listing = client.list({ id: 'list#1', scenario: 'list-watch', path: '/api/v1/namespaces/ns/configmaps?limit=500&resourceVersion=0' });
    const exchange = await server.nextRequest();
    expect(exchange.req.url).toBe('/api/v1/namespaces/ns/configmaps?limit=500&resourceVersion=0');
    clock.set(150);
    exchange.res.writeHead(200, { 'content-type': 'application/json' });
    exchange.res.end(JSON.stringify({ kind: 'ConfigMapList', metadata: { resourceVersion: '77', continue: 'abc' }, items: [configMap('a', '1'), configMap('b', '2')] }));
    expect(await listing).toEqual({
      id: 'list#1',
      scenario: 'list-watch',
      path: '/api/v1/namespaces/ns/configmaps?limit=500&resourceVersion=0',
      sentAtMs: 100,
      atMs: 150,
      status: 200,
      itemCount: 2,
      resourceVersion: '77',
      continueToken: 'abc',
    });
  });

  it('records the Status message of a failed list', async () => {
    const server = await serve('http');
    const { client } = connect(server);
    server.autoRespond = (_req, res) =>
      respond(res, 410, { 'content-type': 'application/json' }, JSON.stringify({ kind: 'Status', message: 'too old resource version: 1 (5)', code: 410 }));
    expect(await client.list({ id: 'l', scenario: 's', path: '/api/v1/configmaps?resourceVersion=1' })).toMatchObject({
      status: 410,
      error: 'too old resource version: 1 (5)',
    });
  });

  it("records a failed list's pretty-printed non-Status body on one line (kinm's 404)", async () => {
    const server = await serve('http');
    const { client } = connect(server);
    server.autoRespond = (_req, res) => respond(res, 404, { 'content-type': 'application/json' }, JSON.stringify({ paths: ['/apis', '/healthz'] }, null, 2));
    expect(await client.list({ id: 'l', scenario: 's', path: '/api/v1/configmaps' })).toMatchObject({ status: 404, error: 'HTTP 404: {"paths":["/apis","/healthz"]}' });
  });

  it('records a transport failure as status 0 instead of throwing', async () => {
    const server = await serve('http');
    const { client } = connect(server);
    await server.close();
    servers.splice(servers.indexOf(server), 1);
    const record = await client.list({ id: 'l', scenario: 's', path: '/api/v1/configmaps' });
    expect(record.status).toBe(0);
    expect(record.error).toMatch(/ECONNREFUSED/);
  });
});
