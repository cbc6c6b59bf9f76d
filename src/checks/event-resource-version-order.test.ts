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

  it('on a legacy watch without the marker, compares only events after the first later write', () => {
    const ok = run()
      .stream(stream('legacy#1', { resourceVersion: '0' }).response(5).modified(6, 'b', '20').added(6, 'a', '10').added(1_100, 'c', '21').modified(1_200, 'c', '22'))
      .write({ atMs: 1_050, sentAtMs: 1_000, resource: 'configmaps', name: 'c' })
      .build();
    expect(eventResourceVersionOrder.run(ok, DEFAULT_CHECK_PARAMS).status).toBe('pass');
    const bad = run()
      .stream(stream('legacy#1', { resourceVersion: '0' }).response(5).added(6, 'a', '10').added(1_100, 'c', '22').modified(1_200, 'c', '21'))
      .write({ atMs: 1_050, sentAtMs: 1_000, resource: 'configmaps', name: 'c' })
      .build();
    expect(eventResourceVersionOrder.run(bad, DEFAULT_CHECK_PARAMS).status).toBe('fail');
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
