// Decoder throughput and linearity. Run with `npm run bench` (builds dist/ first).
// Prints figures only; nothing here asserts (timings on a shared machine are not test material).
import { WatchFrameDecoder } from '../dist/decode/watch-frames.js';
import { seededRandom } from '../dist/seeded-random.js';

const MB = 1024 * 1024;
const SIZES = [20_000, 40_000, 80_000];
const RUNS = 7;

/** A watch event carrying a ConfigMap roughly as kube-apiserver serialises it (~600 bytes). */
function configMapEvent(i) {
  const type = i % 50 === 49 ? 'BOOKMARK' : i % 3 === 0 ? 'ADDED' : 'MODIFIED';
  const object = {
    kind: 'ConfigMap',
    apiVersion: 'v1',
    metadata: {
      name: `bench-${i.toString(36).padStart(6, '0')}`,
      namespace: 'watchmark-bench',
      uid: `0c6f3a2e-${(i % 65536).toString(16).padStart(4, '0')}-4b1d-9f0e-6a5c1d2e3f40`,
      resourceVersion: String(1_000_000 + i),
      creationTimestamp: '2026-01-01T00:00:00Z',
      labels: { 'app.kubernetes.io/managed-by': 'watchmark' },
      annotations: { 'watchmark.io/note': 'ünïcödé ✓ "quoted" {braces} [brackets] \\ backslash' },
      managedFields: [
        {
          manager: 'watchmark',
          operation: 'Update',
          apiVersion: 'v1',
          time: '2026-01-01T00:00:00Z',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:data': { '.': {}, 'f:payload': {} } },
        },
      ],
    },
    data: { payload: `value-${i}` },
  };
  return JSON.stringify({ type, object }) + '\n';
}

function streamOf(events) {
  const parts = [];
  for (let i = 0; i < events; i++) parts.push(configMapEvent(i));
  return Buffer.from(parts.join(''));
}

/** Cuts `data` into chunks of random length in [min, max] (subarrays, no copies). */
function chunk(data, min, max, seed) {
  const random = seededRandom(seed);
  const chunks = [];
  for (let at = 0; at < data.length; ) {
    const size = min + Math.floor(random() * (max - min + 1));
    chunks.push(data.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

function decodeAll(chunks) {
  const decoder = new WatchFrameDecoder();
  let frames = 0;
  let t = 0;
  for (const c of chunks) frames += decoder.push(c, t++).length;
  frames += decoder.end(t).length;
  return frames;
}

/** Wall time of one decode, in ms. */
function time(chunks, expectedFrames) {
  const start = process.hrtime.bigint();
  const frames = decodeAll(chunks);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (frames !== expectedFrames) throw new Error(`decoded ${frames} frames, expected ${expectedFrames}`);
  return ms;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const pad = (text, width) => String(text).padStart(width);

console.log(`watchmark decoder bench (node ${process.version}, median of ${RUNS})\n`);

const CHUNKINGS = [
  { name: 'TCP-like chunks 1 B..16 KiB', min: 1, max: 16 * 1024 },
  { name: 'tiny chunks 1..64 B', min: 1, max: 64 },
];

const streams = SIZES.map((events) => ({ events, data: streamOf(events) }));
const avgBytes = Math.round(streams[0].data.length / streams[0].events);
console.log(`events are ConfigMap watch events of ~${avgBytes} bytes\n`);

for (const chunking of CHUNKINGS) {
  const cases = streams.map(({ events, data }) => ({ events, data, chunks: chunk(data, chunking.min, chunking.max, events) }));
  // Warm up the JIT on every size, then measure the sizes round-robin so machine noise and GC
  // spread over all of them instead of biasing one.
  for (const c of cases) decodeAll(c.chunks);
  const samples = cases.map(() => []);
  for (let run = 0; run < RUNS; run++) {
    cases.forEach((c, i) => samples[i].push(time(c.chunks, c.events)));
  }
  console.log(chunking.name);
  console.log(`${pad('events', 8)} ${pad('MB', 7)} ${pad('chunks', 9)} ${pad('ms', 9)} ${pad('MB/s', 8)} ${pad('x prev', 7)}`);
  let previousMs;
  cases.forEach(({ events, data, chunks }, i) => {
    const ms = median(samples[i]);
    const ratio = previousMs === undefined ? '' : (ms / previousMs).toFixed(2);
    console.log(
      `${pad(events, 8)} ${pad((data.length / MB).toFixed(1), 7)} ${pad(chunks.length, 9)} ${pad(ms.toFixed(1), 9)} ${pad((data.length / MB / (ms / 1000)).toFixed(0), 8)} ${pad(ratio, 7)}`,
    );
    previousMs = ms;
  });
  console.log('  (x prev: time ratio to the previous size; ~2.00 per doubling means linear)\n');
}

// One huge frame: must not be rescanned or re-concatenated per chunk.
const hugeSize = 8 * MB;
const huge = Buffer.from(JSON.stringify({ type: 'ADDED', object: { kind: 'ConfigMap', apiVersion: 'v1', data: { blob: 'y'.repeat(hugeSize) } } }) + '\n');
const inKiB = chunk(huge, 1024, 1024, 1);
const whole = [huge];
decodeAll(inKiB);
decodeAll(whole);
const kibSamples = [];
const wholeSamples = [];
for (let run = 0; run < RUNS; run++) {
  kibSamples.push(time(inKiB, 1));
  wholeSamples.push(time(whole, 1));
}
const kibMs = median(kibSamples);
const wholeMs = median(wholeSamples);
console.log(`one ${(huge.length / MB).toFixed(1)} MB frame`);
console.log(`  in ${inKiB.length} chunks of 1 KiB: ${pad(kibMs.toFixed(1), 7)} ms (${(huge.length / MB / (kibMs / 1000)).toFixed(0)} MB/s)`);
console.log(`  in one chunk:            ${pad(wholeMs.toFixed(1), 7)} ms (${(huge.length / MB / (wholeMs / 1000)).toFixed(0)} MB/s)`);
console.log(`  ratio 1 KiB chunks / one chunk: ${(kibMs / wholeMs).toFixed(2)} (~1 means chunking costs nothing extra)`);
