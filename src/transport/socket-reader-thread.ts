/**
 * The socket reader's thread (socket-reader.ts): its source and the events it posts. It reads,
 * stamps and hands over; see socket-reader.ts for why and how the stamps are used.
 */
// The worker's source, evaluated as CommonJS (a file would need a build step of its own: vitest
// runs the TypeScript sources, the package runs dist/).
export const READER_THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const readCounters = workerData && workerData.readCounters;
// Flow control: a socket stops being read while more than UNACKED_HIGH of its bytes are posted and
// not yet handled by the main thread (it acks them), and reads again at UNACKED_LOW; and while the
// main thread's stream is full (pause/resume). Without it a fast server filled the main thread's
// message queue without bound.
const UNACKED_HIGH = workerData.unackedHighBytes;
const UNACKED_LOW = UNACKED_HIGH / 2;
const flow = new Map();
function updateReading(id) {
  const s = sockets.get(id);
  const f = flow.get(id);
  if (!s || !f) return;
  if (f.held || f.full) s.pause();
  else s.resume();
}
const net = require('node:net');
const sockets = new Map();
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
parentPort.on('message', (m) => {
  const socket = sockets.get(m.id);
  switch (m.op) {
    case 'connect': {
      const s = net.connect({ host: m.host, port: m.port, ...(m.localAddress ? { localAddress: m.localAddress } : {}) });
      sockets.set(m.id, s);
      flow.set(m.id, { unacked: 0, full: false, held: false });
      s.setNoDelay(true);
      s.setKeepAlive(true, 60000); // as undici's connector (lib/core/connect.js v7.30)
      s.on('connect', () => post({ id: m.id, ev: 'connect', localAddress: s.localAddress, localPort: s.localPort, remoteAddress: s.remoteAddress, remotePort: s.remotePort, remoteFamily: s.remoteFamily }));
      s.on('data', (data) => {
        const arrivedNs = process.hrtime.bigint();
        const bytes = new Uint8Array(data.length);
        bytes.set(data);
        post({ id: m.id, ev: 'data', arrivedNs, bytes }, [bytes.buffer]);
        const f = flow.get(m.id);
        f.unacked += bytes.length;
        if (!f.full && f.unacked > UNACKED_HIGH) { f.full = true; updateReading(m.id); }
        if (readCounters) {
          Atomics.add(readCounters, 0, 1);
          Atomics.add(readCounters, 1, bytes.length);
          Atomics.notify(readCounters, 0);
        }
      });
      s.on('end', () => post({ id: m.id, ev: 'end' }));
      s.on('error', (err) => post({ id: m.id, ev: 'error', error: errorFields(err) }));
      s.on('close', () => { sockets.delete(m.id); flow.delete(m.id); post({ id: m.id, ev: 'close' }); });
      break;
    }
    case 'write': if (socket) socket.write(m.bytes); break;
    case 'end': if (socket) socket.end(); break;
    case 'destroy': if (socket) socket.destroy(); break;
    case 'pause': if (flow.has(m.id)) { flow.get(m.id).held = true; updateReading(m.id); } break;
    case 'resume': if (flow.has(m.id)) { flow.get(m.id).held = false; updateReading(m.id); } break;
    case 'ack': {
      const f = flow.get(m.id);
      if (!f) break;
      f.unacked -= m.bytes;
      if (f.full && f.unacked <= UNACKED_LOW) { f.full = false; updateReading(m.id); }
      break;
    }
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
