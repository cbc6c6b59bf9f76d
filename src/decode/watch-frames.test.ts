import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WATCH_EVENT_TYPES, type EventEntry, type MalformedFrameEntry } from '../record/timeline.js';
import { MAX_RAW_BYTES } from './frame-text.js';
import { DEFAULT_MAX_FRAME_BYTES, MAX_MALFORMED_KEPT, TRUNCATED_AT_END, WatchFrameDecoder, type DecodedFrame } from './watch-frames.js';

const enc = new TextEncoder();
const bytes = (text: string): Uint8Array => enc.encode(text);

/** Serialises like kube-apiserver: encoding/json Encode, compact, HTML-escaped, one "\n" per event. */
function goEncode(value: unknown): string {
  return (
    JSON.stringify(value)
      .replace(/</g, '\\u003c')
      .replace(/>/g, '\\u003e')
      .replace(/&/g, '\\u0026')
      .replace(/\u2028/g, '\\u2028')
      .replace(/\u2029/g, '\\u2029') + '\n'
  );
}

/** Feeds `chunks` with atMs = chunk index + 1, then end() at chunks.length + 1. */
function decodeChunks(chunks: Uint8Array[]): DecodedFrame[] {
  const decoder = new WatchFrameDecoder();
  const frames: DecodedFrame[] = [];
  chunks.forEach((chunk, index) => frames.push(...decoder.push(chunk, index + 1)));
  frames.push(...decoder.end(chunks.length + 1));
  return frames;
}

function decodeText(...chunks: string[]): DecodedFrame[] {
  return decodeChunks(chunks.map(bytes));
}

/** Cuts `data` at the given offsets (taken modulo its length + 1). */
function split(data: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const p of points) {
    chunks.push(data.subarray(from, p)); // empty chunks included on purpose
    from = p;
  }
  chunks.push(data.subarray(from));
  return chunks;
}

function events(frames: DecodedFrame[]): EventEntry[] {
  return frames.filter((f): f is EventEntry => f.kind === 'event');
}

function malformed(frames: DecodedFrame[]): MalformedFrameEntry[] {
  return frames.filter((f): f is MalformedFrameEntry => f.kind === 'malformed');
}

const withoutTime = (frames: DecodedFrame[]) => frames.map(({ atMs: _atMs, ...rest }) => rest);

const configMap = (name: string, rv: string) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'ns', resourceVersion: rv },
  data: { k: 'v' },
});

