import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { plainWatchStream, runOf, stream, watchListStream } from '../../test/support/timeline-builder.js';
import { bookmarkResourceVersion } from './bookmark-resource-version.js';
import { eventResourceVersionOrder } from './event-resource-version-order.js';
import { DEFAULT_CHECK_PARAMS } from './types.js';

const check = (...streams: Parameters<typeof runOf>) => bookmarkResourceVersion.run(runOf(...streams), DEFAULT_CHECK_PARAMS);

describe('bookmark.resource-version', () => {
  it('passes a bookmark RV equal to the previous event RV, and repeated bookmark RVs', () => {
    const result = check(plainWatchStream().response(5).added(10, 'a', '101').bookmark(60_000, '101').bookmark(120_000, '101').modified(130_000, 'a', '102'));
    expect(result.status).toBe('pass');
    expect(result.findings).toEqual([]);
  });

  it('passes a selector watch whose bookmark RV is far above every visible object (bookmarks ignore selectors)', () => {
    const result = check(plainWatchStream('selector-watch#1', '100', { labelSelector: 'app=x' }).response(5).added(10, 'a', '101').bookmark(8_000, '5000'));
    expect(result.status).toBe('pass');
  });

  it('passes an end bookmark after unordered initial events (compared with their maximum only)', () => {
    const result = check(watchListStream().response(5).added(6, 'b', '40').added(6, 'a', '12').endBookmark(7, '40').added(50, 'c', '41'));
    expect(result.status).toBe('pass');
  });

  it('fails a bookmark RV lower than an earlier event or bookmark', () => {
    const result = check(plainWatchStream().response(5).added(10, 'a', '105').bookmark(60_000, '103').modified(61_000, 'a', '106'));
    expect(result.status).toBe('fail');
    expect(result.findings[0]?.evidence).toMatchObject({ rule: 'bookmark-rv-below-earlier', count: 1 });
    const again = check(plainWatchStream().response(5).bookmark(10, '105').bookmark(20, '104'));
    expect(again.status).toBe('fail');
  });

  it('fails an end bookmark below the maximum initial RV', () => {
    const result = check(watchListStream().response(5).added(6, 'b', '40').added(6, 'a', '12').endBookmark(7, '39'));
    expect(result.status).toBe('fail');
  });

  it('fails a bookmark RV not lower than the next event RV', () => {
    const result = check(plainWatchStream().response(5).bookmark(10, '105').added(20, 'a', '105'));
    expect(result.status).toBe('fail');
    expect(result.findings[0]?.evidence).toMatchObject({ rule: 'next-event-rv-not-above-bookmark' });
  });

  it('does not compare a bookmark with following initial events of a legacy watch', () => {
    const result = check(stream('legacy#1', { resourceVersion: '0', allowWatchBookmarks: true }).response(5).added(6, 'a', '50').bookmark(7, '60').added(8, 'b', '20'));
    expect(result.status).toBe('pass');
  });

  it('skips opaque RVs instead of failing', () => {
    const result = check(plainWatchStream('w', 'x1').response(5).added(10, 'a', 'zz').bookmark(20, 'aa').added(30, 'b', 'a0'));
    expect(result.status).toBe('pass');
    expect(result.findings.every((f) => f.severity === 'info')).toBe(true);
  });

  it('skips without bookmarks', () => {
    expect(check(plainWatchStream().response(5).added(10, 'a', '101')).status).toBe('skip');
  });
});

describe('bookmark.resource-version and event.resource-version-order on generated kube-apiserver-like streams', () => {
  it('never fail when live RVs increase and bookmarks sit between the previous and the next event (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 1_000 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.record({ gap: fc.integer({ min: 1, max: 50 }), bookmarkAfter: fc.boolean(), globalBump: fc.integer({ min: 0, max: 3 }) }), { maxLength: 20 }),
        (initialRvs, live) => {
          const s = watchListStream().response(5);
          initialRvs.forEach((rv, i) => s.added(6, `init-${i}`, `${rv}`)); // any order: initial events are ordered by key
          let rv = Math.max(...initialRvs) + 10; // the end bookmark carries the resource-wide RV
          s.endBookmark(7, `${rv}`);
          let t = 10;
          for (const step of live) {
            rv += step.gap;
            s.modified((t += 100), 'obj', `${rv}`);
            // a bookmark may repeat the last event's RV or carry a higher resource-wide RV (writes in
            // other namespaces); the next event's RV is above it
            if (step.bookmarkAfter) {
              rv += step.globalBump;
              s.bookmark((t += 100), `${rv}`);
            }
          }
          const record = runOf(s);
          expect(bookmarkResourceVersion.run(record, DEFAULT_CHECK_PARAMS).status).not.toBe('fail');
          expect(eventResourceVersionOrder.run(record, DEFAULT_CHECK_PARAMS).status).not.toBe('fail');
        },
      ),
    );
  });
});
