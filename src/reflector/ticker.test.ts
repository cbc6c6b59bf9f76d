import { describe, expect, it } from 'vitest';
import { plainWatchStream, watchListStream } from '../../test/support/timeline-builder.js';
import { reflectorWarnings } from './ticker.js';

const awaiting = (d: string) =>
  `"Warning: event bookmark expired" err="<reflector>: awaiting required bookmark event for initial events stream, no events received for ${d}"`;
const lastEvent = (d: string) =>
  `"Warning: event bookmark expired" err="<reflector>: hasn't received required bookmark event marking the end of initial events stream, received last event ${d} ago"`;

describe('reflectorWarnings (client-go v0.35 initialEventsEndBookmarkTicker)', () => {
  it('logs "awaiting" at 10 s and 20 s when nothing arrives before a bookmark at 25 s', () => {
    const s = watchListStream().response(0).endBookmark(25_000, '10').build();
    expect(reflectorWarnings(s, 60_000)).toEqual([
      { atMs: 10_000, line: awaiting('10s') },
      { atMs: 20_000, line: awaiting('20s') },
    ]);
  });

  it('logs "received last event" after three initial events at the response, then the bookmark at 25 s', () => {
    const s = watchListStream().response(0).added(0, 'a', '1').added(0, 'b', '2').added(0, 'c', '3').endBookmark(25_000, '10').build();
    expect(reflectorWarnings(s, 60_000)).toEqual([
      { atMs: 10_000, line: lastEvent('10s') },
      { atMs: 20_000, line: lastEvent('20s') },
    ]);
  });

  it('measures "no events received for" from the request and the ticker from the response', () => {
    const s = watchListStream().sentAt(1_000).response(1_003.2).endBookmark(15_000, '10').build();
    expect(reflectorWarnings(s, 60_000)).toEqual([{ atMs: 11_003.2, line: awaiting('10.0032s') }]);
  });

  it('does not warn while the last event is less than 10 s old at the tick', () => {
    const s = watchListStream().response(0).added(100, 'a', '1').endBookmark(25_000, '10').build();
    // tick 10 s: last event 9.9 s ago (no line); tick 20 s: 19.9 s ago.
    expect(reflectorWarnings(s, 60_000)).toEqual([{ atMs: 20_000, line: lastEvent('19.9s') }]);
  });

  it('counts an event arriving exactly at a tick as processed before it, and plain bookmarks as events', () => {
    const s = watchListStream().response(0).bookmark(10_000, '5').endBookmark(25_000, '10').build();
    expect(reflectorWarnings(s, 60_000)).toEqual([{ atMs: 20_000, line: lastEvent('10s') }]);
  });

  it('ignores events client-go skips (wrong kind) when timing the last event', () => {
    const s = watchListStream().response(0).added(5_000, 'a', '1', { kind: 'Secret' }).endBookmark(15_000, '10').build();
    expect(reflectorWarnings(s, 60_000)).toEqual([{ atMs: 10_000, line: awaiting('10s') }]);
  });

  it('stops at the stream close, at untilMs, and never ticks on ordinary watches', () => {
    const s = watchListStream().response(0).added(0, 'a', '1').close(25_000, 'server-eof').build();
    expect(reflectorWarnings(s, 60_000)).toHaveLength(2);
    expect(reflectorWarnings(s, 20_000)).toHaveLength(1);
    const plain = plainWatchStream().response(0).close(60_000).build();
    expect(reflectorWarnings(plain, 60_000)).toEqual([]);
    const rejected = watchListStream().response(0, { status: 422 }).build();
    expect(reflectorWarnings(rejected, 60_000)).toEqual([]);
  });

  it('logs "received last event 59.998946102s ago" like the cozystack report', () => {
    const s = watchListStream().response(0).added(1.053898, 'a', '1').build();
    const lines = reflectorWarnings(s, 60_001);
    expect(lines.at(-1)).toEqual({ atMs: 60_000, line: lastEvent('59.998946102s') });
  });
});
