import { describe, expect, it } from 'vitest';
import { ProtoWriter, ProtobufDecodeError, readFields, readVarint, toInt64, utf8 } from './wire.js';

describe('protobuf wire format', () => {
  it('writes the encoding guide examples: 150 in field 1, "testing" in field 2', () => {
    expect([...new ProtoWriter().varint(1, 150).finish()]).toEqual([0x08, 0x96, 0x01]);
    expect([...new ProtoWriter().string(2, 'testing').finish()]).toEqual([0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67]);
  });

  it('writes a negative int64 in ten bytes, as Go does, and reads it back signed', () => {
    const bytes = new ProtoWriter().varint(1, -62135596800).finish();
    expect(bytes.length).toBe(11);
    const [field] = readFields(bytes);
    expect(field).toMatchObject({ no: 1, wire: 0 });
    expect(toInt64((field as { value: number | bigint }).value)).toBe(-62135596800);
  });

  it('round-trips varints across the 28-bit fast path and the 53-bit boundary', () => {
    for (const v of [0, 1, 127, 128, 2 ** 28 - 1, 2 ** 28, 2 ** 32, 2 ** 53 - 1]) {
      const bytes = new ProtoWriter().varint(3, v).finish();
      const f = readFields(bytes)[0] as { value: number | bigint };
      expect(f.value).toBe(v);
    }
    const big = readVarint(new ProtoWriter().varint(1, 2n ** 63n).finish(), 1).value;
    expect(big).toBe(2n ** 63n);
  });

  it('nests messages with a length prefix and reads them as views', () => {
    const bytes = new ProtoWriter().message(1, (w) => w.string(1, 'a').bool(2, true)).finish();
    const outer = readFields(bytes);
    expect(outer).toHaveLength(1);
    const inner = readFields((outer[0] as { bytes: Uint8Array }).bytes);
    expect(utf8((inner[0] as { bytes: Uint8Array }).bytes)).toBe('a');
    expect(inner[1]).toMatchObject({ no: 2, value: 1 });
  });

  it('skips fixed32/fixed64 fields and names what is malformed', () => {
    expect(readFields(Uint8Array.from([0x0d, 1, 2, 3, 4, 0x11, 1, 2, 3, 4, 5, 6, 7, 8])).map((f) => f.no)).toEqual([1, 2]);
    expect(() => readFields(Uint8Array.from([0x0a, 0x05, 0x61]))).toThrow(ProtobufDecodeError);
    expect(() => readFields(Uint8Array.from([0x0a, 0x05, 0x61]))).toThrow(/field 1 claims 5 bytes, 1 left at byte 0/);
    expect(() => readFields(Uint8Array.from([0x08, 0x80]))).toThrow(/truncated varint/);
    expect(() => readFields(Uint8Array.from([0x0b]))).toThrow(/wire type 3/);
    expect(() => readFields(Uint8Array.from([0x00]))).toThrow(/field number 0/);
  });
});
