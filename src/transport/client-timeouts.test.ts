/**
 * TargetClient's bounds (transport/timeouts.ts) against loopback servers on port 0 that accept a
 * connection and never answer, or answer the head of a watch and then stay silent. The deadlines
 * run on a ManualScheduler the test advances: no sleeps, no wall-time asserts.
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { WatchmarkError } from '../errors.js';
import type { StreamRecord } from '../record/timeline.js';
import { ManualScheduler } from '../scheduler.js';
import { TargetClient, type TargetClientOptions, type WatchSpec } from './client.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT_MS } from './timeouts.js';

/** Accepts TCP connections and never writes a byte; `requests` resolves per request received. */
class SilentServer {
  readonly sockets = new Set<Socket>();
  private readonly waiting: Array<() => void> = [];
  private received = 0;
  url = '';
  private constructor(private readonly server: net.Server) {
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('data', () => {
        this.received++;
        this.waiting.splice(0).forEach((resolve) => resolve());
      });
    });
  }
  static async start(): Promise<SilentServer> {
    const s = new SilentServer(net.createServer());
    await new Promise<void>((resolve) => s.server.listen(0, '127.0.0.1', resolve));
    s.url = `http://127.0.0.1:${(s.server.address() as AddressInfo).port}`;
    return s;
  }
  /** Resolves once the request bytes have arrived (the client has dispatched and armed its deadline). */
  requestArrived(): Promise<void> {
    if (this.received > 0) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

function clientFor(url: string, options: TargetClientOptions = {}): { client: TargetClient; scheduler: ManualScheduler } {
  const clock = new FakeClock(0);
  const scheduler = new ManualScheduler(clock);
  const client = new TargetClient(
    { server: url, tls: { insecureSkipTlsVerify: false }, allowH2: false, authHeaders: async () => ({}) },
    clock,
    { ...options, scheduler },
  );
  closers.push(() => client.close());
  return { client, scheduler };
}

async function silentServer(): Promise<SilentServer> {
  const server = await SilentServer.start();
  closers.push(() => server.close());
  return server;
}

const watchSpec: WatchSpec = {
  id: 'watch#1',
  scenario: 'test',
  basePath: '/api/v1/namespaces/ns/configmaps',
  namespace: 'ns',
  watched: { apiVersion: 'v1', kind: 'ConfigMap', resource: 'configmaps' },
  options: { allowWatchBookmarks: true, timeoutSeconds: 300 },
};

/** Settles `promise` into a value the test can inspect without an unhandled rejection. */
function settle<T>(promise: Promise<T>): { state: () => 'pending' | 'resolved' | 'rejected'; value: () => T; error: () => unknown } {
  let state: 'pending' | 'resolved' | 'rejected' = 'pending';
  let value: T;
  let error: unknown;
  promise.then(
    (v) => ((state = 'resolved'), (value = v)),
    (e: unknown) => ((state = 'rejected'), (error = e)),
  );
  return { state: () => state, value: () => value, error: () => error };
}

function summary(error: unknown): { code: string; message: string; transportCode: unknown } {
  const e = error as WatchmarkError;
  return { code: e.code, message: e.message, transportCode: e.details['transportCode'] };
}

/** Lets pending I/O callbacks and promise continuations run (not a timing assertion). */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('TargetClient timeouts: a server that accepts and never answers', () => {
  it('gets the defaults when no --request-timeout is given (connect 30 s, response headers 60 s)', () => {
    const { client } = clientFor('http://127.0.0.1:1');
    expect(client.timeouts).toEqual({ connectMs: DEFAULT_CONNECT_TIMEOUT_MS, headersMs: DEFAULT_REQUEST_TIMEOUT_MS, exchangeMs: 0, bodyIdleMs: DEFAULT_REQUEST_TIMEOUT_MS });
  });

  it('requestJson ends with WM_TIMEOUT naming the request after the default 60 s without headers', async () => {
    const server = await silentServer();
    const { client, scheduler } = clientFor(server.url);
    const pending = settle(client.requestJson('GET', '/version'));
    await server.requestArrived();
    scheduler.advance(DEFAULT_REQUEST_TIMEOUT_MS - 1);
    await turn();
    expect(pending.state()).toBe('pending');
    scheduler.advance(1);
    await expect.poll(pending.state).toBe('rejected');
    const error = pending.error();
    expect(error).toBeInstanceOf(WatchmarkError);
    expect(summary(error)).toEqual({
      code: 'WM_TIMEOUT',
      message: `GET ${server.url}/version: no response headers within 60s (--request-timeout)`,
      transportCode: 'WM_HEADERS_TIMEOUT',
    });
  });

  it('--request-timeout 1s bounds it to 1 s', async () => {
    const server = await silentServer();
    const { client, scheduler } = clientFor(server.url, { requestTimeoutMs: 1_000 });
    const pending = settle(client.requestJson('GET', '/apis'));
    await server.requestArrived();
    scheduler.advance(1_000);
    await expect.poll(pending.state).toBe('rejected');
    expect((pending.error() as Error).message).toBe(`GET ${server.url}/apis: no response headers within 1s (--request-timeout)`);
    expect(scheduler.pending()).toBe(0); // the exchange deadline is dropped with the request
  });

  it('--request-timeout 0 arms no deadline (kubectl: 0 means do not time out)', async () => {
    const server = await silentServer();
    const { client, scheduler } = clientFor(server.url, { requestTimeoutMs: 0 });
    const abort = new AbortController();
    const pending = settle(client.requestJson('GET', '/version', { signal: abort.signal }));
    await server.requestArrived();
    expect(scheduler.pending()).toBe(0);
    scheduler.advance(24 * 3_600_000);
    await turn();
    expect(pending.state()).toBe('pending');
    abort.abort();
    await expect.poll(pending.state).toBe('rejected');
    expect(pending.error()).toMatchObject({ code: 'WM_ABORTED' });
  });

  it('a watch whose headers never come resolves with a failed record (WM_HEADERS_TIMEOUT), not a hang', async () => {
    const server = await silentServer();
    const { client, scheduler } = clientFor(server.url, { requestTimeoutMs: 1_000 });
    const pending = settle(client.watch(watchSpec));
    await server.requestArrived();
    scheduler.advance(999);
    await turn();
    expect(pending.state()).toBe('pending');
    scheduler.advance(1);
    await expect.poll(pending.state).toBe('resolved');
    const record: StreamRecord = pending.value();
    expect(record.entries.map((e) => e.kind)).toEqual(['close']);
    expect(record.entries[0]).toMatchObject({
      kind: 'close',
      reason: 'error',
      atMs: 1_000,
      error: { code: 'WM_HEADERS_TIMEOUT', message: 'no response headers within 1s (--request-timeout)' },
    });
  });
});

describe('TargetClient timeouts: a server that answers, then goes quiet', () => {
  /** Answers every request with a 200 head (flushed) and then, for paths under /stall, writes nothing more. */
  async function headThenSilence(body = ''): Promise<string> {
    const sockets = new Set<Socket>();
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      if (body) res.write(body);
    });
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('a watch that got its headers is never timed out, however long it stays silent', async () => {
    const url = await headThenSilence();
    for (const requestTimeoutMs of [undefined, 1_000]) {
      const { client, scheduler } = clientFor(url, { requestTimeoutMs });
      const abort = new AbortController();
      const entries: string[] = [];
      const pending = settle(client.watch(watchSpec, { signal: abort.signal, onEntry: (e) => entries.push(e.kind) }));
      await expect.poll(() => entries).toContain('response');
      scheduler.advance(30 * 60_000);
      await turn();
      expect([requestTimeoutMs, pending.state(), entries]).toEqual([requestTimeoutMs, 'pending', ['response']]);
      abort.abort();
      await expect.poll(pending.state).toBe('resolved');
      expect(pending.value().entries.at(-1)).toMatchObject({ kind: 'close', reason: 'client-abort' });
    }
  });

  it('with --request-timeout, a request-response whose body never ends fails after T in total', async () => {
    const url = await headThenSilence('{"kind":');
    const { client, scheduler } = clientFor(url, { requestTimeoutMs: 2_000 });
    const pending = settle(client.requestJson('GET', '/api'));
    // Two deadlines armed (headers, whole exchange); the headers one is dropped when the head arrives.
    await expect.poll(() => scheduler.pending()).toBe(1);
    await turn();
    scheduler.advance(2_000);
    await expect.poll(pending.state).toBe('rejected');
    expect(summary(pending.error())).toEqual({
      code: 'WM_TIMEOUT',
      message: `GET ${url}/api: no complete response within 2s, timed out (--request-timeout)`,
      transportCode: 'WM_REQUEST_TIMEOUT',
    });
  });
});
