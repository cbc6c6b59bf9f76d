/**
 * Incremental decoder for protobuf watch streams (`application/vnd.kubernetes.protobuf;stream=watch`).
 * Pure: bytes and arrival times in, the same timeline entries as the JSON decoder out.
 *
 * kube-apiserver writes each event as a 4-byte big-endian length, then that many bytes of a
 * `metav1.WatchEvent` written by the raw protobuf serializer (no magic); the event's
 * `object.raw` is a full object body, `k8s\0` + `runtime.Unknown` (apimachinery v0.37.2
 * pkg/util/framer/framer.go LengthDelimitedFramer, pkg/runtime/serializer/protobuf/protobuf.go;
 * src/protobuf/k8s-codec.ts). client-go reads it with the same framer: the length is all there
 * is, so a frame is complete when its last byte arrives, and chunk boundaries mean nothing.
 *
 * Linear in the bytes received: a frame's bytes are kept as slices of the chunks they arrived in
 * and concatenated once, when the frame completes. Memory bounds as in watch-frames.ts: a length
 * prefix above `maxFrameBytes` (--max-frame-size) is reported as a malformed frame (the prefix
 * kept) and the rest of the stream is only counted; malformed frames beyond MAX_MALFORMED_KEPT are
 * only counted; both counts arrive in one `dropped` entry at the end.
 *
 * Entries: an event carries `object` as JSON (k8s-codec.ts decodeObject: known kinds whole, other
 * built-in kinds apiVersion/kind/metadata only) and `bytes` = prefix + payload. Frames are binary,
 * so a malformed entry's `raw` is base64 of the frame's first bytes (prefix included, at most
 * MAX_RAW_BYTES) with `rawEncoding: 'base64'`, and it names the frame's index and the byte offset
 * of its length prefix, so the evidence points into the body exactly.
 */
import { decodeObject, decodeWatchEvent, hasProtobufMagic } from '../protobuf/k8s-codec.js';
import type { DroppedEntry, MalformedFrameEntry } from '../record/timeline.js';
import { MAX_RAW_BYTES, describeSize } from './frame-text.js';
import { MAX_MALFORMED_KEPT, maxFrameBytesOf, TRUNCATED_AT_END, type DecodedFrame, type FrameDecoder, type WatchFrameDecoderOptions } from './watch-frames.js';

const PREFIX_BYTES = 4;

/** The start of a protobuf malformed-frame error that the client would see as a WatchEvent it cannot unmarshal. */
export const NOT_A_WATCH_EVENT = 'not a protobuf WatchEvent';
export const NO_MAGIC = 'object without the protobuf magic "k8s\\0"';
export const BAD_OBJECT = 'object does not parse';

export class ProtobufFrameDecoder implements FrameDecoder {
  private readonly maxFrameBytes: number;
  private readonly prefix = new Uint8Array(PREFIX_BYTES);
  private prefixBytes = 0;
  /** Payload length of the current frame once its prefix is read; -1 while reading a prefix. */
  private payloadLength = -1;
  private held: Uint8Array[] = [];
  private heldBytes = 0;
  /** Bytes of the body before the current chunk. */
  private bodyOffset = 0;
  /** Body offset of the current frame's length prefix. */
  private frameOffset = 0;
  private frameIndex = 0;
  private nextSeq = 0;
  private discarding = false;
  private ended = false;
  private malformedKept = 0;
  private malformedDropped = 0;
  private undecodedBytes = 0;

  constructor(options: WatchFrameDecoderOptions = {}) {
    this.maxFrameBytes = maxFrameBytesOf(options);
  }

  push(chunk: Uint8Array, atMs: number): DecodedFrame[] {
    if (this.ended) throw new Error('ProtobufFrameDecoder.push() after end()');
    const out: DecodedFrame[] = [];
    const n = chunk.length;
    if (this.discarding) {
      this.undecodedBytes += n;
      this.bodyOffset += n;
      return out;
    }
    let i = 0;
    while (i < n) {
      if (this.payloadLength < 0) {
        if (this.prefixBytes === 0) this.frameOffset = this.bodyOffset + i;
        const take = Math.min(PREFIX_BYTES - this.prefixBytes, n - i);
        this.prefix.set(chunk.subarray(i, i + take), this.prefixBytes);
        this.prefixBytes += take;
        i += take;
        if (this.prefixBytes < PREFIX_BYTES) break;
        const p = this.prefix;
        const length = ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
        if (length > this.maxFrameBytes) {
          // client-go's framer would try to read it all (its streaming decoder gives up at 16 MiB,
          // ErrObjectTooLarge); watchmark stops decoding here to keep memory bounded.
          this.undecodedBytes += PREFIX_BYTES + (n - i);
          this.discarding = true;
          const entry = this.malformedEntry(this.prefix.slice(), `length prefix claims ${length} bytes, more than the ${describeSize(this.maxFrameBytes)} frame limit (--max-frame-size); the rest of the stream was counted, not decoded`, atMs);
          entry.claimedBytes = length;
          out.push(entry);
          this.bodyOffset += n;
          return out;
        }
        this.payloadLength = length;
        this.prefixBytes = 0;
        if (length === 0) this.complete(out, new Uint8Array(0), atMs);
        continue;
      }
      const take = Math.min(this.payloadLength - this.heldBytes, n - i);
      const slice = chunk.subarray(i, i + take);
      i += take;
      if (this.heldBytes + take < this.payloadLength) {
        this.held.push(slice);
        this.heldBytes += take;
        break;
      }
      this.complete(out, this.take(slice), atMs);
    }
    this.bodyOffset += n;
    return out;
  }

