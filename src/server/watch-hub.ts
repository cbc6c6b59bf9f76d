/**
 * Fan-out from the store to open watches: one store subscription, O(watchers) work per write, no
 * polling. Frames are serialized once per distinct wire form (WatchFrameCache) and the same
 * Buffer is written to every watcher that gets it.
 *
 * A write reaches at most FANOUT_SLICE watchers per turn of the event loop; the rest get it in
 * later turns (setImmediate), after the frames already handed out have gone to the sockets.
 * Why: Node's HTTP/2 server writes a stream's frames on its next turn, not in write(), so a write
 * offered to 10,000 watchers in one loop kept every frame in the server for the whole loop
 * (~50 ms) and blocked its other requests meanwhile. kube-apiserver has no such loop: each
 * watcher's goroutine writes its own stream (k8s.io/apiserver cacher cache_watcher.go
 * processInterval). Writes stay in RV order for every watch: a write waits until the ones before
 * it reached all their watchers. A watch started meanwhile is not offered the writes still being
 * handed out: its start plan read the store, which already holds them.
 */
import type { ObjectStore, StoreEvent } from './store.js';
import type { WatchCloseReason, WatchSession } from './watch-session.js';
import { WatchFrameCache, type WatchWireFormat } from './wire.js';

/** Watchers a write is offered to per turn of the event loop (see the file comment). */
export const FANOUT_SLICE = 50;

interface PendingFanOut {
  event: StoreEvent;
  sessions: WatchSession[];
  next: number;
}

export class WatchHub {
  /** JSON frames (the cache of most watchers). */
  readonly frames = new WatchFrameCache('json');
  private readonly otherFrames = new Map<WatchWireFormat, WatchFrameCache>();
  private readonly sessions = new Set<WatchSession>();
  private readonly unsubscribe: () => void;
  /** Writes not yet offered to every watcher, oldest first. */
  private readonly pending: PendingFanOut[] = [];
  private continuing = false;

  /** `nextTurn` runs the rest of a fan-out later (setImmediate; tests step it by hand). */
  constructor(
    store: ObjectStore,
    private readonly nextTurn: (continueFanOut: () => void) => void = (fn) => setImmediate(fn),
  ) {
    this.unsubscribe = store.subscribe((event) => this.dispatch(event));
  }

  get size(): number {
    return this.sessions.size;
  }

  /** The shared frame cache of one watch encoding. */
  framesFor(format: WatchWireFormat): WatchFrameCache {
    if (format === 'json') return this.frames;
    let cache = this.otherFrames.get(format);
    if (!cache) {
      cache = new WatchFrameCache(format);
      this.otherFrames.set(format, cache);
    }
    return cache;
  }

  /** Registers a session before it starts, so no write can fall between its plan and its subscription. */
  add(session: WatchSession): void {
    this.sessions.add(session);
  }

  remove(session: WatchSession): void {
    this.sessions.delete(session);
  }

  /** Ends every open watch (server stop): each response ends cleanly, as on a server timeout. */
  closeAll(reason: WatchCloseReason = 'server-stopping'): void {
    this.pending.length = 0;
    for (const session of [...this.sessions]) session.close(reason);
    this.sessions.clear();
  }

  dispose(): void {
    this.closeAll();
    this.unsubscribe();
  }

  /** Writes still being handed out (for tests and stats). */
  get pendingFanOuts(): number {
    return this.pending.length;
  }

  private dispatch(event: StoreEvent): void {
    if (this.pending.length === 0 && this.sessions.size <= FANOUT_SLICE) {
      for (const session of this.sessions) session.onStoreEvent(event);
      return;
    }
    this.pending.push({ event, sessions: [...this.sessions], next: 0 });
    if (this.pending.length === 1) this.continueFanOut();
  }

  /** Offers the oldest pending write to its next slice of watchers; schedules the rest. */
  private continueFanOut(): void {
    this.continuing = false;
    const fanOut = this.pending[0];
    if (!fanOut) return;
    const end = Math.min(fanOut.sessions.length, fanOut.next + FANOUT_SLICE);
    for (let i = fanOut.next; i < end; i++) {
      const session = fanOut.sessions[i]!;
      if (this.sessions.has(session)) session.onStoreEvent(fanOut.event);
    }
    fanOut.next = end;
    if (end === fanOut.sessions.length) this.pending.shift();
    if (this.pending.length > 0 && !this.continuing) {
      this.continuing = true;
      this.nextTurn(() => this.continueFanOut());
    }
  }
}
