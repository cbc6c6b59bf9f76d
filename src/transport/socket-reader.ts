/**
 * Sockets read by a thread of their own, so a chunk's arrival time is taken when its bytes come
 * off the socket, not when the main thread gets round to them.
 *
 * Why: at 10,000 watches one write reaches every watch at once. The main thread spends ~8 µs per
 * event in Node's HTTP/2 stack, undici and the recorder, so a burst of 10,000 events is ~80 ms of
 * work; a chunk stamped on the main thread waits behind all of it and the backlog is recorded as
 * the server's delay (issue 15 measured arrival error p99 123 ms against the server's send stamp).
 * Here one worker thread owns the TCP sockets and does nothing but read, stamp
 * (`process.hrtime.bigint()`, the monotonic clock every thread shares) and hand the bytes over.
 * TLS, HTTP/2 and decoding stay on the main thread, unchanged: the connector passes the
 * worker-backed socket to undici's own connector as the TLS layer's transport (`httpSocket`), so
 * certificate checks, ALPN and session reuse are exactly undici's.
 *
 * How the stamp reaches the recorder: `lastArrivalNs` is the newest stamp of the chunks handed to
 * a stream on the main thread. Every byte the main thread processes came in such a chunk, so for
 * the bytes in hand it is never earlier than their arrival; it is their arrival when the main
 * thread keeps up, and later only by the chunks handed over while it did not. It is read, not
 * pinned around the push: TLS and HTTP/2 over a JS stream finish some of a chunk's work in later
 * ticks (js_stream_socket.js completes writes on setImmediate, and an HTTP/2 session stops reading
 * while a write is in flight), so a pin lifted after the push would miss them.
 *
 * The thread also: batches its events into one message per turn of its loop; stops reading a
 * socket while UNACKED_HIGH_BYTES of it wait for the main thread (flow control); and raises its
 * own priority where the system allows (READER_THREAD_NICE), since it must not wait for a core.
 * On the main thread each socket queues what it received and hands its stream a chunk when the
 * stream asks for one, as a net.Socket's read does (ReaderSocket._read).
 */
import { Duplex } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { READER_THREAD_NICE, READER_THREAD_SOURCE, type ReaderThreadEvent } from './socket-reader-thread.js';

export { READER_THREAD_NICE } from './socket-reader-thread.js';

export interface ReaderSocketOptions {
  host: string;
  port: number;
  localAddress?: string;
}

export interface SocketReaderOptions {
  /**
   * Counts what the thread has read: element 0 the chunks (Atomics.notify on each), element 1 the
   * bytes. For tests that must know a chunk was read while the main thread was busy. A view of a
   * SharedArrayBuffer of at least 8 bytes.
   */
  readCounters?: Int32Array;
  /** Bytes of one socket posted to the main thread and not yet handed to its stream before it is no longer read (default UNACKED_HIGH_BYTES). */
  unackedHighBytes?: number;
}

/** See SocketReaderOptions.unackedHighBytes: about 25 ms of a fast loopback stream. */
export const UNACKED_HIGH_BYTES = 4 * 1024 * 1024;
/** The main thread acks a socket's handled bytes in steps of this. */
const ACK_STEP_BYTES = 256 * 1024;
/** The end of a socket's bytes, in its queue. */
const END = Symbol('end');

/**
 * One worker thread reading every socket it opens. Like a net.Socket, an open socket keeps the
 * process running unless it is unref()'d (undici unrefs idle connections).
 */
export class SocketReader {
  private worker: Worker | undefined;
  private readonly sockets = new Map<number, ReaderSocket>();
  private nextId = 1;
  private lastArrival: bigint | undefined;
  private priority: { nice: number | null; error?: string } | undefined;

  constructor(private readonly options: SocketReaderOptions = {}) {}

  /** The stamp (monotonic ns) of the newest chunk handed to a stream on the main thread; undefined before the first. */
  get lastArrivalNs(): bigint | undefined {
    return this.lastArrival;
  }

  /** Opens a TCP connection read by the worker; the returned socket emits 'connect' once it is up. */
  connect(options: ReaderSocketOptions): ReaderSocket {
    const id = this.nextId++;
    const socket = new ReaderSocket(this, id);
    this.sockets.set(id, socket);
    this.post({
      op: 'connect',
      id,
      host: options.host,
      port: options.port,
      localAddress: options.localAddress,
    });
    return socket;
  }

  /**
   * The reader thread's nice value once it started: READER_THREAD_NICE, or null with the reason the
   * system refused it (then it runs at the process's). Undefined before the thread reported.
   */
  get threadPriority(): { nice: number | null; error?: string } | undefined {
    return this.priority;
  }

