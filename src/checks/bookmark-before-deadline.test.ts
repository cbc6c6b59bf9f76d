import { describe, expect, it } from 'vitest';
import { plainWatchStream, run, watchListStream } from '../../test/support/timeline-builder.js';
import { bookmarkBeforeDeadline } from './bookmark-before-deadline.js';
import { DEFAULT_CHECK_PARAMS } from './types.js';

const TEN_S = { timeoutSeconds: 10 };

describe('bookmark.before-deadline', () => {
  it('passes a bookmark 2 s before a 10 s deadline after a write', () => {
    const record = run()
      .stream(plainWatchStream('watch#1', '100', TEN_S).response(5).added(1_010, 'a', '101').bookmark(8_005, '101').close(10_005, 'server-eof'))
      .write({ atMs: 1_000, resource: 'configmaps', name: 'a', verb: 'create', resourceVersion: '101' })
      .build();
    const result = bookmarkBeforeDeadline.run(record, DEFAULT_CHECK_PARAMS);
    expect(result.status).toBe('pass');
  });

  it('warns when the RV advanced (write in another namespace) and no bookmark came before the deadline close', () => {
    const record = run()
      .stream(plainWatchStream('selector-watch#1', '100', { ...TEN_S, labelSelector: 'none=true' }).response(5).close(10_010, 'server-eof'))
      .write({ atMs: 1_000, resource: 'configmaps', namespace: 'elsewhere', name: 'a', verb: 'create', resourceVersion: '101' })
      .build();
    const result = bookmarkBeforeDeadline.run(record, DEFAULT_CHECK_PARAMS);
    expect(result.status).toBe('warn');
    const [finding] = result.findings;
    expect(finding?.message).toContain('2s before the deadline');
    expect(finding?.message).toContain('1-3.25 s');
    expect(finding?.message).toContain('410');
    expect(finding?.evidence).toMatchObject({ timeoutSeconds: 10, advancedBy: { write: 'a', resourceVersion: '101' } });
  });

  it('takes an event above the start RV as evidence too, and ignores bookmarks outside the window', () => {
    const record = run()
      .stream(plainWatchStream('watch#1', '100', TEN_S).response(5).modified(2_000, 'a', '104').bookmark(3_000, '104').close(10_005, 'server-eof'))
      .build();
    const result = bookmarkBeforeDeadline.run(record, DEFAULT_CHECK_PARAMS);
    expect(result.status).toBe('warn');
    expect(result.findings[0]?.evidence['advancedBy']).toMatchObject({ resourceVersion: '104' });
  });

  it('skips an idle resource: kube-apiserver sends no bookmark when the RV did not move', () => {
    const record = run().stream(plainWatchStream('watch#1', '100', TEN_S).response(5).close(10_005, 'server-eof')).build();
    const result = bookmarkBeforeDeadline.run(record, DEFAULT_CHECK_PARAMS);
    expect(result.status).toBe('skip');
    expect(result.summary).toContain('did not advance');
  });

  it('skips when the only write came less than 4 s before the deadline, or predates the watch-list start RV', () => {
    const late = run()
      .stream(plainWatchStream('watch#1', '100', TEN_S).response(5).close(10_005, 'server-eof'))
      .write({ atMs: 7_000, resource: 'configmaps', name: 'a', resourceVersion: '101' })
      .build();
    expect(bookmarkBeforeDeadline.run(late, DEFAULT_CHECK_PARAMS).status).toBe('skip');
    const before = run()
      .stream(watchListStream('watch-list#1', TEN_S).response(5).added(6, 'a', '101').endBookmark(7, '101').close(10_005, 'server-eof'))
      .write({ atMs: 3, sentAtMs: 0, resource: 'configmaps', name: 'a', resourceVersion: '101' })
      .build();
    expect(bookmarkBeforeDeadline.run(before, DEFAULT_CHECK_PARAMS).status).toBe('skip');
  });

  it('skips when no stream ran to its deadline', () => {
    const record = run()
      .stream(plainWatchStream('watch#1', '100', TEN_S).response(5).added(1_000, 'a', '101').close(5_000, 'client-abort'))
      .stream(plainWatchStream('watch#2', '100', TEN_S).response(5).added(1_000, 'a', '101').close(6_000, 'server-eof'))
      .build();
    const result = bookmarkBeforeDeadline.run(record, DEFAULT_CHECK_PARAMS);
    expect(result.status).toBe('skip');
    expect(result.summary).toContain('no stream ran until its timeoutSeconds deadline');
  });

  it('skips watches without bookmarks or timeoutSeconds', () => {
    const record = run().stream(plainWatchStream('w', '100', { allowWatchBookmarks: undefined, timeoutSeconds: 10 }).response(5).close(10_005)).build();
    expect(bookmarkBeforeDeadline.run(record, DEFAULT_CHECK_PARAMS).status).toBe('skip');
  });
});
