/**
 * Incremental decoder for JSON watch streams. Pure: bytes and arrival times in, timeline
 * entries out; no I/O, no clock.
 *
 * kube-apiserver writes each event as one compact JSON object followed by "\n" (its JSON framer
 * is a no-op and the serializer uses json.NewEncoder(w).Encode, apimachinery
 * pkg/runtime/serializer/json/json.go v0.35.0). client-go reads with encoding/json's Decoder
 * (framer.NewJSONFramedReader), i.e. a stream of concatenated JSON values with optional
 * whitespace. So a frame ends where its top-level JSON value ends, newline or not, and chunk
 * boundaries mean nothing.
 *
 * The scanner is a small state machine (depth, in-string, escape) that looks at every byte once.
 * Bytes of an unfinished frame are kept as slices of the chunks they arrived in and concatenated
 * once when the frame completes, so the work is linear in the bytes received, however the stream
 * is chunked. Structure inside a frame is left to JSON.parse.
 */
import type { EventEntry, MalformedFrameEntry } from '../record/timeline.js';

export type DecodedFrame = EventEntry | MalformedFrameEntry;

/** Malformed frames keep at most this many bytes of their text. */
export const MAX_RAW_BYTES = 4096;

export const TRUNCATED_AT_END = 'truncated frame at end of stream';

// Scanner modes.
const IDLE = 0; // between frames: skipping whitespace
const VALUE = 1; // inside an object, an array or a top-level string
const SCALAR = 2; // a top-level number or literal (true, false, null)
const GARBAGE = 3; // bytes that cannot be JSON: collected up to the next newline

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;

const utf8 = new TextDecoder('utf-8');

/**
 * Feed it the body chunks of one watch stream in order; it returns the frames each chunk
 * completed, stamped with that chunk's arrival time. One decoder per stream: `seq` counts the
 * stream's event entries.
 *
 * The decoder keeps references to the chunks of an unfinished frame: callers must not reuse a
 * chunk's memory after pushing it (undici hands out a fresh Buffer per chunk).
 */
export class WatchFrameDecoder {
  private mode = IDLE;
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Inside a container: the last significant byte ended a value (so only `,` `}` `]` may follow). */
  private afterValue = false;
  /** ...and a newline came after it: a frame cut short, if a new value starts now. */
  private newlineAfterValue = false;
  /** Why the current GARBAGE frame is not JSON. */
  private garbageReason = '';
  /** Slices of the unfinished frame from earlier chunks. */
  private held: Uint8Array[] = [];
  private heldBytes = 0;
  private nextSeq = 0;
  private ended = false;

