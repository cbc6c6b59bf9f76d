import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { FakeClock, systemClock } from '../clock.js';
import { ManualScheduler, realScheduler } from '../scheduler.js';
import type { Connection } from '../transport/connection.js';
import { rejection } from '../../test/support/rejection.js';
import {
  forHttpStatus,
  forJsonFile,
  forLogLine,
  forPort,
  tcpConnect,
  type AwaitedProcess,
  type LogSource,
  type ReadinessStrategy,
  type WaitContext,
} from './readiness.js';

const settle = () => new Promise((resolve) => setImmediate(resolve));

/** A wait on a ManualScheduler: `state()` says whether it is still pending. */
function manualWait<T>(strategy: ReadinessStrategy<T>, extra: Partial<WaitContext> = {}) {
  const clock = new FakeClock();
  const scheduler = new ManualScheduler(clock);
  const promise = strategy.waitUntilReady({ clock, scheduler, deadlineMs: 10_000, ...extra });
  let state: 'pending' | 'ready' | 'failed' = 'pending';
  promise.then(
    () => (state = 'ready'),
    () => (state = 'failed'),
  );
  return {
    clock,
    scheduler,
    promise,
    state: () => state,
    /**
     * Moves time in steps, letting the probes answer between them (a probe schedules its next look
     * only once it has answered, so one big step would skip the looks in between).
     */
    advance: async (ms: number, stepMs = 50) => {
      await settle();
      for (let left = ms; left > 0; left -= stepMs) {
        scheduler.advance(Math.min(stepMs, left));
        await settle();
      }
    },
  };
}

const refused = () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4321'), { code: 'ECONNREFUSED' }));
const CONNECTION: Connection = { server: 'https://127.0.0.1:1', tls: { insecureSkipTlsVerify: false }, allowH2: false, authHeaders: async () => ({}) };

describe('forHttpStatus (GET until 200)', () => {
  it('looks at once, then every interval, and is ready at the first 200', async () => {
    const answers = [503, 500, 200];
    const seen: string[] = [];
    const wait = manualWait(forHttpStatus('/readyz', CONNECTION, { intervalMs: 200, get: async (path) => (seen.push(path), answers.shift()!) }));
    await settle();
    expect(seen).toEqual(['/readyz']);
    await wait.advance(199);
    expect(seen.length).toBe(1);
    await wait.advance(1);
    expect(seen.length).toBe(2);
    expect(wait.state()).toBe('pending');
    await wait.advance(200);
    expect(seen.length).toBe(3);
    expect(wait.state()).toBe('ready');
    expect(wait.scheduler.pending()).toBe(0);
  });

  it('never 200: fails at the deadline naming the process, the path and the last answer, and stops looking', async () => {
    let gets = 0;
    const proc: AwaitedProcess = { name: 'wm-kube-apiserver', exited: new Promise(() => {}), hasExited: () => false };
    const wait = manualWait(forHttpStatus('/readyz', CONNECTION, { get: async () => (gets++, 503) }), { process: proc });
    const failed = rejection(wait.promise);
    await settle();
    await wait.advance(9_999);
    expect(wait.state()).toBe('pending');
    await wait.advance(1);
    const err = await failed;
    expect(err.code).toBe('WM_TIMEOUT');
    expect(err.message).toBe('wm-kube-apiserver: GET /readyz to answer 200: not ready after 10s (start-up deadline; last: HTTP 503)');
    const looks = gets;
    await wait.advance(5_000);
    expect(gets).toBe(looks);
    expect(wait.scheduler.pending()).toBe(0);
  });

  it('a request error is what it last saw', async () => {
    const wait = manualWait(forHttpStatus('/readyz', CONNECTION, { get: refused }));
    const failed = rejection(wait.promise);
    await wait.advance(10_000);
    expect((await failed).message).toContain('last: connect ECONNREFUSED 127.0.0.1:4321');
  });

  it('abort ends the wait at once with WM_ABORTED and cancels the request in flight', async () => {
    const controller = new AbortController();
    let inFlight: AbortSignal | undefined;
    const wait = manualWait(forHttpStatus('/readyz', CONNECTION, { get: (_path, signal) => ((inFlight = signal), new Promise<number>(() => {})) }), {
      signal: controller.signal,
    });
    const failed = rejection(wait.promise);
    await settle();
    controller.abort();
    const err = await failed;
    expect(err.code).toBe('WM_ABORTED');
    expect(err.message).toBe('interrupted while waiting for GET /readyz to answer 200');
    expect(inFlight?.aborted).toBe(true);
    expect(wait.scheduler.pending()).toBe(0);
  });

  it('the awaited process exiting ends the wait with WM_TARGET', async () => {
    let exit!: () => void;
    const proc: AwaitedProcess = { name: 'kine', exited: new Promise<void>((r) => (exit = r)), hasExited: () => false };
    const wait = manualWait(forHttpStatus('/readyz', CONNECTION, { get: async () => 503 }), { process: proc });
    const failed = rejection(wait.promise);
    await settle();
    exit();
    const err = await failed;
    expect(err.code).toBe('WM_TARGET');
    expect(err.message).toBe('kine exited during start-up');
    expect(wait.scheduler.pending()).toBe(0);
  });
});

