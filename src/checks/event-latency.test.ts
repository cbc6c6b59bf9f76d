import { describe, expect, it } from 'vitest';
import { plainWatchStream, run, watchListStream } from '../../test/support/timeline-builder.js';
import type { WorkloadWrite } from '../record/timeline.js';
import { eventLatency, latencyStats, nearestRank } from './event-latency.js';
import { DEFAULT_CHECK_PARAMS } from './types.js';

type Write = Omit<WorkloadWrite, 'resource' | 'namespace'>;

/** The default suite's first writes as the workload records them (the delete answered with a Status: no RV). */
const writes: Write[] = [
  { atMs: 1_020, sentAtMs: 1_000, verb: 'create', name: 'd', resourceVersion: '106' },
  { atMs: 1_520, sentAtMs: 1_500, verb: 'update', name: 'a', resourceVersion: '107' },
  { atMs: 2_020, sentAtMs: 2_000, verb: 'delete', name: 'b' },
];

function withWrites(builder: ReturnType<typeof run>, list: Write[] = writes) {
  for (const write of list) builder.write({ ...write, resource: 'configmaps' });
  return builder;
}

describe('nearestRank / latencyStats', () => {
  it('uses nearest-rank percentiles', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(nearestRank(hundred, 50)).toBe(50);
    expect(nearestRank(hundred, 99)).toBe(99);
    expect(nearestRank([1, 2], 50)).toBe(1);
    expect(nearestRank([7], 99)).toBe(7);
    expect(latencyStats([30, -2, 10])).toEqual({ count: 3, p50Ms: 10, p99Ms: 30, maxMs: 30 });
  });
});

