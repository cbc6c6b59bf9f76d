/**
 * Watch frames as the proxy handles them: split a response body into whole frames (bytes kept as
 * sent), read what a fault needs of one (its type, resourceVersion, whether it is the
 * initial-events-end bookmark), and build the frames a fault sends instead. JSON streams (one
 * JSON value per event, as kube-apiserver's json.Encoder writes them) and protobuf streams
 * (4-byte big-endian length + WatchEvent) alike. Pure.
 */
import { decodeObject, decodeWatchEvent, encodeObject, encodeWatchEvent, lengthPrefixed, PROTOBUF_MEDIA_TYPE } from '../protobuf/k8s-codec.js';
import { INITIAL_EVENTS_END_ANNOTATION } from '../record/accessors.js';

export type StreamEncoding = 'json' | 'protobuf';

export function streamEncodingOf(contentType: string | undefined): StreamEncoding {
  return contentType !== undefined && contentType.toLowerCase().includes(PROTOBUF_MEDIA_TYPE) ? 'protobuf' : 'json';
}

/**
 * Splits a body into frames. A JSON frame ends where its top-level value ends (whitespace after
 * it is kept with it); a protobuf frame is its prefix plus the length it claims. Linear in the
 * bytes: an unfinished frame's bytes are kept as pieces and joined once.
 */
export class FrameSplitter {
  private pieces: Buffer[] = [];
  private pendingLength = 0;
  // JSON scanner state over the unfinished frame.
  private depth = 0;
  private inString = false;
  private escape = false;
  private started = false;

  constructor(readonly encoding: StreamEncoding) {}

  get pendingBytes(): number {
    return this.pendingLength;
  }

  push(chunk: Uint8Array): Buffer[] {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    return this.encoding === 'json' ? this.pushJson(buf) : this.pushProtobuf(buf);
  }

  /** What is left when the stream ends: an unfinished frame's bytes (empty when none). */
  end(): Buffer {
    const rest = Buffer.concat(this.pieces);
    this.pieces = [];
    this.pendingLength = 0;
    return rest;
  }

  private take(buf: Buffer, endExclusive: number): Buffer {
    this.pieces.push(buf.subarray(0, endExclusive));
    const frame = this.pieces.length === 1 ? this.pieces[0]! : Buffer.concat(this.pieces);
    this.pieces = [];
    this.pendingLength = 0;
    return frame;
  }

  private keep(buf: Buffer): void {
    if (buf.length === 0) return;
    this.pieces.push(buf);
    this.pendingLength += buf.length;
  }

  private pushJson(buf: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let start = 0;
    let i = 0;
    while (i < buf.length) {
      const b = buf[i]!;
      if (!this.started) {
        // Whitespace between frames belongs to the frame before it (already sent); a frame starts at its first other byte.
        if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) {
          i++;
          continue;
        }
        this.started = true;
      }
      if (this.inString) {
        if (this.escape) this.escape = false;
        else if (b === 0x5c) this.escape = true;
        else if (b === 0x22) this.inString = false;
      } else if (b === 0x22) this.inString = true;
      else if (b === 0x7b || b === 0x5b) this.depth++;
      else if (b === 0x7d || b === 0x5d) {
        this.depth--;
        if (this.depth <= 0) {
          // The value ends here; its trailing newline (kube-apiserver writes one) goes with it.
          let end = i + 1;
          while (end < buf.length && (buf[end] === 0x0a || buf[end] === 0x0d)) end++;
          out.push(this.take(buf.subarray(start), end - start));
          this.depth = 0;
          this.started = false;
          start = end;
          i = end;
          continue;
        }
      }
      i++;
    }
    this.keep(buf.subarray(start));
    return out;
  }

  private pushProtobuf(buf: Buffer): Buffer[] {
    const out: Buffer[] = [];
    this.keep(buf);
    while (this.pendingLength >= 4) {
      const joined = this.pieces.length === 1 ? this.pieces[0]! : Buffer.concat(this.pieces);
      const need = 4 + joined.readUInt32BE(0);
      if (joined.length < need) {
        this.pieces = [joined];
        break;
      }
      out.push(joined.subarray(0, need));
      const rest = joined.subarray(need);
      this.pieces = rest.length > 0 ? [rest] : [];
      this.pendingLength = rest.length;
    }
    return out;
  }
}