  /** Decodes one chunk. `atMs` is when the chunk arrived (taken before calling this). */
  push(chunk: Uint8Array, atMs: number): DecodedFrame[] {
    if (this.ended) throw new Error('WatchFrameDecoder.push() after end()');
    const out: DecodedFrame[] = [];
    const n = chunk.length;
    // Start of the current frame within this chunk (0 when it began in an earlier chunk).
    let start = 0;

    for (let i = 0; i < n; i++) {
      const b = chunk[i]!;
      switch (this.mode) {
        case IDLE: {
          if (b === LF || b === SPACE || b === CR || b === TAB) continue;
          start = i;
          this.begin(b);
          continue;
        }

        case VALUE: {
          if (this.inString) {
            if (!this.escaped && b !== QUOTE && b !== BACKSLASH && b !== LF) {
              // Fast path: most bytes of a kube object are string contents; skip to the next
              // byte that matters in a tight loop.
              let j = i + 1;
              while (j < n) {
                const c = chunk[j]!;
                if (c === QUOTE || c === BACKSLASH || c === LF) break;
                j++;
              }
              i = j - 1;
              continue;
            }
            // A raw newline is never valid inside a JSON string, escaped or not. kube-apiserver
            // ends every frame with one, so this is where a cut-short frame's successor starts.
            if (b === LF) {
              out.push(this.malformed(this.take(chunk, start, i), 'invalid JSON: raw newline inside a string (frame cut short?)', atMs));
              this.mode = IDLE;
            } else if (this.escaped) {
              this.escaped = false;
            } else if (b === BACKSLASH) {
              this.escaped = true;
            } else if (b === QUOTE) {
              this.inString = false;
              if (this.depth === 0) {
                out.push(this.complete(this.take(chunk, start, i + 1), atMs));
                this.mode = IDLE;
              } else {
                this.afterValue = true;
                this.newlineAfterValue = false;
              }
            }
            continue;
          }
          switch (b) {
            case OPEN_BRACE:
            case OPEN_BRACKET:
            case QUOTE:
              if (this.afterValue && this.newlineAfterValue) {
                // A value cannot follow a value; with a newline in between, this is a new frame
                // after one that was cut short (a pretty-printed object never looks like this).
                out.push(this.malformed(this.take(chunk, start, i), 'invalid JSON: a new value starts on the next line before this one ended (frame cut short?)', atMs));
                this.mode = IDLE;
                i--; // rescan this byte as the start of the next frame
                continue;
              }
              if (b === QUOTE) {
                this.inString = true;
              } else {
                this.depth++;
                this.afterValue = false;
              }
              continue;
            case CLOSE_BRACE:
            case CLOSE_BRACKET:
              this.depth--;
              if (this.depth === 0) {
                out.push(this.complete(this.take(chunk, start, i + 1), atMs));
                this.mode = IDLE;
              } else {
                this.afterValue = true;
                this.newlineAfterValue = false;
              }
              continue;
            case COLON:
            case COMMA:
              this.afterValue = false;
              continue;
            case LF:
              if (this.afterValue) this.newlineAfterValue = true;
              continue;
            case SPACE:
            case TAB:
            case CR:
              continue;
            default:
              // Part of a number or literal.
              this.afterValue = true;
              this.newlineAfterValue = false;
              continue;
          }
        }

        case SCALAR: {
          if (isScalarByte(b)) continue;
          const token = this.peek(chunk, start, i);
          const scalar = parseScalar(token);
          if (scalar) {
            out.push(this.malformed(this.take(chunk, start, i), `not a JSON object: got ${describeJson(scalar.value)}`, atMs));
            this.mode = IDLE;
          } else {
            this.mode = GARBAGE;
            this.garbageReason = unexpectedToken(token);
          }
          i--; // rescan this byte in the new mode
          continue;
        }

        case GARBAGE: {
          const newline = chunk.indexOf(LF, i);
          if (newline < 0) {
            i = n; // the rest of the chunk belongs to this line
            continue;
          }
          out.push(this.malformed(this.take(chunk, start, newline), this.garbageReason, atMs));
          this.mode = IDLE;
          i = newline;
          continue;
        }
      }
    }

    if (this.mode !== IDLE) this.hold(chunk.subarray(start));
    return out;
  }

  /** The stream ended (cleanly or not) at `atMs`: whatever is left is a malformed frame. */
  end(atMs: number): DecodedFrame[] {
    if (this.ended) return [];
    this.ended = true;
    const mode = this.mode;
    this.mode = IDLE;
    if (mode === IDLE) return [];
    const rest = this.take(new Uint8Array(0), 0, 0);
    switch (mode) {
      case SCALAR: {
        // encoding/json's Decoder accepts a number or literal ended by EOF.
        const scalar = parseScalar(rest);
        return [this.malformed(rest, scalar ? `not a JSON object: got ${describeJson(scalar.value)}` : unexpectedToken(rest), atMs)];
      }
      case GARBAGE:
        return [this.malformed(rest, this.garbageReason, atMs)];
      default:
        return [this.malformed(rest, TRUNCATED_AT_END, atMs)];
    }
  }

  /** Bytes of an unfinished frame currently held (for tests and diagnostics). */
  get pendingBytes(): number {
    return this.heldBytes;
  }

  private begin(b: number): void {
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
    this.afterValue = false;
    this.newlineAfterValue = false;
    if (b === OPEN_BRACE || b === OPEN_BRACKET) {
      this.mode = VALUE;
      this.depth = 1;
    } else if (b === QUOTE) {
      this.mode = VALUE;
      this.inString = true;
    } else if (b === 0x2d || (b >= 0x30 && b <= 0x39) || b === 0x74 || b === 0x66 || b === 0x6e) {
      // '-', digit, 't', 'f', 'n': may start a number or literal
      this.mode = SCALAR;
    } else {
      this.mode = GARBAGE;
      this.garbageReason = `not JSON: a frame cannot start with ${describeByte(b)}`;
    }
  }