describe('event.latency', () => {
  it('records per-stream latencies from the write response and from the request, negative when the event beats the response (info)', () => {
    const record = withWrites(
      run()
        .stream(plainWatchStream('watch#1', '105', { timeoutSeconds: 10 }).sentAt(30).response(33).added(1_010, 'd', '106').modified(1_530, 'a', '107').deleted(2_060, 'b', '108').close(10_034))
        .stream(watchListStream('watch-list#1').sentAt(30).response(34).added(36, 'a', '97').endBookmark(37, '105').added(1_025, 'd', '106').modified(1_525, 'a', '107').deleted(2_025, 'b', '108').close(16_000, 'client-abort')),
    ).build();
    const result = eventLatency.run(record, DEFAULT_CHECK_PARAMS);
    expect(result.status).toBe('pass');
    expect(result.findings.map((f) => [f.stream, f.severity])).toEqual([
      ['watch#1', 'info'],
      ['watch-list#1', 'info'],
    ]);
    expect(result.findings[0]?.evidence).toMatchObject({
      writes: 3,
      matched: 3,
      missing: 0,
      fromResponse: { count: 3, p50Ms: 10, p99Ms: 40, maxMs: 40 },
      fromSent: { count: 3, p50Ms: 30, p99Ms: 60, maxMs: 60 },
    });
    expect(result.findings[0]?.message).toContain('negative: the event arrived before the write');
    expect(result.findings[1]?.message).not.toContain('negative');
    expect(result.summary).toContain('6 write(s) matched to their events on 2 stream(s), none missing; slowest write acknowledged -> event 40ms on watch#1');
  });

  it('warns about a write the watch never delivered while it stayed open, but not one acknowledged less than 2 s before it closed', () => {
    const record = withWrites(
      run().stream(plainWatchStream('watch#1', '105', { timeoutSeconds: 10 }).response(3).added(1_025, 'd', '106').deleted(2_025, 'b', '108').modified(8_700, 'c', '110').close(10_004)),
      [...writes, { atMs: 8_520, sentAtMs: 8_500, verb: 'update', name: 'c', resourceVersion: '110' }, { atMs: 9_020, sentAtMs: 9_000, verb: 'update', name: 'd', resourceVersion: '111' }],
    ).build();
    const result = eventLatency.run(record, DEFAULT_CHECK_PARAMS);
    expect(result.status).toBe('warn');
    const warn = result.findings.find((f) => f.severity === 'warn');
    expect(warn?.message).toContain('observed none for 1 of 5: update of watchmark/a (RV 107) acknowledged +1.52s after the request');
    expect(warn?.message).toContain('until its next relist');
    expect(warn?.evidence).toMatchObject({ missing: 1, examples: [{ verb: 'update', name: 'a', resourceVersion: '107' }] });
    expect(result.findings.find((f) => f.severity === 'info')?.evidence).toMatchObject({ matched: 3, missing: 1, unjudged: 1 });
  });

  it('matches a delete without RV only to a DELETED after the delete was sent, and an update without RV to the next change', () => {
    const record = withWrites(
      run().stream(plainWatchStream('watch#1', '105').response(3).deleted(1_900, 'b', '108').modified(2_600, 'a', '109').close(10_004)),
      [
        { atMs: 2_020, sentAtMs: 2_000, verb: 'delete', name: 'b' },
        { atMs: 2_520, sentAtMs: 2_500, verb: 'update', name: 'a' },
      ],
    ).build();
    const result = eventLatency.run(record, DEFAULT_CHECK_PARAMS);
    expect(result.status).toBe('warn');
    expect(result.findings.find((f) => f.severity === 'warn')?.message).toContain('delete of watchmark/b');
    expect(result.findings.find((f) => f.severity === 'info')?.evidence).toMatchObject({ matched: 1, fromResponse: { maxMs: 80 } });
  });

  it('with a latency policy, warns about slower events (from the write response)', () => {
    const record = withWrites(
      run().stream(plainWatchStream('watch#1', '105').response(3).added(1_030, 'd', '106').modified(2_400, 'a', '107').deleted(2_030, 'b', '108').close(10_004)),
    ).build();
    expect(eventLatency.run(record, DEFAULT_CHECK_PARAMS).status).toBe('pass');
    const result = eventLatency.run(record, { ...DEFAULT_CHECK_PARAMS, maxEventLatencyMs: 500 });
    expect(result.status).toBe('warn');
    const warn = result.findings.find((f) => f.severity === 'warn');
    expect(warn?.message).toContain('policy --max-event-latency 500ms (user-set, not an upstream bound)');
    expect(warn?.message).toContain('update of watchmark/a (RV 107) acknowledged +1.52s after the request -> MODIFIED +2.4s after the request (880ms)');
    expect(warn?.evidence).toMatchObject({ limitMs: 500, count: 1, examples: [{ write: 'a', fromResponseMs: 880, fromSentMs: 900 }] });
  });

  it('ignores selector watches, other namespaces and writes before the response or after the close', () => {
    const selector = withWrites(run().stream(plainWatchStream('selector-watch#1', '105', { labelSelector: 'x=y' }).response(3).close(10_004))).build();
    expect(eventLatency.run(selector, DEFAULT_CHECK_PARAMS).status).toBe('skip');
    const elsewhere = run()
      .stream(plainWatchStream('watch#1', '105').response(3).close(10_004))
      .write({ atMs: 1_020, resource: 'configmaps', namespace: 'other', name: 'd', verb: 'create', resourceVersion: '106' })
      .write({ atMs: 1_020, resource: 'secrets', name: 'd', verb: 'create', resourceVersion: '106' })
      .build();
    expect(eventLatency.run(elsewhere, DEFAULT_CHECK_PARAMS).status).toBe('skip');
    const outside = withWrites(run().stream(plainWatchStream('watch#1', '105').sentAt(1_600).response(1_603).close(1_900)), writes).build();
    const result = eventLatency.run(outside, DEFAULT_CHECK_PARAMS);
    expect(result.status).toBe('skip');
    expect(result.summary).toContain('no 200 stream without a selector was open while the workload wrote');
  });
});
