/**
 * Fan-out from the store to open watches: one store subscription, O(watchers) work per write, no
 * polling. Frames are serialized once per distinct wire form (WatchFrameCache) and the same
 * Buffer is written to every watcher that gets it.
 */
import type { ObjectStore, StoreEvent } from './store.js';
import type { WatchCloseReason, WatchSession } from './watch-session.js';
import { WatchFrameCache, type WatchWireFormat } from './wire.js';

export class WatchHub {
  /** JSON frames (the cache of most watchers). */
  readonly frames = new WatchFrameCache('json');
  private readonly otherFrames = new Map<WatchWireFormat, WatchFrameCache>();
  private readonly sessions = new Set<WatchSession>();
  private readonly unsubscribe: () => void;

  constructor(store: ObjectStore) {
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
    for (const session of [...this.sessions]) session.close(reason);
    this.sessions.clear();
  }

  dispose(): void {
    this.closeAll();
    this.unsubscribe();
  }

  private dispatch(event: StoreEvent): void {
    for (const session of this.sessions) session.onStoreEvent(event);
  }
}
