import { describe, expect, it } from 'vitest';
import { plainWatchStream, watchListStream } from '../../test/support/timeline-builder.js';
import {
  compareResourceVersions,
  findResourceVersionAdvance,
  parseResourceVersion,
  watchStartResourceVersion,
} from './resource-version.js';

describe('resource versions', () => {
  it('compares decimal RVs numerically, beyond 2^53', () => {
    expect(compareResourceVersions('9', '10')).toBeLessThan(0);
    expect(compareResourceVersions('100', '100')).toBe(0);
    expect(compareResourceVersions('90071992547409930', '90071992547409929')).toBeGreaterThan(0);
  });

  it('returns null when either RV is opaque', () => {
    expect(compareResourceVersions('abc', '10')).toBeNull();
    expect(compareResourceVersions('10', '')).toBeNull();
    expect(compareResourceVersions(undefined, '1')).toBeNull();
    expect(parseResourceVersion('-1')).toBeNull();
    expect(parseResourceVersion('1e3')).toBeNull();
  });
});

describe('resource RV advance (bookmark.before-deadline, bookmark.periodic, bookmark.selectors)', () => {
  it('starts a watch-list at the max of its initial RVs and its end bookmark', () => {
    const s = watchListStream().response(5).added(6, 'b', '98').added(6, 'a', '103').endBookmark(7, '105').build();
    expect(watchStartResourceVersion(s, [])).toEqual({ rv: 105n, startedAtMs: 7 });
  });

  it('takes the earliest evidence: a write to the resource in any namespace, or a live event or bookmark above the start RV', () => {
    const s = plainWatchStream('w', '100').response(5).bookmark(500, '100').added(2_000, 'a', '102').build();
    const write = { atMs: 1_000, sentAtMs: 990, verb: 'create' as const, resource: 'configmaps', namespace: 'elsewhere', name: 'x', resourceVersion: '101' };
    expect(findResourceVersionAdvance(s, [write], 10_000)).toMatchObject({ kind: 'write', atMs: 1_000 });
    expect(findResourceVersionAdvance(s, [{ ...write, atMs: 3_000 }], 10_000)).toMatchObject({ kind: 'event', atMs: 2_000 });
    expect(findResourceVersionAdvance(s, [{ ...write, resource: 'secrets' }], 1_500)).toBeUndefined();
    expect(findResourceVersionAdvance(s, [{ ...write, resourceVersion: '99' }], 1_500)).toBeUndefined();
  });
});
