import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Agent, request } from 'undici';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../clock.js';
import { realScheduler } from '../scheduler.js';
import { generateSelfSignedTls } from '../tls/self-signed.js';
import { parseFaults } from './faults.js';
import { startProxy, type RunningProxy } from './proxy-server.js';
import { parseMatcher } from './request-match.js';

/**
 * The proxy against an upstream that behaves like kube-apiserver on the wire: HTTPS with HTTP/2,
 * watch bodies gzip-compressed when the client accepts gzip (kube-apiserver compresses watch-lists
 * and RV ""/"0" watches for clients that send Accept-Encoding: gzip, which Go's transport does by
 * default), and watches that stay open until the client goes away.
 */
const cm = (name: string, rv: number) => ({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { name, namespace: 'p', resourceVersion: String(rv) } });
const WATCH_LIST_BODY =
  [
    { type: 'ADDED', object: cm('a', 5) },
    { type: 'ADDED', object: cm('b', 6) },
    { type: 'BOOKMARK', object: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { resourceVersion: '7', annotations: { 'k8s.io/initial-events-end': 'true' } } } },
  ]
    .map((e) => JSON.stringify(e))
    .join('\n') + '\n';

async function startUpstream(): Promise<{ url: string; caPem: string; posts: () => number; deletes: string[]; close: () => Promise<void> }> {
  const tls = generateSelfSignedTls('upstream');
  let posts = 0;
  const deletes: string[] = [];
  const server = http2.createSecureServer({ key: tls.keyPem, cert: tls.certPem, allowHTTP1: true }, (req, res) => {
    if (req.method === 'POST' || req.method === 'DELETE') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.method === 'POST') posts++;
        else deletes.push(Buffer.concat(chunks).toString('utf8'));
        res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(cm('c', 8)));
      });
      return;
    }
    const gzip = String(req.headers['accept-encoding'] ?? '').includes('gzip');
    res.writeHead(200, { 'content-type': 'application/json', ...(gzip ? { 'content-encoding': 'gzip' } : {}) });
    // The initial events, then the watch stays open (no end) until the client goes away.
    res.write(gzip ? gzipSync(WATCH_LIST_BODY) : WATCH_LIST_BODY);
  });
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    caPem: tls.caCertPem,
    posts: () => posts,
    deletes,
    close: async () => {
      for (const s of sessions) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function proxyTo(upstream: { url: string; caPem: string }, fault: string): Promise<RunningProxy> {
  return startProxy({
    upstream: { server: upstream.url, tls: { caPem: upstream.caPem, insecureSkipTlsVerify: false }, allowH2: true, authHeaders: async () => ({ authorization: 'Bearer upstream' }) },
    faults: parseFaults([fault]),
    matcher: parseMatcher([], []),
    port: 0,
    tls: true,
    clock: systemClock(),
    scheduler: realScheduler,
    seed: 1,
    log: () => {},
  });
}

const WATCH_LIST_PATH = '/api/v1/namespaces/p/configmaps?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan';

describe('watchmark proxy in front of an HTTP/2 upstream that gzips watch bodies', () => {
  it('faults the frames of a watch whose client accepts gzip (the upstream is asked for an uncompressed body)', async () => {
    const upstream = await startUpstream();
    const proxy = await proxyTo(upstream, 'duplicate-events=1');
    const agent = new Agent({ connect: { ca: proxy.caCertPem! }, allowH2: true });
    try {
      const response = await request(`${proxy.url}${WATCH_LIST_PATH}`, {
        dispatcher: agent,
        headers: { authorization: `Bearer ${proxy.token}`, 'accept-encoding': 'gzip' },
        // Bounded: a proxy that holds compressed bytes back as an unfinished frame never sends the end bookmark.
        signal: AbortSignal.timeout(5_000),
      });
      expect(response.statusCode).toBe(200);
      // Read until the three upstream frames (ADDED twice each, then the bookmark) are in.
      let raw = Buffer.alloc(0);
      let text = '';
      try {
        for await (const chunk of response.body) {
          raw = Buffer.concat([raw, chunk as Buffer]);
          text = response.headers['content-encoding'] === 'gzip' ? safeGunzip(raw) : raw.toString('utf8');
          if (text.includes('initial-events-end')) break;
        }
      } catch {
        // timed out: judged below on what arrived
      }
      const types = text.split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as { type: string }).type);
      expect(types).toEqual(['ADDED', 'ADDED', 'ADDED', 'ADDED', 'BOOKMARK']);
      expect(proxy.totals()['duplicate-events']).toBe(2);
    } finally {
      await agent.close();
      await proxy.stop();
      await upstream.close();
    }
  });

  it('keeps answering other requests after a client goes away from a watch it was streaming', async () => {
    const upstream = await startUpstream();
    const proxy = await proxyTo(upstream, 'duplicate-events=1');
    const agent = new Agent({ connect: { ca: proxy.caCertPem! }, allowH2: true });
    try {
      for (let i = 0; i < 3; i++) {
        const watch = new AbortController();
        const response = await request(`${proxy.url}${WATCH_LIST_PATH}`, {
          dispatcher: agent,
          headers: { authorization: `Bearer ${proxy.token}` },
          signal: watch.signal,
        });
        for await (const _chunk of response.body) break;
        watch.abort();
        await response.body.text().catch(() => {});
        // A write after the watch went away: it must be forwarded and answered, not left hanging.
        const post = await request(`${proxy.url}/api/v1/namespaces/p/configmaps`, {
          dispatcher: agent,
          method: 'POST',
          headers: { authorization: `Bearer ${proxy.token}`, 'content-type': 'application/json' },
          body: JSON.stringify(cm('c', 0)),
          headersTimeout: 5_000,
        });
        expect(post.statusCode, `write ${i}`).toBe(201);
        await post.body.text();
      }
      expect(upstream.posts()).toBe(3);
    } finally {
      await agent.close();
      await proxy.stop();
      await upstream.close();
    }
  });
});

