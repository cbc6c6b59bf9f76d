/**
 * Connection sharing (stream-pool.ts): many watches to one origin share HTTP/2 connections up to
 * the server's announced stream limit; HTTP/1.1 keeps one connection per open watch. Connections
 * are counted on the server side (sessions / TLS sockets) and through TargetClient.connectionStats().
 */
import { setMaxListeners } from 'node:events';
import http2 from 'node:http2';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import type { ResponseEntry, StreamRecord, TimelineEntry } from '../record/timeline.js';
import { startEmbeddedServer } from '../server/index.js';
import { generateSelfSignedTls, type GeneratedTls } from '../tls/self-signed.js';
import { TargetClient, type WatchSpec } from './client.js';
import type { Connection } from './connection.js';

let tls: GeneratedTls;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(() => {
  tls = generateSelfSignedTls('watchmark-test');
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const spec = (i: number, resourceVersion?: string): WatchSpec => ({
  id: `watch#${i}`,
  scenario: 'test',
  basePath: '/api/v1/namespaces/default/configmaps',
  namespace: 'default',
  watched: { apiVersion: 'v1', kind: 'ConfigMap', resource: 'configmaps' },
  options: { ...(resourceVersion ? { resourceVersion } : {}), allowWatchBookmarks: true, timeoutSeconds: 300 },
});

function connection(url: string, caPem: string, token?: string, allowH2 = true): Connection {
  return {
    server: url,
    tls: { caPem, insecureSkipTlsVerify: false },
    authHeaders: async (): Promise<Record<string, string>> => (token ? { authorization: `Bearer ${token}` } : {}),
    allowH2,
  };
}

/** Opens `count` watches and resolves when every one has its response head, with the heads. */
async function openWatches(client: TargetClient, count: number, resourceVersion?: string): Promise<{ heads: ResponseEntry[]; records: Promise<StreamRecord>[] }> {
  const heads: ResponseEntry[] = [];
  let resolveAll: () => void = () => {};
  const all = new Promise<void>((resolve) => (resolveAll = resolve));
  const abort = new AbortController();
  setMaxListeners(0, abort.signal); // one listener per watch
  cleanups.push(async () => abort.abort());
  const records = Array.from({ length: count }, (_, i) =>
    client.watch(spec(i, resourceVersion), {
      signal: abort.signal,
      onEntry: (entry: TimelineEntry) => {
        if (entry.kind !== 'response') return;
        heads.push(entry);
        if (heads.length === count) resolveAll();
      },
    }),
  );
  // A watch that closes without a head would leave `all` pending: fail fast instead.
  const firstClose = Promise.race(records).then((record) => {
    throw new Error(`${record.id} closed before every watch was answered: ${JSON.stringify(record.entries.at(-1))}`);
  });
  await Promise.race([all, firstClose]);
  return { heads, records };
}

/** A raw TLS server answering every request with a held-open 200 stream; counts its connections. */
async function holdingServer(kind: 'h2' | 'https', maxConcurrentStreams?: number): Promise<{ url: string; connections: () => number }> {
  let connections = 0;
  const hold = (_req: unknown, res: http2.Http2ServerResponse | import('node:http').ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    (res as import('node:http').ServerResponse).write('');
    if ('flushHeaders' in res) res.flushHeaders();
  };
  const server =
    kind === 'h2'
      ? http2.createSecureServer({ cert: tls.certPem, key: tls.keyPem, allowHTTP1: true, ...(maxConcurrentStreams ? { settings: { maxConcurrentStreams } } : {}) }, hold)
      : https.createServer({ cert: tls.certPem, key: tls.keyPem }, hold);
  const sessions = new Set<http2.ServerHttp2Session>();
  const sockets = new Set<import('node:net').Socket>();
  server.on('secureConnection', (socket: import('node:net').Socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('session', (session: http2.ServerHttp2Session) => sessions.add(session));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    for (const session of sessions) session.destroy();
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, connections: () => connections };
}

function targetClient(conn: Connection): TargetClient {
  const client = new TargetClient(conn, new FakeClock(0));
  cleanups.push(() => client.close());
  return client;
}

describe('StreamPool', () => {
  it('300 watches to the embedded server over TLS+h2 share one connection (it allows 1000 streams)', async () => {
    const server = await startEmbeddedServer({ tls: true, http2: true });
    cleanups.push(() => server.stop());
    const client = targetClient(connection(server.url, server.caCertPem!, server.token));
    const { heads } = await openWatches(client, 300, server.currentResourceVersion());
    expect(heads.map((head) => `${head.status} ${head.httpVersion}`)).toEqual(Array(300).fill('200 2.0'));
    const stats = client.connectionStats();
    expect(stats.connected).toBe(1);
    expect(stats.requests).toEqual([300]);
    expect(server.stats().watchers).toBe(300);
  });

  it('opens a further h2 connection only when the server-announced stream limit is reached', async () => {
    const server = await holdingServer('h2', 100);
    const client = targetClient(connection(server.url, tls.caCertPem));
    const { heads } = await openWatches(client, 250);
    expect(heads.every((head) => head.httpVersion === '2.0')).toBe(true);
    expect(server.connections()).toBe(3);
    expect(client.connectionStats().requests.sort((a, b) => a - b)).toEqual([50, 100, 100]);
  });

  it('HTTP/1.1 (no h2 in ALPN) keeps one connection per open watch', async () => {
    const server = await holdingServer('https');
    const client = targetClient(connection(server.url, tls.caCertPem));
    const { heads } = await openWatches(client, 30);
    expect(heads.every((head) => head.httpVersion === '1.1')).toBe(true);
    expect(server.connections()).toBe(30);
    expect(client.connectionStats().requests).toEqual(Array(30).fill(1));
  });

  it('allowH2 off: HTTP/1.1 to an h2-capable server, one connection per watch', async () => {
    const server = await holdingServer('h2');
    const client = targetClient(connection(server.url, tls.caCertPem, undefined, false));
    const { heads } = await openWatches(client, 10);
    expect(heads.every((head) => head.httpVersion === '1.1')).toBe(true);
    expect(server.connections()).toBe(10);
  });

  it('request-response calls keep working on a shared h2 connection next to open watches', async () => {
    const server = await startEmbeddedServer({ tls: true, http2: true });
    cleanups.push(() => server.stop());
    const client = targetClient(connection(server.url, server.caCertPem!, server.token));
    await openWatches(client, 20, server.currentResourceVersion());
    const created = await client.requestJson('POST', '/api/v1/namespaces/default/configmaps', { body: { metadata: { name: 'cm-1' }, data: { a: '1' } } });
    expect(created.status).toBe(201);
    expect(client.connectionStats().connected).toBe(1);
  });

  it('a refused probe lets the waiting watches go: each is refused on its own, none hangs', async () => {
    const listener = net.createServer();
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const port = (listener.address() as AddressInfo).port;
    await new Promise<void>((resolve) => listener.close(() => resolve()));
    const client = targetClient(connection(`https://127.0.0.1:${port}`, tls.caCertPem));
    const records = await Promise.all(Array.from({ length: 5 }, (_, i) => client.watch(spec(i))));
    expect(records.map((record) => record.entries.at(-1))).toEqual(Array(5).fill(expect.objectContaining({ kind: 'close', reason: 'error', error: expect.objectContaining({ code: 'WM_CONN_REFUSED' }) })));
  });

  it('close() while the first connection is still being made ends the waiting watches too', async () => {
    // Accepts TCP and never answers the TLS handshake: the probe stays pending.
    const sockets = new Set<import('node:net').Socket>();
    const silent = net.createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    });
    const client = targetClient(connection(`https://127.0.0.1:${(silent.address() as AddressInfo).port}`, tls.caCertPem));
    const pending = Array.from({ length: 5 }, (_, i) => client.watch(spec(i)));
    await client.close();
    const records = await Promise.all(pending);
    expect(records.map((record) => record.entries.map((entry) => entry.kind === 'close' && entry.reason))).toEqual(Array(5).fill(['client-abort']));
  });
});
