/**
 * The socket reader's thread (socket-reader.ts): its source and the events it posts. It reads,
 * stamps and hands over; see socket-reader.ts for why and how the stamps are used.
 */
// The worker's source, evaluated as CommonJS (a file would need a build step of its own: vitest
// runs the TypeScript sources, the package runs dist/).
export const READER_THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const net = require('node:net');
const readCounters = workerData && workerData.readCounters;
// Flow control: a socket is not read while more than UNACKED_HIGH of its bytes are posted and not
// yet handed to its stream on the main thread (which acks them), and is read again at UNACKED_LOW.
// Without it a fast server filled the main thread's memory without bound.
const UNACKED_HIGH = workerData.unackedHighBytes;
const UNACKED_LOW = UNACKED_HIGH / 2;
// Every socket reads into this one buffer (net's onread); each chunk is copied out at once into
// memory of its own, which is transferred to the main thread. So this thread allocates one buffer
// per chunk, not two, and keeps none of them.
const readBuffer = Buffer.allocUnsafeSlow(64 * 1024);
const sockets = new Map(); // id -> { socket, unacked, stopped }
// A higher priority for this thread alone (Linux nice values are per thread), where the process
// may raise one (root or CAP_SYS_NICE): it sleeps until bytes arrive, and then must not wait for a
// core behind the main thread it serves.
let priority;
try {
  require('node:os').setPriority(workerData.nice);
  priority = { id: 0, ev: 'priority', nice: workerData.nice };
} catch (err) {
  priority = { id: 0, ev: 'priority', nice: null, error: String((err && err.info && err.info.code) || (err && err.code) || (err && err.message)) };
}
// Events go out in one message per turn of this thread's loop, in order: a message costs the main
// thread more than the chunk in it (kube-apiserver writes each event of each watch on its own).
let batch = [];
let transfer = [];
const flush = () => { const events = batch; const buffers = transfer; batch = []; transfer = []; parentPort.postMessage(events, buffers); };
const post = (event, buffers) => {
  if (batch.length === 0) setImmediate(flush);
  batch.push(event);
  if (buffers) transfer.push(...buffers);
};
post(priority);
function errorFields(err) {
  return { message: String(err && err.message), code: err && err.code, errno: err && err.errno, syscall: err && err.syscall, address: err && err.address, port: err && err.port };
}
function connect(m) {
  const entry = { socket: undefined, unacked: 0, stopped: false };
  const onChunk = (nread, buf) => {
    const arrivedNs = process.hrtime.bigint();
    const bytes = new Uint8Array(nread);
    bytes.set(buf.subarray(0, nread));
    post({ id: m.id, ev: 'data', arrivedNs, bytes }, [bytes.buffer]);
    entry.unacked += nread;
    if (readCounters) {
      Atomics.add(readCounters, 0, 1);
      Atomics.add(readCounters, 1, nread);
      Atomics.notify(readCounters, 0);
    }
    if (entry.unacked <= UNACKED_HIGH) return true;
    entry.stopped = true;
    return false; // net: stops reading, as pause() would
  };
  const s = net.connect({ host: m.host, port: m.port, ...(m.localAddress ? { localAddress: m.localAddress } : {}), onread: { buffer: readBuffer, callback: onChunk } });
  entry.socket = s;
  sockets.set(m.id, entry);
  s.setNoDelay(true);
  s.setKeepAlive(true, 60000); // as undici's connector (lib/core/connect.js v7.30)
  s.on('connect', () => post({ id: m.id, ev: 'connect', localAddress: s.localAddress, localPort: s.localPort, remoteAddress: s.remoteAddress, remotePort: s.remotePort, remoteFamily: s.remoteFamily }));
  s.on('end', () => post({ id: m.id, ev: 'end' }));
  s.on('error', (err) => post({ id: m.id, ev: 'error', error: errorFields(err) }));
  s.on('close', () => { sockets.delete(m.id); post({ id: m.id, ev: 'close' }); });
}
parentPort.on('message', (m) => {
  if (m.op === 'connect') return connect(m);
  const entry = sockets.get(m.id);
  if (!entry) return;
  switch (m.op) {
    case 'write': entry.socket.write(m.bytes); break;
    case 'end': entry.socket.end(); break;
    case 'destroy': entry.socket.destroy(); break;
    case 'ack':
      entry.unacked -= m.bytes;
      if (entry.stopped && entry.unacked <= UNACKED_LOW) { entry.stopped = false; entry.socket.resume(); }
      break;
  }
});
`;

export type ReaderThreadEvent =
  | { id: number; ev: 'connect'; localAddress?: string; localPort?: number; remoteAddress?: string; remotePort?: number; remoteFamily?: string }
  | { id: number; ev: 'data'; arrivedNs: bigint; bytes: Uint8Array }
  | { id: number; ev: 'end' }
  | { id: number; ev: 'error'; error: { message: string; code?: string; errno?: number; syscall?: string; address?: string; port?: number } }
  | { id: number; ev: 'close' }
  | { id: 0; ev: 'priority'; nice: number | null; error?: string };

/** The nice value the reader thread asks for (see the worker's source). */
export const READER_THREAD_NICE = -10;