describe('watchmark proxy forwarding requests with a body', () => {
  it('forwards a DELETE with a body (client-go sends DeleteOptions) and keeps serving watches after it', { timeout: 15_000 }, async () => {
    const upstream = await startUpstream();
    const proxy = await proxyTo(upstream, 'duplicate-events=1');
    const agent = new Agent({ connect: { ca: proxy.caCertPem! }, allowH2: true });
    try {
      const options = JSON.stringify({ kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' });
      // Over HTTP/2 as client-go sends it (node's client: undici's own HTTP/2 client cannot send it).
      const deleted = await h2Request(proxy, 'DELETE', '/api/v1/namespaces/p/configmaps/c', options);
      expect(deleted.status, deleted.body).toBe(200);
      expect(upstream.deletes).toEqual([options]);
      // The upstream connection is still good for a watch.
      const watch = await request(`${proxy.url}${WATCH_LIST_PATH}`, {
        dispatcher: agent,
        headers: { authorization: `Bearer ${proxy.token}` },
        headersTimeout: 5_000,
        signal: AbortSignal.timeout(5_000),
      });
      expect(watch.statusCode).toBe(200);
      for await (const _chunk of watch.body) break;
    } finally {
      await agent.close();
      await proxy.stop();
      await upstream.close();
    }
  });
});

function h2Request(proxy: RunningProxy, method: string, path: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(proxy.url, { ca: proxy.caCertPem! });
    session.on('error', reject);
    const stream = session.request({ ':method': method, ':path': path, authorization: `Bearer ${proxy.token}`, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }, { endStream: false });
    let status = 0;
    let text = '';
    stream.on('response', (headers) => (status = Number(headers[':status'])));
    stream.on('data', (c: Buffer) => (text += c.toString('utf8')));
    stream.on('end', () => {
      session.close();
      resolve({ status, body: text });
    });
    stream.on('error', reject);
    stream.end(body);
  });
}

function safeGunzip(raw: Buffer): string {
  try {
    return gunzipSync(raw, { finishFlush: 2 /* Z_SYNC_FLUSH */ }).toString('utf8');
  } catch {
    return '';
  }
}
