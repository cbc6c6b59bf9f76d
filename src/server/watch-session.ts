/**
 * One open watch: runs the start plan, forwards live events, keeps the bookmark and deadline
 * timers, and ends the stream. It writes to a WatchSink (the HTTP response in the server, an
 * array in unit tests) and reads time from an injected clock and scheduler.
 */
import type { Clock } from '../clock.js';
import { bookmarkDeliverable, nextBookmarkAtMs } from './bookmark-schedule.js';
import { WRONG_API_VERSION, wrongKindFor, type ProfileBehaviour } from './profiles.js';
import type { ResourceDef } from './resources.js';
import type { Scheduler } from '../scheduler.js';
import type { StoreEvent } from './store.js';
import { cacherWatchEvent, predicateWatchEvent } from './watch-filter.js';
import { planWatchStart, wantsBookmarks, type WatchStartPlan, type WatchStoreView } from './watch-plan.js';
import type { WatchRequest } from './watch-request.js';
import type { WatchFrameCache } from './wire.js';

export interface WatchSink {
  /** Sends status 200 and the headers, flushed (before any event, spec 3.1). */
  open(): void;
  /** `onFlushed`: called once the response has handed the frame on to the connection. */
  write(frame: Buffer, onFlushed?: () => void): void;
  /** Ends the response cleanly (no final event). */
  end(): void;
  /** Bytes accepted by write() but not yet by the socket. */
  bufferedBytes(): number;
}

export type WatchCloseReason = 'timeout' | 'error-event' | 'client-gone' | 'server-stopping' | 'slow-client';

export interface WatchSessionOptions {
  def: ResourceDef;
  request: WatchRequest;
  store: WatchStoreView;
  behaviour: ProfileBehaviour;
  frames: WatchFrameCache;
  clock: Clock;
  scheduler: Scheduler;
  sink: WatchSink;
  /** Resolved watch lifetime (timeoutSeconds, or the server's random default). */
  timeoutMs: number;
  bookmarkIntervalMs: number;
  initialEventsEndDelayMs: number;
  /**
   * A client that stops reading is cut off once this much is queued (kube-apiserver closes a
   * watcher whose buffered channel stays full: "Forcing ... watcher close due to unresponsiveness").
   */
  maxBufferedBytes: number;
  onClose?: (session: WatchSession, reason: WatchCloseReason) => void;
}

export class WatchSession {
  state: 'new' | 'waiting' | 'snapshotting' | 'streaming' | 'closed' = 'new';
  /** Live events need RV > startRv; periodic bookmarks need the current RV > startRv. */
  startRv = 0;
  private deadlineMs = 0;
  private opened = false;
  private waitUntilRv = 0;
  /**
   * The newest write the hub has offered this watch. Periodic bookmarks carry it, not the store's
   * RV: while a write is still being handed out (watch-hub.ts slices), a bookmark at the store's RV
   * would overtake its event.
   */
  private offeredRv = 0;
  /** slow-initial-events-end: live frames held until the end bookmark went out. */
  private held: Buffer[] | null = null;
  private readonly cancels = new Set<() => void>();
  private cancelBookmark: (() => void) | null = null;

  constructor(private readonly options: WatchSessionOptions) {}

  start(): void {
    const { clock, scheduler, timeoutMs } = this.options;
    this.deadlineMs = clock.nowMs() + timeoutMs;
    this.offeredRv = this.options.store.currentRv();
    this.track(scheduler.after(timeoutMs, () => this.close('timeout')));
    const { def, request, store, behaviour } = this.options;
    const startsWithInitialState = request.sendInitialEvents === true || (request.sendInitialEvents === undefined && request.rv === 0);
    if (behaviour.snapshotDelayMs > 0 && startsWithInitialState) {
      // late-snapshot: answer 200 now, take the snapshot later; writes meanwhile land in it.
      this.open();
      this.state = 'snapshotting';
      this.track(
        scheduler.after(behaviour.snapshotDelayMs, () => {
          if (this.state === 'snapshotting') this.run(planWatchStart(def, request, store, behaviour));
        }),
      );
      return;
    }
    this.run(planWatchStart(def, request, store, behaviour));
  }

  /** Called for every store write (any resource), in RV order. */
  onStoreEvent(event: StoreEvent): void {
    if (event.rv > this.offeredRv) this.offeredRv = event.rv;
    if (this.state === 'waiting') {
      if (this.options.store.currentRv() >= this.waitUntilRv) {
        this.run(planWatchStart(this.options.def, this.options.request, this.options.store, this.options.behaviour));
      }
      return;
    }
    if (this.state !== 'streaming' || event.resource !== this.options.def.resource || event.rv <= this.startRv) return;
    const { def, request, behaviour } = this.options;
    const out =
      behaviour.storage === 'kinm' ? predicateWatchEvent(def, request.filter, event) : cacherWatchEvent(def, request.filter, event);
    if (!out) return;
    const frame = behaviour.liveEventsWrongKind ? this.options.frames.eventAsKind(out, wrongKindFor(def.kind)) : this.options.frames.event(out);
    if (this.held) this.held.push(frame);
    else this.write(frame);
  }

