/**
 * Decoder fuzzing (issue 10): fast-check over random bytes, random chunkings of kube-apiserver-like
 * streams and mutations of them. Whatever arrives: no exception escapes push() or end(), every
 * input finishes (no hang: the suite's timeout), the bytes the decoder holds stay within
 * max(frame limit, 4 KiB), the output is the same however the bytes are chunked, and at most
 * MAX_MALFORMED_KEPT malformed frames are kept. The slow variant runs over 1,000,000 inputs and
 * prints the count and time.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_RAW_BYTES } from '../../src/decode/frame-text.js';
import { MAX_MALFORMED_KEPT, WatchFrameDecoder, type DecodedFrame } from '../../src/decode/watch-frames.js';
import { split } from './chunks.js';
import { faultScale } from './scale.js';

/** A small limit so random inputs cross it often. */
const LIMIT = 300;
const HELD_BOUND = Math.max(LIMIT, MAX_RAW_BYTES);

/** numRuns per property: a few thousand inputs in all in CI, over 1,000,000 in the slow variant. */
const RUNS = {
  randomBytes: faultScale(1500, 400_000),
  chunking: faultScale(800, 300_000),
  mutated: faultScale(1500, 400_000),
};

/** Per-test timeout: the unit project's 60 s in CI; the slow variant's million inputs take many minutes. */
const TIMEOUT_MS = faultScale(60_000, 3_600_000);

const enc = new TextEncoder();

/** A watch event as kube-apiserver writes it: encoding/json, HTML-escaped, one "\n" after each. */
function kubeEvent(i: number, type: string, payload: string): string {
  const object =
    type === 'ERROR'
      ? { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'too old resource version: 1 (5)', reason: 'Expired', code: 410 }
      : {
          kind: 'ConfigMap',
          apiVersion: 'v1',
          metadata: {
            name: `cm-${i}`,
            namespace: 'watchmark-fuzz',
            uid: `0c6f3a2e-${i.toString(16).padStart(4, '0')}-4b1d-9f0e-6a5c1d2e3f40`,
            resourceVersion: String(1000 + i),
            creationTimestamp: '2026-01-01T00:00:00Z',
            labels: { 'app.kubernetes.io/managed-by': 'watchmark' },
            ...(type === 'BOOKMARK' && i % 2 === 0 ? { annotations: { 'k8s.io/initial-events-end': 'true' } } : {}),
          },
          data: { payload },
        };
  return (
    JSON.stringify({ type, object })
      .replace(/</g, '\\u003c')
      .replace(/>/g, '\\u003e')
      .replace(/&/g, '\\u0026') + '\n'
  );
}

const payload = fc.string({ unit: fc.constantFrom('a', 'ü', '✓', '"', '\\', '{', '}', '[', ']', '<', '\n', ' ', '😀'), maxLength: 40 });
const eventType = fc.constantFrom('ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR');
const kubeStream = fc.array(fc.tuple(eventType, payload), { minLength: 1, maxLength: 8 }).map((events) => enc.encode(events.map(([type, p], i) => kubeEvent(i, type, p)).join('')));

type Mutation = { at: number; op: 'flip' | 'insert' | 'delete' | 'truncate' | 'duplicate'; byte: number; length: number };
const mutation = fc.record({
  at: fc.nat(),
  op: fc.constantFrom('flip', 'insert', 'delete', 'truncate', 'duplicate') as fc.Arbitrary<Mutation['op']>,
  byte: fc.constantFrom(0x0a, 0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x3a, 0x20, 0x00, 0xff, 0xc3, 0x74, 0x31, 0x2d),
  length: fc.integer({ min: 1, max: 64 }),
});

