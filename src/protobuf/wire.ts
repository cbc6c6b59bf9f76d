/**
 * The protobuf wire format (https://protobuf.dev/programming-guides/encoding/), reduced to what
 * Kubernetes' generated messages use: varints (int32, int64, bool, enums as strings never occur),
 * and length-delimited fields (strings, bytes, nested messages, map entries). No groups, no fixed
 * 32/64-bit fields in the served types, but both are skipped correctly when read. Pure.
 */

/** A malformed protobuf message: where and what. */
export class ProtobufDecodeError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(`${message} at byte ${offset}`);
    this.name = 'ProtobufDecodeError';
    this.offset = offset;
  }
}

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_FIXED32 = 5;

/** One field as read from the wire: a varint's value, or a length-delimited field's bytes (a view, not a copy). */
export type WireField =
  | { no: number; wire: typeof WIRE_VARINT; value: bigint | number }
  | { no: number; wire: typeof WIRE_LEN; bytes: Uint8Array }
  | { no: number; wire: typeof WIRE_FIXED64 | typeof WIRE_FIXED32; bytes: Uint8Array };

const TWO_POW_32 = 4294967296;

/**
 * Reads a varint at `pos`. Values that fit in 53 bits come back as numbers; longer ones (negative
 * int64s are ten bytes) as bigints, so callers convert once with {@link toInt64}.
 */
export function readVarint(buf: Uint8Array, pos: number): { value: number | bigint; next: number } {
  let lo = 0;
  let shift = 0;
  let i = pos;
  // Fast path: up to 4 bytes (28 bits) in plain integer arithmetic.
  for (; i < buf.length && shift < 28; shift += 7) {
    const b = buf[i++]!;
    lo |= (b & 0x7f) << shift;
    if (b < 0x80) return { value: lo >>> 0, next: i };
  }
  if (i >= buf.length) throw new ProtobufDecodeError('truncated varint', pos);
  let value = BigInt(lo >>> 0);
  let big = 28n;
  for (; i < buf.length; big += 7n) {
    if (big > 63n) throw new ProtobufDecodeError('varint longer than 10 bytes', pos);
    const b = buf[i++]!;
    value |= BigInt(b & 0x7f) << big;
    if (b < 0x80) {
      value = BigInt.asUintN(64, value);
      return { value: value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value, next: i };
    }
  }
  throw new ProtobufDecodeError('truncated varint', pos);
}

/** A varint read as a signed 64-bit integer (int64/int32 fields), as a number when it is safe. */
export function toInt64(value: number | bigint): number {
  const signed = BigInt.asIntN(64, BigInt(value));
  return Number(signed);
}

/** Every field of one message, in wire order. Throws {@link ProtobufDecodeError} on malformed input. */
export function readFields(buf: Uint8Array, base = 0): WireField[] {
  const out: WireField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const tagAt = pos;
    const tag = readVarint(buf, pos);
    pos = tag.next;
    const key = Number(tag.value);
    const no = Math.floor(key / 8);
    const wire = key & 7;
    if (no === 0) throw new ProtobufDecodeError('field number 0', base + tagAt);
    switch (wire) {
      case WIRE_VARINT: {
        const v = readVarint(buf, pos);
        pos = v.next;
        out.push({ no, wire, value: v.value });
        break;
      }
      case WIRE_LEN: {
        const len = readVarint(buf, pos);
        const n = Number(len.value);
        if (n > buf.length - len.next) throw new ProtobufDecodeError(`field ${no} claims ${n} bytes, ${buf.length - len.next} left`, base + tagAt);
        out.push({ no, wire, bytes: buf.subarray(len.next, len.next + n) });
        pos = len.next + n;
        break;
      }
      case WIRE_FIXED64:
      case WIRE_FIXED32: {
        const n = wire === WIRE_FIXED64 ? 8 : 4;
        if (n > buf.length - pos) throw new ProtobufDecodeError(`field ${no} truncated`, base + tagAt);
        out.push({ no, wire, bytes: buf.subarray(pos, pos + n) });
        pos += n;
        break;
      }
      default:
        throw new ProtobufDecodeError(`field ${no} has wire type ${wire} (groups and unknown types are not used by Kubernetes)`, base + tagAt);
    }
  }
  return out;
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: false });
const utf8Encoder = new TextEncoder();

export function utf8(bytes: Uint8Array): string {
  return utf8Decoder.decode(bytes);
}

/** Builds one message. Nested messages are written by a callback and length-prefixed when it returns. */
export class ProtoWriter {
  private buf = new Uint8Array(256);
  private len = 0;

  private ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  private rawVarint(value: number | bigint): void {
    this.ensure(10);
    if (typeof value === 'number' && value >= 0 && value < TWO_POW_32) {
      let v = value >>> 0;
      while (v >= 0x80) {
        this.buf[this.len++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      this.buf[this.len++] = v;
      return;
    }
    let v = BigInt.asUintN(64, BigInt(value));
    while (v >= 0x80n) {
      this.buf[this.len++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.len++] = Number(v);
  }

  private tag(no: number, wire: number): void {
    this.rawVarint(no * 8 + wire);
  }

  /** int32, int64 (negative values take ten bytes, as in Go) and enums. */
  varint(no: number, value: number | bigint): this {
    this.tag(no, WIRE_VARINT);
    this.rawVarint(typeof value === 'number' && !Number.isSafeInteger(value) ? BigInt(Math.trunc(value)) : value);
    return this;
  }

  bool(no: number, value: boolean): this {
    return this.varint(no, value ? 1 : 0);
  }

  bytes(no: number, value: Uint8Array): this {
    this.tag(no, WIRE_LEN);
    this.rawVarint(value.length);
    this.ensure(value.length);
    this.buf.set(value, this.len);
    this.len += value.length;
    return this;
  }

  string(no: number, value: string): this {
    return this.bytes(no, utf8Encoder.encode(value));
  }

  /** A nested message (also a map entry): `write` fills it; the length prefix is written after. */
  message(no: number, write: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    write(inner);
    return this.bytes(no, inner.finish());
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}
