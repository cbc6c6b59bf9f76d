import { describe, expect, it } from 'vitest';
import { plainWatchStream, stream, watchListStream, WATCH_LIST_OPTIONS } from '../../test/support/timeline-builder.js';
import type { StreamRecord } from '../record/timeline.js';
import { reflectorWarnings } from '../reflector/ticker.js';
import { expiredTicks, expiredWarningsAt, initialProgress, reduce, type ProgressState } from './model.js';

/** Feeds a window announcing `streams`, then every entry of every stream in time order. */
function feed(streams: StreamRecord[], windowMs = 16_000): ProgressState {
  let state = reduce(initialProgress, { kind: 'phase', atMs: 0, phase: 'observe', detail: `${streams.length} streams` });
  state = reduce(state, { kind: 'window', startMs: 0, windowMs, maxWindowMs: 30_000, streams: streams.map((s) => ({ id: s.id, options: s.request.options })) });
  const entries = streams.flatMap((s) => s.entries.map((entry) => ({ streamId: s.id, entry }))).sort((a, b) => a.entry.atMs - b.entry.atMs);
  for (const { streamId, entry } of entries) state = reduce(state, { kind: 'entry', streamId, entry });
  return state;
}

describe('progress model', () => {
  it('counts streams by state, events apart from bookmarks, and the initial-events-end moment', () => {
    const state = feed([
      watchListStream('watch-list#1').response(5).added(6, 'a', '101').added(7, 'b', '102').endBookmark(21, '102').build(),
      plainWatchStream('watch#1').response(3).modified(900, 'a', '103').bookmark(8_000, '103').close(10_000, 'server-eof').build(),
      stream('resume#1', { resourceVersion: '1' }).close(2_000, 'not-opened', { code: 'WM_NOT_OPENED', message: 'no RV' }).build(),
      stream('validation#1', { sendInitialEvents: true }).build(),
    ]);
    expect(state.streams.map((s) => [s.id, s.state])).toEqual([
      ['watch-list#1', 'open'],
      ['watch#1', 'closed'],
      ['resume#1', 'not-opened'],
      ['validation#1', 'pending'],
    ]);
    expect([state.events, state.bookmarks]).toEqual([3, 2]);
    expect(state.streams[0]).toMatchObject({ watchList: true, initialEventsEndAtMs: 21, respondedAtMs: 5, tickerStopped: true });
    expect(state.streams[1]!.watchList).toBe(false);
    expect(state.streams[1]!.initialEventsEndAtMs).toBeUndefined();
    expect(state.unrequestedBookmarks).toBe(0);
  });

  it('ignores chunks (same state object) and counts malformed frames, unrequested bookmarks and write errors', () => {
    let state = feed([stream('watch-no-bookmarks#1', { resourceVersion: '100' }).response(1).bookmark(50, '101').malformed(60, '{oops').build()]);
    expect(reduce(state, { kind: 'entry', streamId: 'watch-no-bookmarks#1', entry: { kind: 'chunk', atMs: 70, bytes: 10 } })).toBe(state);
    state = reduce(state, { kind: 'write-error', message: 'create: 500' });
    expect([state.unrequestedBookmarks, state.malformedFrames, state.writeErrors]).toEqual([1, 1, 1]);
  });

  it('counts a stream the window did not announce instead of dropping its entries', () => {
    const state = reduce(initialProgress, { kind: 'entry', streamId: 'extra#1', entry: { kind: 'response', atMs: 1, status: 200, httpVersion: '1.1', contentType: null, headers: {} } });
    expect(state.streams.map((s) => [s.id, s.state])).toEqual([['extra#1', 'open']]);
  });

  // The live count must equal what the verdict derives from the whole record at the end.
  const cases: Array<[string, StreamRecord, number]> = [
    ['no event at all for 25 s', watchListStream().response(5).close(25_005, 'client-abort').build(), 25_005],
    ['initial events, then the end bookmark 21 s later', watchListStream().response(5).added(100, 'a', '101').endBookmark(21_000, '101').close(30_000, 'client-abort').build(), 30_000],
    ['the end bookmark right away', watchListStream().response(5).added(6, 'a', '101').endBookmark(7, '101').close(40_000, 'client-abort').build(), 40_000],
    ['events every 4 s, never the end bookmark', watchListStream().response(0).added(4_000, 'a', '1').added(8_000, 'b', '2').added(12_000, 'c', '3').close(45_000, 'client-abort').build(), 45_000],
    ['an event exactly on a tick', watchListStream().response(0).added(10_000, 'a', '1').close(20_000, 'client-abort').build(), 20_000],
    ['a 422 answer', watchListStream().response(3, { status: 422, body: '{}' }).close(4, 'server-eof').build(), 30_000],
  ];
  it.each(cases)('counts the "bookmark expired" warnings client-go would log like the verdict does: %s', (_name, record, untilMs) => {
    const state = feed([record]);
    expect(expiredWarningsAt(state.streams[0]!, untilMs)).toBe(reflectorWarnings(record, untilMs).length);
  });

  it('adds the current silence at render time: one more warning at each 10 s tick while nothing arrives', () => {
    const state = feed([watchListStream().response(0).added(1_000, 'a', '1').build()]);
    const s = state.streams[0]!;
    expect([expiredWarningsAt(s, 19_999), expiredWarningsAt(s, 20_001), expiredWarningsAt(s, 30_001)]).toEqual([0, 1, 2]);
    expect(expiredTicks(0, undefined, 10_000)).toBe(0);
    expect(expiredTicks(0, undefined, 10_001)).toBe(1);
  });

  it('does not tick for a watch that is not a watch-list', () => {
    const record = stream('legacy#1', { ...WATCH_LIST_OPTIONS, sendInitialEvents: undefined, resourceVersionMatch: undefined }).response(0).build();
    expect(expiredWarningsAt(feed([record]).streams[0]!, 60_000)).toBe(0);
  });
});