  close(reason: WatchCloseReason): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    for (const cancel of this.cancels) cancel();
    this.cancels.clear();
    this.cancelBookmark?.();
    this.held = null;
    if (reason !== 'client-gone') {
      if (!this.opened) this.open();
      this.options.sink.end();
    }
    this.options.onClose?.(this, reason);
  }

  private run(plan: WatchStartPlan): void {
    switch (plan.kind) {
      case 'wait': {
        this.state = 'waiting';
        this.waitUntilRv = plan.untilRv;
        this.track(
          this.options.scheduler.after(plan.timeoutMs, () => {
            if (this.state !== 'waiting') return;
            const { def, request, store, behaviour } = this.options;
            this.run(planWatchStart(def, request, store, behaviour, true));
          }),
        );
        return;
      }
      case 'error':
        // After the request passed validation, storage errors are an ERROR event in a 200 stream.
        this.open();
        this.write(this.options.frames.error(plan.status));
        this.close('error-event');
        return;
      case 'stream':
        this.beginStream(plan);
        return;
    }
  }

  private beginStream(plan: Extract<WatchStartPlan, { kind: 'stream' }>): void {
    const { frames, def, behaviour, request } = this.options;
    this.state = 'streaming';
    this.startRv = plan.startRv;
    this.open();
    // live-events-wrong-kind: replayed history changes are live events too; a synthetic initial state is not.
    const wrongKind = behaviour.liveEventsWrongKind && plan.replayed === true;
    const burst = plan.initialEvents.map((e) => (wrongKind ? frames.eventAsKind(e, wrongKindFor(def.kind)) : frames.event(e)));
    if (plan.endBookmarkRv !== null) {
      this.startRv = Math.max(this.startRv, plan.endBookmarkRv);
      const endFrame = frames.bookmark(behaviour.endBookmarkTypeMeta === 'wrong-kind' ? wrongKindFor(def.kind) : def.kind, plan.endBookmarkRv, {
        initialEventsEnd: true,
        withoutTypeMeta: behaviour.bookmarkWithoutTypeMeta,
        ...(behaviour.endBookmarkTypeMeta === 'wrong-api-version' ? { apiVersion: WRONG_API_VERSION } : {}),
      });
      if (behaviour.delayInitialEventsEnd) {
        this.held = [];
        this.track(this.options.scheduler.after(this.options.initialEventsEndDelayMs, () => this.releaseHeld(endFrame)));
      } else {
        burst.push(endFrame);
      }
    }
    if (burst.length > 0) this.write(burst.length === 1 ? burst[0]! : Buffer.concat(burst));
    if (this.state === 'streaming' && wantsBookmarks(request, behaviour)) this.scheduleBookmark(this.options.clock.nowMs());
  }

  private releaseHeld(endFrame: Buffer): void {
    if (this.state !== 'streaming' || !this.held) return;
    const frames = [endFrame, ...this.held];
    this.held = null;
    this.write(Buffer.concat(frames));
  }

  private scheduleBookmark(nowMs: number): void {
    const atMs = nextBookmarkAtMs(nowMs, this.options.bookmarkIntervalMs, this.deadlineMs);
    this.cancelBookmark = atMs === null ? null : this.options.scheduler.after(atMs - nowMs, () => this.onBookmarkDue(atMs));
  }

  private onBookmarkDue(scheduledAtMs: number): void {
    if (this.state !== 'streaming') return;
    const rv = this.offeredRv;
    // While the end bookmark is held back, no other bookmark may overtake it.
    if (!this.held && bookmarkDeliverable(rv, this.startRv)) {
      const { frames, def, behaviour } = this.options;
      this.write(frames.bookmark(def.kind, rv, { initialEventsEnd: false, withoutTypeMeta: behaviour.bookmarkWithoutTypeMeta }));
    }
    // Timers may fire a fraction of a millisecond early: never schedule from before the due time.
    if (this.state === 'streaming') this.scheduleBookmark(Math.max(this.options.clock.nowMs(), scheduledAtMs));
  }

  private open(): void {
    if (this.opened) return;
    this.opened = true;
    this.options.sink.open();
  }

  private write(frame: Buffer): void {
    this.options.sink.write(frame);
    if (this.options.sink.bufferedBytes() > this.options.maxBufferedBytes) this.close('slow-client');
  }

  private track(cancel: () => void): void {
    this.cancels.add(cancel);
  }
}