describe('forPort (TCP connect)', () => {
  it('ready once a connection is accepted', async () => {
    let tries = 0;
    const wait = manualWait(forPort('127.0.0.1', 4321, { intervalMs: 100, connect: () => (++tries < 3 ? refused() : Promise.resolve()) }));
    await settle();
    await wait.advance(100);
    expect(wait.state()).toBe('pending');
    await wait.advance(100);
    expect(tries).toBe(3);
    expect(wait.state()).toBe('ready');
  });

  it('never accepted: the deadline error names the port and the last refusal', async () => {
    const wait = manualWait(forPort('127.0.0.1', 4321, { connect: refused }), { deadlineMs: 500 });
    const failed = rejection(wait.promise);
    await wait.advance(500);
    const err = await failed;
    expect(err.code).toBe('WM_TIMEOUT');
    expect(err.message).toBe('port 127.0.0.1:4321 to accept connections: not ready after 500ms (start-up deadline; last: connect ECONNREFUSED 127.0.0.1:4321)');
  });

  it('abort between two tries', async () => {
    const controller = new AbortController();
    const wait = manualWait(forPort('127.0.0.1', 4321, { connect: refused }), { signal: controller.signal });
    const failed = rejection(wait.promise);
    await wait.advance(150);
    controller.abort();
    expect((await failed).message).toBe('interrupted while waiting for port 127.0.0.1:4321 to accept connections');
    expect(wait.scheduler.pending()).toBe(0);
  });
});

describe('forJsonFile (a launcher\'s info file)', () => {
  const isInfo = (v: unknown): v is { server: string } => typeof (v as { server?: unknown } | null)?.server === 'string';
  const enoent = () => {
    throw Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' });
  };

  it('absent, then partial, then complete: resolves with the parsed value', async () => {
    const contents: Array<() => string> = [enoent, () => '{"ser', () => '{}', () => '{"server":"https://127.0.0.1:6443"}'];
    const wait = manualWait(forJsonFile('/d/info.json', 'the info file', isInfo, { intervalMs: 100, read: () => contents.shift()!() }));
    await wait.advance(300);
    expect(await wait.promise).toEqual({ server: 'https://127.0.0.1:6443' });
  });

  it('never written: the deadline error names the file', async () => {
    const wait = manualWait(forJsonFile('/d/info.json', 'the info file', isInfo, { read: enoent }));
    const failed = rejection(wait.promise);
    await wait.advance(10_000);
    expect((await failed).message).toBe('the info file (/d/info.json) to be written: not ready after 10s (start-up deadline; last: no file yet)');
  });

  it('abort', async () => {
    const controller = new AbortController();
    controller.abort();
    const wait = manualWait(forJsonFile('/d/info.json', 'the info file', isInfo, { read: enoent }), { signal: controller.signal });
    expect((await rejection(wait.promise)).code).toBe('WM_ABORTED');
  });
});