describe('WatchFrameDecoder', () => {
  it('decodes one event per line as kube-apiserver writes them', () => {
    const text = goEncode({ type: 'ADDED', object: configMap('a', '10') }) + goEncode({ type: 'BOOKMARK', object: configMap('', '11') });
    const frames = decodeText(text);
    expect(frames).toEqual([
      { kind: 'event', atMs: 1, seq: 0, type: 'ADDED', object: configMap('a', '10'), bytes: bytes(text.split('\n')[0]!).length },
      { kind: 'event', atMs: 1, seq: 1, type: 'BOOKMARK', object: configMap('', '11'), bytes: bytes(text.split('\n')[1]!).length },
    ]);
  });

  it('stamps a frame split over several chunks with the arrival time of the chunk that completed it', () => {
    const text = goEncode({ type: 'ADDED', object: configMap('a', '10') });
    const decoder = new WatchFrameDecoder();
    expect(decoder.push(bytes(text.slice(0, 5)), 100)).toEqual([]);
    expect(decoder.push(bytes(text.slice(5, 30)), 200)).toEqual([]);
    expect(decoder.pendingBytes).toBe(30);
    const done = decoder.push(bytes(text.slice(30)), 300);
    expect(done).toHaveLength(1);
    expect(done[0]).toMatchObject({ kind: 'event', atMs: 300, type: 'ADDED' });
    expect(decoder.pendingBytes).toBe(0);
    expect(decoder.end(400)).toEqual([]);
  });

  it('decodes a stream fed one byte at a time', () => {
    const text = goEncode({ type: 'ADDED', object: configMap('a', '1') }) + goEncode({ type: 'DELETED', object: configMap('a', '2') });
    const data = bytes(text);
    const frames = decodeChunks([...data].map((b) => Uint8Array.of(b)));
    expect(events(frames).map((e) => [e.type, e.seq])).toEqual([
      ['ADDED', 0],
      ['DELETED', 1],
    ]);
    // The first frame's closing brace is byte index text.indexOf('\n') - 1, fed as chunk #index+1.
    expect(frames[0]!.atMs).toBe(text.indexOf('\n'));
  });

  it('decodes many frames in one chunk and frames without newlines between them', () => {
    const a = JSON.stringify({ type: 'ADDED', object: { n: 1 } });
    const b = JSON.stringify({ type: 'MODIFIED', object: { n: 2 } });
    const c = JSON.stringify({ type: 'DELETED', object: { n: 3 } });
    const frames = decodeText(`${a}${b}  \r\n\t${c}`);
    expect(events(frames).map((e) => [e.type, e.object])).toEqual([
      ['ADDED', { n: 1 }],
      ['MODIFIED', { n: 2 }],
      ['DELETED', { n: 3 }],
    ]);
    expect(malformed(frames)).toEqual([]);
  });

  it('reassembles a multi-byte UTF-8 character split across chunks', () => {
    const data = bytes(goEncode({ type: 'ADDED', object: { note: 'x😀é€y' } }));
    const emoji = data.indexOf(0xf0);
    const chunks = [data.subarray(0, emoji + 1), data.subarray(emoji + 1, emoji + 3), data.subarray(emoji + 3, emoji + 6), data.subarray(emoji + 6)];
    const frames = decodeChunks(chunks);
    expect(frames).toHaveLength(1);
    expect(frames[0]).toMatchObject({ kind: 'event', object: { note: 'x😀é€y' }, atMs: 4 });
  });

  it('decodes the last frame without a trailing newline as soon as it is complete', () => {
    const decoder = new WatchFrameDecoder();
    const frames = decoder.push(bytes('{"type":"BOOKMARK","object":{"kind":"ConfigMap"}}'), 5);
    expect(frames).toEqual([{ kind: 'event', atMs: 5, seq: 0, type: 'BOOKMARK', object: { kind: 'ConfigMap' }, bytes: 49 }]);
    expect(decoder.end(6)).toEqual([]);
  });

  it('keeps braces, brackets, quotes and backslashes inside strings out of the framing', () => {
    const object = { s: 'a\\"}{[', t: '\\', u: '"}', v: '{"type":"FAKE"}\\' };
    const text = goEncode({ type: 'ADDED', object }) + goEncode({ type: 'MODIFIED', object: {} });
    const frames = decodeText(text);
    expect(frames.map((f) => (f.kind === 'event' ? [f.type, f.object] : f))).toEqual([
      ['ADDED', object],
      ['MODIFIED', {}],
    ]);
  });

  it('accepts a pretty-printed object spanning lines, as encoding/json does', () => {
    const text = JSON.stringify({ type: 'ADDED', object: { a: [1, { b: 'c' }] } }, null, 2) + '\n';
    const frames = decodeText(text);
    expect(frames).toEqual([expect.objectContaining({ kind: 'event', type: 'ADDED', object: { a: [1, { b: 'c' }] } })]);
  });

  it('keeps unknown and missing types as received and a missing object as undefined', () => {
    const frames = decodeText('{"type":"SYNCED","object":{}}\n{"object":{"a":1}}\n{"type":"ADDED"}\n{"type":7,"object":null}\n');
    expect(events(frames).map((e) => [e.type, e.object])).toEqual([
      ['SYNCED', {}],
      ['', { a: 1 }],
      ['ADDED', undefined],
      ['7', null],
    ]);
    expect(events(frames).map((e) => e.seq)).toEqual([0, 1, 2, 3]);
  });

  it('records a garbage line as one malformed frame and decodes the events around it', () => {
    const frames = decodeText('{"type":"ADDED","object":{}}\nxyz not json {"type":"ADDED"}\n{"type":"DELETED","object":{}}\n');
    expect(frames.map((f) => f.kind)).toEqual(['event', 'malformed', 'event']);
    expect(frames[1]).toMatchObject({ raw: 'xyz not json {"type":"ADDED"}', atMs: 1 });
    expect((frames[1] as MalformedFrameEntry).error).toMatch(/^not JSON: .*'x'/);
    expect(events(frames).map((e) => [e.type, e.seq])).toEqual([
      ['ADDED', 0],
      ['DELETED', 1],
    ]);
  });

  it('treats a bad literal as garbage up to the newline', () => {
    const frames = decodeText('nope, not json\n{"type":"ADDED","object":{}}\n');
    expect(frames.map((f) => f.kind)).toEqual(['malformed', 'event']);
    expect(frames[0]).toMatchObject({ raw: 'nope, not json', error: 'not JSON: unexpected token "nope"' });
  });

  it('reports valid JSON values that are not objects', () => {
    const frames = decodeText('[1]\n"s"\n42\ntrue\nnull\n{"type":"ADDED","object":{}}\n-1.5e3');
    expect(frames.map((f) => (f.kind === 'malformed' ? [f.raw, f.error] : f.kind))).toEqual([
      ['[1]', 'not a JSON object: got an array'],
      ['"s"', 'not a JSON object: got a string'],
      ['42', 'not a JSON object: got a number'],
      ['true', 'not a JSON object: got a boolean'],
      ['null', 'not a JSON object: got null'],
      'event',
      ['-1.5e3', 'not a JSON object: got a number'],
    ]);
  });

  it('reports syntactically invalid objects with the parser message', () => {
    const frames = decodeText('{"type":"ADDED","object":}\n{"type":"ADDED","object":{}}\n');
    expect(frames.map((f) => f.kind)).toEqual(['malformed', 'event']);
    expect(frames[0]).toMatchObject({ raw: '{"type":"ADDED","object":}' });
    expect((frames[0] as MalformedFrameEntry).error).toMatch(/^invalid JSON: /);
  });

  it('resynchronises at a raw newline inside a string (a frame cut short)', () => {
    const frames = decodeText('{"type":"ADDED","object":{"metadata":{"name":"fo', '\n{"type":"MODIFIED","object":{}}\n');
    expect(frames.map((f) => f.kind)).toEqual(['malformed', 'event']);
    expect(frames[0]).toMatchObject({ raw: '{"type":"ADDED","object":{"metadata":{"name":"fo', atMs: 2 });
    expect((frames[0] as MalformedFrameEntry).error).toMatch(/raw newline inside a string/);
    expect(frames[1]).toMatchObject({ type: 'MODIFIED', seq: 0 });
  });

  it('resynchronises when a new frame starts on the next line after a value that was cut short', () => {
    const frames = decodeText('{"type":"ADDED","object":{"metadata":{"name":"foo"\n{"type":"MODIFIED","object":{}}\n');
    expect(frames.map((f) => f.kind)).toEqual(['malformed', 'event']);
    expect(frames[0]).toMatchObject({ raw: '{"type":"ADDED","object":{"metadata":{"name":"foo"\n' });
    expect(frames[1]).toMatchObject({ type: 'MODIFIED' });
  });

  it('reports leftover bytes at the end of the stream as a truncated frame', () => {
    const decoder = new WatchFrameDecoder();
    expect(decoder.push(bytes('{"type":"ADDED","object":{}}\n{"type":"MOD'), 1)).toHaveLength(1);
    expect(decoder.end(9)).toEqual([{ kind: 'malformed', atMs: 9, raw: '{"type":"MOD', error: TRUNCATED_AT_END }]);
    expect(decoder.end(10)).toEqual([]);
    expect(() => decoder.push(bytes('{}'), 11)).toThrow(/after end/);
  });

  it('ignores trailing whitespace at the end of the stream', () => {
    expect(decodeText('{"type":"ADDED","object":{}}\n \r\n')).toHaveLength(1);
    expect(decodeText('')).toEqual([]);
  });

  it('reports garbage without a newline at the end of the stream', () => {
    const frames = decodeText('{"type":"ADDED","object":{}}\n<html>');
    expect(frames[1]).toMatchObject({ kind: 'malformed', raw: '<html>', atMs: 2 });
    expect((frames[1] as MalformedFrameEntry).error).toMatch(/^not JSON: .*'<'/);
  });

  it('cuts the raw text of a malformed frame to 4 KiB on a character boundary', () => {
    const long = '{"type":"ADDED","object":{"s":"' + 'é'.repeat(5000); // 2 bytes per é, never closed
    const frames = decodeText(long);
    const raw = (frames[0] as MalformedFrameEntry).raw;
    expect(frames[0]!.kind).toBe('malformed');
    expect(bytes(raw).length).toBeLessThanOrEqual(MAX_RAW_BYTES);
    expect(bytes(raw).length).toBeGreaterThan(MAX_RAW_BYTES - 4);
    expect(raw.endsWith('é')).toBe(true);
    expect(raw).not.toContain('\uFFFD');
  });

  it('holds at most 4 KiB of a long garbage line however it is chunked', () => {
    const decoder = new WatchFrameDecoder();
    for (let i = 0; i < 1000; i++) decoder.push(bytes('#'.repeat(1024)), i);
    expect(decoder.pendingBytes).toBeLessThanOrEqual(MAX_RAW_BYTES);
    const frames = decoder.push(bytes('#\n{"type":"ADDED","object":{}}\n'), 2000);
    expect(frames.map((f) => f.kind)).toEqual(['malformed', 'event']);
    expect((frames[0] as MalformedFrameEntry).raw).toBe('#'.repeat(MAX_RAW_BYTES));
  });

  it('counts frame bytes in UTF-8, excluding the newline', () => {
    const frames = decodeText('{"type":"ADDED","object":{"s":"é"}}\n');
    expect(frames[0]).toMatchObject({ bytes: bytes('{"type":"ADDED","object":{"s":"é"}}').length });
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

/** String units that stress the framing: structural characters, escapes, multi-byte UTF-8. */
const trickyUnit = fc.oneof(
  fc.constantFrom('{', '}', '[', ']', '"', '\\', '\n', '\r', '\t', ':', ',', '\u0000', '<', '&', '\u2028', 'é', '€', '😀', '\\"', '\\u00'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
);
const trickyString = fc.string({ unit: trickyUnit, maxLength: 12 });
const jsonObject = fc.dictionary(trickyString, fc.jsonValue({ stringUnit: trickyUnit, maxDepth: 4 }), { maxKeys: 5 });
const watchEvent = fc.record({
  type: fc.oneof(fc.constantFrom(...WATCH_EVENT_TYPES), trickyString),
  object: jsonObject,
});
/** A line no JSON value can start: garbage up to its newline. */
const garbageLine = fc
  .tuple(fc.constantFrom('x', '<', '#', '}', ']', ':', 'Z', '\u00e9'), fc.string({ unit: trickyUnit, maxLength: 20 }))
  .map(([first, rest]) => (first + rest).replace(/[\n]/g, ' '));
const cuts = fc.array(fc.nat(), { maxLength: 40 });

describe('WatchFrameDecoder properties', () => {
  it('any chunking of a kube-apiserver stream yields the same frames, stamped by the completing chunk', () => {
    fc.assert(
      fc.property(fc.array(watchEvent, { maxLength: 12 }), fc.boolean(), cuts, (watchEvents, trailingNewline, cutPoints) => {
        let text = watchEvents.map(goEncode).join('');
        if (!trailingNewline) text = text.replace(/\n$/, '');
        const data = bytes(text);
        const whole = decodeChunks([data]);
        const chunks = split(data, cutPoints);
        const pieces = decodeChunks(chunks);

        // Same frames as the one-chunk decode and as what was encoded.
        expect(withoutTime(pieces)).toEqual(withoutTime(whole));
        expect(pieces.map((f) => (f.kind === 'event' ? { type: f.type, object: f.object } : f))).toEqual(
          watchEvents.map((e) => JSON.parse(JSON.stringify(e)) as unknown),
        );
        expect(pieces.map((f) => (f as EventEntry).seq)).toEqual(watchEvents.map((_, i) => i));

        // Each frame carries the time of the chunk holding its last byte.
        const chunkEnds: number[] = [];
        chunks.reduce((offset, c) => (chunkEnds.push(offset + c.length), offset + c.length), 0);
        let frameEnd = 0;
        pieces.forEach((frame, i) => {
          frameEnd += bytes(goEncode(watchEvents[i])).length;
          const lastByte = frameEnd - 2; // before the "\n"
          const expectedChunk = chunkEnds.findIndex((end) => end > lastByte);
          expect(frame.atMs).toBe(expectedChunk + 1);
        });
      }),
      { numRuns: 400 },
    );
  });

  it('garbage lines interleaved become one malformed frame each; the events around them still decode', () => {
    const line = fc.oneof(
      watchEvent.map((event) => ({ event, text: goEncode(event) })),
      garbageLine.map((garbage) => ({ garbage, text: garbage + '\n' })),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 12 }), cuts, (lines, cutPoints) => {
        const data = bytes(lines.map((l) => l.text).join(''));
        const frames = decodeChunks(split(data, cutPoints));
        expect(frames).toHaveLength(lines.length);
        lines.forEach((l, i) => {
          const frame = frames[i]!;
          if ('event' in l) {
            expect(frame).toMatchObject({ kind: 'event', type: l.event.type });
            expect((frame as EventEntry).object).toEqual(JSON.parse(JSON.stringify(l.event.object)));
          } else {
            expect(frame.kind).toBe('malformed');
            expect((frame as MalformedFrameEntry).raw).toBe(l.garbage);
          }
        });
        expect(events(frames).map((e) => e.seq)).toEqual(events(frames).map((_, i) => i));
      }),
      { numRuns: 300 },
    );
  });
});

describe('WatchFrameDecoder newline fast path', () => {
  /** One byte per chunk: no frame starts and ends its line in one chunk, so the byte scanner alone decides. */
  const byteWise = (data: Uint8Array) => decodeChunks(Array.from({ length: data.length }, (_, i) => data.subarray(i, i + 1)));
  /** Lines that end in "}" but are not one object, next to ones that are: what the fast path must hand back to the scanner. */
  const hostileLine = fc.oneof(
    watchEvent.map((e) => goEncode(e).slice(0, -1)),
    watchEvent.map((e) => JSON.stringify(e, null, 2)),
    watchEvent.map((e) => goEncode(e).slice(0, -1) + '}'),
    fc.tuple(watchEvent, watchEvent).map(([a, b]) => goEncode(a).slice(0, -1) + goEncode(b).slice(0, -1)),
    fc.tuple(watchEvent, watchEvent).map(([a, b]) => goEncode(a).slice(0, -1) + ' ' + goEncode(b).slice(0, -1)),
    watchEvent.map((e) => goEncode(e).slice(0, -1) + ' '),
    watchEvent.map((e) => goEncode(e).slice(0, -1) + '\r'),
    fc.integer({ min: 2, max: 40 }).chain((len) => watchEvent.map((e) => goEncode(e).slice(0, len))),
    fc.constantFrom('{}', '{"a":}', '{"a":1,}', '{"type":"ADDED"} }', '[{}]', '{"a":"\\"}', '{"a":"\u00e9"}', '{', '}', '{"x":[}'),
    garbageLine,
  );

  it('decodes any stream exactly as the byte scanner alone does, whatever the chunking', () => {
    fc.assert(
      fc.property(fc.array(hostileLine, { maxLength: 10 }), fc.boolean(), cuts, (lines, trailingNewline, cutPoints) => {
        const data = bytes(lines.join('\n') + (trailingNewline ? '\n' : ''));
        const reference = withoutTime(byteWise(data));
        expect(withoutTime(decodeChunks([data]))).toEqual(reference);
        expect(withoutTime(decodeChunks(split(data, cutPoints)))).toEqual(reference);
      }),
      { numRuns: 500 },
    );
  });

  it('applies the frame limit to a newline-ended frame as the scanner does', () => {
    const line = goEncode({ type: 'ADDED', object: configMap('a', '1') });
    const size = bytes(line).length - 1;
    for (const max of [size - 1, size, size + 1]) {
      const decoder = new WatchFrameDecoder({ maxFrameBytes: max });
      const whole = [...decoder.push(bytes(line + line), 1), ...decoder.end(2)];
      const scanner = new WatchFrameDecoder({ maxFrameBytes: max });
      const data = bytes(line + line);
      const pieces = [...Array.from(data, (_, i) => scanner.push(data.subarray(i, i + 1), 1)).flat(), ...scanner.end(2)];
      expect(withoutTime(whole)).toEqual(withoutTime(pieces));
      expect(whole[0]!.kind).toBe(max >= size ? 'event' : 'malformed');
    }
  });
});

describe('WatchFrameDecoder memory bounds', () => {
  const event = (name: string) => goEncode({ type: 'ADDED', object: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name, resourceVersion: '1' } } });
  const LIMIT = 10_000;

  it('defaults to a 64 MiB frame limit', () => {
    expect(DEFAULT_MAX_FRAME_BYTES).toBe(64 * 1024 * 1024);
  });

  it('never holds more than the frame limit of a value that never ends, and counts what it discards', () => {
    const decoder = new WatchFrameDecoder({ maxFrameBytes: LIMIT });
    const frames: DecodedFrame[] = [...decoder.push(bytes(event('before')), 1), ...decoder.push(bytes('{"type":"ADDED","object":{"data":"'), 2)];
    const filler = bytes('x'.repeat(1000));
    let pushed = '{"type":"ADDED","object":{"data":"'.length;
    for (let i = 0; i < 1000; i++) {
      frames.push(...decoder.push(filler, 3 + i));
      pushed += filler.length;
      expect(decoder.pendingBytes).toBeLessThanOrEqual(LIMIT);
    }
    frames.push(...decoder.push(bytes('"}}\n' + event('after')), 2000));
    pushed += '"}}\n'.length + event('after').length;
    frames.push(...decoder.end(2001));
    expect(frames.map((f) => f.kind)).toEqual(['event', 'malformed', 'dropped']);
    const malformed = frames[1] as MalformedFrameEntry;
    expect(malformed.atMs).toBe(12); // the chunk that took the frame over 10 000 bytes
    expect(malformed.error).toBe('frame larger than the 9.8 KiB frame limit (--max-frame-size); the rest of the stream was counted, not decoded');
    expect(malformed.raw).toBe(('{"type":"ADDED","object":{"data":"' + 'x'.repeat(5000)).slice(0, MAX_RAW_BYTES));
    expect(frames[2]).toEqual({ kind: 'dropped', atMs: 2001, malformedFrames: 0, undecodedBytes: pushed });
  });

  it('reports a frame over the limit the same way whether it arrives in one chunk or many', () => {
    const big = bytes(goEncode({ type: 'ADDED', object: { data: 'y'.repeat(LIMIT) } }) + event('after'));
    const whole = new WatchFrameDecoder({ maxFrameBytes: LIMIT });
    const oneChunk = [...whole.push(big, 1), ...whole.end(2)];
    const pieces = new WatchFrameDecoder({ maxFrameBytes: LIMIT });
    const manyChunks: DecodedFrame[] = [];
    for (let at = 0; at < big.length; at += 333) manyChunks.push(...pieces.push(big.subarray(at, at + 333), 1));
    manyChunks.push(...pieces.end(2));
    expect(manyChunks).toEqual(oneChunk);
    expect(oneChunk.map((f) => f.kind)).toEqual(['malformed', 'dropped']);
    expect(oneChunk[1]).toMatchObject({ undecodedBytes: big.length });
  });

  it('decodes a frame of exactly the limit', () => {
    const text = goEncode({ type: 'ADDED', object: { data: '' } });
    const padded = goEncode({ type: 'ADDED', object: { data: 'z'.repeat(LIMIT - (text.length - 1)) } });
    expect(padded.length - 1).toBe(LIMIT);
    const decoder = new WatchFrameDecoder({ maxFrameBytes: LIMIT });
    expect([...decoder.push(bytes(padded), 1), ...decoder.end(2)].map((f) => f.kind)).toEqual(['event']);
  });

  it('keeps the first 100 malformed frames of a stream and counts the rest', () => {
    const decoder = new WatchFrameDecoder();
    const frames = [...decoder.push(bytes('garbage line\n'.repeat(10_000) + event('after')), 1), ...decoder.end(2)];
    expect(MAX_MALFORMED_KEPT).toBe(100);
    expect(frames.filter((f) => f.kind === 'malformed')).toHaveLength(100);
    expect(frames.filter((f) => f.kind === 'event')).toHaveLength(1);
    expect(frames.at(-1)).toEqual({ kind: 'dropped', atMs: 2, malformedFrames: 9_900, undecodedBytes: 0 });
  });

  it('drops an unfinished frame when watchmark ends the stream but still reports what it counted', () => {
    const decoder = new WatchFrameDecoder({ maxFrameBytes: LIMIT });
    decoder.push(bytes('{"type":"ADDED","object":{"data":"' + 'x'.repeat(LIMIT)), 1);
    expect(decoder.end(2, { partialFrame: 'drop' })).toEqual([{ kind: 'dropped', atMs: 2, malformedFrames: 0, undecodedBytes: LIMIT + 34 }]);
    const unfinished = new WatchFrameDecoder();
    unfinished.push(bytes('{"type":"ADD'), 1);
    expect(unfinished.end(2, { partialFrame: 'drop' })).toEqual([]);
  });

  it('applies the limit to a frame cut short by a newline, whether the newline arrives in the same chunk or later (found by fuzzing)', () => {
    const frame = '{"type":"ADDED","object":{"data":"' + 'x'.repeat(LIMIT) + '\n' + event('after');
    const whole = new WatchFrameDecoder({ maxFrameBytes: LIMIT });
    const oneChunk = [...whole.push(bytes(frame), 1), ...whole.end(1)];
    const split = new WatchFrameDecoder({ maxFrameBytes: LIMIT });
    const twoChunks = [...split.push(bytes(frame.slice(0, LIMIT + 100)), 1), ...split.push(bytes(frame.slice(LIMIT + 100)), 1), ...split.end(1)];
    expect(twoChunks).toEqual(oneChunk);
    expect(oneChunk.map((f) => f.kind)).toEqual(['malformed', 'dropped']);
  });

  it('turns an over-long number into garbage the same way however it is chunked', () => {
    const text = '1'.repeat(MAX_RAW_BYTES + 10) + 'x\n';
    const whole = new WatchFrameDecoder();
    const oneChunk = [...whole.push(bytes(text), 1), ...whole.end(1)];
    const split = new WatchFrameDecoder();
    const twoChunks = [...split.push(bytes(text.slice(0, 100)), 1), ...split.push(bytes(text.slice(100)), 1), ...split.end(1)];
    expect(twoChunks).toEqual(oneChunk);
    expect(oneChunk).toMatchObject([{ kind: 'malformed', error: 'not JSON: unexpected token' }]);
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => new WatchFrameDecoder({ maxFrameBytes: 0 })).toThrow(RangeError);
    expect(() => new WatchFrameDecoder({ maxFrameBytes: 1.5 })).toThrow(RangeError);
  });
});
