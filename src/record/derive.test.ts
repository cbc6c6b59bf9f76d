import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WIDGETS, plainWatchStream, run, stream, watchListStream } from '../../test/support/timeline-builder.js';
import {
  collectionKeyOf,
  compareResourceVersions,
  deadlineBookmarkOf,
  findResourceVersionAdvance,
  formatGoDuration,
  initialEventsEndBookmark,
  initialStateModeOf,
  isLegacyInitialStateWatch,
  isVeryShortWatch,
  isWatchListRequest,
  listsOfCollection,
  mediaTypeOf,
  objectKeyOf,
  parseResourceVersion,
  resourceVersionOf,
  serverDeadlineClose,
  splitInitialEvents,
  watchStartResourceVersion,
} from './derive.js';

describe('formatGoDuration (Go time.Duration.String)', () => {
  it.each([
    [0, '0s'],
    [10_000, '10s'],
    [60_500, '1m0.5s'],
    [59_998.946102, '59.998946102s'],
    [1.5, '1.5ms'],
    [0.0015, '1.5µs'],
    [0.000001, '1ns'],
    [999.999, '999.999ms'],
    [1_000, '1s'],
    [3_723_000, '1h2m3s'],
    [10_000.369431, '10.000369431s'],
    [240_000, '4m0s'],
    [-1_500, '-1.5s'],
  ])('%s ms -> %s', (ms, expected) => {
    expect(formatGoDuration(ms)).toBe(expected);
  });

  it('never prints trailing zeros in the fraction (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 ** 12 }), (ns) => {
        const text = formatGoDuration(ns / 1e6);
        expect(text).not.toMatch(/\.\d*0(s|ms|µs|ns)$/);
        expect(text).toMatch(/^(\d+h)?(\d+m)?\d+(\.\d+)?(s|ms|µs|ns)$/);
      }),
    );
  });
});

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

describe('request classification', () => {
  it('recognises the exact client-go watch-list request', () => {
    expect(isWatchListRequest({ sendInitialEvents: true, allowWatchBookmarks: true, resourceVersionMatch: 'NotOlderThan' })).toBe(true);
    expect(isWatchListRequest({ sendInitialEvents: true, resourceVersionMatch: 'NotOlderThan' })).toBe(false);
    expect(isWatchListRequest({ sendInitialEvents: true, allowWatchBookmarks: true })).toBe(false);
  });

  it('recognises legacy RV ""/"0"/unset watches', () => {
    expect(isLegacyInitialStateWatch({})).toBe(true);
    expect(isLegacyInitialStateWatch({ resourceVersion: '0', allowWatchBookmarks: true })).toBe(true);
    expect(isLegacyInitialStateWatch({ resourceVersion: '' })).toBe(true);
    expect(isLegacyInitialStateWatch({ resourceVersion: '5' })).toBe(false);
    expect(isLegacyInitialStateWatch({ sendInitialEvents: false })).toBe(false);
    expect(initialStateModeOf({ resourceVersion: '5' })).toBe('none');
    expect(initialStateModeOf({ sendInitialEvents: true })).toBe('initial-events-without-marker');
  });

  it('takes the media type like mime.ParseMediaType', () => {
    expect(mediaTypeOf('application/json;stream=watch')).toBe('application/json');
    expect(mediaTypeOf(' Application/JSON ; charset=utf-8')).toBe('application/json');
    expect(mediaTypeOf('')).toBeNull();
    expect(mediaTypeOf(null)).toBeNull();
  });
});

