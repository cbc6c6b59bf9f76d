import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeObject, encodeObject, encodeWatchEvent, lengthPrefixed } from '../protobuf/k8s-codec.js';
import { ProtoWriter } from '../protobuf/wire.js';
import type { MalformedFrameEntry } from '../record/timeline.js';
import { MAX_RAW_BYTES } from './frame-text.js';
import { BAD_OBJECT, NO_MAGIC, NOT_A_WATCH_EVENT, ProtobufFrameDecoder } from './protobuf-frames.js';
import { MAX_MALFORMED_KEPT, TRUNCATED_AT_END, type DecodedFrame } from './watch-frames.js';

function configMap(i: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `cm-${i}`, namespace: 'ns', resourceVersion: String(100 + i), ...extra },
    data: { k: `v${i}`.repeat(i + 1) },
  };
}

function eventFrame(type: string, object: Record<string, unknown>): Uint8Array {
  return lengthPrefixed(encodeWatchEvent(type, encodeObject(object)));
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A kube-apiserver-like stream: ADDED, MODIFIED, an initial-events-end BOOKMARK, an ERROR Status. */
function kubeStream(): Uint8Array {
  return concat([
    eventFrame('ADDED', configMap(0)),
    eventFrame('MODIFIED', configMap(1, { labels: { a: 'b' } })),
    eventFrame('BOOKMARK', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { resourceVersion: '105', annotations: { 'k8s.io/initial-events-end': 'true' } } }),
    eventFrame('ERROR', { apiVersion: 'v1', kind: 'Status', status: 'Failure', message: 'too old resource version: 1 (5)', reason: 'Expired', code: 410 }),
  ]);
}

function decodeChunks(chunks: Uint8Array[], options: { maxFrameBytes?: number; partialFrame?: 'report' | 'drop' } = {}): DecodedFrame[] {
  const decoder = new ProtobufFrameDecoder(options.maxFrameBytes !== undefined ? { maxFrameBytes: options.maxFrameBytes } : {});
  const out: DecodedFrame[] = [];
  chunks.forEach((chunk, i) => out.push(...decoder.push(chunk, i)));
  out.push(...decoder.end(chunks.length, options.partialFrame ? { partialFrame: options.partialFrame } : {}));
  return out;
}

function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const p of points) {
    chunks.push(bytes.subarray(from, p));
    from = p;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}

const malformed = (frames: DecodedFrame[]) => frames.filter((f): f is MalformedFrameEntry => f.kind === 'malformed');

