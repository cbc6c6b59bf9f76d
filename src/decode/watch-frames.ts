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
 * In front of it, a newline fast path: a frame that starts and ends its line ("}\n") within one
 * chunk is found with indexOf and parsed directly; the scanner takes whatever that does not fit.
 * Bytes of an unfinished frame are kept as slices of the chunks they arrived in and concatenated
 * once when the frame completes, so the work is linear in the bytes received, however the stream
 * is chunked. Whether a frame is one JSON object, and its type, is read from its bytes
 * (json-envelope.ts) without building the object; an event keeps its frame's bytes, and its object
 * is parsed when first read (arena-event.ts).
 *
 * Memory is bounded whatever the server sends: a frame longer than `maxFrameBytes` is reported as
 * malformed (its first 4 KiB kept) and the rest of the stream is only counted, never buffered;
 * a stream's malformed frames beyond the first MAX_MALFORMED_KEPT are only counted. Both counts
 * arrive in one `dropped` entry when the stream ends.
 *
 * Why this file is long: it is one state machine, the byte loop of `push` with the frame-limit and
 * discard handling it inlines for speed; splitting that loop across files would hide its states.
 * The texts it reports are in frame-text.ts; the loop is reworked for speed in issue 15.
 */
import type { DroppedEntry, EventEntry, MalformedFrameEntry } from '../record/timeline.js';
import { ArenaEvent, sharedArena } from './arena-event.js';
import { envelopeType } from './json-envelope.js';
import {
  MAX_RAW_BYTES,
  describeByte,
  describeJson,
  describeSize,
  eventTypeText,
  isScalarByte,
  parseScalar,
  rawText,
  unexpectedToken,
  utf8Text,
} from './frame-text.js';

export type DecodedFrame = EventEntry | MalformedFrameEntry | DroppedEntry;

/**
 * What the transport needs of a stream's decoder: this JSON one, or protobuf-frames.ts for
 * protobuf streams (picked by the response's Content-Type). Both follow the contract described
 * here: frames stamped with the arrival time of the chunk that completes them, bounded memory.
 */
export interface FrameDecoder {
  push(chunk: Uint8Array, atMs: number): DecodedFrame[];
  end(atMs: number, options?: { partialFrame?: 'report' | 'drop' }): DecodedFrame[];
  readonly pendingBytes: number;
}

/**
 * Default frame limit (--max-frame-size): far above any real object (etcd's default request
 * limit, and so kube-apiserver's largest object, is 1.5 MiB), low enough to bound memory.
 */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024;

/** A stream keeps its first this many malformed frames as entries; later ones are counted. */
export const MAX_MALFORMED_KEPT = 100;

export interface WatchFrameDecoderOptions {
  /** Frames longer than this many bytes are malformed and end decoding of the stream. */
  maxFrameBytes?: number;
}

/** The frame limit of a decoder's options (both encodings' decoders), checked. */
export function maxFrameBytesOf(options: WatchFrameDecoderOptions): number {
  const max = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  if (!Number.isSafeInteger(max) || max < 1) throw new RangeError(`maxFrameBytes must be a positive integer, got ${max}`);
  return max;
}

export const TRUNCATED_AT_END = 'truncated frame at end of stream';

// Scanner modes.
const IDLE = 0; // between frames: skipping whitespace
const VALUE = 1; // inside an object, an array or a top-level string
const SCALAR = 2; // a top-level number or literal (true, false, null)
const GARBAGE = 3; // bytes that cannot be JSON: collected up to the next newline
const DISCARD = 4; // a frame outgrew the limit: the rest of the stream is counted, not decoded

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

/**
 * Feed it the body chunks of one watch stream in order; it returns the frames each chunk
 * completed, stamped with that chunk's arrival time. One decoder per stream: `seq` counts the
 * stream's event entries.
 *
 * The decoder keeps references to the chunks of an unfinished frame: callers must not reuse a
 * chunk's memory after pushing it (undici hands out a fresh Buffer per chunk).
 */
export class WatchFrameDecoder implements FrameDecoder {
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
  private readonly maxFrameBytes: number;
  private malformedKept = 0;
  /** Malformed frames counted but not kept (beyond MAX_MALFORMED_KEPT). */
  private malformedDropped = 0;
  /** Bytes not decoded since a frame outgrew maxFrameBytes (that frame's bytes included). */
  private undecodedBytes = 0;

  constructor(options: WatchFrameDecoderOptions = {}) {
    this.maxFrameBytes = maxFrameBytesOf(options);
  }

