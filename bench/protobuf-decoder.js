// Protobuf watch decoder throughput beside the JSON one, on the same events in one run.
// Run with `npm run bench` (builds dist/ first). Prints figures only; nothing here asserts.
import { ProtobufFrameDecoder } from '../dist/decode/protobuf-frames.js';
import { WatchFrameDecoder } from '../dist/decode/watch-frames.js';
import { encodeObject, encodeWatchEvent, lengthPrefixed } from '../dist/protobuf/k8s-codec.js';

const MB = 1024 * 1024;
const EVENTS = 40_000;
const RUNS = 7;

/** A ConfigMap as kube-apiserver stores one written by a controller (metadata, managedFields, data). */
function configMap(i) {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: `bench-${i.toString(36).padStart(6, '0')}`,
      namespace: 'watchmark-bench',
      uid: `0c6f3a2e-${(i % 65536).toString(16).padStart(4, '0')}-4b1d-9f0e-6a5c1d2e3f40`,
      resourceVersion: String(1_000_000 + i),
      creationTimestamp: '2026-01-01T00:00:00Z',
      labels: { 'app.kubernetes.io/managed-by': 'watchmark' },
      annotations: { 'watchmark.io/note': 'ünïcödé ✓ "quoted" {braces} [brackets] \\ backslash' },
      managedFields: [{ manager: 'watchmark', operation: 'Update', apiVersion: 'v1', time: '2026-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { '.': {}, 'f:payload': {} } } }],
    },
    data: { payload: `value-${i}` },
  };
}
const typeOf = (i) => (i % 50 === 49 ? 'BOOKMARK' : i % 3 === 0 ? 'ADDED' : 'MODIFIED');

const objects = Array.from({ length: EVENTS }, (_, i) => configMap(i));
const protobuf = Buffer.concat(objects.map((o, i) => lengthPrefixed(encodeWatchEvent(typeOf(i), encodeObject(o)))));
const json = Buffer.from(objects.map((o, i) => JSON.stringify({ type: typeOf(i), object: o }) + '\n').join(''));

/** 16 KiB chunks, as a loopback socket tends to deliver them. */
function chunks(data) {
  const out = [];
  for (let at = 0; at < data.length; at += 16 * 1024) out.push(data.subarray(at, at + 16 * 1024));
  return out;
}

/** `readObjects`: read every event's object too (the JSON decoder parses it on first read; the protobuf one decodes it on arrival). */
function decodeMs(Decoder, parts, readObjects) {
  const start = process.hrtime.bigint();
  const decoder = new Decoder();
  let frames = 0;
  let t = 0;
  const count = (out) => {
    if (readObjects) for (const frame of out) if (frame.object === undefined) throw new Error('an event without its object');
    frames += out.length;
  };
  for (const c of parts) count(decoder.push(c, t++));
  count(decoder.end(t));
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (frames !== EVENTS) throw new Error(`decoded ${frames} frames, expected ${EVENTS}`);
  return ms;
}

const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const cases = [
  { name: 'protobuf (ProtobufFrameDecoder)', Decoder: ProtobufFrameDecoder, data: protobuf },
  { name: 'JSON (WatchFrameDecoder)', Decoder: WatchFrameDecoder, data: json },
  { name: 'JSON, every object read', Decoder: WatchFrameDecoder, data: json, readObjects: true },
].map((c) => ({ ...c, parts: chunks(c.data), samples: [] }));
for (const c of cases) decodeMs(c.Decoder, c.parts, c.readObjects);
for (let run = 0; run < RUNS; run++) for (const c of cases) c.samples.push(decodeMs(c.Decoder, c.parts, c.readObjects));

console.log(`\nwatchmark protobuf decoder bench (node ${process.version}, ${EVENTS} ConfigMap events, 16 KiB chunks, median of ${RUNS}, alternated)`);
for (const c of cases) {
  const ms = median(c.samples);
  console.log(`${c.name.padEnd(34)} ${(c.data.length / MB).toFixed(1).padStart(6)} MB ${ms.toFixed(1).padStart(8)} ms ${Math.round(EVENTS / (ms / 1000)).toString().padStart(9)} events/s`);
}
const ratio = (a, b) => (median(cases[a].samples) / median(cases[b].samples)).toFixed(2);
// The protobuf decoder builds each object on arrival; the JSON one leaves that to the first read.
console.log(`protobuf/JSON time ratio: ${ratio(0, 1)}; with every JSON object read (like for like): ${ratio(0, 2)}`);
