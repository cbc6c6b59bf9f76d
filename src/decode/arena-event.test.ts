import { describe, expect, it } from 'vitest';
import { ArenaEvent, FrameArena } from './arena-event.js';
import { WatchFrameDecoder } from './watch-frames.js';

const bytes = (text: string) => new TextEncoder().encode(text);

/** An ArenaEvent of `data`, kept in a fresh arena. */
function arenaEvent(atMs: number, seq: number, type: string, data: Uint8Array): ArenaEvent {
  const arena = new FrameArena();
  const offset = arena.keep(data, 0, data.length);
  return new ArenaEvent(atMs, seq, type, data.length, arena.block, offset);
}

/** `text` as a small part of a much larger buffer (as a stream's share of an HTTP/2 read is). */
function inLargerBuffer(data: Uint8Array): Uint8Array {
  const buffer = new Uint8Array(data.length * 9 + 100);
  buffer.set(data, 50);
  return buffer.subarray(50, 50 + data.length);
}

describe('FrameArena', () => {
  it('keeps a frame where it is when its source is at least an eighth of the memory it sits in (a chunk of a socket read)', () => {
    const arena = new FrameArena();
    const chunk = bytes('{"a":1}\n{"b":22}\n');
    expect(arena.keep(chunk, 8, 16)).toBe(8);
    expect(arena.block).toBe(chunk);
    const big = new Uint8Array(100_000).fill(0x62);
    expect(arena.keep(big, 10, 90_000)).toBe(10);
    expect(arena.block).toBe(big);
    const eighth = new Uint8Array(64 * 1024).subarray(1000, 1000 + 8 * 1024);
    expect(arena.keep(eighth, 5, 400)).toBe(5);
    expect(arena.block).toBe(eighth);
    const less = new Uint8Array(64 * 1024).subarray(1000, 1000 + 8 * 1024 - 1);
    expect(arena.keep(less, 5, 400)).toBe(0); // copied into a block of its own arena
    expect(arena.block).not.toBe(less);
  });

  it('copies frames from a small part of a larger buffer, packed densely (the source may be reused)', () => {
    const arena = new FrameArena();
    const source = inLargerBuffer(bytes('{"a":1}{"b":22}'));
    expect(arena.keep(source, 0, 7)).toBe(0);
    const first = arena.block;
    expect(arena.keep(source, 7, 15)).toBe(7);
    expect(arena.block).toBe(first);
    source.fill(0);
    expect(new TextDecoder().decode(first.subarray(0, 15))).toBe('{"a":1}{"b":22}');
  });

  it('packs copied frames densely into 64 KiB blocks; a big frame gets a buffer of exactly its size', () => {
    const arena = new FrameArena();
    const small = inLargerBuffer(new Uint8Array(1000).fill(0x61));
    const blocks = new Set<Uint8Array>();
    const offsets: number[] = [];
    for (let i = 0; i < 200; i++) {
      offsets.push(arena.keep(small, 0, small.length));
      blocks.add(arena.block);
    }
    // 65 frames of 1,000 bytes fill a 64 KiB block (65,000 of 65,536 bytes); the 66th starts the next.
    expect([...blocks].map((b) => b.length)).toEqual([65536, 65536, 65536, 65536]);
    expect(offsets.slice(0, 67)).toEqual([...Array.from({ length: 65 }, (_, k) => k * 1000), 0, 1000]);
    const packed = arena.block;
    const big = inLargerBuffer(new Uint8Array(20_000).fill(0x63));
    expect(arena.keep(big, 0, big.length)).toBe(0);
    expect(arena.block.length).toBe(20_000);
    expect(arena.block.buffer.byteLength).toBe(20_000); // its own buffer, not a pool slice nor the larger one
    expect(arena.block[19_999]).toBe(0x63);
    // A big frame does not end the block small frames are packed into.
    const offset = arena.keep(small, 0, small.length);
    expect(arena.block).toBe(packed);
    expect(offset).toBeGreaterThan(0);
  });
});

describe('ArenaEvent', () => {
  const frame = '{"type":"ADDED","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"ä","resourceVersion":"7"}}}';

  it('parses its object from the kept bytes on first read, once, and keeps returning that value', () => {
    const event = arenaEvent(12.5, 3, 'ADDED', bytes(frame));
    const object = event.object;
    expect(object).toEqual(JSON.parse(frame).object);
    expect(event.object).toBe(object);
  });

  it('is a plain EventEntry to JSON: same keys in the same order, object included', () => {
    const data = bytes(frame);
    const event = arenaEvent(1, 0, 'ADDED', data);
    const plain = { kind: 'event', atMs: 1, seq: 0, type: 'ADDED', object: JSON.parse(frame).object, bytes: data.length };
    expect(JSON.stringify(event)).toBe(JSON.stringify(plain));
    expect(Object.keys(event)).toEqual(['kind', 'atMs', 'seq', 'type', 'bytes']);
  });

  it('reads an absent object as undefined', () => {
    expect(arenaEvent(0, 0, 'BOOKMARK', bytes('{"type":"BOOKMARK"}')).object).toBeUndefined();
  });
});

describe('WatchFrameDecoder keeps events as arena events', () => {
  it('gives every event, fast path or byte scanner, the object JSON.parse gives its frame', () => {
    const lines = [
      '{"type":"ADDED","object":{"metadata":{"name":"a","annotations":{"x":"ü ✓ \\"q\\""}}}}',
      '{"type":"MODIFIED","object":{"metadata":{"name":"b"}},"extra":[1,2,{"c":null}]}',
      '{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"9","annotations":{"k8s.io/initial-events-end":"true"}}}}',
    ];
    const text = lines.join('\n') + '\n';
    // One chunk (newline fast path) and 7-byte chunks (every frame joined by the byte scanner).
    for (const size of [text.length * 4, 7]) {
      const decoder = new WatchFrameDecoder();
      const data = bytes(text);
      const out = [];
      for (let i = 0; i < data.length; i += size) out.push(...decoder.push(data.slice(i, i + size), i));
      out.push(...decoder.end(data.length));
      expect(out.map((e) => (e.kind === 'event' ? e.object : e))).toEqual(lines.map((line) => JSON.parse(line).object));
      expect(out.every((e) => e instanceof ArenaEvent)).toBe(true);
    }
  });
});
