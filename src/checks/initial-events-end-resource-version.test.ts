import { describe, expect, it } from 'vitest';
import { plainWatchStream, runOf, watchListStream } from '../../test/support/timeline-builder.js';
import { initialEventsEndResourceVersion } from './initial-events-end-resource-version.js';
import { DEFAULT_CHECK_PARAMS } from './types.js';

const check = (...streams: Parameters<typeof runOf>) => initialEventsEndResourceVersion.run(runOf(...streams), DEFAULT_CHECK_PARAMS);

describe('initial-events-end.resource-version', () => {
  it('passes unordered initial events, a resource-wide bookmark RV above them all, and later events above it', () => {
    const result = check(
      watchListStream('watch-list#1', { labelSelector: 'app=x' })
        .response(5)
        .added(6, 'b', '40')
        .added(6, 'a', '12')
        .added(6, 'c', '33')
        .endBookmark(7, '9000')
        .modified(100, 'a', '9001'),
    );
    expect(result.status).toBe('pass');
    expect(result.findings).toEqual([]);
  });

  it('passes a bookmark RV equal to the highest initial event RV', () => {
    expect(check(watchListStream().response(5).added(6, 'a', '12').endBookmark(7, '12')).status).toBe('pass');
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
  ])('fails a %s bookmark RV', (_label, rv) => {
    const result = check(watchListStream().response(5).added(6, 'a', '12').endBookmark(7, rv));
    expect(result.status).toBe('fail');
    expect(result.findings[0]?.message).toContain('metadata.resourceVersion');
  });

  it('fails a bookmark RV below an initial event', () => {
    const result = check(watchListStream().response(5).added(6, 'a', '12').added(6, 'b', '15').endBookmark(7, '13'));
    expect(result.status).toBe('fail');
    expect(result.findings[0]?.evidence).toMatchObject({ bookmarkResourceVersion: '13', count: 1 });
    expect(result.findings[0]?.message).toContain('up to RV 15');
  });

  it('fails later events at or below the bookmark RV', () => {
    const result = check(watchListStream().response(5).added(6, 'a', '12').endBookmark(7, '20').modified(50, 'a', '20').deleted(60, 'a', '19'));
    expect(result.status).toBe('fail');
    expect(result.findings[0]?.evidence['count']).toBe(2);
  });

  it('skips comparisons of opaque RVs instead of failing', () => {
    const result = check(watchListStream().response(5).added(6, 'a', 'abc').endBookmark(7, 'xyz').modified(50, 'a', 'aaa'));
    expect(result.status).toBe('pass');
    expect(result.findings.map((f) => f.severity)).toEqual(['info']);
    expect(result.findings[0]?.message).toContain('opaque');
  });

  it('skips when no stream has the end bookmark', () => {
    expect(check(plainWatchStream().response(5).bookmark(7, '100')).status).toBe('skip');
  });
});