function mutate(data: Uint8Array, mutations: Mutation[]): Uint8Array {
  let bytes = Array.from(data);
  for (const m of mutations) {
    const at = bytes.length === 0 ? 0 : m.at % bytes.length;
    switch (m.op) {
      case 'flip':
        if (bytes.length > 0) bytes[at] = m.byte;
        break;
      case 'insert':
        bytes.splice(at, 0, ...new Array<number>(m.length).fill(m.byte));
        break;
      case 'delete':
        bytes.splice(at, m.length);
        break;
      case 'truncate':
        bytes = bytes.slice(0, at);
        break;
      case 'duplicate':
        bytes.splice(at, 0, ...bytes.slice(at, at + m.length * 8));
        break;
    }
  }
  return Uint8Array.from(bytes);
}

/**
 * Feeds the chunks, checking after every call that the decoder holds at most HELD_BOUND bytes;
 * returns the frames without their times (those depend on the chunking by design).
 */
function decode(chunks: Uint8Array[], partialFrame: 'report' | 'drop' = 'report'): Array<Omit<DecodedFrame, 'atMs'>> {
  const decoder = new WatchFrameDecoder({ maxFrameBytes: LIMIT });
  const frames: DecodedFrame[] = [];
  chunks.forEach((chunk, index) => {
    frames.push(...decoder.push(chunk, index));
    if (decoder.pendingBytes > HELD_BOUND) throw new Error(`decoder holds ${decoder.pendingBytes} bytes (bound ${HELD_BOUND})`);
  });
  frames.push(...decoder.end(chunks.length, { partialFrame }));
  for (const frame of frames) {
    if (frame.kind === 'malformed' && enc.encode(frame.raw).length > MAX_RAW_BYTES + 3) throw new Error(`raw excerpt of ${frame.raw.length} chars`);
  }
  if (frames.filter((f) => f.kind === 'malformed').length > MAX_MALFORMED_KEPT + 1) throw new Error('more malformed frames kept than the bound');
  return frames.map(({ atMs: _atMs, ...rest }) => rest);
}

const totals = { inputs: 0, startedAt: performance.now() };

describe('WatchFrameDecoder fuzzing', () => {
  it('random bytes, randomly chunked: nothing escapes, memory bounded, same frames as in one chunk', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 900 }), fc.array(fc.nat(), { maxLength: 12 }), fc.boolean(), (data, cuts, drop) => {
        totals.inputs++;
        const partial = drop ? 'drop' : 'report';
        expect(decode(split(data, cuts), partial)).toEqual(decode([data], partial));
      }),
      { numRuns: RUNS.randomBytes },
    );
  }, TIMEOUT_MS);

  it('kube-apiserver streams, any chunking: the same events as in one chunk, none malformed', () => {
    fc.assert(
      fc.property(kubeStream, fc.array(fc.nat(), { maxLength: 40 }), (data, cuts) => {
        totals.inputs++;
        const whole = decode([data]);
        expect(decode(split(data, cuts))).toEqual(whole);
        // Frames over LIMIT are reported as such; every other frame is an event.
        expect(whole.every((f) => f.kind === 'event' || f.kind === 'dropped' || ('error' in f && String(f.error).startsWith('frame larger than')))).toBe(true);
      }),
      { numRuns: RUNS.chunking },
    );
  }, TIMEOUT_MS);

  it('mutated kube-apiserver streams (flipped, inserted, deleted, truncated, duplicated bytes), any chunking: nothing escapes, memory bounded, chunking does not matter', () => {
    fc.assert(
      fc.property(kubeStream, fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 12 }), (data, mutations, cuts) => {
        totals.inputs++;
        const mutated = mutate(data, mutations);
        expect(decode(split(mutated, cuts))).toEqual(decode([mutated]));
      }),
      { numRuns: RUNS.mutated },
    );
  }, TIMEOUT_MS);

  it('prints how many inputs were decoded', () => {
    const seconds = (performance.now() - totals.startedAt) / 1000;
    console.log(`decoder fuzzing: ${totals.inputs} inputs (each decoded at least twice) in ${seconds.toFixed(1)} s`);
    expect(totals.inputs).toBe(RUNS.randomBytes + RUNS.chunking + RUNS.mutated);
  });
});