describe('initial events', () => {
  it('finds the end bookmark only with the value exactly "true"', () => {
    const s = watchListStream().response(1).added(2, 'a', '5').endBookmark(3, '9', 'True').endBookmark(4, '9').build();
    expect(initialEventsEndBookmark(s)?.seq).toBe(2);
  });

  it('splits at the end bookmark', () => {
    const s = watchListStream().response(1).added(2, 'a', '7').added(2, 'b', '5').endBookmark(3, '9').modified(50, 'a', '10').build();
    const split = splitInitialEvents(s, []);
    expect(split.boundary).toBe('end-bookmark');
    expect(split.initial.map(resourceVersionOf)).toEqual(['7', '5']);
    expect(split.live.map(resourceVersionOf)).toEqual(['10']);
  });

  it('without a marker, starts the live part at the first event that cannot belong to a snapshot', () => {
    const s = stream('legacy', { resourceVersion: '0' }).response(10).modified(11, 'a', '7').added(12, 'b', '5').added(2_100, 'c', '8').build();
    const writes = [
      { atMs: 1_000, sentAtMs: 995, verb: 'create' as const, resource: 'secrets', name: 'x', resourceVersion: '8' },
      { atMs: 2_050, sentAtMs: 2_000, verb: 'create' as const, resource: 'configmaps', namespace: 'watchmark', name: 'c', resourceVersion: '8' },
    ];
    const split = splitInitialEvents(s, writes);
    expect(split.boundary).toBe('snapshot');
    expect(split.liveFrom).toMatchObject({ evidence: 'write-after-first-frame', write: { name: 'c' } });
    expect(split.initial).toHaveLength(2);
    expect(split.live.map(resourceVersionOf)).toEqual(['8']);
    // Without the write, nothing proves c was not in the snapshot (the server may take it late).
    expect(splitInitialEvents(s, []).boundary).toBe('stream-end');
    // A write sent before the first frame may be in the snapshot, whatever its RV.
    expect(splitInitialEvents(s, [{ ...writes[1]!, sentAtMs: 5 }]).boundary).toBe('stream-end');
  });

  it('without a marker, a DELETED or a second event for an object starts the live part', () => {
    const deleted = stream('legacy', { resourceVersion: '0' }).response(10).added(11, 'b', '9').added(11, 'a', '5').deleted(12, 'b', '10').added(13, 'c', '11').build();
    expect(splitInitialEvents(deleted, [])).toMatchObject({ boundary: 'snapshot', liveFrom: { evidence: 'deleted' } });
    expect(splitInitialEvents(deleted, []).live.map(resourceVersionOf)).toEqual(['10', '11']);
    const repeated = stream('legacy', { resourceVersion: '0' }).response(10).added(11, 'b', '9').added(11, 'a', '5').modified(12, 'a', '10').build();
    expect(splitInitialEvents(repeated, [])).toMatchObject({ boundary: 'snapshot', liveFrom: { evidence: 'repeated-object' } });
    expect(splitInitialEvents(repeated, []).initial.map(resourceVersionOf)).toEqual(['9', '5']);
  });

  it('treats every event of a watch from an explicit RV as live', () => {
    const s = plainWatchStream('w', '100').response(1).added(2, 'a', '101').build();
    expect(splitInitialEvents(s, []).live).toHaveLength(1);
  });
});

describe('isVeryShortWatch', () => {
  it('is a server close under 1 s after the request with no frames', () => {
    expect(isVeryShortWatch(plainWatchStream().response(5).close(300, 'server-eof').build())).toBe(true);
    expect(isVeryShortWatch(plainWatchStream().response(5).bookmark(100, '5').close(300).build())).toBe(false);
    expect(isVeryShortWatch(plainWatchStream().response(5).close(1_000).build())).toBe(false);
    expect(isVeryShortWatch(plainWatchStream().response(5).close(300, 'client-abort').build())).toBe(false);
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

describe('serverDeadlineClose / deadlineBookmarkOf', () => {
  it('recognises a server close at timeoutSeconds and the bookmark shortly before it', () => {
    const s = plainWatchStream('w', '100', { timeoutSeconds: 10 }).response(5).bookmark(3_000, '101').bookmark(8_000, '101').close(10_004).build();
    expect(serverDeadlineClose(s)?.deadlineMs).toBe(10_005);
    expect(deadlineBookmarkOf(s, 5_000)?.atMs).toBe(8_000);
    expect(serverDeadlineClose(plainWatchStream('w', '100', { timeoutSeconds: 10 }).response(5).close(8_000).build())).toBeUndefined();
    expect(serverDeadlineClose(plainWatchStream('w', '100', { timeoutSeconds: 10 }).response(5).close(10_004, 'client-abort').build())).toBeUndefined();
  });
});

describe('collections and object keys', () => {
  it('compares paths without the query, and matches the LIST of the same collection', () => {
    const a = plainWatchStream('a').build();
    const b = plainWatchStream('b', '7', { labelSelector: 'x=y' }).build();
    expect(a.request.path).toBe('/api/v1/namespaces/watchmark/configmaps?watch=true');
    expect(collectionKeyOf(a)).toBe(collectionKeyOf(b));
    expect(collectionKeyOf(a)).not.toBe(collectionKeyOf(plainWatchStream('c').watched(WIDGETS).build()));
    const record = run().list({ sentAtMs: 0, atMs: 1 }).list({ sentAtMs: 0, atMs: 1, path: '/api/v1/namespaces/other/configmaps?limit=500' }).build();
    expect(listsOfCollection(a, record.lists).map((list) => list.id)).toEqual(['list#1']);
  });

  it('names objects namespace/name', () => {
    expect(objectKeyOf({ metadata: { name: 'a', namespace: 'ns' } })).toBe('ns/a');
    expect(objectKeyOf({ metadata: { name: 'node-1' } })).toBe('node-1');
    expect(objectKeyOf({ metadata: {} })).toBeUndefined();
  });
});