  /** Open sockets (for tests). */
  get openSockets(): number {
    return this.sockets.size;
  }

  /** @internal */
  post(message: Record<string, unknown>, transfer?: ArrayBuffer[]): void {
    const worker = this.ensureWorker();
    worker.postMessage(message, transfer);
  }

  /** @internal: a chunk stamped `arrivedNs` was handed to its stream. */
  delivered(arrivedNs: bigint): void {
    if (this.lastArrival === undefined || arrivedNs > this.lastArrival) this.lastArrival = arrivedNs;
  }

  /** @internal: the socket with this id is gone on the main side. */
  forget(id: number): void {
    this.sockets.delete(id);
    this.updateRef();
  }

  /** Whether the thread holds the process open: while any open socket is ref()'d. */
  get holdsProcess(): boolean {
    for (const socket of this.sockets.values()) if (socket.holdsProcess) return true;
    return false;
  }

  /** @internal */
  updateRef(): void {
    if (!this.worker) return;
    if (this.holdsProcess) this.worker.ref();
    else this.worker.unref();
  }

  private ensureWorker(): Worker {
    if (!this.worker) {
      const worker = new Worker(READER_THREAD_SOURCE, { eval: true, workerData: { readCounters: this.options.readCounters, nice: READER_THREAD_NICE, unackedHighBytes: this.options.unackedHighBytes ?? UNACKED_HIGH_BYTES } });
      worker.on('message', (events: ReaderThreadEvent[]) => {
        for (const event of events) {
          if (event.ev === 'priority') {
            this.priority = { nice: event.nice, ...(event.error !== undefined ? { error: event.error } : {}) };
            continue;
          }
          this.sockets.get(event.id)?.onReaderThreadEvent(event);
        }
      });
      worker.on('error', (err) => this.failAll(err));
      worker.on('exit', (code) => {
        if (this.worker === worker) this.worker = undefined;
        this.failAll(new Error(`the socket reader thread exited (code ${code})`));
      });
      this.worker = worker;
    }
    this.updateRef();
    return this.worker;
  }

  private failAll(err: Error): void {
    for (const socket of [...this.sockets.values()]) socket.destroy(err);
  }
}

/**
 * The main thread's end of a worker-read TCP connection: a Duplex undici and TLS can run over, with
 * the few net.Socket methods they call.
 */
export class ReaderSocket extends Duplex {
  connecting = true;
  localAddress: string | undefined;
  localPort: number | undefined;
  remoteAddress: string | undefined;
  remotePort: number | undefined;
  remoteFamily: string | undefined;
  /**
   * Chunks (with their stamps) and the end, received from the thread and not yet handed to the
   * stream: it takes them when it asks for more (_read), as a net.Socket's stream takes a read.
   */
  private readonly queue: Array<{ bytes: Buffer; arrivedNs: bigint } | typeof END> = [];
  /** Whether the stream asked for more (_read) and has not been given it. */
  private wanting = false;
  private deliverScheduled = false;
  private ended = false;
  private gone = false;
  /** Bytes handled since the last ack to the thread (flow control, see the worker's source). */
  private handledSinceAck = 0;
  /** Whether this socket keeps the process running (ref(), the default) or not (unref()). */
  holdsProcess = true;

  constructor(
    private readonly reader: SocketReader,
    readonly id: number,
  ) {
    super({ allowHalfOpen: false });
  }

  /** @internal */
  onReaderThreadEvent(event: ReaderThreadEvent): void {
    switch (event.ev) {
      case 'connect':
        this.connecting = false;
        this.localAddress = event.localAddress;
        this.localPort = event.localPort;
        this.remoteAddress = event.remoteAddress;
        this.remotePort = event.remotePort;
        this.remoteFamily = event.remoteFamily;
        this.emit('connect');
        break;
      case 'data':
        this.queue.push({ bytes: Buffer.from(event.bytes.buffer, event.bytes.byteOffset, event.bytes.byteLength), arrivedNs: event.arrivedNs });
        if (this.wanting) this.deliver();
        break;
      case 'end':
        this.ended = true;
        if (this.queue.length === 0) this.push(null);
        else this.queue.push(END);
        break;
      case 'error':
        this.destroy(Object.assign(new Error(event.error.message), stripUndefined({ ...event.error, message: undefined })));
        break;
      case 'close':
        this.gone = true;
        this.reader.forget(this.id);
        // After an end the stream closes itself once its reader has read to the end (allowHalfOpen
        // false, autoDestroy), as a net.Socket does; destroying it here would drop what it holds.
        if (!this.ended && !this.destroyed) this.destroy();
        break;
    }
  }

