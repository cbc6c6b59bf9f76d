import { describe, expect, it } from 'vitest';
import { WIDGETS, plainWatchStream, run, watchListStream } from '../../test/support/timeline-builder.js';
import { bookmarkSelectors } from './bookmark-selectors.js';
import { DEFAULT_CHECK_PARAMS } from './types.js';

const TEN_S = { timeoutSeconds: 10 };
const NO_MATCH = { ...TEN_S, labelSelector: 'watchmark.io/no-such-label=true' };
const write = { atMs: 1_000, resource: 'configmaps', name: 'a', verb: 'create' as const, resourceVersion: '101' };

/** The unfiltered watch as kube-apiserver serves it: the write's event, the deadline bookmark ~2 s before 10 s. */
const unfiltered = (withBookmark = true) => {
  const builder = plainWatchStream('watch#1', '100', TEN_S).response(3).added(1_005, 'a', '101');
  if (withBookmark) builder.bookmark(8_010, '101');
  return builder.close(10_004, 'server-eof');
};

const check = (builder: ReturnType<typeof run>) => bookmarkSelectors.run(builder.build(), DEFAULT_CHECK_PARAMS);

describe('bookmark.selectors', () => {
  it('passes kube-apiserver: the selector watch that sees no object still gets the bookmark', () => {
    const result = check(
      run()
        .stream(unfiltered())
        .stream(plainWatchStream('selector-watch#1', '100', NO_MATCH).response(3).bookmark(8_510, '101').close(10_004, 'server-eof'))
        .write(write),
    );
    expect(result.status).toBe('pass');
    expect(result.summary).toContain('1 selector watch(es) got bookmarks');
  });

  it('warns when a selector watch gets no bookmark while the unfiltered watch got its deadline bookmark', () => {
    const result = check(
      run()
        .stream(unfiltered())
        .stream(plainWatchStream('selector-watch#1', '100', { ...TEN_S, fieldSelector: 'metadata.name=nothing' }).response(3).close(10_004, 'server-eof'))
        .write({ ...write, namespace: 'elsewhere' }),
    );
    expect(result.status).toBe('warn');
    const [finding] = result.findings;
    expect(finding?.stream).toBe('selector-watch#1');
    expect(finding?.message).toContain('with fieldSelector=metadata.name=nothing');
    expect(finding?.message).toContain('convertToWatchEvent');
    expect(finding?.message).toContain('the unfiltered watch watch#1 on the same resource got its pre-deadline bookmark (RV 101) +8.01s after the request');
    expect(finding?.message).toContain('410 Expired');
    expect(finding?.evidence).toMatchObject({
      selectors: { fieldSelector: 'metadata.name=nothing' },
      advancedBy: { write: 'a', resourceVersion: '101' },
      unfiltered: { stream: 'watch#1', bookmarkResourceVersion: '101' },
    });
  });

  it('does not count the initial-events-end bookmark of a selector watch-list', () => {
    const result = check(
      run()
        .stream(unfiltered())
        .stream(watchListStream('selector-watch-list#1', NO_MATCH).response(3).endBookmark(5, '100').close(10_004, 'server-eof'))
        .write(write),
    );
    expect(result.status).toBe('warn');
  });

  it('skips when the unfiltered watch got no bookmark either (bookmark.before-deadline covers it)', () => {
    const result = check(
      run()
        .stream(unfiltered(false))
        .stream(plainWatchStream('selector-watch#1', '100', NO_MATCH).response(3).close(10_004, 'server-eof'))
        .write(write),
    );
    expect(result.status).toBe('skip');
    expect(result.summary).toContain('the unfiltered watch watch#1 got no deadline bookmark either (bookmark.before-deadline covers it)');
  });

  it('skips without an unfiltered bookmark watch of the same resource that ran to its deadline', () => {
    const otherResource = check(
      run()
        .stream(unfiltered().watched(WIDGETS))
        .stream(plainWatchStream('selector-watch#1', '100', NO_MATCH).response(3).close(10_004, 'server-eof'))
        .write(write)
        .write({ ...write, resource: 'widgets' }),
    );
    expect(otherResource.status).toBe('skip');
    expect(otherResource.summary).toContain('no unfiltered bookmark watch on configmaps ran to its deadline');
    const aborted = check(
      run()
        .stream(plainWatchStream('watch#1', '100', TEN_S).response(3).added(1_005, 'a', '101').bookmark(8_010, '101').close(9_000, 'client-abort'))
        .stream(plainWatchStream('selector-watch#1', '100', NO_MATCH).response(3).close(10_004, 'server-eof'))
        .write(write),
    );
    expect(aborted.status).toBe('skip');
  });

  it('skips when the RV did not advance, when the selector watch did not run to its deadline, and without selector watches', () => {
    const idle = check(run().stream(unfiltered(false)).stream(plainWatchStream('selector-watch#1', '100', NO_MATCH).response(3).close(10_004, 'server-eof')));
    expect(idle.status).toBe('skip');
    expect(idle.summary).toContain('after the resource RV advanced');
    const early = check(
      run()
        .stream(unfiltered())
        .stream(plainWatchStream('selector-watch#1', '100', NO_MATCH).response(3).close(4_000, 'server-eof'))
        .write(write),
    );
    expect(early.status).toBe('skip');
    const none = check(run().stream(unfiltered()).write(write));
    expect(none.status).toBe('skip');
    expect(none.summary).toContain('no 200 watch with allowWatchBookmarks=true and a label or field selector');
  });
});

