import { describe, expect, it } from 'vitest';
import { plainWatchStream, runOf, watchListStream } from '../../test/support/timeline-builder.js';
import { bookmarkObject } from './bookmark-object.js';
import { DEFAULT_CHECK_PARAMS } from './types.js';

const check = (...streams: Parameters<typeof runOf>) => bookmarkObject.run(runOf(...streams), DEFAULT_CHECK_PARAMS);

describe('bookmark.object', () => {
  it('passes bookmarks of the watched kind with an RV (extra zero-valued fields are fine)', () => {
    const result = check(plainWatchStream().response(5).bookmark(100, '101', { extra: { data: null } }));
    expect(result.status).toBe('pass');
  });

  it.each([
    ['null object', { object: null }, 'object'],
    ['no object', { object: undefined }, 'object'],
    ['array object', { object: [] }, 'object'],
    ['missing kind', { kind: null }, 'type-meta-missing'],
    ['missing apiVersion', { apiVersion: null }, 'type-meta-missing'],
    ['another kind', { kind: 'Pod' }, 'type-meta-mismatch'],
    ['another apiVersion', { apiVersion: 'v2' }, 'type-meta-mismatch'],
  ] as const)('fails a bookmark with %s', (_label, overrides, problem) => {
    const result = check(plainWatchStream().response(5).bookmark(100, '101', overrides));
    expect(result.status).toBe('fail');
    expect(result.findings.map((f) => f.evidence['problem'])).toContain(problem);
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
  ])('fails a %s metadata.resourceVersion, mentioning RetryWatcher', (_label, rv) => {
    const result = check(plainWatchStream().response(5).bookmark(100, rv));
    expect(result.status).toBe('fail');
    expect(result.findings[0]?.evidence['problem']).toBe('resource-version');
    expect(result.findings[0]?.message).toContain('RetryWatcher');
  });

  it('reports a few examples and the count, flagging the initial-events-end bookmark', () => {
    const s = watchListStream().response(5).endBookmark(6, '10', 'true', { kind: null });
    for (let i = 0; i < 9; i++) s.bookmark(1_000 * (i + 1), `${11 + i}`, { kind: null });
    const result = check(s);
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]?.evidence).toMatchObject({ count: 10, initialEventsEndBookmarks: 1 });
    expect((result.findings[0]?.evidence['examples'] as unknown[]).length).toBe(3);
    expect(result.findings[0]?.message).toContain('including the initial-events-end bookmark');
  });

  it('skips without bookmarks', () => {
    expect(check(plainWatchStream().response(5).added(6, 'a', '101')).status).toBe('skip');
  });
});
