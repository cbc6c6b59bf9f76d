/**
 * One watch response through the proxy's faults: upstream bytes in, what the client is sent out,
 * each fault counted where it acts. Frames are split once (frames.ts), changed, dropped, held or
 * repeated per fault, and queued as pieces with the time each may be written (holds,
 * split-frames' gaps, slow's pacing), so the order on the wire is always the order decided here.
 * Timers go through the injected scheduler and time through the injected clock: the unit tests
 * drive it with a ManualScheduler and a FakeClock.
 */
import type { Clock } from '../clock.js';
import type { Scheduler } from '../scheduler.js';
import type { Fault, FaultName } from './faults.js';
import { corruptFrame, FrameSplitter, inspectFrame, withoutEndAnnotation, type FrameInfo, type StreamEncoding } from './frames.js';
import type { RequestKind } from './request-match.js';

/** Where the faulted stream goes: the client's response (and the upstream request, for stall and close). */
export interface StreamSink {
  write(bytes: Buffer): void;
  /** A clean end of the response (EOF / END_STREAM). */
  end(): void;
  /** Reset the response (TCP RST on HTTP/1.1, RST_STREAM on HTTP/2). */
  reset(): void;
  /** Stop reading the upstream response (stall-after, close-after, reset-after). */
  stopUpstream(): void;
}

export interface FaultedStreamOptions {
  faults: readonly Fault[];
  encoding: StreamEncoding;
  /** How the client's request was classified (ignore-send-initial-events acts on watch-lists). */
  requestKind: RequestKind;
  clock: Clock;
  scheduler: Scheduler;
  /** Uniform [0, 1): drop-events and duplicate-events draw from it (seeded by the proxy). */
  random: () => number;
  sink: StreamSink;
  /** Called each time a fault acts, with what it did. */
  onApplied?: (fault: FaultName, detail: string) => void;
}

/** split-frames: the pieces of a frame go out this far apart, so each arrives in its own read. */
export const SPLIT_GAP_MS = 5;
/** reorder-window: a window not yet full is sent (reversed) after this long without a new event. */
export const REORDER_IDLE_MS = 1000;
/** slow: pieces go out every this many ms (rate × this / 1000 bytes each). */
const SLOW_TICK_MS = 50;

const CHANGE_TYPES = new Set(['ADDED', 'MODIFIED', 'DELETED']);

interface Piece {
  bytes: Buffer;
  atMs: number;
}

export type StreamOutcome = 'open' | 'ended' | 'reset' | 'stalled' | 'closed-by-proxy' | 'client-gone';

export class FaultedStream {
  readonly counts = new Map<FaultName, number>();
  framesIn = 0;
  framesOut = 0;
  bytesOut = 0;
  outcome: StreamOutcome = 'open';

  private readonly splitter: FrameSplitter;
  private readonly has: (name: FaultName) => Fault | undefined;
  private readonly queue: Piece[] = [];
  private lastPieceAtMs = 0;
  private cancelPump: (() => void) | undefined;
  private readonly cancels: Array<() => void> = [];
  private upstreamEnded = false;
  private afterEndBookmark: boolean;
  private reorder: Buffer[] = [];
  private cancelReorderFlush: (() => void) | undefined;
  private previousLive: Buffer | undefined;
  private liveChanges = 0;
  private rewound = false;

  constructor(private readonly options: FaultedStreamOptions) {
    this.splitter = new FrameSplitter(options.encoding);
    this.has = (name) => options.faults.find((f) => f.name === name);
    // A plain watch has no initial-events phase: everything in it is live.
    this.afterEndBookmark = options.requestKind !== 'watch-list';
  }

  /** The response headers went out: the timed faults start counting now. */
  start(): void {
    const { scheduler } = this.options;
    const timed: Array<[FaultName, () => void]> = [
      ['reset-after', () => this.finish('reset', 'reset-after', 'reset the stream')],
      ['stall-after', () => this.finish('stalled', 'stall-after', 'stopped forwarding; the connection stays open')],
      ['close-after', () => this.finish('closed-by-proxy', 'close-after', 'ended the stream cleanly (EOF)')],
    ];
    for (const [name, act] of timed) {
      const fault = this.has(name);
      if (fault) this.cancels.push(scheduler.after(fault.value, act));
    }
  }

  push(chunk: Buffer): void {
    if (this.outcome !== 'open') return;
    for (const frame of this.splitter.push(chunk)) this.onFrame(frame);
  }

