import { describe, expect, it } from 'vitest';
import { plainWatchStream, runOf, stream, watchListStream, type StreamBuilder } from '../../test/support/timeline-builder.js';
import { DEFAULT_CHECK_PARAMS } from './types.js';
import { watchConcurrentOrder } from './watch-concurrent-order.js';

const check = (...streams: StreamBuilder[]) => watchConcurrentOrder.run(runOf(...streams), DEFAULT_CHECK_PARAMS);

/** Both watches from the LIST RV, as the default suite opens them (one with bookmarks, one without). */
const withBookmarks = () => plainWatchStream('watch#1', '105', { timeoutSeconds: 10 }).response(3);
const withoutBookmarks = () => plainWatchStream('watch-no-bookmarks#1', '105', { timeoutSeconds: 10, allowWatchBookmarks: undefined }).scenario('watch-no-bookmarks').response(4);
const live = (builder: StreamBuilder, offsetMs = 0) =>
  builder.added(1_005 + offsetMs, 'd', '106').modified(1_505 + offsetMs, 'a', '107').deleted(2_005 + offsetMs, 'b', '108');

describe('watch.concurrent-order', () => {
  it('passes kube-apiserver: the same events in the same order, bookmarks ignored', () => {
    const result = check(live(withBookmarks()).bookmark(8_010, '108').close(10_004), live(withoutBookmarks(), 1).close(10_005));
    expect(result.status).toBe('pass');
    expect(result.summary).toContain('1 pair(s)');
    expect(result.summary).toContain('3 event(s) compared');
  });

  it('tolerates extra events at the end of the stream observed longer, and a close racing a delivery', () => {
    const longer = live(plainWatchStream('long-watch#1', '105', { timeoutSeconds: 70 }).scenario('long-watch').response(3)).modified(30_005, 'a', '109').close(70_004);
    expect(check(live(withBookmarks()).close(10_004), longer).status).toBe('pass');
    // watch#1 got RV 109 200 ms before watch-no-bookmarks#1 was closed: the close may have raced it.
    const raced = check(live(withBookmarks()).modified(9_800, 'a', '109').close(10_004), live(withoutBookmarks()).close(10_000));
    expect(raced.status).toBe('pass');
  });

  it('fails two watches that see the same events in a different order, naming both sides', () => {
    const swapped = withoutBookmarks().added(1_005, 'd', '106').deleted(2_005, 'b', '108').modified(2_006, 'a', '107').close(10_005);
    const result = check(live(withBookmarks()).close(10_004), swapped);
    expect(result.status).toBe('fail');
    const [finding] = result.findings;
    expect(finding?.message).toContain('watch#1 and watch-no-bookmarks#1 both watch /api/v1/namespaces/watchmark/configmaps from RV 105');
    expect(finding?.message).toContain('divergence at change event 2 (the first 1 match)');
    expect(finding?.message).toContain('watch#1 got MODIFIED watchmark/a RV 107 (#1, +1.505s after the request)');
    expect(finding?.message).toContain('watch-no-bookmarks#1 got DELETED watchmark/b RV 108 (#1, +2.005s after the request)');
    expect(finding?.evidence).toMatchObject({
      streams: ['watch#1', 'watch-no-bookmarks#1'],
      matchingBefore: 1,
      sides: [
        { stream: 'watch#1', event: { type: 'MODIFIED', object: 'watchmark/a', resourceVersion: '107' } },
        { stream: 'watch-no-bookmarks#1', event: { type: 'DELETED', object: 'watchmark/b', resourceVersion: '108' } },
      ],
    });
  });

  it('fails an event missing in the middle, or with another RV', () => {
    const missing = withoutBookmarks().added(1_005, 'd', '106').deleted(2_005, 'b', '108').close(10_005);
    expect(check(live(withBookmarks()).close(10_004), missing).status).toBe('fail');
    const otherRv = withoutBookmarks().added(1_005, 'd', '106').modified(1_505, 'a', '117').deleted(2_005, 'b', '108').close(10_005);
    const result = check(live(withBookmarks()).close(10_004), otherRv);
    expect(result.status).toBe('fail');
    expect(result.findings[0]?.evidence['matchingBefore']).toBe(1);
  });

  it('fails an event the earlier-closing stream never got although it was open for seconds after the other got it', () => {
    const result = check(live(withBookmarks()).close(10_004), live(withoutBookmarks()).modified(5_000, 'a', '109').close(10_005));
    expect(result.status).toBe('fail');
    expect(result.findings[0]?.message).toContain('watch#1 got nothing there (observed until +10.004s after the request)');
    expect(result.findings[0]?.message).toContain('watch-no-bookmarks#1 got MODIFIED watchmark/a RV 109');
  });

  it('only pairs streams from the same explicit RV with the same selectors on the same collection', () => {
    const swapped = (b: StreamBuilder) => b.modified(1_505, 'a', '107').added(1_005, 'd', '106').close(10_005);
    // Another start RV, a selector, another namespace, RV "0" and a watch-list never pair with watch#1.
    expect(check(live(withBookmarks()).close(10_004), swapped(plainWatchStream('w2', '104').response(4))).status).toBe('skip');
    expect(check(live(withBookmarks()).close(10_004), swapped(plainWatchStream('w2', '105', { labelSelector: 'x=y' }).response(4))).status).toBe('skip');
    expect(check(live(withBookmarks()).close(10_004), swapped(plainWatchStream('w2', '105').namespace('other').response(4))).status).toBe('skip');
    const legacy = (id: string) => stream(id, { resourceVersion: '0', allowWatchBookmarks: true }).response(4);
    const result = check(live(legacy('legacy#1')).close(10_004), swapped(legacy('legacy#2')));
    expect(result.status).toBe('skip');
    expect(result.summary).toContain('no two 200 streams');
    expect(check(live(watchListStream('a').response(4)), swapped(watchListStream('b').response(4))).status).toBe('skip');
  });

  it('skips a pair that saw no event, and ignores rejected streams', () => {
    const quiet = check(withBookmarks().close(10_004), withoutBookmarks().close(10_005));
    expect(quiet.status).toBe('skip');
    expect(quiet.summary).toContain('saw no ADDED/MODIFIED/DELETED event');
    expect(check(live(withBookmarks()).close(10_004), plainWatchStream('w2', '105').response(4, { status: 410 }).close(5)).status).toBe('skip');
  });
});