describe('bookmark.selectors on watch-lists with a selector (issue 9.3)', () => {
  const WATCH_LIST = { sendInitialEvents: true, allowWatchBookmarks: true, resourceVersionMatch: 'NotOlderThan', timeoutSeconds: 120 };
  const unfilteredList = () => watchListStream('watch-list#1', WATCH_LIST).response(3).added(4, 'a', '100').added(4, 'b', '101').endBookmark(5, '101');

  it('passes when the selector watch-lists end their initial events with the annotated bookmark', () => {
    const result = check(
      run()
        .stream(unfilteredList())
        .stream(watchListStream('selector-watch-list#1', { ...WATCH_LIST, labelSelector: 'watchmark.io/group=a' }).response(3).added(4, 'a', '100').endBookmark(5, '101'))
        .stream(watchListStream('selector-watch-list-none#1', { ...WATCH_LIST, labelSelector: 'watchmark.io/no-such-label=true' }).response(3).endBookmark(5, '101')),
    );
    expect(result.status).toBe('pass');
    expect(result.summary).toContain('2 selector watch-list(s) got the initial-events-end bookmark like the unfiltered one');
  });

  it('fails selector watch-lists without the end bookmark while the unfiltered one got it: selector informers never sync', () => {
    const result = check(
      run()
        .stream(unfilteredList())
        .stream(watchListStream('selector-watch-list#1', { ...WATCH_LIST, labelSelector: 'watchmark.io/group=a' }).response(3).added(4, 'a', '100'))
        .stream(watchListStream('selector-watch-list-none#1', { ...WATCH_LIST, labelSelector: 'watchmark.io/no-such-label=true' }).response(3)),
    );
    expect(result.status).toBe('fail');
    expect(result.findings.map((f) => [f.severity, f.stream])).toEqual([
      ['fail', 'selector-watch-list#1'],
      ['fail', 'selector-watch-list-none#1'],
    ]);
    expect(result.findings[0]!.message).toContain('labelSelector=watchmark.io/group=a');
    expect(result.findings[0]!.message).toContain('informers with a selector never sync');
    expect(result.findings[0]!.evidence).toMatchObject({ unfiltered: { stream: 'watch-list#1' } });
  });

  it('does not judge a selector watch-list when no unfiltered watch-list got its end bookmark (initial-events-end.present covers it)', () => {
    const result = check(
      run()
        .stream(watchListStream('watch-list#1', WATCH_LIST).response(3).added(4, 'a', '100'))
        .stream(watchListStream('selector-watch-list#1', { ...WATCH_LIST, labelSelector: 'watchmark.io/group=a' }).response(3).added(4, 'a', '100')),
    );
    expect(result.status).toBe('skip');
    expect(result.summary).toContain('no selector watch-list could be compared');
  });
});
