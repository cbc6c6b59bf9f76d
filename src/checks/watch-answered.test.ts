import { describe, expect, it } from 'vitest';
import { plainWatchStream, run, watchListStream } from '../../test/support/timeline-builder.js';
import { DEFAULT_CHECK_PARAMS } from './types.js';
import { OWN_LOAD_WATCHES, UNANSWERED_JUDGED_AFTER_MS, watchAnswered } from './watch-answered.js';

const check = (builder: ReturnType<typeof run>) => watchAnswered.run(builder.build(), DEFAULT_CHECK_PARAMS);

describe('watch.answered', () => {
  it('passes when every watch got a response head, whatever its status', () => {
    const result = check(
      run()
        .stream(watchListStream().response(5).endBookmark(6, '10').close(16_000, 'client-abort'))
        .stream(plainWatchStream('watch#1').response(4, { status: 403 }).close(4))
        .endedAt(16_000),
    );
    expect(result.status).toBe('pass');
    expect(result.findings).toEqual([]);
    expect(result.summary).toBe('all 2 watches got a response');
  });

  it('fails a watch the server never answered while watchmark had few open, saying which, how long it waited, and that the server is at fault', () => {
    const result = check(
      run()
        .stream(watchListStream().sentAt(100).close(16_000, 'client-abort'))
        .stream(plainWatchStream('watch#1').sentAt(120).response(125).close(10_125))
        .endedAt(16_000),
    );
    expect(result.status).toBe('fail');
    expect(result.findings).toHaveLength(1);
    const [finding] = result.findings;
    expect(finding).toMatchObject({ severity: 'fail', stream: 'watch-list#1', evidence: { count: 1, watches: 2, streams: ['watch-list#1'], waitedMs: { min: 15_900, max: 15_900 }, openWatchesAtSend: { min: 1, max: 1 } } });
    expect(finding?.message).toContain('watch-list#1, after waiting 15.9s, never got a response head');
    expect(finding?.message).toContain("the server, not watchmark's own load");
    expect(finding?.message).toContain('never syncs');
    expect(result.summary).toContain('1 of 2 watches got no response');
  });

  it('only warns, naming it a possible harness limitation, when more watches were open than an HTTP/2 server must allow', () => {
    const builder = run();
    const count = OWN_LOAD_WATCHES + 50;
    // The first 120 answered at once and stay open; the last 30 never answered.
    for (let i = 1; i <= count; i++) {
      const s = plainWatchStream(`many#${i}`).sentAt(1_000 + i);
      if (i <= 120) s.response(1_000 + i + 3);
      builder.stream(s.close(12_000, 'client-abort'));
    }
    const result = check(builder.endedAt(12_000));
    expect(result.status).toBe('warn');
    expect(result.findings).toHaveLength(1);
    const [finding] = result.findings;
    expect(finding?.severity).toBe('warn');
    expect(finding?.stream).toBeUndefined();
    expect(finding?.evidence).toMatchObject({ count: 30, watches: count, openWatchesAtSend: { min: 121, max: 150 } });
    expect((finding?.evidence['streams'] as string[])[0]).toBe('many#121');
    expect(finding?.message).toContain('30 of 150 watches (many#121, many#122, many#123 and 27 more)');
    expect(finding?.message).toContain('121 to 150 watches were open');
    expect(finding?.message).toContain('harness limitation');
  });

  it('warns on a transport failure before any response head, and notes (info) a watch sent too shortly before the end to judge', () => {
    const result = check(
      run()
        .stream(plainWatchStream('watch#1').sentAt(100).close(140, 'reset', { code: 'WM_RESET', message: 'stream reset by peer (REFUSED_STREAM)' }))
        .stream(plainWatchStream('watch#2').sentAt(16_000 - UNANSWERED_JUDGED_AFTER_MS + 1).close(16_000, 'client-abort'))
        .endedAt(16_000),
    );
    expect(result.status).toBe('warn');
    expect(result.findings.map((f) => [f.stream, f.severity])).toEqual([
      ['watch#1', 'warn'],
      ['watch#2', 'info'],
    ]);
    expect(result.findings[0]?.message).toContain('failed before any response head (WM_RESET: stream reset by peer (REFUSED_STREAM))');
    expect(result.findings[1]?.message).toContain('too short to judge');
  });

  it('fails a watch watchmark stopped waiting for (its response-header deadline, WM_HEADERS_TIMEOUT) like one still waiting: the server left it unanswered', () => {
    const result = check(
      run()
        .stream(plainWatchStream('watch#1').sentAt(100).close(60_100, 'error', { code: 'WM_HEADERS_TIMEOUT', message: 'no response headers within 60s (--request-timeout)' }))
        .endedAt(90_000),
    );
    expect(result.status).toBe('fail');
    expect(result.findings.map((f) => [f.stream, f.severity, f.evidence['waitedMs']])).toEqual([['watch#1', 'fail', { min: 60_000, max: 60_000 }]]);
    expect(result.findings[0]?.message).toContain('watch#1, after waiting 1m0s, never got a response head');
  });

  it('skips when no watch was sent (not-opened streams are judged where their resourceVersion should have come from)', () => {
    const result = check(run().stream(plainWatchStream('resume#1').close(3_200, 'not-opened', { code: 'WM_NO_RV', message: 'no event by 2.2s' })));
    expect(result.status).toBe('skip');
  });
});