describe('forLogLine', () => {
  function fakeLog(): LogSource & { print(line: string): void; listeners(): number } {
    const lines: string[] = [];
    const listeners = new Set<(line: string) => void>();
    return {
      name: "k3s's output",
      onLine(listener) {
        for (const line of lines) listener(line);
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      print(line) {
        lines.push(line);
        for (const l of listeners) l(line);
      },
      listeners: () => listeners.size,
    };
  }

  it('ready at the first matching line, also one printed before the wait began; resolves with it', async () => {
    const log = fakeLog();
    log.print('starting');
    const wait = manualWait(forLogLine(/is up and running/, log));
    await settle();
    expect(wait.state()).toBe('pending');
    log.print('k3s is up and running');
    expect(await wait.promise).toBe('k3s is up and running');
    expect(log.listeners()).toBe(0);

    const early = fakeLog();
    early.print('k3s is up and running');
    expect(await manualWait(forLogLine(/up and running/, early)).promise).toBe('k3s is up and running');
    expect(early.listeners()).toBe(0);
  });

  it('no matching line: the deadline error names the pattern and the log', async () => {
    const log = fakeLog();
    const wait = manualWait(forLogLine(/is up and running/, log));
    const failed = rejection(wait.promise);
    log.print('starting');
    log.print('still starting');
    await wait.advance(10_000);
    const err = await failed;
    expect(err.code).toBe('WM_TIMEOUT');
    expect(err.message).toBe("a line matching /is up and running/ in k3s's output: not ready after 10s (start-up deadline; last: 2 lines, none matching)");
    expect(log.listeners()).toBe(0);
  });

  it('abort', async () => {
    const log = fakeLog();
    const controller = new AbortController();
    const wait = manualWait(forLogLine(/up/, log), { signal: controller.signal });
    const failed = rejection(wait.promise);
    controller.abort();
    expect((await failed).code).toBe('WM_ABORTED');
    expect(log.listeners()).toBe(0);
    expect(wait.scheduler.pending()).toBe(0);
  });
});

/** Loopback: the real GET and the real TCP connect against 127.0.0.1 port-0 listeners, bounded. */
describe('readiness over loopback', () => {
  const realContext = (deadlineInMs: number): WaitContext => {
    const clock = systemClock();
    return { clock, scheduler: realScheduler, deadlineMs: clock.nowMs() + deadlineInMs };
  };
  const listen = async <S extends Server | HttpServer>(server: S, port = 0): Promise<number> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
    });
  const close = (server: Server | HttpServer) => new Promise((resolve) => server.close(resolve));

  it('forHttpStatus polls a real server through the transport (with the credentials) until 200', async () => {
    const seen: Array<{ url: string | undefined; auth: string | undefined }> = [];
    const server = createHttpServer((req, res) => {
      seen.push({ url: req.url, auth: req.headers.authorization });
      res.writeHead(seen.length < 3 ? 503 : 200, { 'content-type': 'text/plain' }).end(seen.length < 3 ? 'not ready' : 'ok');
    });
    const port = await listen(server);
    try {
      const connection: Connection = { ...CONNECTION, server: `http://127.0.0.1:${port}`, authHeaders: async () => ({ authorization: 'Bearer t0k' }) };
      await forHttpStatus('/readyz', connection, { intervalMs: 10 }).waitUntilReady(realContext(10_000));
      expect(seen).toEqual([1, 2, 3].map(() => ({ url: '/readyz', auth: 'Bearer t0k' })));
    } finally {
      server.closeAllConnections();
      await close(server);
    }
  });

  it('forHttpStatus against a server that never says 200 ends at the deadline with its last status', async () => {
    const server = createHttpServer((_req, res) => res.writeHead(500).end());
    const port = await listen(server);
    try {
      const connection: Connection = { ...CONNECTION, server: `http://127.0.0.1:${port}` };
      const err = await rejection(forHttpStatus('/readyz', connection, { intervalMs: 20 }).waitUntilReady(realContext(300)));
      expect(err.code).toBe('WM_TIMEOUT');
      expect(err.message).toMatch(/^GET \/readyz to answer 200: not ready after .* \(start-up deadline; last: HTTP 500\)$/);
    } finally {
      server.closeAllConnections();
      await close(server);
    }
  });

  it('forPort: refused while nothing listens, ready once the port is listened on', async () => {
    const probe = createServer();
    const port = await listen(probe);
    await close(probe);
    const server = createServer((socket) => socket.destroy());
    const refusals: string[] = [];
    try {
      await forPort('127.0.0.1', port, {
        intervalMs: 10,
        // The first refusal is real; the listener starts only after it.
        connect: async (host, p, signal) => {
          try {
            await tcpConnect(host, p, signal);
          } catch (err) {
            refusals.push((err as NodeJS.ErrnoException).code ?? '');
            if (!server.listening) await listen(server, port);
            throw err;
          }
        },
      }).waitUntilReady(realContext(10_000));
      expect(refusals).toEqual(['ECONNREFUSED']);
    } finally {
      await close(server);
    }
  });
});
