import { describe, expect, it } from 'vitest';
import { plainWatchStream, runOf } from '../../test/support/timeline-builder.js';
import { bookmarkUnrequested } from './bookmark-unrequested.js';
import { DEFAULT_CHECK_PARAMS } from './types.js';

const check = (...streams: Parameters<typeof runOf>) => bookmarkUnrequested.run(runOf(...streams), DEFAULT_CHECK_PARAMS);

describe('bookmark.unrequested', () => {
  it.each([
    ['absent', undefined],
    ['false', false],
  ])('fails a BOOKMARK when allowWatchBookmarks is %s', (_label, allow) => {
    const result = check(plainWatchStream('old#1', '100', { allowWatchBookmarks: allow }).response(5).bookmark(8_000, '101').close(10_005));
    expect(result.status).toBe('fail');
    expect(result.findings[0]).toMatchObject({ stream: 'old#1', evidence: { count: 1 } });
  });

  it('passes a watch without bookmarks that got none', () => {
    const result = check(plainWatchStream('old#1', '100', { allowWatchBookmarks: undefined }).response(5).added(10, 'a', '101').close(10_005));
    expect(result.status).toBe('pass');
  });

  it('skips, never passes, when the watches without bookmarks were answered 403 or not at all', () => {
    const result = check(
      plainWatchStream('old#1', '100', { allowWatchBookmarks: undefined }).response(5, { status: 403 }).close(6),
      plainWatchStream('old#2', '100', { allowWatchBookmarks: undefined }).close(16_000, 'client-abort'),
    );
    expect(result.status).toBe('skip');
    expect(result.summary).toBe('no stream without allowWatchBookmarks=true got a 200 response (old#1, old#2)');
  });

  it('skips when every stream allowed bookmarks', () => {
    expect(check(plainWatchStream().response(5).bookmark(8_000, '101')).status).toBe('skip');
  });
});
