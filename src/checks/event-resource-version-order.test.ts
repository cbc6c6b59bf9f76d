import { describe, expect, it } from 'vitest';
import { plainWatchStream, run, runOf, stream, watchListStream } from '../../test/support/timeline-builder.js';
import { eventResourceVersionOrder } from './event-resource-version-order.js';
import { DEFAULT_CHECK_PARAMS } from './types.js';

const check = (...streams: Parameters<typeof runOf>) => eventResourceVersionOrder.run(runOf(...streams), DEFAULT_CHECK_PARAMS);

describe('event.resource-version-order', () => {
  it('passes increasing live events and never compares unordered initial events', () => {
    const result = check(
      watchListStream().response(5).added(6, 'c', '30').added(6, 'a', '10').added(6, 'b', '20').endBookmark(7, '31').added(50, 'd', '32').modified(60, 'a', '33').deleted(70, 'b', '34'),
    );
    expect(result.status).toBe('pass');
    expect(result.summary).toContain('2 consecutive');
  });

  it('fails live events whose RV goes back or repeats', () => {
    const result = check(plainWatchStream().response(5).added(10, 'a', '105').modified(20, 'a', '104').modified(30, 'a', '106').deleted(40, 'a', '106'));
    expect(result.status).toBe('fail');
    expect(result.findings[0]?.evidence['count']).toBe(2);
  });

  it('on a legacy watch without the marker, compares only events from the first one that cannot be initial', () => {
    const ok = run()
      .stream(stream('legacy#1', { resourceVersion: '0' }).response(5).modified(6, 'b', '20').added(6, 'a', '10').added(1_100, 'c', '21').modified(1_200, 'c', '22'))
      .write({ atMs: 1_050, sentAtMs: 1_000, resource: 'configmaps', name: 'c', resourceVersion: '21' })
      .build();
    const passed = eventResourceVersionOrder.run(ok, DEFAULT_CHECK_PARAMS);
    expect(passed.status).toBe('pass');
    expect(passed.findings).toHaveLength(1);
    expect(passed.findings[0]).toMatchObject({ severity: 'info', evidence: { mayBeInitial: 2, firstLiveSeq: 2, liveEvidence: 'write-after-first-frame' } });
    const bad = run()
      .stream(stream('legacy#1', { resourceVersion: '0' }).response(5).added(6, 'a', '10').added(1_100, 'c', '22').modified(1_200, 'c', '21'))
      .write({ atMs: 1_050, sentAtMs: 1_000, resource: 'configmaps', name: 'c', resourceVersion: '22' })
      .build();
    expect(eventResourceVersionOrder.run(bad, DEFAULT_CHECK_PARAMS).status).toBe('fail');
  });

  // Issue 9.1: a server that takes its NotOlderThan snapshot 1.5 s after the request includes the
  // writes made meanwhile, in key order: those initial events must not be judged as live.
  it('never judges a late snapshot as live events (watch-list without bookmarks, writes before the snapshot)', () => {
    const late = run()
      .stream(
        stream('watch-list-no-bookmarks#1', { sendInitialEvents: true, resourceVersionMatch: 'NotOlderThan', timeoutSeconds: 5 }, 'validation-watch-list')
          .response(5)
          .added(1_500, 'a', '112')
          .added(1_500, 'b', '111')
          .added(1_610, 'c', '113')
          .modified(1_710, 'a', '114'),
      )
      .write({ atMs: 110, sentAtMs: 100, verb: 'create', resource: 'configmaps', name: 'b', resourceVersion: '111' })
      .write({ atMs: 310, sentAtMs: 300, verb: 'create', resource: 'configmaps', name: 'a', resourceVersion: '112' })
      .write({ atMs: 1_605, sentAtMs: 1_600, verb: 'create', resource: 'configmaps', name: 'c', resourceVersion: '113' })
      .write({ atMs: 1_705, sentAtMs: 1_700, verb: 'update', resource: 'configmaps', name: 'a', resourceVersion: '114' })
      .build();
    const result = eventResourceVersionOrder.run(late, DEFAULT_CHECK_PARAMS);
    expect(result.status).toBe('pass');
    expect(result.summary).toContain('1 consecutive');
    expect(result.findings[0]?.message).toContain('2 leading event(s) (#0..#1) that may belong to it');
    // The live part is still judged: the same stream with its live events out of order fails.
    const badLive = structuredClone(late);
    const events = badLive.streams[0]!.entries.filter((entry) => entry.kind === 'event');
    (events[3]!.object as { metadata: { resourceVersion: string } }).metadata.resourceVersion = '113';
    badLive.writes[3]!.resourceVersion = '113';
    expect(eventResourceVersionOrder.run(badLive, DEFAULT_CHECK_PARAMS).status).toBe('fail');
  });

  it('skips with the reason when no event of a stream without the marker is certainly live', () => {
    const result = check(stream('legacy#1', { resourceVersion: '0' }).response(5).added(6, 'b', '20').added(6, 'a', '10'));
    expect(result.status).toBe('skip');
    expect(result.summary).toContain('legacy#1');
    expect(result.summary).toContain('no end bookmark marks where the initial state ends');
  });

  it('skips opaque RVs (info) instead of failing', () => {
    const result = check(plainWatchStream('w', 'abc').response(5).added(10, 'a', 'b2').added(20, 'b', 'a1'));
    expect(result.status).toBe('pass');
    expect(result.findings.map((f) => f.severity)).toEqual(['info']);
  });

  it('skips without two live events', () => {
    expect(check(watchListStream().response(5).added(6, 'a', '1').added(6, 'b', '2').endBookmark(7, '3')).status).toBe('skip');
  });
});
