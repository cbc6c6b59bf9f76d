/**
 * Compact storage for decoded JSON watch events (issue 15). An event keeps its frame's bytes, not
 * a parse tree: where they arrived, when the chunk they came in is a large part of its buffer, or
 * else copied into a few large blocks (the arena). Its `object` is parsed from those bytes the
 * first time something reads it.
 *
 * Why: keeping a parse tree for every event of a long watch made the recorder spend about a third
 * of its time in the garbage collector, promoting and marking millions of small objects while
 * chunks were being timestamped. Bytes are off the JS heap and hold no pointers: the collector
 * neither copies nor scans them. The decoder learns what it must know on arrival (the frame is
 * one JSON object, and its type) from the bytes (json-envelope.ts); the tree is built once, when
 * a check, a verdict or a recording first reads `object`, and parsing the same bytes gives the
 * same value, so everything derived from the record is unchanged.
 *
 * An ArenaEvent is an EventEntry: `kind`, `atMs`, `seq`, `type` and `bytes` are its own fields,
 * `object` a getter, and `toJSON()` gives the plain entry (same keys, same order) that a
 * recording stores.
 */
import type { EventEntry } from '../record/timeline.js';
import { utf8Text } from './frame-text.js';

/**
 * Copied frames are packed into blocks of BLOCK_BYTES; a frame of at least OWN_BLOCK_BYTES gets a
 * buffer of exactly its size instead, so a block's unused tail stays under a quarter of it.
 */
const BLOCK_BYTES = 64 * 1024;
const OWN_BLOCK_BYTES = BLOCK_BYTES / 4;
/** A chunk at least 1/IN_PLACE_SHARE of its buffer keeps its frames in place (FrameArena.keep). */
const IN_PLACE_SHARE = 8;

const UNPARSED: unique symbol = Symbol('unparsed');
/** What a copy of an ArenaEvent (not made by its constructor) reads as its object. */
export const COPY_WITHOUT_BYTES = '<a copy of an ArenaEvent: its object is only on the original>';

/** Append-only byte storage for frames (one for all streams: sharedArena), so memory is about the bytes kept. */
export class FrameArena {
  /** The block the last keep() put its frame in. */
  block: Uint8Array = Buffer.alloc(0);
  /** The block small frames are packed into, and how much of it is used. */
  private current: Uint8Array = this.block;
  private used = 0;

  /**
   * Keeps the frame `source[start, end)` and returns its offset in `this.block` (read it right
   * after: the next call may start a new block). The caller hands `source` over for good (the
   * decoders' contract: undici gives out a fresh buffer per chunk). When `source` is at least an
   * eighth of the memory it sits in, the frame is kept where it is, without a copy: a chunk is a
   * view of what one socket read got (64 KiB at most), and the other chunks of that read are
   * usually the same stream's, kept too; at worst a chunk holds eight times its size. A frame in
   * a smaller part of a buffer (a quiet stream's share of a read carrying other HTTP/2 streams'
   * data) is copied, not to hold the rest of it.
   */
  keep(source: Uint8Array, start: number, end: number): number {
    if (source.length * IN_PLACE_SHARE >= source.buffer.byteLength) {
      this.block = source;
      return start;
    }
    const n = end - start;
    if (n >= OWN_BLOCK_BYTES) {
      // A buffer of exactly its size (Buffer.from would take a slice of Node's pool, 64 KiB on
      // Node 24, for a frame under half of it).
      this.block = Buffer.allocUnsafeSlow(n);
      this.block.set(source.subarray(start, end));
      return 0;
    }
    if (this.used + n > this.current.length) {
      // Not zero-filled: only the bytes set below are ever read.
      this.current = Buffer.allocUnsafeSlow(BLOCK_BYTES);
      this.used = 0;
    }
    const offset = this.used;
    this.current.set(source.subarray(start, end), offset);
    this.used += n;
    this.block = this.current;
    return offset;
  }
}

/**
 * The arena every JSON watch decoder copies frames into: one for all streams, so that 10,000
 * watches with a bookmark each share a few dense blocks instead of allocating a block each (a new
 * buffer costs microseconds, and a block per stream would hold mostly unused space). Keeping is
 * synchronous and its caller reads `block` right after, so streams cannot interleave within it.
 */
export const sharedArena = new FrameArena();

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

  /** `block` holds the frame's `bytes` bytes at `offset`: a JSON object, as the decoder established when it parsed them. */
  constructor(atMs: number, seq: number, type: string, bytes: number, block: Uint8Array, offset: number) {
    this.kind = 'event';
    this.atMs = atMs;
    this.seq = seq;
    this.type = type;
    this.bytes = bytes;
    this.#block = block;
    this.#offset = offset;
    this.#object = UNPARSED;
  }

  /** The frame's `object` field (undefined when absent), parsed once, on first read. */
  get object(): unknown {
    // A copy made with this prototype (vitest clones values to print a diff) has no bytes.
    if (!(#object in this)) return COPY_WITHOUT_BYTES;
    if (this.#object === UNPARSED) {
      const text = utf8Text(this.#block!.subarray(this.#offset, this.#offset + this.bytes));
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