/** What the faults read of a frame. `type` is undefined when the frame does not decode. */
export interface FrameInfo {
  type: string | undefined;
  resourceVersion: string | undefined;
  endBookmark: boolean;
}

type Json = Record<string, unknown>;

function asObject(value: unknown): Json | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}

/** A frame's event as JSON ({type, object}), or undefined when it does not decode. */
function eventOf(frame: Buffer, encoding: StreamEncoding): { type: string; object: Json | undefined } | undefined {
  try {
    if (encoding === 'json') {
      const event = asObject(JSON.parse(frame.toString('utf8')));
      if (!event || typeof event.type !== 'string') return undefined;
      return { type: event.type, object: asObject(event.object) };
    }
    const event = decodeWatchEvent(frame.subarray(4));
    return { type: event.type, object: event.object.length > 0 ? decodeObject(event.object) : undefined };
  } catch {
    return undefined;
  }
}

export function inspectFrame(frame: Buffer, encoding: StreamEncoding): FrameInfo {
  const event = eventOf(frame, encoding);
  if (!event) return { type: undefined, resourceVersion: undefined, endBookmark: false };
  const metadata = asObject(event.object?.metadata);
  const rv = metadata?.resourceVersion;
  const annotations = asObject(metadata?.annotations);
  return {
    type: event.type,
    resourceVersion: typeof rv === 'string' ? rv : undefined,
    endBookmark: event.type === 'BOOKMARK' && annotations?.[INITIAL_EVENTS_END_ANNOTATION] === 'true',
  };
}

function encodeEvent(type: string, object: Json, encoding: StreamEncoding): Buffer {
  if (encoding === 'json') return Buffer.from(`${JSON.stringify({ type, object })}\n`);
  return Buffer.from(lengthPrefixed(encodeWatchEvent(type, encodeObject(object))));
}

/** drop-annotation: the same bookmark without the k8s.io/initial-events-end annotation (annotations dropped when that was the only one). */
export function withoutEndAnnotation(frame: Buffer, encoding: StreamEncoding): Buffer {
  const event = eventOf(frame, encoding);
  const object = event?.object;
  const metadata = asObject(object?.metadata);
  const annotations = asObject(metadata?.annotations);
  if (!event || !object || !metadata || !annotations) return frame;
  const { [INITIAL_EVENTS_END_ANNOTATION]: _dropped, ...rest } = annotations;
  const { annotations: _all, ...otherMetadata } = metadata;
  const newMetadata = Object.keys(rest).length > 0 ? { ...otherMetadata, annotations: rest } : otherMetadata;
  return encodeEvent(event.type, { ...object, metadata: newMetadata }, encoding);
}

/**
 * corrupt-frame: a frame client-go's decoder rejects. JSON: the value's first byte becomes '#'
 * (encoding/json: "invalid character '#' looking for beginning of value"). Protobuf: the length
 * prefix is kept (framing stays intact) and the payload's first byte becomes 0xff: a varint
 * continuation byte, so with the next one (the type's length, under 128) it reads as one tag of
 * wire type 7, which gogo-protobuf's skip rejects ("proto: illegal wireType 7").
 */
export function corruptFrame(frame: Buffer, encoding: StreamEncoding): Buffer {
  const out = Buffer.from(frame);
  if (encoding === 'json') {
    const at = out.findIndex((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
    if (at >= 0) out[at] = 0x23;
  } else if (out.length > 4) out[4] = 0xff;
  return out;
}

/** The Status kube-apiserver's cacher sends for a watch from a resourceVersion older than its window (spec 2.x: too old resource version). */
export function expiredStatus(resourceVersion: string): Json {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `too old resource version: ${resourceVersion} (${resourceVersion})`,
    reason: 'Expired',
    code: 410,
  };
}

/** An ERROR event frame carrying a Status. */
export function errorEventFrame(status: Json, encoding: StreamEncoding): Buffer {
  return encodeEvent('ERROR', status, encoding);
}
