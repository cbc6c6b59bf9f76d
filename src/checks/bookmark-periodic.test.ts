import { describe, expect, it } from 'vitest';
import { plainWatchStream, run, watchListStream } from '../../test/support/timeline-builder.js';
import { bookmarkPeriodic } from './bookmark-periodic.js';
import { DEFAULT_CHECK_PARAMS } from './types.js';

const write = { atMs: 1_000, sentAtMs: 990, resource: 'configmaps', name: 'a', verb: 'create' as const, resourceVersion: '101' };
const POLICY_10S = { ...DEFAULT_CHECK_PARAMS, maxBookmarkIntervalMs: 10_000 };

/** kube-apiserver on a 70 s watch: the write advances the RV at 1 s, a periodic bookmark ~60 s after the start, the deadline one ~2 s before 70 s. */
const kubeApiserverLongWatch = () =>
  plainWatchStream('long-watch#1', '100', { timeoutSeconds: 70 })
    .scenario('long-watch')
    .response(3)
    .added(1_005, 'a', '101')
    .bookmark(61_200, '101')
    .bookmark(68_100, '101')
    .close(70_004, 'server-eof');

describe('bookmark.periodic', () => {
  it('passes kube-apiserver: a bookmark ~60 s after the RV advanced; the pre-deadline one is not measured as periodic', () => {
    const result = bookmarkPeriodic.run(run().stream(kubeApiserverLongWatch()).write(write).build(), DEFAULT_CHECK_PARAMS);
    expect(result.status).toBe('pass');
    expect(result.summary).toContain('1 stream(s) got bookmarks at least every 1m15s');
    expect(result.summary).toContain('longest gap 1m0.2s on long-watch#1');
  });

  it('skips the quick suite: 10 s watches only get their pre-deadline bookmark, which says nothing about the cadence', () => {
    const record = run()
      .stream(plainWatchStream('watch#1', '100', { timeoutSeconds: 10 }).response(3).added(1_005, 'a', '101').bookmark(8_020, '101').close(10_004, 'server-eof'))
      .stream(watchListStream('watch-list#1', { timeoutSeconds: 60 }).response(3).added(4, 'z', '99').endBookmark(5, '100').added(1_005, 'a', '101').close(16_000, 'client-abort'))
      .write(write)
      .build();
    const result = bookmarkPeriodic.run(record, DEFAULT_CHECK_PARAMS);
    expect(result.status).toBe('skip');
    expect(result.summary).toContain('no bookmark-enabled stream was observed long enough');
    expect(result.summary).toContain('watch#1 9.004s (its only bookmark after the advance is the pre-deadline one)');
    expect(result.summary).toContain('watch-list#1 15s');
  });

  it('skips when kube-apiserver sends its pre-deadline bookmark twice (a 1 s bucket popped early, then re-queued): neither is periodic', () => {
    // Seen on the testbed kube-apiserver 1.37 (test/real/proxy-clean.test.ts): a 10 s watch got
    // bookmarks 7.15 s and 8.4 s after its request, and closed at 10.02 s.
    const record = run()
      .stream(plainWatchStream('watch#1', '100', { timeoutSeconds: 10 }).response(44).added(1_005, 'a', '101').bookmark(7_150, '101').bookmark(8_400, '101').close(10_022, 'server-eof'))
      .write(write)
      .build();
    const result = bookmarkPeriodic.run(record, DEFAULT_CHECK_PARAMS);
    expect(result.status).toBe('skip');
    expect(result.summary).toContain('watch#1 9.022s (its only bookmarks after the advance are the 2 pre-deadline ones)');
  });

  it('skips a 16 s watch-list that got a bookmark about 1 s in, after the first write: too short to show a 60 s cadence', () => {
    // Seen on the testbed kube-apiserver over etcd and over kine (test/real/proxy-clean.test.ts):
    // bookmarks at +1.134 s on every bookmark-enabled stream in some runs, not in others.
    const record = run()
      .stream(watchListStream('watch-list#1', { timeoutSeconds: 120 }).response(5).added(5, 'z', '99').endBookmark(6, '100').added(1_005, 'a', '101').bookmark(1_133, '101').close(16_003, 'client-abort'))
      .write(write)
      .build();
    const result = bookmarkPeriodic.run(record, DEFAULT_CHECK_PARAMS);
    expect(result.status).toBe('skip');
    expect(result.summary).toContain('none stayed open 1m0s');
    // With a policy the period is the policy's: 15 s observed against 10 s is enough.
    expect(bookmarkPeriodic.run(record, POLICY_10S).status).toBe('fail');
  });

  it('warns on a gap over 75 s between bookmarks, as a deviation from kube-apiserver that client-go does not need', () => {
    const record = run()
      .stream(
        plainWatchStream('long-watch#1', '100', { timeoutSeconds: 200 })
          .response(3)
          .added(1_005, 'a', '101')
          .bookmark(61_000, '101')
          .bookmark(151_000, '101')
          .bookmark(198_000, '101')
          .close(200_004, 'server-eof'),
      )
      .write(write)
      .build();
    const result = bookmarkPeriodic.run(record, DEFAULT_CHECK_PARAMS);
    expect(result.status).toBe('warn');
    const [finding] = result.findings;
    expect(finding?.severity).toBe('warn');
    expect(finding?.message).toContain('1m30s from the bookmark +1m1s after the request to the bookmark (RV 101) +2m31s after the request');
    expect(finding?.message).toContain("deviates from kube-apiserver's ~60 s cadence");
    expect(finding?.message).toContain('client-go does not need periodic bookmarks at all');
    expect(finding?.evidence).toMatchObject({ thresholdMs: 75_000, policy: false, count: 1, gaps: [{ from: 'bookmark', gapMs: 90_000, endedBy: 'periodic-bookmark' }] });
  });

  it('warns on a stream observed well past 75 s after the advance without any bookmark (kinm)', () => {
    const record = run()
      .stream(plainWatchStream('long-watch#1', '100', { timeoutSeconds: 300 }).response(3).added(1_005, 'a', '101').close(90_000, 'client-abort'))
      .write(write)
      .build();
    const result = bookmarkPeriodic.run(record, DEFAULT_CHECK_PARAMS);
    expect(result.status).toBe('warn');
    expect(result.findings[0]?.message).toContain('no bookmark for at least 1m29s after the RV advance +1s after the request, until observation ended +1m30s after the request');
  });

  it('warns when the only bookmark of a long watch is the pre-deadline one, more than 75 s after the advance', () => {
    const record = run()
      .stream(plainWatchStream('long-watch#1', '100', { timeoutSeconds: 120 }).response(3).added(1_005, 'a', '101').bookmark(118_000, '101').close(120_004, 'server-eof'))
      .write(write)
      .build();
    const result = bookmarkPeriodic.run(record, DEFAULT_CHECK_PARAMS);
    expect(result.status).toBe('warn');
    expect(result.findings[0]?.evidence['gaps']).toMatchObject([{ from: 'rv-advance', endedBy: 'deadline-bookmark', gapMs: 117_000 }]);
  });

  it('proves nothing on a span cut short: a 70 s watch without bookmarks closed 69 s after the advance', () => {
    const record = run()
      .stream(plainWatchStream('long-watch#1', '100', { timeoutSeconds: 70 }).response(3).added(1_005, 'a', '101').close(70_004, 'server-eof'))
      .write(write)
      .build();
    expect(bookmarkPeriodic.run(record, DEFAULT_CHECK_PARAMS).status).toBe('skip');
  });

  it('measures from the response when the RV advanced before the watch started', () => {
    const record = run()
      .stream(plainWatchStream('long-watch#1', '100', { timeoutSeconds: 300 }).sentAt(5_000).response(5_003).added(5_004, 'a', '101').bookmark(65_100, '101').close(100_000, 'client-abort'))
      .write(write)
      .build();
    const result = bookmarkPeriodic.run(record, DEFAULT_CHECK_PARAMS);
    expect(result.status).toBe('pass');
    expect(result.summary).toContain('longest gap 1m0.097s');
  });

  it('with a policy, fails gaps over it, labelled as the policy and not a client-go requirement', () => {
    const result = bookmarkPeriodic.run(run().stream(kubeApiserverLongWatch()).write(write).build(), POLICY_10S);
    expect(result.status).toBe('fail');
    const [finding] = result.findings;
    expect(finding?.severity).toBe('fail');
    expect(finding?.message).toContain('policy --max-bookmark-interval 10s, not a client-go requirement');
    expect(finding?.message).toContain('kube-apiserver itself sends one only about every 60 s');
    expect(finding?.evidence).toMatchObject({ thresholdMs: 10_000, policy: true });
    expect(result.summary).toContain('policy --max-bookmark-interval 10s');
  });

  it('with a policy, passes a server that sends bookmarks often enough', () => {
    const builder = plainWatchStream('long-watch#1', '100', { timeoutSeconds: 30 }).response(3).added(1_005, 'a', '101');
    for (let atMs = 6_000; atMs < 30_000; atMs += 5_000) builder.bookmark(atMs, '101');
    const result = bookmarkPeriodic.run(run().stream(builder.close(30_004, 'server-eof')).write(write).build(), POLICY_10S);
    expect(result.status).toBe('pass');
    expect(result.summary).toContain('(policy --max-bookmark-interval 10s, not a client-go requirement)');
  });

  it('skips an idle resource, and streams without bookmarks requested', () => {
    const idle = run().stream(plainWatchStream('long-watch#1', '100', { timeoutSeconds: 300 }).response(3).close(100_000, 'client-abort')).build();
    const idleResult = bookmarkPeriodic.run(idle, DEFAULT_CHECK_PARAMS);
    expect(idleResult.status).toBe('skip');
    expect(idleResult.summary).toContain('did not advance');
    const unrequested = run().stream(plainWatchStream('w', '100', { allowWatchBookmarks: undefined }).response(3).added(1_005, 'a', '101').close(100_000, 'client-abort')).build();
    expect(bookmarkPeriodic.run(unrequested, DEFAULT_CHECK_PARAMS).summary).toContain('no 200 stream requested allowWatchBookmarks=true');
  });
});