  private hold(slice: Uint8Array): void {
    if (slice.length === 0) return;
    if (this.mode === GARBAGE) {
      // Only the first MAX_RAW_BYTES of a garbage line are ever shown; do not keep the rest.
      const room = MAX_RAW_BYTES - this.heldBytes;
      if (room <= 0) return;
      if (slice.length > room) slice = slice.subarray(0, room);
    } else if (this.mode === SCALAR && this.heldBytes + slice.length > MAX_RAW_BYTES) {
      // No number or literal is this long: treat the line as garbage from here on.
      this.mode = GARBAGE;
      this.garbageReason = 'not JSON: unexpected token';
      this.hold(slice);
      return;
    }
    this.held.push(slice);
    this.heldBytes += slice.length;
  }

  /** The bytes of the current frame up to `end` in this chunk, releasing what was held. */
  private take(chunk: Uint8Array, start: number, end: number): Uint8Array {
    const tail = chunk.subarray(start, end);
    if (this.held.length === 0) return tail;
    const held = this.held;
    const total = this.heldBytes + tail.length;
    this.held = [];
    this.heldBytes = 0;
    const frame = new Uint8Array(total);
    let offset = 0;
    for (const slice of held) {
      frame.set(slice, offset);
      offset += slice.length;
    }
    frame.set(tail, offset);
    return frame;
  }

  /** Like take() but keeps the held slices (a scalar token that may turn out to be garbage). */
  private peek(chunk: Uint8Array, start: number, end: number): Uint8Array {
    if (this.held.length === 0) return chunk.subarray(start, end);
    const frame = new Uint8Array(this.heldBytes + (end - start));
    let offset = 0;
    for (const slice of this.held) {
      frame.set(slice, offset);
      offset += slice.length;
    }
    frame.set(chunk.subarray(start, end), offset);
    return frame;
  }

  /** A complete top-level JSON value: an event if it is an object. */
  private complete(frame: Uint8Array, atMs: number): DecodedFrame {
    const text = utf8.decode(frame);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      return this.malformed(frame, `invalid JSON: ${(err as Error).message}`, atMs);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return this.malformed(frame, `not a JSON object: got ${describeJson(value)}`, atMs);
    }
    const envelope = value as Record<string, unknown>;
    return {
      kind: 'event',
      atMs,
      seq: this.nextSeq++,
      type: eventTypeText(envelope['type']),
      object: envelope['object'],
      bytes: frame.length,
    };
  }

  private malformed(frame: Uint8Array, error: string, atMs: number): MalformedFrameEntry {
    return { kind: 'malformed', atMs, raw: rawText(frame), error };
  }
}

/**
 * The envelope's `type` as text. A string is kept as is (unknown types included: client-go
 * answers "got invalid watch event type"); a missing type is "", anything else its JSON text
 * (client-go fails to decode such an envelope: WatchEvent.Type is a Go string).
 */
function eventTypeText(type: unknown): string {
  if (typeof type === 'string') return type;
  if (type === undefined) return '';
  return JSON.stringify(type);
}

/** The frame's text cut to MAX_RAW_BYTES on a UTF-8 character boundary. */
export function rawText(frame: Uint8Array): string {
  if (frame.length <= MAX_RAW_BYTES) return utf8.decode(frame);
  let cut = MAX_RAW_BYTES;
  // Back off continuation bytes (10xxxxxx) so no character is split.
  while (cut > 0 && (frame[cut]! & 0xc0) === 0x80) cut--;
  return utf8.decode(frame.subarray(0, cut));
}

/** Bytes that can continue a number or literal. */
function isScalarByte(b: number): boolean {
  return (
    (b >= 0x30 && b <= 0x39) || // 0-9
    (b >= 0x61 && b <= 0x7a) || // a-z
    (b >= 0x41 && b <= 0x5a) || // A-Z
    b === 0x2e || // .
    b === 0x2b || // +
    b === 0x2d // -
  );
}

function parseScalar(token: Uint8Array): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(utf8.decode(token)) as unknown };
  } catch {
    return undefined;
  }
}

function unexpectedToken(token: Uint8Array): string {
  return `not JSON: unexpected token "${truncateText(utf8.decode(token.subarray(0, 64)), 40)}"`;
}

function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    default:
      return typeof value;
  }
}

function describeByte(b: number): string {
  const hex = `0x${b.toString(16).padStart(2, '0')}`;
  return b >= 0x21 && b <= 0x7e ? `'${String.fromCharCode(b)}' (${hex})` : `byte ${hex}`;
}

function truncateText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}...`;
}
