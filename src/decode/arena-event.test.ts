import { describe, expect, it } from 'vitest';
import { ArenaEvent, FrameArena } from './arena-event.js';
import { WatchFrameDecoder } from './watch-frames.js';

const bytes = (text: string) => new TextEncoder().encode(text);

/** An ArenaEvent of `data`, kept in a fresh arena. */
function arenaEvent(atMs: number, seq: number, type: string, data: Uint8Array): ArenaEvent {
  const arena = new FrameArena();
  const offset = arena.keep(data);
  return new ArenaEvent(atMs, seq, type, data.length, arena.block, offset);
}

describe('FrameArena', () => {
  it('packs small frames densely into one block and copies them (the source may be reused)', () => {
    const arena = new FrameArena();
    const source = bytes('{"a":1}{"b":22}');
    expect(arena.keep(source.subarray(0, 7))).toBe(0);
    const first = arena.block;
    expect(arena.keep(source.subarray(7))).toBe(7);
    expect(arena.block).toBe(first);
    source.fill(0);
    expect(new TextDecoder().decode(first.subarray(0, 15))).toBe('{"a":1}{"b":22}');
  });

  it('starts with a small block and doubles each new one up to 64 KiB; a big frame gets a block of its own', () => {
    const arena = new FrameArena();
    const small = new Uint8Array(1000).fill(0x61);
    const blocks = new Set<Uint8Array>();
    for (let i = 0; i < 200; i++) {
      arena.keep(small);
      blocks.add(arena.block);
    }
    // 200 frames of 1,000 bytes: 2 in 2 KiB, 4 in 4 KiB, 8, 16, 32 (62 so far), then 65 per 64 KiB block.
    expect([...blocks].map((b) => b.length)).toEqual([2048, 4096, 8192, 16384, 32768, 65536, 65536, 65536]);
    const packed = arena.block;
    const big = new Uint8Array(20_000).fill(0x62);
    expect(arena.keep(big)).toBe(0);
    expect(arena.block).toBe(big); // most of its buffer: kept where it is
    const inLarger = new Uint8Array(100_000).fill(0x63).subarray(10, 20_010);
    expect(arena.keep(inLarger)).toBe(0);
    expect(arena.block.length).toBe(20_000);
    expect(arena.block.buffer.byteLength).toBe(20_000); // a small part of a larger buffer: copied
    expect(arena.keep(inLarger, true)).toBe(0);
    expect(arena.block).toBe(inLarger); // owned: kept as it is
    // A big frame does not end the block small frames are packed into.
    const offset = arena.keep(small);
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