describe('ProtobufFrameDecoder', () => {
  it('decodes a kube-apiserver-like stream into the entries the JSON decoder gives (object as JSON, frame size)', () => {
    const frames = decodeChunks([kubeStream()]);
    expect(frames.map((f) => (f.kind === 'event' ? [f.seq, f.type] : f.kind))).toEqual([[0, 'ADDED'], [1, 'MODIFIED'], [2, 'BOOKMARK'], [3, 'ERROR']]);
    const first = frames[0]!;
    expect(first).toEqual({ kind: 'event', atMs: 0, seq: 0, type: 'ADDED', object: configMap(0), bytes: eventFrame('ADDED', configMap(0)).length });
    expect(frames[3]).toMatchObject({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } });
  });

  it('stamps each frame with the arrival time of the chunk that completes it, and gives the same frames for any split', () => {
    const stream = kubeStream();
    const whole = decodeChunks([stream]).map((f) => ({ ...f, atMs: 0 }));
    // Frame ends, to know which chunk completes each.
    const ends: number[] = [];
    for (let at = 0; at < stream.length; ) {
      at += 4 + new DataView(stream.buffer, stream.byteOffset + at, 4).getUint32(0, false);
      ends.push(at);
    }
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 12 }), (cuts) => {
        const chunks = split(stream, cuts);
        const frames = decodeChunks(chunks);
        expect(frames.map((f) => ({ ...f, atMs: 0 }))).toEqual(whole);
        // The chunk holding a frame's last byte (empty chunks complete nothing).
        const expected = ends.map((end) => {
          let seen = 0;
          return chunks.findIndex((c) => (seen += c.length) >= end && c.length > 0);
        });
        expect(frames.map((f) => f.atMs)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('one byte at a time holds at most the current frame', () => {
    const stream = kubeStream();
    const decoder = new ProtobufFrameDecoder();
    let maxHeld = 0;
    let events = 0;
    for (let i = 0; i < stream.length; i++) {
      events += decoder.push(stream.subarray(i, i + 1), i).length;
      maxHeld = Math.max(maxHeld, decoder.pendingBytes);
    }
    expect(events).toBe(4);
    expect(maxHeld).toBeLessThan(eventFrame('ERROR', { apiVersion: 'v1', kind: 'Status', status: 'Failure', message: 'too old resource version: 1 (5)', reason: 'Expired', code: 410 }).length + 200);
    expect(decoder.pendingBytes).toBe(0);
  });

  it('reports a frame cut off at the end of the stream with its index, offset, what arrived and a base64 excerpt', () => {
    const good = eventFrame('ADDED', configMap(0));
    const next = eventFrame('ADDED', configMap(1));
    const frames = decodeChunks([concat([good, next.subarray(0, 10)])]);
    const [cut] = malformed(frames);
    expect(cut).toMatchObject({ error: TRUNCATED_AT_END, frame: 1, offset: good.length, rawEncoding: 'base64', detail: `the length prefix claims ${next.length - 4} bytes, 6 arrived` });
    expect(Buffer.from(cut!.raw, 'base64')).toEqual(Buffer.from(next.subarray(0, 10)));
    // A cut inside the prefix itself.
    const inPrefix = malformed(decodeChunks([concat([good, next.subarray(0, 3)])]))[0];
    expect(inPrefix).toMatchObject({ error: TRUNCATED_AT_END, frame: 1, offset: good.length, detail: '3 of the 4 length-prefix bytes arrived' });
    // watchmark's own abort drops the unfinished frame.
    expect(malformed(decodeChunks([concat([good, next.subarray(0, 10)])], { partialFrame: 'drop' }))).toEqual([]);
  });

  it('reports a length prefix over --max-frame-size from the prefix alone and only counts the rest', () => {
    const big = eventFrame('ADDED', configMap(50));
    const after = eventFrame('ADDED', configMap(1));
    const frames = decodeChunks(split(concat([eventFrame('ADDED', configMap(0)), big, after]), [30, 200]), { maxFrameBytes: 100 });
    const bad = malformed(frames);
    expect(bad).toHaveLength(1);
    expect(bad[0]!.error).toMatch(new RegExp(`^length prefix claims ${big.length - 4} bytes, more than the 100 bytes frame limit \\(--max-frame-size\\)`));
    expect(Buffer.from(bad[0]!.raw, 'base64')).toEqual(Buffer.from(big.subarray(0, 4)));
    expect(frames.at(-1)).toEqual({ kind: 'dropped', atMs: 3, malformedFrames: 0, undecodedBytes: big.length + after.length });
    expect(frames.filter((f) => f.kind === 'event')).toHaveLength(1);
  });

  it('names what client-go could not decode: a payload that is not a WatchEvent, an object without the magic, an Unknown that does not parse', () => {
    const notEvent = lengthPrefixed(Uint8Array.of(0x0a, 0x7f)); // field 1 claims 127 bytes, 0 left
    const noMagic = lengthPrefixed(encodeWatchEvent('ADDED', Uint8Array.of(0x7b, 0x22, 0x61, 0x22)));
    const magic = encodeObject(configMap(0)).subarray(0, 4);
    const badUnknown = lengthPrefixed(encodeWatchEvent('ADDED', concat([magic, Uint8Array.of(0x12, 0x50)])));
    const good = eventFrame('MODIFIED', configMap(2));
    const stream = concat([notEvent, noMagic, badUnknown, good]);
    const frames = decodeChunks([stream]);
    const bad = malformed(frames);
    expect(bad.map((f) => [f.frame, f.offset])).toEqual([[0, 0], [1, notEvent.length], [2, notEvent.length + noMagic.length]]);
    expect(bad[0]!.error).toMatch(new RegExp(`^${NOT_A_WATCH_EVENT}: field 1 claims 127 bytes`));
    expect(bad[1]!.error).toContain(NO_MAGIC);
    expect(bad[1]!.error).toContain('7b226122');
    expect(bad[2]!.error).toMatch(new RegExp(`^${BAD_OBJECT} \\(the "ADDED" event's runtime.Unknown\\): field 2 claims 80 bytes`));
    // Decoding goes on after a bad frame (the length says where the next one starts).
    expect(frames.filter((f) => f.kind === 'event')).toEqual([{ kind: 'event', atMs: 0, seq: 0, type: 'MODIFIED', object: decodeObject(encodeObject(configMap(2))), bytes: good.length }]);
  });

  it('keeps a WatchEvent without type or object as an event, for stream.framing to judge as in JSON', () => {
    const noObject = lengthPrefixed(new ProtoWriter().string(1, 'ADDED').finish());
    const noType = lengthPrefixed(new ProtoWriter().message(2, (r) => r.bytes(1, encodeObject(configMap(0)))).finish());
    const frames = decodeChunks([concat([noObject, noType, eventFrame('WEIRD', configMap(1))])]);
    expect(frames.map((f) => (f.kind === 'event' ? [f.type, f.object === undefined] : f.kind))).toEqual([['ADDED', true], ['', false], ['WEIRD', false]]);
  });

  it('keeps the first MAX_MALFORMED_KEPT malformed frames and counts the rest; excerpts stay within 4 KiB', () => {
    const bad = lengthPrefixed(encodeWatchEvent('ADDED', new Uint8Array(MAX_RAW_BYTES * 2).fill(0x41)));
    const frames = decodeChunks([concat(Array.from({ length: MAX_MALFORMED_KEPT + 5 }, () => bad))]);
    const kept = malformed(frames);
    expect(kept).toHaveLength(MAX_MALFORMED_KEPT);
    expect(Buffer.from(kept[0]!.raw, 'base64').length).toBe(MAX_RAW_BYTES);
    expect(kept.at(-1)!.frame).toBe(MAX_MALFORMED_KEPT - 1);
    expect(frames.at(-1)).toEqual({ kind: 'dropped', atMs: 1, malformedFrames: 5, undecodedBytes: 0 });
  });

  it('never throws and keeps its bounds on random bytes, whatever the chunking', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.array(fc.nat(), { maxLength: 6 }), (bytes, cuts) => {
        const whole = decodeChunks([bytes], { maxFrameBytes: 200 }).map((f) => ({ ...f, atMs: 0 }));
        const chunked = decodeChunks(split(bytes, cuts), { maxFrameBytes: 200 }).map((f) => ({ ...f, atMs: 0 }));
        expect(chunked).toEqual(whole);
        for (const f of malformed(whole)) expect(Buffer.from(f.raw, 'base64').length).toBeLessThanOrEqual(MAX_RAW_BYTES);
      }),
      { numRuns: 500 },
    );
  });
});
