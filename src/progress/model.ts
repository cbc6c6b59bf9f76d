import { isInitialEventsEndBookmark } from '../record/accessors.js';
import { isWatchListRequest } from '../record/requests.js';
import type { TimelineEntry, WatchOptions } from '../record/timeline.js';
import { BOOKMARK_TICKER_INTERVAL_MS } from '../reflector/ticker.js';

/**
 * The live progress of a run as plain data, folded from the runner's listener events by a pure
 * `reduce`. Counts only, and only findings that are already certain from what arrived so far (no
 * check runs here: the checks run once, on the whole record, at the end).
 */

export type ProgressPhase = 'starting' | 'setup' | 'observe' | 'cleanup';

export type ProgressEvent =
  | { kind: 'phase'; atMs: number; phase: Exclude<ProgressPhase, 'starting'>; detail: string }
  | {
      kind: 'window';
      /** When the streams started opening, on the run's clock. */
      startMs: number;
      windowMs: number;
      /** Watch-list streams still awaiting their end bookmark at windowMs are observed at most this long. */
      maxWindowMs: number;
      streams: ReadonlyArray<{ id: string; options: Omit<WatchOptions, 'resourceVersion'> }>;
    }
  | { kind: 'entry'; streamId: string; entry: TimelineEntry }
  | { kind: 'write-error'; message: string };

export interface StreamProgress {
  id: string;
  /** client-go v0.35+'s request (sendInitialEvents + allowWatchBookmarks + NotOlderThan). */
  watchList: boolean;
  bookmarksRequested: boolean;
  /** pending: not answered yet (or not yet due); open: answered, body being read. */
  state: 'pending' | 'open' | 'closed' | 'not-opened';
  status?: number;
  respondedAtMs?: number;
  lastEventAtMs?: number;
  /** Arrival of the first k8s.io/initial-events-end bookmark (any stream that got one). */
  initialEventsEndAtMs?: number;
  /**
   * Watch-list, answered 200: the "event bookmark expired" warnings a client-go v0.35+ reflector
   * would have logged in the silences that are over (see expiredTicks); the current silence is
   * added at render time. Frozen once the end bookmark arrives or the stream closes.
   */
  expiredWarnings: number;
  /** The reflector's ticker stopped: end bookmark received, or the stream closed. */
  tickerStopped: boolean;
}

export interface ProgressState {
  phase: ProgressPhase;
  phaseDetail: string;
  phaseSinceMs: number | null;
  window: { startMs: number; windowMs: number; maxWindowMs: number } | null;
  streams: StreamProgress[];
  /** Non-BOOKMARK events (ADDED, MODIFIED, DELETED, ERROR, unknown types). */
  events: number;
  bookmarks: number;
  malformedFrames: number;
  /** BOOKMARKs on streams that did not ask for them (bookmark.unrequested fails on each). */
  unrequestedBookmarks: number;
  writeErrors: number;
}

export const initialProgress: ProgressState = {
  phase: 'starting',
  phaseDetail: '',
  phaseSinceMs: null,
  window: null,
  streams: [],
  events: 0,
  bookmarks: 0,
  malformedFrames: 0,
  unrequestedBookmarks: 0,
  writeErrors: 0,
};

export function reduce(state: ProgressState, event: ProgressEvent): ProgressState {
  switch (event.kind) {
    case 'phase':
      return { ...state, phase: event.phase, phaseDetail: event.detail, phaseSinceMs: event.atMs };
    case 'window':
      return {
        ...state,
        window: { startMs: event.startMs, windowMs: event.windowMs, maxWindowMs: event.maxWindowMs },
        streams: event.streams.map((s) => ({
          id: s.id,
          watchList: isWatchListRequest(s.options),
          bookmarksRequested: s.options.allowWatchBookmarks === true,
          state: 'pending',
          expiredWarnings: 0,
          tickerStopped: false,
        })),
      };
    case 'write-error':
      return { ...state, writeErrors: state.writeErrors + 1 };
    case 'entry':
      return reduceEntry(state, event.streamId, event.entry);
  }
}

function reduceEntry(state: ProgressState, streamId: string, entry: TimelineEntry): ProgressState {
  let index = state.streams.findIndex((s) => s.id === streamId);
  let streams = state.streams;
  if (index < 0) {
    // A stream the window did not announce: count it all the same.
    streams = [...streams, { id: streamId, watchList: false, bookmarksRequested: true, state: 'pending', expiredWarnings: 0, tickerStopped: true }];
    index = streams.length - 1;
  }
  const before = streams[index]!;
  const stream = { ...before };
  const next = { ...state };
  // client-go's ticker runs only for a watch-list answered 200 until the end bookmark (reflector.go v0.35.0).
  const ticking = stream.watchList && stream.status === 200 && !stream.tickerStopped;
  switch (entry.kind) {
    case 'response':
      stream.state = 'open';
      stream.status = entry.status;
      stream.respondedAtMs = entry.atMs;
      break;
    case 'event':
      if (ticking) stream.expiredWarnings += expiredTicks(stream.respondedAtMs!, stream.lastEventAtMs, entry.atMs);
      stream.lastEventAtMs = entry.atMs;
      if (entry.type === 'BOOKMARK') {
        next.bookmarks++;
        if (!stream.bookmarksRequested) next.unrequestedBookmarks++;
        if (isInitialEventsEndBookmark(entry) && stream.initialEventsEndAtMs === undefined) {
          stream.initialEventsEndAtMs = entry.atMs;
          stream.tickerStopped = true;
        }
      } else next.events++;
      break;
    case 'malformed':
      next.malformedFrames++;
      break;
    case 'dropped':
      next.malformedFrames += entry.malformedFrames;
      break;
    case 'close':
      if (ticking) stream.expiredWarnings += expiredTicks(stream.respondedAtMs!, stream.lastEventAtMs, entry.atMs);
      stream.state = entry.reason === 'not-opened' ? 'not-opened' : 'closed';
      stream.tickerStopped = true;
      break;
    case 'chunk':
      return state;
  }
  next.streams = streams.map((s, i) => (i === index ? stream : s));
  return next;
}

/**
 * The "Warning: event bookmark expired" lines a client-go v0.35+ reflector logs during one
 * silence: its ticker fires every 10 s after the watch response (reflector.go v0.35.0
 * initialEventsEndBookmarkTicker) and warns when nothing was processed yet, or nothing for 10 s.
 * Counts the ticks t with t >= lastEventAtMs + 10 s (any tick when there was no event) and
 * t < untilMs — the same rule as reflector/ticker.ts reflectorWarnings, one silence at a time.
 */
export function expiredTicks(respondedAtMs: number, lastEventAtMs: number | undefined, untilMs: number): number {
  const interval = BOOKMARK_TICKER_INTERVAL_MS;
  const firstTick = lastEventAtMs === undefined ? 1 : Math.max(1, Math.ceil((lastEventAtMs + interval - respondedAtMs) / interval));
  const lastTick = Math.ceil((untilMs - respondedAtMs) / interval) - 1;
  return Math.max(0, lastTick - firstTick + 1);
}

/** The warnings of a stream up to nowMs, the current silence included. */
export function expiredWarningsAt(stream: StreamProgress, nowMs: number): number {
  const live = stream.watchList && stream.status === 200 && !stream.tickerStopped;
  return stream.expiredWarnings + (live ? expiredTicks(stream.respondedAtMs!, stream.lastEventAtMs, nowMs) : 0);
}