  /** Decodes one chunk. `atMs` is when the chunk arrived (taken before calling this). */
  push(chunk: Uint8Array, atMs: number): DecodedFrame[] {
    if (this.ended) throw new Error('WatchFrameDecoder.push() after end()');
    const out: DecodedFrame[] = [];
    const n = chunk.length;
    if (this.mode === DISCARD) {
      this.undecodedBytes += n;
      return out;
    }
    // Start of the current frame within this chunk (0 when it began in an earlier chunk).
    let start = 0;
    // The newline fast path's cursor: the first LF at or after it in this chunk (-1: none), or
    // -2 before the first search. Each search starts past the last, so they scan the chunk once.
    let lf = -2;

    for (let i = 0; i < n; i++) {
      const b = chunk[i]!;
      switch (this.mode) {
        case IDLE: {
          if (b === LF || b === SPACE || b === CR || b === TAB) continue;
          if (b === OPEN_BRACE && lf !== -1) {
            // Newline fast path: kube-apiserver ends every compact frame with "}\n". When the
            // frame starts in this chunk and its line ends in it with "}", scan the line; if
            // that is one JSON object it is exactly the frame the byte scanner would find (a
            // valid value spans the whole slice, and a slice without LF has no raw newline in a
            // string). Anything else goes to the scanner from this byte, as before.
            if (lf < i) lf = chunk.indexOf(LF, i + 1);
            if (lf > 0 && chunk[lf - 1] === CLOSE_BRACE && lf - i <= this.maxFrameBytes) {
              const type = envelopeType(chunk, i, lf);
              if (type !== null) {
                out.push(this.event(type, chunk, i, lf, atMs));
                i = lf;
                continue;
              }
            }
          }
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
              if (this.heldBytes + (i - start) > this.maxFrameBytes) {
                out.push(this.outgrown(chunk.subarray(start, i), n - i, atMs));
                return out;
              }
              this.pushMalformed(out, this.take(chunk, start, i), 'invalid JSON: raw newline inside a string (frame cut short?)', atMs);
              this.mode = IDLE;
            } else if (this.escaped) {
              this.escaped = false;
            } else if (b === BACKSLASH) {
              this.escaped = true;
            } else if (b === QUOTE) {
              this.inString = false;
              if (this.depth === 0) {
                if (!this.finish(out, chunk, start, i + 1, atMs)) return out;
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
                if (this.heldBytes + (i - start) > this.maxFrameBytes) {
                  out.push(this.outgrown(chunk.subarray(start, i), n - i, atMs));
                  return out;
                }
                this.pushMalformed(out, this.take(chunk, start, i), 'invalid JSON: a new value starts on the next line before this one ended (frame cut short?)', atMs);
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
                if (!this.finish(out, chunk, start, i + 1, atMs)) return out;
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
          if (isScalarByte(b)) {
            // No number or literal is this long: garbage from here on (as hold() decides at a
            // chunk's end, so the outcome does not depend on the chunking).
            if (this.heldBytes + (i + 1 - start) > MAX_RAW_BYTES) {
              this.mode = GARBAGE;
              this.garbageReason = 'not JSON: unexpected token';
            }
            continue;
          }
          const token = this.peek(chunk, start, i);
          const scalar = parseScalar(token);
          if (scalar) {
            this.pushMalformed(out, this.take(chunk, start, i), `not a JSON object: got ${describeJson(scalar.value)}`, atMs);
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
          this.pushMalformed(out, this.take(chunk, start, newline), this.garbageReason, atMs);
          this.mode = IDLE;
          i = newline;
          continue;
        }
      }
    }

    if (this.mode === VALUE && this.heldBytes + (n - start) > this.maxFrameBytes) {
      out.push(this.outgrown(chunk.subarray(start), 0, atMs));
    } else if (this.mode !== IDLE) {
      this.hold(chunk.subarray(start));
    }
    return out;
  }

  /**
   * The stream ended at `atMs`. By default (the server ended it, cleanly or not) whatever is left
   * is a malformed frame; `{ partialFrame: 'drop' }` (watchmark ended it) forgets an unfinished
   * frame instead. Either way a `dropped` entry closes the output when anything was only counted.
   */
  end(atMs: number, options: { partialFrame?: 'report' | 'drop' } = {}): DecodedFrame[] {
    if (this.ended) return [];
    this.ended = true;
    const mode = this.mode;
    this.mode = IDLE;
    const out: DecodedFrame[] = [];
    if (mode !== IDLE && mode !== DISCARD) {
      const rest = this.take(new Uint8Array(0), 0, 0);
      if (options.partialFrame !== 'drop') {
        switch (mode) {
          case SCALAR: {
            // encoding/json's Decoder accepts a number or literal ended by EOF.
            const scalar = parseScalar(rest);
            this.pushMalformed(out, rest, scalar ? `not a JSON object: got ${describeJson(scalar.value)}` : unexpectedToken(rest), atMs);
            break;
          }
          case GARBAGE:
            this.pushMalformed(out, rest, this.garbageReason, atMs);
            break;
          default:
            this.pushMalformed(out, rest, TRUNCATED_AT_END, atMs);
        }
      }
    }
    if (this.malformedDropped > 0 || this.undecodedBytes > 0) {
      out.push({ kind: 'dropped', atMs, malformedFrames: this.malformedDropped, undecodedBytes: this.undecodedBytes });
    }
    return out;
  }

  /** Bytes of an unfinished frame currently held (for tests and diagnostics); never above max(maxFrameBytes, MAX_RAW_BYTES). */
  get pendingBytes(): number {
    return this.heldBytes;
  }

  /**
   * A top-level value ended at `end` in this chunk: records it and returns true, or, when the
   * frame is longer than the limit, records that, starts discarding the rest of the stream and
   * returns false (the caller stops scanning this chunk).
   */
  private finish(out: DecodedFrame[], chunk: Uint8Array, start: number, end: number, atMs: number): boolean {
    if (this.heldBytes + (end - start) > this.maxFrameBytes) {
      out.push(this.outgrown(chunk.subarray(start, end), chunk.length - end, atMs));
      return false;
    }
    out.push(this.complete(this.take(chunk, start, end), atMs));
    this.mode = IDLE;
    return true;
  }

  /**
   * The current frame is longer than maxFrameBytes (`tail`: its bytes in this chunk; `after`: the
   * bytes of this chunk after it): keep its start as a malformed frame, release what was held,
   * and count everything from the frame's start to the end of the stream. The excerpt is the
   * frame's first min(maxFrameBytes + 1, MAX_RAW_BYTES) bytes: all the decoder is sure to have
   * seen, whichever chunk took the frame over the limit.
   *
   * client-go ends a watch at the first frame it cannot decode, so nothing after this frame
   * matters to it; discarding (rather than resynchronising) keeps memory and CPU bounded.
   */
  private outgrown(tail: Uint8Array, after: number, atMs: number): MalformedFrameEntry {
    this.undecodedBytes += this.heldBytes + tail.length + after;
    // rawText looks one byte past MAX_RAW_BYTES to cut on a character boundary.
    const headBytes = Math.min(MAX_RAW_BYTES + 1, this.maxFrameBytes + 1, this.heldBytes + tail.length);
    const head = new Uint8Array(headBytes);
    let offset = 0;
    for (const slice of this.held.length === 0 ? [tail] : [...this.held, tail]) {
      if (offset >= headBytes) break;
      const part = slice.subarray(0, headBytes - offset);
      head.set(part, offset);
      offset += part.length;
    }
    this.held = [];
    this.heldBytes = 0;
    this.mode = DISCARD;
    return {
      kind: 'malformed',
      atMs,
      raw: rawText(head),
      error: `frame larger than the ${describeSize(this.maxFrameBytes)} frame limit (--max-frame-size); the rest of the stream was counted, not decoded`,
    };
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
    const type = envelopeType(frame);
    if (type !== null) return this.event(type, frame, 0, frame.length, atMs);
    // Not one JSON object: the parse says why, in its words.
    let value: unknown;
    try {
      value = JSON.parse(utf8Text(frame));
    } catch (err) {
      return this.malformed(frame, `invalid JSON: ${(err as Error).message}`, atMs);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return this.malformed(frame, `not a JSON object: got ${describeJson(value)}`, atMs);
    }
    // Not reached: envelopeType accepts exactly the frames that parse to an object (its
    // differential tests). Were it wrong in refusing, the parse decides.
    return this.event(eventTypeText((value as Record<string, unknown>)['type']), frame, 0, frame.length, atMs);
  }

  /**
   * An event of the frame `source[start, end)`, a JSON object whose type is `type`: its bytes are
   * kept and its object is parsed when first read (arena-event.ts).
   */
  private event(type: string, source: Uint8Array, start: number, end: number, atMs: number): EventEntry {
    const offset = sharedArena.keep(source, start, end);
    return new ArenaEvent(atMs, this.nextSeq++, type, end - start, sharedArena.block, offset);
  }

  /** Records a malformed frame, or only counts it once the stream has MAX_MALFORMED_KEPT. */
  private pushMalformed(out: DecodedFrame[], frame: Uint8Array, error: string, atMs: number): void {
    if (this.malformedKept >= MAX_MALFORMED_KEPT) {
      this.malformedDropped++;
      return;
    }
    this.malformedKept++;
    out.push(this.malformed(frame, error, atMs));
  }

  private malformed(frame: Uint8Array, error: string, atMs: number): MalformedFrameEntry {
    return { kind: 'malformed', atMs, raw: rawText(frame), error };
  }
}