  end(atMs: number, options: { partialFrame?: 'report' | 'drop' } = {}): DecodedFrame[] {
    if (this.ended) return [];
    this.ended = true;
    const out: DecodedFrame[] = [];
    const partial = !this.discarding && (this.prefixBytes > 0 || this.payloadLength >= 0);
    if (partial && options.partialFrame !== 'drop') {
      // Both are io.ErrUnexpectedEOF to client-go's LengthDelimitedFrameReader (io.ReadAtLeast):
      // StreamWatcher ends the watch as if closed, hence the JSON decoder's TRUNCATED_AT_END.
      const arrived = this.heldBytes;
      const frame = this.payloadLength < 0 ? this.prefix.slice(0, this.prefixBytes) : this.withPrefix(this.take(new Uint8Array(0)));
      const detail =
        this.payloadLength < 0
          ? `${this.prefixBytes} of the 4 length-prefix bytes arrived`
          : `the length prefix claims ${this.payloadLength} bytes, ${arrived} arrived`;
      this.pushMalformed(out, frame, TRUNCATED_AT_END, atMs, detail);
    }
    this.held = [];
    this.heldBytes = 0;
    if (this.malformedDropped > 0 || this.undecodedBytes > 0) {
      const dropped: DroppedEntry = { kind: 'dropped', atMs, malformedFrames: this.malformedDropped, undecodedBytes: this.undecodedBytes };
      out.push(dropped);
    }
    return out;
  }

  get pendingBytes(): number {
    return this.heldBytes + this.prefixBytes;
  }

  /** The current frame's payload, whole: records an event or a malformed frame and starts the next frame. */
  private complete(out: DecodedFrame[], payload: Uint8Array, atMs: number): void {
    const problem = this.problemOf(payload);
    if (typeof problem === 'string') {
      this.pushMalformed(out, this.withPrefix(payload), problem, atMs);
    } else {
      out.push({ kind: 'event', atMs, seq: this.nextSeq++, type: problem.type, object: problem.object, bytes: PREFIX_BYTES + payload.length });
    }
    this.frameIndex++;
    this.payloadLength = -1;
  }

  /** The event in a payload, or why client-go could not decode it (rest/watch/decoder.go, protobuf.go). */
  private problemOf(payload: Uint8Array): { type: string; object: unknown } | string {
    let event;
    try {
      event = decodeWatchEvent(payload);
    } catch (err) {
      return `${NOT_A_WATCH_EVENT}: ${(err as Error).message}`;
    }
    // An absent or empty object stays an event without one: stream.framing judges it as for JSON.
    if (event.object.length === 0) return { type: event.type, object: undefined };
    if (!hasProtobufMagic(event.object)) {
      return `${NO_MAGIC} (the ${JSON.stringify(event.type)} event's object starts with 0x${hex(event.object.subarray(0, 4))}; client-go: "provided data does not appear to be a protobuf message")`;
    }
    try {
      return { type: event.type, object: decodeObject(event.object) };
    } catch (err) {
      return `${BAD_OBJECT} (the ${JSON.stringify(event.type)} event's runtime.Unknown): ${(err as Error).message}`;
    }
  }

  private pushMalformed(out: DecodedFrame[], frame: Uint8Array, error: string, atMs: number, detail?: string): void {
    const index = this.frameIndex;
    if (this.malformedKept >= MAX_MALFORMED_KEPT) {
      this.malformedDropped++;
      return;
    }
    this.malformedKept++;
    // `error` stays the bare TRUNCATED_AT_END for a cut-off frame: the reflector emulation
    // (reflector/decoder.ts) recognises a cut-off last frame by that text; `detail` says what was cut.
    const entry = this.malformedEntry(frame, error, atMs, index);
    if (detail) entry.detail = detail;
    out.push(entry);
  }

  private malformedEntry(frame: Uint8Array, error: string, atMs: number, index = this.frameIndex): MalformedFrameEntry {
    return {
      kind: 'malformed',
      atMs,
      raw: Buffer.from(frame.subarray(0, MAX_RAW_BYTES)).toString('base64'),
      rawEncoding: 'base64',
      error,
      frame: index,
      offset: this.frameOffset,
    };
  }

  /** The payload bytes held so far plus `tail`, releasing what was held. */
  private take(tail: Uint8Array): Uint8Array {
    if (this.held.length === 0) return tail;
    const frame = new Uint8Array(this.heldBytes + tail.length);
    let offset = 0;
    for (const slice of this.held) {
      frame.set(slice, offset);
      offset += slice.length;
    }
    frame.set(tail, offset);
    this.held = [];
    this.heldBytes = 0;
    return frame;
  }

  /** The frame as it was on the wire (for the excerpt): prefix + the first bytes of the payload. */
  private withPrefix(payload: Uint8Array): Uint8Array {
    const keep = Math.min(payload.length, MAX_RAW_BYTES - PREFIX_BYTES);
    const frame = new Uint8Array(PREFIX_BYTES + keep);
    new DataView(frame.buffer).setUint32(0, this.payloadLength, false);
    frame.set(payload.subarray(0, keep), PREFIX_BYTES);
    return frame;
  }
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex') || '(nothing)';
}
