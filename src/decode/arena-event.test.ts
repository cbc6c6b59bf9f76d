import { describe, expect, it } from 'vitest';
import { ArenaEvent, FrameArena } from './arena-event.js';
import { WatchFrameDecoder } from './watch-frames.js';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('FrameArena', () => {
  it('packs small frames densely into one block and copies them (the source may be reused)', () => {
    const arena = new FrameArena();
    const source = bytes('{"a":1}{"b":22}');
    const first = arena.keep(source.subarray(0, 7));
    const second = arena.keep(source.subarray(7));
    expect(second.block).toBe(first.block);
    expect(second.offset).toBe(7);
    source.fill(0);
    expect(new TextDecoder().decode(first.block.subarray(0, 15))).toBe('{"a":1}{"b":22}');
  });

  it('starts a new block when a frame does not fit, and gives a big frame a block of its own', () => {
    const arena = new FrameArena();
    const small = new Uint8Array(10_000).fill(0x61);
    const slots = Array.from({ length: 7 }, () => arena.keep(small));
    // 64 KiB blocks hold six 10,000-byte frames; the seventh opens a new block at offset 0.
    expect(slots[5]!.block).toBe(slots[0]!.block);
    expect(slots[6]!.block).not.toBe(slots[0]!.block);
    expect(slots[6]!.offset).toBe(0);
    const big = new Uint8Array(20_000).fill(0x62);
    const own = arena.keep(big);
    expect(own).toMatchObject({ offset: 0 });
    expect(own.block.length).toBe(20_000);
    expect(own.block).not.toBe(big); // copied: not owned
    expect(arena.keep(big, true).block).toBe(big); // owned: kept as it is
  });
});

describe('ArenaEvent', () => {
  const frame = '{"type":"ADDED","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"ä","resourceVersion":"7"}}}';

  it('parses its object from the kept bytes on first read, once, and keeps returning that value', () => {
    const arena = new FrameArena();
    const data = bytes(frame);
    const event = new ArenaEvent(12.5, 3, 'ADDED', data.length, arena.keep(data));
    const object = event.object;
    expect(object).toEqual(JSON.parse(frame).object);
    expect(event.object).toBe(object);
  });

  it('is a plain EventEntry to JSON: same keys in the same order, object included', () => {
    const arena = new FrameArena();
    const data = bytes(frame);
    const event = new ArenaEvent(1, 0, 'ADDED', data.length, arena.keep(data));
    const plain = { kind: 'event', atMs: 1, seq: 0, type: 'ADDED', object: JSON.parse(frame).object, bytes: data.length };
    expect(JSON.stringify(event)).toBe(JSON.stringify(plain));
    expect(Object.keys(event)).toEqual(['kind', 'atMs', 'seq', 'type', 'bytes']);
  });

  it('reads an absent object as undefined', () => {
    const arena = new FrameArena();
    const data = bytes('{"type":"BOOKMARK"}');
    expect(new ArenaEvent(0, 0, 'BOOKMARK', data.length, arena.keep(data)).object).toBeUndefined();
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