  /** The upstream response ended: what is queued still goes out (after its holds), then EOF. */
  end(): void {
    if (this.outcome !== 'open') return;
    // Marked ended only once the held window and the unfinished tail are queued: the pump that
    // flushing the window runs must not end the response before they are written.
    this.flushReorder();
    const rest = this.splitter.end();
    if (rest.length > 0) this.enqueue(rest, 0);
    this.upstreamEnded = true;
    this.pump();
  }

  /** The client went away: nothing more is written, every timer is cancelled. */
  clientGone(): void {
    if (this.outcome === 'open' || this.outcome === 'stalled') this.outcome = 'client-gone';
    this.stopTimers();
  }

  private applied(fault: FaultName, detail: string): void {
    this.counts.set(fault, (this.counts.get(fault) ?? 0) + 1);
    this.options.onApplied?.(fault, detail);
  }

  private finish(outcome: 'reset' | 'stalled' | 'closed-by-proxy', fault: FaultName, detail: string): void {
    if (this.outcome !== 'open') return;
    this.outcome = outcome;
    this.applied(fault, `${detail} after ${this.framesOut} frame(s)`);
    this.stopTimers();
    this.queue.length = 0;
    this.options.sink.stopUpstream();
    if (outcome === 'reset') this.options.sink.reset();
    else if (outcome === 'closed-by-proxy') this.options.sink.end();
  }

  private stopTimers(): void {
    this.cancelPump?.();
    this.cancelReorderFlush?.();
    for (const cancel of this.cancels.splice(0)) cancel();
  }

  private onFrame(raw: Buffer): void {
    this.framesIn++;
    let frame = raw;
    const corrupt = this.has('corrupt-frame');
    if (corrupt && this.framesIn === corrupt.value) {
      this.applied('corrupt-frame', `corrupted frame ${this.framesIn}`);
      this.send(corruptFrame(frame, this.options.encoding), 0);
      return;
    }
    const info = inspectFrame(frame, this.options.encoding);
    if (info.type === 'BOOKMARK') {
      this.flushReorder();
      this.onBookmark(frame, info);
      return;
    }
    if (info.type !== undefined && CHANGE_TYPES.has(info.type)) {
      this.onChange(frame, info);
      return;
    }
    this.flushReorder();
    this.send(frame, 0);
  }

  private onBookmark(frame: Buffer, info: FrameInfo): void {
    const rv = info.resourceVersion ?? '?';
    if (this.has('strip-bookmarks')) {
      if (info.endBookmark) this.afterEndBookmark = true;
      return this.applied('strip-bookmarks', `dropped ${info.endBookmark ? 'the initial-events-end bookmark' : 'a bookmark'} (RV ${rv})`);
    }
    if (info.endBookmark) {
      this.afterEndBookmark = true;
      if (this.has('strip-end-bookmark')) return this.applied('strip-end-bookmark', `dropped the initial-events-end bookmark (RV ${rv})`);
      if (this.has('ignore-send-initial-events') && this.options.requestKind === 'watch-list') {
        // kube-apiserver defaults a legacy RV ""/"0" watch back to a watch-list (SetListOptionsDefaults); a server that ignores sendInitialEvents never marks the end.
        return this.applied('ignore-send-initial-events', `dropped the initial-events-end bookmark the server sent anyway (RV ${rv})`);
      }
      if (this.has('drop-annotation')) {
        frame = withoutEndAnnotation(frame, this.options.encoding);
        this.applied('drop-annotation', `sent the initial-events-end bookmark without its annotation (RV ${rv})`);
      }
      const delay = this.has('delay-end-bookmark');
      if (delay) {
        this.applied('delay-end-bookmark', `holding the initial-events-end bookmark (RV ${rv}) for ${delay.text.split('=')[1]}`);
        return this.send(frame, delay.value);
      }
    }
    const delayAll = this.has('delay-bookmarks');
    if (delayAll) {
      this.applied('delay-bookmarks', `holding ${info.endBookmark ? 'the initial-events-end bookmark' : 'a bookmark'} (RV ${rv}) for ${delayAll.text.split('=')[1]}`);
      return this.send(frame, delayAll.value);
    }
    this.send(frame, 0);
  }

