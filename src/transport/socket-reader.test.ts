import { createServer as createHttpsServer } from 'node:https';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock, type Clock } from '../clock.js';
import type { TimelineEntry } from '../record/timeline.js';
import { TargetClient } from './client.js';
import { readdirSync, readFileSync } from 'node:fs';
import { READER_THREAD_NICE, SocketReader } from './socket-reader.js';
import { generateSelfSignedTls } from '../tls/self-signed.js';

// A watch server on a thread of its own, so it can write while the test's thread is blocked. It
// answers one watch with an ADDED event for "a", then waits for `signal` and writes one for "b",
// then sets `written`.
const SERVER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const { signal, written } = workerData;
const frame = (name, rv) => JSON.stringify({ type: 'ADDED', object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns', resourceVersion: rv } } }) + '\\n';
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.write(frame('a', '11'));
  const wait = () => {
    if (Atomics.load(signal, 0) === 0) { setTimeout(wait, 1); return; }
    res.write(frame('b', '12'));
    Atomics.store(written, 0, 1);
    Atomics.notify(written, 0);
  };
  wait();
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
parentPort.on('message', () => { server.closeAllConnections(); server.close(() => process.exit(0)); });
`;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Blocks this thread until `cell[0]` is no longer `from`, for at most 10 s (then throws). */
function blockUntilChanged(cell: Int32Array, from: number): void {
  const deadline = Date.now() + 10_000;
  while (Atomics.load(cell, 0) === from) {
    if (Atomics.wait(cell, 0, from, Math.max(1, deadline - Date.now())) === 'timed-out' && Atomics.load(cell, 0) === from) {
      throw new Error('the other thread did not move within 10 s');
    }
  }
}

async function threadServer(): Promise<{ url: string; signal: Int32Array; written: Int32Array }> {
  const signal = new Int32Array(new SharedArrayBuffer(4));
  const written = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(SERVER_SOURCE, { eval: true, workerData: { signal, written } });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  cleanups.push(async () => {
    Atomics.store(signal, 0, 1);
    worker.postMessage('stop');
    await new Promise((resolve) => worker.once('exit', resolve));
  });
  return { url: `http://127.0.0.1:${port}`, signal, written };
}

function watchClient(url: string, socketReader: SocketReader | null): { client: TargetClient; clock: Clock } {
  const clock = systemClock();
  const client = new TargetClient({ server: url, tls: { insecureSkipTlsVerify: false }, allowH2: false, authHeaders: async () => ({}) }, clock, { socketReader });
  cleanups.push(() => client.close());
  return { client, clock };
}

function watchEvents(client: TargetClient): { named: (name: string) => Promise<TimelineEntry> } {
  const seen = new Map<string, TimelineEntry>();
  const waiting = new Map<string, (entry: TimelineEntry) => void>();
  void client.watch(
    {
      id: 'watch#1',
      scenario: 'test',
      basePath: '/api/v1/namespaces/ns/configmaps',
      namespace: 'ns',
      watched: { apiVersion: 'v1', kind: 'ConfigMap', resource: 'configmaps' },
      options: { resourceVersion: '10', timeoutSeconds: 300 },
    },
    {
      onEntry: (entry) => {
        if (entry.kind !== 'event') return;
        const name = (entry.object as { metadata?: { name?: string } } | undefined)?.metadata?.name ?? '';
        seen.set(name, entry);
        waiting.get(name)?.(entry);
      },
    },
  );
  return {
    named: (name) => {
      const entry = seen.get(name);
      return entry ? Promise.resolve(entry) : new Promise((resolve) => waiting.set(name, resolve));
    },
  };
}

/** A loopback server that sends back what it gets; its port. */
async function echoServer(): Promise<number> {
  const echo: Server = createServer((socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => echo.close(() => resolve())));
  return (echo.address() as AddressInfo).port;
}

// A server on a thread of its own that writes as fast as the connection takes it, for ever.
const FIREHOSE_SOURCE = `
const { parentPort } = require('node:worker_threads');
const net = require('node:net');
const chunk = Buffer.alloc(64 * 1024, 120);
const server = net.createServer((socket) => {
  const pump = () => { while (socket.write(chunk)); };
  socket.on('drain', pump);
  socket.on('error', () => {});
  pump();
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
parentPort.on('message', () => process.exit(0));
`;

describe('SocketReader', () => {
  it('stamps a chunk when its bytes come off the socket, while the main thread is busy', async () => {
    const server = await threadServer();
    const readCounters = new Int32Array(new SharedArrayBuffer(8));
    const reader = new SocketReader({ readCounters });
    const { client, clock } = watchClient(server.url, reader);
    const events = watchEvents(client);
    await events.named('a');

    // This thread is blocked from before the server writes "b" until the reader thread has read
    // it: the bytes arrive while nothing here can run.
    const readBefore = Atomics.load(readCounters, 0);
    Atomics.store(server.signal, 0, 1);
    blockUntilChanged(server.written, 0);
    blockUntilChanged(readCounters, readBefore);
    const unblockedAtMs = clock.nowMs();

    const b = await events.named('b');
    expect(b.atMs).toBeLessThan(unblockedAtMs);
  });

  it('on the main thread (socketReader: null), the same chunk is stamped after the thread was free', async () => {
    const server = await threadServer();
    const { client, clock } = watchClient(server.url, null);
    const events = watchEvents(client);
    await events.named('a');

    Atomics.store(server.signal, 0, 1);
    blockUntilChanged(server.written, 0);
    const unblockedAtMs = clock.nowMs();

    const b = await events.named('b');
    expect(b.atMs).toBeGreaterThanOrEqual(unblockedAtMs);
  });

  it('carries bytes both ways, ends, and forgets a closed socket', async () => {
    const port = await echoServer();
    const reader = new SocketReader();
    const socket = reader.connect({ host: '127.0.0.1', port });
    const closed = new Promise((resolve) => socket.once('close', resolve));
    await new Promise((resolve) => socket.once('connect', resolve));
    expect(socket.remotePort).toBe(port);
    expect(reader.openSockets).toBe(1);
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    const ended = new Promise((resolve) => socket.once('end', resolve));
    socket.write('hello ');
    socket.end('world');
    await ended;
    expect(Buffer.concat(received).toString()).toBe('hello world');
    expect(reader.lastArrivalNs).toBeTypeOf('bigint');
    await closed;
    expect(reader.openSockets).toBe(0);
  });

  it('keeps what a closed socket received until its stream reads it, a read at a time, then ends', async () => {
    const sent = Buffer.alloc(3 * 64 * 1024 + 5, 'z');
    const server: Server = createServer((peer) => peer.end(sent));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const reader = new SocketReader();
    const socket = reader.connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port });
    const closed = new Promise((resolve) => socket.once('close', resolve));
    // Nothing reads yet: the bytes, the end and the close all reach this thread first.
    const deadline = Date.now() + 10_000;
    while (reader.openSockets > 0 && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
    expect(reader.openSockets).toBe(0);
    expect(socket.destroyed).toBe(false);
    // Read as undici's HTTP/1 client reads (paused mode, read() on 'readable'): each read gets
    // what one read of the socket got (64 KiB at most) with at most a stream's high-water mark
    // (16 KiB) more, not the backlog joined into one copy.
    const received: Buffer[] = [];
    socket.on('readable', () => {
      for (let chunk: Buffer | null; (chunk = socket.read() as Buffer | null) !== null; ) received.push(chunk);
    });
    await new Promise((resolve) => socket.once('end', resolve));
    expect(Buffer.concat(received).equals(sent)).toBe(true);
    expect(received.length).toBeGreaterThan(1);
    expect(Math.max(...received.map((chunk) => chunk.length))).toBeLessThanOrEqual(64 * 1024 + socket.readableHighWaterMark);
    await closed;
  });

  it('runs its thread at a higher priority where the system allows it, and says why not where it does not', async () => {
    const port = await echoServer();
    const reader = new SocketReader();
    const socket = reader.connect({ host: '127.0.0.1', port });
    cleanups.push(() => void socket.destroy());
    await new Promise((resolve) => socket.once('connect', resolve)); // the priority report came before
    const priority = reader.threadPriority!;
    // Linux keeps a nice value per thread: exactly the threads that asked for it have it.
    const niceOfThreads = readdirSync('/proc/self/task').map((task) => {
      const stat = readFileSync(`/proc/self/task/${task}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    });
    if (priority.nice === null) {
      expect(priority.error).toMatch(/EACCES|EPERM/);
      expect(niceOfThreads).not.toContain(READER_THREAD_NICE);
    } else {
      expect(priority.nice).toBe(READER_THREAD_NICE);
      expect(niceOfThreads.filter((nice) => nice === READER_THREAD_NICE).length).toBeGreaterThanOrEqual(1);
      expect(niceOfThreads.filter((nice) => nice !== READER_THREAD_NICE).length).toBeGreaterThan(1); // the main thread and the rest kept theirs
    }
  });

  it('reports a refused connect with its code, as a net.Socket would', async () => {
    const gone: Server = createServer();
    await new Promise<void>((resolve) => gone.listen(0, '127.0.0.1', resolve));
    const port = (gone.address() as AddressInfo).port;
    await new Promise<void>((resolve) => gone.close(() => resolve()));
    const reader = new SocketReader();
    const socket = reader.connect({ host: '127.0.0.1', port });
    const closed = new Promise((resolve) => socket.once('close', resolve));
    const error = await new Promise<NodeJS.ErrnoException>((resolve) => socket.once('error', resolve));
    expect(error.code).toBe('ECONNREFUSED');
    expect(error.syscall).toBe('connect');
    expect(error.message).toContain(`127.0.0.1:${port}`);
    await closed;
    expect(reader.openSockets).toBe(0);
  });

  it('holds the process open while a TLS request is in flight, not once undici idles the connection', async () => {
    const tls = generateSelfSignedTls('watchmark-test');
    let requested!: (answer: () => void) => void;
    const request = new Promise<() => void>((resolve) => (requested = resolve));
    const server = createHttpsServer({ cert: tls.certPem, key: tls.keyPem }, (_req, res) => {
      requested(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"kind":"Status"}'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const reader = new SocketReader();
    const clock = systemClock();
    const client = new TargetClient(
      { server: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, tls: { insecureSkipTlsVerify: false, caPem: tls.caCertPem }, allowH2: false, authHeaders: async () => ({}) },
      clock,
      { socketReader: reader },
    );
    cleanups.push(() => client.close());
    const responding = client.requestJson('GET', '/api');
    const answer = await request;
    expect(reader.openSockets).toBe(1);
    expect(reader.holdsProcess).toBe(true);
    answer();
    expect((await responding).status).toBe(200);
    for (let turn = 0; turn < 1000 && reader.holdsProcess; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(reader.openSockets).toBe(1); // kept alive for the next request
    expect(reader.holdsProcess).toBe(false);
  });

  it('stops reading a socket whose bytes the main thread has not handled, and reads on once it has', async () => {
    const firehose = new Worker(FIREHOSE_SOURCE, { eval: true });
    const port = await new Promise<number>((resolve) => firehose.once('message', resolve));
    cleanups.push(async () => {
      firehose.postMessage('stop');
      await new Promise((resolve) => firehose.once('exit', resolve));
    });
    const readCounters = new Int32Array(new SharedArrayBuffer(8));
    const highBytes = 1024 * 1024;
    const reader = new SocketReader({ readCounters, unackedHighBytes: highBytes });
    const socket = reader.connect({ host: '127.0.0.1', port });
    cleanups.push(() => void socket.destroy());
    let handled = 0;
    socket.on('data', (chunk: Buffer) => (handled += chunk.length));
    await new Promise((resolve) => socket.once('connect', resolve));

    // This thread handles nothing now: the reader thread must stop at the bound, not fill the queue.
    const deadline = Date.now() + 10_000;
    while (Atomics.load(readCounters, 1) <= highBytes && Date.now() < deadline) Atomics.wait(readCounters, 0, Atomics.load(readCounters, 0), 100);
    expect(Atomics.load(readCounters, 1)).toBeGreaterThan(highBytes);
    Atomics.wait(readCounters, 0, Atomics.load(readCounters, 0), 300); // time enough for 100s of MB at loopback speed
    const readWhileBlocked = Atomics.load(readCounters, 1);
    expect(readWhileBlocked).toBeLessThanOrEqual(highBytes + 2 * 64 * 1024);

    // Handling the queue acks it: the thread reads on, well past the bound.
    while (handled < 4 * highBytes) await new Promise((resolve) => setImmediate(resolve));
    expect(Atomics.load(readCounters, 1)).toBeGreaterThan(readWhileBlocked);
  });
});
