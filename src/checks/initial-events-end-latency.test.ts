import { describe, expect, it } from 'vitest';
import { plainWatchStream, runOf, watchListStream } from '../../test/support/timeline-builder.js';
import { initialEventsEndLatency } from './initial-events-end-latency.js';
import { DEFAULT_CHECK_PARAMS } from './types.js';

const check = (...streams: Parameters<typeof runOf>) => initialEventsEndLatency.run(runOf(...streams), DEFAULT_CHECK_PARAMS);

describe('initial-events-end.latency', () => {
  it('records the timings as info when the bookmark comes quickly', () => {
    const result = check(watchListStream().sentAt(10).response(15).added(20, 'a', '1').added(25, 'b', '2').endBookmark(30, '5'));
    expect(result.status).toBe('pass');
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]).toMatchObject({
      severity: 'info',
      evidence: { requestToEndBookmarkMs: 20, responseToEndBookmarkMs: 15, lastInitialEventToEndBookmarkMs: 5, longestSilenceMs: 5, warningLines: [] },
    });
  });

  it('warns with the exact lines for three initial events and the bookmark 25 s later, labelled as log-only', () => {
    const result = check(watchListStream().response(0).added(0, 'a', '1').added(0, 'b', '2').added(0, 'c', '3').endBookmark(25_000, '10'));
    expect(result.status).toBe('warn');
    const warn = result.findings.find((f) => f.severity === 'warn');
    expect(warn?.message).toContain('client-go only logs this; it does not fail, relist or fall back; it is not a requirement for periodic bookmarks');
    expect(warn?.evidence['warningLines']).toEqual([
      {
        atMsSinceRequest: 10_000,
        line: `"Warning: event bookmark expired" err="<reflector>: hasn't received required bookmark event marking the end of initial events stream, received last event 10s ago"`,
      },
      {
        atMsSinceRequest: 20_000,
        line: `"Warning: event bookmark expired" err="<reflector>: hasn't received required bookmark event marking the end of initial events stream, received last event 20s ago"`,
      },
    ]);
    expect(warn?.evidence).toMatchObject({ requestToEndBookmarkMs: 25_000, longestSilenceMs: 25_000 });
  });

  it('warns over the observed window when the bookmark never comes', () => {
    const result = check(watchListStream().response(0).close(35_000, 'client-abort'));
    expect(result.status).toBe('warn');
    const warn = result.findings.find((f) => f.severity === 'warn');
    expect((warn?.evidence['warningLines'] as unknown[]).length).toBe(3);
  });

  it('skips without a 200 watch-list stream', () => {
    expect(check(plainWatchStream().response(0)).status).toBe('skip');
    expect(check(watchListStream().response(0, { status: 422 })).status).toBe('skip');
  });
});
