/**
 * Protobuf watch decoder fuzzing (issue 13), as decoder-fuzz.test.ts does for JSON: fast-check over
 * random bytes and mutations of kube-apiserver-like protobuf streams (length-prefixed WatchEvents
 * around k8s\0 + runtime.Unknown ConfigMaps and Status), randomly chunked. Whatever arrives: no
 * exception escapes push() or end(), the decoder holds at most the frame limit, the output is the
 * same however the bytes are chunked, excerpts stay within 4 KiB, and at most MAX_MALFORMED_KEPT
 * malformed frames are kept (plus the oversized frame that ends decoding). The slow variant runs many more inputs and prints its figures.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_RAW_BYTES } from '../../src/decode/frame-text.js';
import { ProtobufFrameDecoder } from '../../src/decode/protobuf-frames.js';
import { MAX_MALFORMED_KEPT, type DecodedFrame } from '../../src/decode/watch-frames.js';
import { encodeObject, encodeWatchEvent, lengthPrefixed } from '../../src/protobuf/k8s-codec.js';
import { split } from './chunks.js';
import { faultScale } from './scale.js';

const LIMIT = 400;
const RUNS = { randomBytes: faultScale(800, 300_000), mutated: faultScale(800, 300_000) };
const TIMEOUT_MS = faultScale(60_000, 3_600_000);

function kubeFrame(i: number, type: string, payload: string): number[] {
  const object =
    type === 'ERROR'
      ? { apiVersion: 'v1', kind: 'Status', status: 'Failure', message: 'too old resource version: 1 (5)', reason: 'Expired', code: 410 }
      : { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace: 'fuzz', resourceVersion: String(1000 + i) }, data: { payload } };
  return [...lengthPrefixed(encodeWatchEvent(type, encodeObject(object)))];
}

const eventType = fc.constantFrom('ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR');
const kubeStream = fc
  .array(fc.tuple(eventType, fc.string({ maxLength: 40 })), { minLength: 1, maxLength: 8 })
  .map((events) => Uint8Array.from(events.flatMap(([type, p], i) => kubeFrame(i, type, p))));

type Mutation = { at: number; op: 'flip' | 'insert' | 'delete' | 'truncate'; byte: number; length: number };
const mutation = fc.record({
  at: fc.nat(),
  op: fc.constantFrom('flip', 'insert', 'delete', 'truncate') as fc.Arbitrary<Mutation['op']>,
  byte: fc.constantFrom(0x00, 0x01, 0x0a, 0x12, 0x6b, 0x7f, 0x80, 0xff),
  length: fc.integer({ min: 1, max: 16 }),
});

function mutate(data: Uint8Array, mutations: Mutation[]): Uint8Array {
  let bytes = Array.from(data);
  for (const m of mutations) {
    const at = bytes.length === 0 ? 0 : m.at % bytes.length;
    if (m.op === 'flip' && bytes.length > 0) bytes[at] = m.byte;
    else if (m.op === 'insert') bytes.splice(at, 0, ...new Array<number>(m.length).fill(m.byte));
    else if (m.op === 'delete') bytes.splice(at, m.length);
    else if (m.op === 'truncate') bytes = bytes.slice(0, at);
  }
  return Uint8Array.from(bytes);
}

function decode(chunks: Uint8Array[]): Array<Omit<DecodedFrame, 'atMs'>> {
  const decoder = new ProtobufFrameDecoder({ maxFrameBytes: LIMIT });
  const frames: DecodedFrame[] = [];
  chunks.forEach((chunk, index) => {
    frames.push(...decoder.push(chunk, index));
    if (decoder.pendingBytes > LIMIT + 4) throw new Error(`decoder holds ${decoder.pendingBytes} bytes (limit ${LIMIT})`);
  });
  frames.push(...decoder.end(chunks.length));
  for (const frame of frames) {
    if (frame.kind === 'malformed' && Buffer.from(frame.raw, 'base64').length > MAX_RAW_BYTES) throw new Error(`excerpt of ${frame.raw.length} base64 chars`);
  }
  // The oversized frame that ends decoding is always kept, even after MAX_MALFORMED_KEPT others (as in watch-frames.ts).
  if (frames.filter((f) => f.kind === 'malformed').length > MAX_MALFORMED_KEPT + 1) throw new Error('more malformed frames kept than the bound');
  return frames.map(({ atMs: _atMs, ...rest }) => rest);
}

const totals = { inputs: 0, startedAt: performance.now() };

describe('ProtobufFrameDecoder fuzzing', () => {
  it('random bytes, randomly chunked: nothing escapes, memory bounded, same frames as in one chunk', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 900 }), fc.array(fc.nat(), { maxLength: 12 }), (data, cuts) => {
        totals.inputs++;
        expect(decode(split(data, cuts))).toEqual(decode([data]));
      }),
      { numRuns: RUNS.randomBytes },
    );
  }, TIMEOUT_MS);

  it('kube-apiserver-like protobuf streams: intact ones decode whole; mutated ones keep every bound and are chunking-invariant', () => {
    fc.assert(
      fc.property(kubeStream, fc.array(mutation, { maxLength: 4 }), fc.array(fc.nat(), { maxLength: 12 }), (stream, mutations, cuts) => {
        totals.inputs++;
        if (mutations.length === 0) {
          const frames = decode(split(stream, cuts));
          expect(frames.every((f) => f.kind === 'event')).toBe(true);
        }
        const data = mutate(stream, mutations);
        expect(decode(split(data, cuts))).toEqual(decode([data]));
      }),
      { numRuns: RUNS.mutated },
    );
    if (faultScale(false, true)) console.log(`protobuf decoder fuzz: ${totals.inputs} inputs in ${((performance.now() - totals.startedAt) / 1000).toFixed(1)} s`);
  }, TIMEOUT_MS);
});
