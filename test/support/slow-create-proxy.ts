/**
 * A loopback HTTP front for an embedded server (plain HTTP) that holds creates: a POST matching
 * `delays` is forwarded only after its delay — and is forwarded even when the client has gone
 * away meanwhile, as a create that reached a real API server happens whether or not its answer
 * is read. Every other request is streamed through at once. `posts` records when each held
 * create arrived, so a test can interrupt "1 s after the POST".
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CreateDelays {
  /** POST /api/v1/namespaces */
  namespaces?: number;
  /** POST of objects (any other collection) */
  objects?: number;
}

export interface SlowCreateProxy extends AsyncDisposable {
  url: string;
  delays: CreateDelays;
  /** Arrival of each POST (ms since epoch) with its path, in order. */
  posts: Array<{ path: string; atMs: number }>;
  /** Resolves when the first request of any kind has arrived (bounded). */
  waitForRequest(withinMs?: number): Promise<void>;
  /** Resolves when a POST whose path matches `re` has arrived (bounded). */
  waitForPost(re: RegExp, withinMs?: number): Promise<void>;
  /** Resolves once every held create has been forwarded and answered by the upstream. */
  drained(): Promise<void>;
  close(): Promise<void>;
}

export async function startSlowCreateProxy(upstreamUrl: string, delays: CreateDelays = {}): Promise<SlowCreateProxy> {
  const target = new URL(upstreamUrl);
  const posts: SlowCreateProxy['posts'] = [];
  const waiters: Array<{ re: RegExp; resolve: () => void }> = [];
  const held = new Set<Promise<void>>();
  const state = { delays: { ...delays } };

  const requestWaiters: Array<() => void> = [];
  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    for (const w of requestWaiters.splice(0)) w();
    const parts: Buffer[] = [];
    req.on('data', (chunk: Buffer) => parts.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      let delayMs = 0;
      if (req.method === 'POST') {
        posts.push({ path, atMs: Date.now() });
        for (const w of [...waiters]) {
          if (!w.re.test(path)) continue;
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
        delayMs = (path.split('?')[0] === '/api/v1/namespaces' ? state.delays.namespaces : state.delays.objects) ?? 0;
      }
      const forward = () =>
        new Promise<void>((done) => {
          const headers = { ...req.headers, host: target.host, 'content-length': String(body.length) };
          const out = http.request({ host: target.hostname, port: target.port, method: req.method, path, headers }, (answer) => {
            if (!res.destroyed) {
              res.writeHead(answer.statusCode ?? 502, answer.headers);
              answer.pipe(res);
            } else answer.resume();
            answer.on('end', () => done());
            answer.on('error', () => done());
            answer.on('close', () => done());
          });
          out.on('error', () => {
            res.destroy();
            done();
          });
          // A watch ends when its client goes; a held create must reach the server regardless.
          if (req.method === 'GET') res.on('close', () => out.destroy());
          out.end(body.length > 0 ? body : undefined);
        });
      if (delayMs <= 0) return void forward();
      const pending: Promise<void> = new Promise<void>((r) => setTimeout(r, delayMs))
        .then(forward)
        .finally(() => held.delete(pending));
      held.add(pending);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    url,
    get delays() {
      return state.delays;
    },
    set delays(d: CreateDelays) {
      state.delays = { ...d };
    },
    posts,
    waitForRequest(withinMs = 30_000) {
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no request within ${withinMs} ms`)), withinMs);
        requestWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
    waitForPost(re, withinMs = 30_000) {
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no POST matching ${re} within ${withinMs} ms`)), withinMs);
        waiters.push({
          re,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
    async drained() {
      while (held.size > 0) await Promise.allSettled([...held]);
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