  override _read(): void {
    this.wanting = true;
    if (this.queue.length === 0 || this.deliverScheduled) return;
    // On a later turn, not now: a push from within read() is joined to what that read returns
    // (Readable.read() recomputes its size), and a backlog handed over in one turn is garbage the
    // main thread cannot collect before that turn ends. test/faults' endless frame at full speed,
    // peak RSS under Node 24: 334-382 MiB pushing every chunk on arrival, 268-280 queued but
    // handed over in the same turn (nextTick), 201-224 like this; 202-218 without the reader.
    this.deliverScheduled = true;
    setImmediate(() => {
      this.deliverScheduled = false;
      if (!this.destroyed) this.deliver();
    });
  }

  /** Hands queued chunks to the stream while it wants them; acks them to the thread (flow control). */
  private deliver(): void {
    while (this.wanting && this.queue.length > 0) {
      const item = this.queue.shift()!;
      if (item === END) {
        this.push(null);
        return;
      }
      this.reader.delivered(item.arrivedNs);
      this.handledSinceAck += item.bytes.length;
      if (this.handledSinceAck >= ACK_STEP_BYTES) {
        this.reader.post({ op: 'ack', id: this.id, bytes: this.handledSinceAck });
        this.handledSinceAck = 0;
      }
      this.wanting = this.push(item.bytes);
    }
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    // Copied: the caller may reuse its buffer once called back, and a transfer needs its own.
    const bytes = new Uint8Array(chunk.length);
    bytes.set(chunk);
    this.reader.post({ op: 'write', id: this.id, bytes }, [bytes.buffer]);
    callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.reader.post({ op: 'end', id: this.id });
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.queue.length = 0;
    if (!this.gone) {
      this.gone = true;
      this.reader.post({ op: 'destroy', id: this.id });
      this.reader.forget(this.id);
    }
    callback(error);
  }

  // net.Socket's knobs, as undici's connector and client call them. The worker set no-delay and
  // keep-alive on the real socket.
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
  setTimeout(): this {
    return this;
  }
  ref(): this {
    this.holdsProcess = true;
    this.reader.updateRef();
    return this;
  }
  unref(): this {
    this.holdsProcess = false;
    this.reader.updateRef();
    return this;
  }
}

function stripUndefined<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** The process's socket reader (one thread for all connections). */
export const sharedSocketReader = new SocketReader();

type Connector = (options: ConnectorOptions, callback: ConnectorCallback) => unknown;
interface ConnectorOptions {
  hostname: string;
  host?: string;
  protocol: string;
  port: string;
  servername?: string;
  localAddress?: string | null;
  httpSocket?: unknown;
}
type ConnectorCallback = (...args: [null, Duplex] | [Error, null]) => void;

/**
 * A connector whose TCP connections are read by `reader`. HTTPS goes through `tlsConnector`
 * (undici's buildConnector, with the target's TLS options) over the reader socket, so TLS is
 * exactly what it would be without the reader; plain HTTP gets the reader socket itself once it is
 * connected, within `connectTimeoutMs` (undici's connector bounds its connects the same way).
 */
export function readerConnector(reader: SocketReader, tlsConnector: Connector, connectTimeoutMs: number, onTimeout: (host: string, port: number, timeoutMs: number) => Error): Connector {
  return (options, callback) => {
    const https = options.protocol === 'https:';
    const port = Number(options.port) || (https ? 443 : 80);
    const host = options.hostname.startsWith('[') ? options.hostname.slice(1, -1) : options.hostname;
    const socket = reader.connect({ host, port, ...(options.localAddress ? { localAddress: options.localAddress } : {}) });
    if (https) {
      const tlsSocket = tlsConnector({ ...options, httpSocket: socket }, callback) as Duplex & { ref(): unknown; unref(): unknown };
      // A TLS socket over a JS stream drops ref()/unref() (its handle has none to proxy them to):
      // pass them on, so an idle connection undici unrefs does not hold the process open.
      tlsSocket.ref = () => (socket.ref(), tlsSocket);
      tlsSocket.unref = () => (socket.unref(), tlsSocket);
      return tlsSocket;
    }
    let pending: ConnectorCallback | null = callback;
    const settle = (...args: [null, Duplex] | [Error, null]) => {
      if (timer) clearTimeout(timer);
      const cb = pending;
      pending = null;
      cb?.(...args);
    };
    const timer = connectTimeoutMs > 0
      ? setTimeout(() => {
          const err = onTimeout(host, port, connectTimeoutMs);
          socket.destroy(err);
          settle(err, null);
        }, connectTimeoutMs)
      : undefined;
    socket.once('connect', () => settle(null, socket));
    socket.once('error', (err: Error) => settle(err, null));
    return socket;
  };
}