  private onChange(frame: Buffer, info: FrameInfo): void {
    const rv = info.resourceVersion ?? '?';
    const drop = this.has('drop-events');
    if (drop && this.options.random() < drop.value) return this.applied('drop-events', `dropped a ${info.type} event (RV ${rv})`);
    const copies = this.has('duplicate-events') && this.options.random() < this.has('duplicate-events')!.value ? 2 : 1;
    if (copies === 2) this.applied('duplicate-events', `sent a ${info.type} event twice (RV ${rv})`);
    for (let i = 0; i < copies; i++) this.sendChange(frame);
    if (this.afterEndBookmark && this.has('rewind-rv')) {
      this.liveChanges++;
      if (this.liveChanges === 2 && !this.rewound && this.previousLive) {
        this.rewound = true;
        const older = inspectFrame(this.previousLive, this.options.encoding).resourceVersion ?? '?';
        this.applied('rewind-rv', `sent the event of RV ${older} again after RV ${rv}`);
        this.sendChange(this.previousLive);
      }
      this.previousLive = frame;
    }
  }

  /** A change event, through reorder-window when it is on. */
  private sendChange(frame: Buffer): void {
    const window = this.has('reorder-window');
    if (!window || window.value < 2) return this.send(frame, 0);
    this.reorder.push(frame);
    if (this.reorder.length >= window.value) this.flushReorder();
    else {
      this.cancelReorderFlush?.();
      this.cancelReorderFlush = this.options.scheduler.after(REORDER_IDLE_MS, () => {
        this.flushReorder();
        this.pump();
      });
    }
  }

  private flushReorder(): void {
    this.cancelReorderFlush?.();
    this.cancelReorderFlush = undefined;
    const window = this.reorder.splice(0);
    if (window.length >= 2) this.applied('reorder-window', `sent ${window.length} events in reverse order`);
    for (const frame of window.reverse()) this.send(frame, 0);
  }

  /** Queues a frame to go out `holdMs` from now (and never before what is queued before it), in pieces per split-frames and slow. */
  private send(frame: Buffer, holdMs: number): void {
    this.enqueue(frame, holdMs);
    this.framesOut++;
    this.pump();
  }

  private enqueue(bytes: Buffer, holdMs: number): void {
    const now = this.options.clock.nowMs();
    let at = Math.max(this.lastPieceAtMs, now + holdMs);
    const pieces: Buffer[] = [];
    if (this.has('split-frames') && bytes.length >= 3) {
      const mid = Math.max(2, Math.floor(bytes.length / 2));
      pieces.push(bytes.subarray(0, 1), bytes.subarray(1, mid), bytes.subarray(mid));
      this.applied('split-frames', `sent a ${bytes.length}-byte frame in 3 writes`);
    } else pieces.push(bytes);
    const slow = this.has('slow');
    let first = true;
    for (const piece of pieces) {
      if (!first && this.has('split-frames')) at += SPLIT_GAP_MS;
      first = false;
      if (!slow) {
        this.queue.push({ bytes: piece, atMs: at });
        continue;
      }
      const slice = Math.max(1, Math.floor((slow.value * SLOW_TICK_MS) / 1000));
      for (let off = 0; off < piece.length; off += slice) {
        const part = piece.subarray(off, off + slice);
        this.queue.push({ bytes: part, atMs: at });
        at += (part.length / slow.value) * 1000;
      }
    }
    this.lastPieceAtMs = at;
  }

  /** Writes every piece that is due; arms itself for the next one. */
  private pump(): void {
    if (this.outcome !== 'open') return;
    this.cancelPump?.();
    this.cancelPump = undefined;
    const now = this.options.clock.nowMs();
    let slowed = false;
    while (this.queue.length > 0 && this.queue[0]!.atMs <= now) {
      const piece = this.queue.shift()!;
      this.bytesOut += piece.bytes.length;
      this.options.sink.write(piece.bytes);
      slowed = true;
    }
    if (slowed && this.has('slow') && this.queue.length > 0) this.noteSlow();
    if (this.queue.length > 0) {
      this.cancelPump = this.options.scheduler.after(this.queue[0]!.atMs - now, () => this.pump());
      return;
    }
    if (this.upstreamEnded) {
      this.outcome = 'ended';
      this.stopTimers();
      this.options.sink.end();
    }
  }

  private slowNoted = false;
  private noteSlow(): void {
    if (this.slowNoted) return;
    this.slowNoted = true;
    this.applied('slow', `pacing the stream at ${this.has('slow')!.value} bytes/s`);
  }
}
