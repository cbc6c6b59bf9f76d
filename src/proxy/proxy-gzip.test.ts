import http from 'node:http';
import { gunzipSync, gzipSync } from 'node:zlib';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../clock.js';
import { realScheduler } from '../scheduler.js';
import { parseFaults } from './faults.js';
import { startProxy, type RunningProxy } from './proxy-server.js';
import { parseMatcher } from './request-match.js';

/**
 * kube-apiserver gzips watch responses for a client that sends `Accept-Encoding: gzip`, and Go's
 * HTTP transport (so every client-go informer) always does. The faults read frames, so a watch
 * they act on must come back uncompressed; the real kube-apiserver test caught the proxy forwarding
 * the header and its faults doing nothing (the frame splitter never saw a frame in the gzip bytes).
 */
const ADDED = { type: 'ADDED', object: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'a', namespace: 'ns', resourceVersion: '5' } } };
const END = {
  type: 'BOOKMARK',
  object: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { resourceVersion: '5', annotations: { 'k8s.io/initial-events-end': 'true' } } },
};
const BODY = `${JSON.stringify(ADDED)}\n${JSON.stringify(END)}\n`;

/** An upstream that answers every watch as kube-apiserver does: gzip when the client accepts it. */
async function gzippingUpstream(opts: { always?: boolean } = {}): Promise<{ url: string; acceptEncodings: Array<string | undefined>; close(): Promise<void> }> {
  const acceptEncodings: Array<string | undefined> = [];
  const server = http.createServer((req, res) => {
    acceptEncodings.push(req.headers['accept-encoding']);
    const gzip = opts.always === true || (req.headers['accept-encoding'] ?? '').includes('gzip');
    res.writeHead(200, { 'content-type': 'application/json', ...(gzip ? { 'content-encoding': 'gzip' } : {}) });
    res.end(gzip ? gzipSync(BODY) : BODY);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, acceptEncodings, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('proxy: compressed watch responses', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setUp(faults: string[], opts: { always?: boolean } = {}): Promise<{ proxy: RunningProxy; upstream: Awaited<ReturnType<typeof gzippingUpstream>>; log: string[] }> {
    const upstream = await gzippingUpstream(opts);
    cleanups.push(upstream.close);
    const log: string[] = [];
    const proxy = await startProxy({
      upstream: { server: upstream.url, tls: { insecureSkipTlsVerify: false }, allowH2: false, authHeaders: async () => ({}) },
      faults: parseFaults(faults),
      matcher: parseMatcher([], []),
      port: 0,
      tls: false,
      clock: systemClock(),
      scheduler: realScheduler,
      seed: 1,
      log: (line) => log.push(line),
    });
    cleanups.push(() => proxy.stop());
    return { proxy, upstream, log };
  }

  async function watch(proxy: RunningProxy): Promise<string> {
    const res = await request(`${proxy.url}/api/v1/namespaces/ns/configmaps?watch=true&allowWatchBookmarks=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan`, {
      headers: { authorization: `Bearer ${proxy.token}`, 'accept-encoding': 'gzip' },
    });
    const body = Buffer.from(await res.body.arrayBuffer());
    return res.headers['content-encoding'] === 'gzip' ? gunzipSync(body).toString('utf8') : body.toString('utf8');
  }

  it('asks for a faulted watch uncompressed, so strip-end-bookmark acts on it even when the client accepts gzip', async () => {
    const { proxy, upstream } = await setUp(['strip-end-bookmark']);
    const received = await watch(proxy);
    expect(upstream.acceptEncodings).toEqual([undefined]);
    expect(received).toBe(`${JSON.stringify(ADDED)}\n`);
    expect(proxy.totals()).toEqual({ 'strip-end-bookmark': 1 });
  });

  it('keeps the client\'s Accept-Encoding on requests no stream fault acts on', async () => {
    const { proxy, upstream } = await setUp(['answer-410']);
    const received = await watch(proxy);
    expect(upstream.acceptEncodings).toEqual(['gzip']);
    expect(received).toBe(BODY);
  });

  it('passes a body compressed anyway through unchanged and says so, rather than faulting nothing silently', async () => {
    const { proxy, log } = await setUp(['strip-end-bookmark'], { always: true });
    const received = await watch(proxy);
    expect(received).toBe(BODY);
    expect(proxy.totals()).toEqual({});
    expect(log).toContain('#1 content-encoding gzip: passed through without faults');
  });
});
