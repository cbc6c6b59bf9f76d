/**
 * Compact storage for decoded JSON watch events (issue 15). A stream's frames are copied, as
 * bytes, into a few large blocks (the stream's arena); each event entry keeps its place in a
 * block, and its `object` is parsed from those bytes the first time something reads it.
 *
 * Why: the decoder parses every frame when it arrives (that is how it knows the frame is one JSON
 * object, and its type), but keeping that parse tree for every event of a long watch made the
 * recorder spend about a third of its time in the garbage collector, promoting and marking
 * millions of small objects while chunks were being timestamped. Bytes in an arena are off the
 * JS heap and hold no pointers: the collector neither copies nor scans them. The tree is built
 * again, once, when a check, a verdict or a recording first reads `object`; parsing the same bytes
 * gives the same value, so everything derived from the record is unchanged.
 *
 * An ArenaEvent is an EventEntry: `kind`, `atMs`, `seq`, `type` and `bytes` are its own fields,
 * `object` a getter, and `toJSON()` gives the plain entry (same keys, same order) that a
 * recording stores.
 */
import type { EventEntry } from '../record/timeline.js';

/** Arena blocks are this big; a frame at least a quarter of it gets a block of its own. */
const BLOCK_BYTES = 64 * 1024;
const OWN_BLOCK_BYTES = BLOCK_BYTES / 4;

const utf8 = new TextDecoder('utf-8');
const UNPARSED: unique symbol = Symbol('unparsed');
/** What a copy of an ArenaEvent (not made by its constructor) reads as its object. */
export const COPY_WITHOUT_BYTES = '<a copy of an ArenaEvent: its object is only on the original>';

/** Where a frame's bytes were kept: a block and an offset in it (the length is the event's `bytes`). */
export interface ArenaSlot {
  block: Uint8Array;
  offset: number;
}

/** Append-only byte storage for one stream's frames: dense blocks, so memory is about the bytes kept. */
export class FrameArena {
  private block = new Uint8Array(0);
  private used = 0;

  /**
   * Keeps `frame`'s bytes. `owned`: the caller made `frame` for this frame alone (a frame joined
   * from several chunks) and will not touch it again, so it is kept as it is, not copied.
   */
  keep(frame: Uint8Array, owned = false): ArenaSlot {
    const n = frame.length;
    if (n >= OWN_BLOCK_BYTES) return { block: owned ? frame : frame.slice(), offset: 0 };
    if (this.used + n > this.block.length) {
      this.block = new Uint8Array(BLOCK_BYTES);
      this.used = 0;
    }
    const offset = this.used;
    this.block.set(frame, offset);
    this.used += n;
    return { block: this.block, offset };
  }
}

/** A decoded event whose object is parsed from its kept bytes on first read (see the file comment). */
export class ArenaEvent implements EventEntry {
  readonly kind: 'event';
  readonly atMs: number;
  readonly seq: number;
  readonly type: string;
  readonly bytes: number;
  #block: Uint8Array | undefined;
  readonly #offset: number;
  #object: unknown;

  /** `slot` holds the frame's `bytes` bytes: a JSON object, as the decoder established when it parsed them. */
  constructor(atMs: number, seq: number, type: string, bytes: number, slot: ArenaSlot) {
    this.kind = 'event';
    this.atMs = atMs;
    this.seq = seq;
    this.type = type;
    this.bytes = bytes;
    this.#block = slot.block;
    this.#offset = slot.offset;
    this.#object = UNPARSED;
  }

  /** The frame's `object` field (undefined when absent), parsed once, on first read. */
  get object(): unknown {
    // A copy made with this prototype (vitest clones values to print a diff) has no bytes.
    if (!(#object in this)) return COPY_WITHOUT_BYTES;
    if (this.#object === UNPARSED) {
      const text = utf8.decode(this.#block!.subarray(this.#offset, this.#offset + this.bytes));
      this.#object = (JSON.parse(text) as Record<string, unknown>)['object'];
      this.#block = undefined; // the block goes once every event kept in it is parsed
    }
    return this.#object;
  }

  /** The plain entry, as recordings store it (the keys and their order of a decoded EventEntry). */
  toJSON(): EventEntry {
    return { kind: 'event', atMs: this.atMs, seq: this.seq, type: this.type, object: this.object, bytes: this.bytes };
  }
}
