import { describe, expect, it } from 'vitest';
import { plainWatchStream, run, stream, watchListStream } from '../../test/support/timeline-builder.js';
import { DEFAULT_CHECK_PARAMS } from '../checks/types.js';
import { deriveClientVerdicts } from '../verdict/index.js';
import { deriveReport, type RunFacts } from './derive-report.js';
import { buildReport, type Report } from './model.js';
import { TIMELINE_BUCKETS, timelineModel } from './timeline-model.js';

function reportOf(record: ReturnType<ReturnType<typeof run>['build']>, scenarios: Report['scenarios'] = []): Report {
  return buildReport({
    record,
    checks: [],
    scenarios,
    clientGo: deriveClientVerdicts(record),
    target: { server: 'https://127.0.0.1:6443', source: 'flags', serverVersion: 'v1.35.0', description: 'test server' },
    resource: null,
    config: {},
    failOn: 'fail',
    startedAtMs: 0,
    workload: null,
  });
}

describe('timelineModel', () => {
  it('buckets events on a shared axis and keeps the moments that matter exactly', () => {
    const watch = plainWatchStream('watch#1', '100', { timeoutSeconds: 10 })
      .sentAt(1_000)
      .response(1_010)
      .added(1_500, 'a', '101')
      .added(1_501, 'b', '102')
      .modified(1_502, 'a', '103')
      .deleted(5_000, 'b', '104')
      .bookmark(9_000, '105')
      .close(11_010, 'server-eof');
    const record = run()
      .stream(watch)
      .write({ atMs: 1_400, resource: 'configmaps', name: 'a', verb: 'create', resourceVersion: '101' })
      .write({ atMs: 4_990, resource: 'configmaps', name: 'b', verb: 'delete', resourceVersion: '104' })
      .endedAt(12_000)
      .build();
    const model = timelineModel(reportOf(record), record);

    expect(model.axis).toMatchObject({ startMs: 0, endMs: 12_000, buckets: TIMELINE_BUCKETS, bucketMs: 20, minGapMs: 2_000 });
    const s = model.scenarios[0]!.streams[0]!;
    // 1 500, 1 501, 1 502 ms share bucket 75; 5 000 ms is bucket 250.
    expect(s.marks.ADDED).toEqual([75, 2]);
    expect(s.marks.MODIFIED).toEqual([75, 1]);
    expect(s.marks.DELETED).toEqual([250, 1]);
    expect(s.marks.other).toEqual([]);
    expect(s.bookmarks).toEqual([[450, 1, '105']]);
    expect(s.deadline).toEqual({ atMs: 11_010, timeoutSeconds: 10 });
    // kube-apiserver's deadline bookmark: within 5 s before a server close at the deadline.
    expect(s.deadlineBookmark).toEqual({ atMs: 9_000, resourceVersion: '105' });
    expect(s.initialEventsEnd).toBeNull();
    expect(s.reflector).toBeNull(); // not a watch-list: client-go's 10 s ticker is never armed
    expect(s.close).toEqual({ atMs: 11_010, reason: 'server-eof', error: null });
    expect(s.counts).toMatchObject({ ADDED: 2, MODIFIED: 1, DELETED: 1, BOOKMARK: 1 });
    // Silences of >= 2 s between frames: 1 502 -> 5 000, 5 000 -> 9 000; 9 000 -> 11 010 too.
    expect(s.gaps).toEqual([
      [1_502, 5_000],
      [5_000, 9_000],
      [9_000, 11_010],
    ]);
    expect(model.workload.writes).toEqual({ create: [70, 1], update: [], delete: [249, 1] });
    expect(model.maxEventsPerBucket).toBe(3);
  });

  it('draws the reflector warnings at exactly the ticks the client-go verdict counts', () => {
    // No end bookmark: client-go v0.35 logs at a 10 s tick once the last event is >= 10 s old
    // (the tick at +10 005 ms comes 9 993 ms after the last event: no line).
    const watchList = watchListStream('watch-list#1').response(5).added(10, 'a', '101').added(12, 'b', '102');
    const record = run().stream(watchList).endedAt(35_000).build();
    const report = reportOf(record);
    const model = timelineModel(report, record);
    const s = model.scenarios[0]!.streams[0]!;
    const verdict = report.clientGo.find((v) => v.profile === 'client-go>=0.35')!;
    expect(verdict.outcome).toBe('never-syncs');
    expect(s.reflector!.warnings.map((w) => w.atMs)).toEqual([20_005, 30_005]);
    expect(s.reflector!.warnings).toHaveLength(verdict.warnings);
    expect(s.reflector!.warnings[0]!.line).toContain('Warning: event bookmark expired');
    expect(s.reflector).toMatchObject({ armedFromMs: 5, armedUntilMs: 35_000, omittedWarnings: 0 });
    expect(model.reflectorTickMs).toBe(10_000);
  });

  it('stops the ticker at the initial-events-end bookmark and marks it', () => {
    const watchList = watchListStream('watch-list#1').response(5).added(10, 'a', '101').endBookmark(21_000, '101').close(30_000, 'client-abort');
    const record = run().stream(watchList).build();
    const s = timelineModel(reportOf(record), record).scenarios[0]!.streams[0]!;
    expect(s.initialEventsEnd).toEqual({ atMs: 21_000, resourceVersion: '101' });
    expect(s.reflector).toMatchObject({ armedFromMs: 5, armedUntilMs: 21_000 });
    expect(s.reflector!.warnings.map((w) => w.atMs)).toEqual([20_005]);
  });

  it('groups streams by scenario: the client verdicts\' streams first, then first-seen order', () => {
    const record = run()
      .stream(stream('b#1', {}, 'beta').response(1).close(2))
      .stream(stream('a#1', {}, 'alpha').response(1).close(2))
      .stream(stream('b#2', {}, 'beta').close(1, 'not-opened', { code: 'WM_NO_RV', message: 'no event to start from' }))
      .build();
    const model = timelineModel(
      reportOf(record, [{ name: 'beta', file: 'scenarios/beta.yaml', description: 'the beta scenario', checks: [] }]),
      record,
    );
    expect(model.scenarios.map((s) => [s.name, s.description, s.streams.map((x) => x.id)])).toEqual([
      ['beta', 'the beta scenario', ['b#1', 'b#2']],
      ['alpha', '', ['a#1']],
    ]);
    // A verdict based on a#1 (here: a watch-list stream) puts its scenario first.
    const withVerdict = run()
      .stream(stream('b#1', {}, 'beta').response(1).close(2))
      .stream(watchListStream('a#1').scenario('alpha').response(1).close(2))
      .build();
    expect(timelineModel(reportOf(withVerdict), withVerdict).scenarios.map((s) => s.name)).toEqual(['alpha', 'beta']);
    const notOpened = model.scenarios[0]!.streams[1]!;
    expect(notOpened.response).toBeNull();
    expect(notOpened.close).toEqual({ atMs: 1, reason: 'not-opened', error: 'WM_NO_RV: no event to start from' });
    expect(notOpened.gaps).toEqual([]);
  });

  it('counts ERROR events, unknown types and malformed frames in one lane', () => {
    const s1 = stream('w#1', { allowWatchBookmarks: true })
      .response(1)
      .error(100, { code: 410, reason: 'Expired' })
      .event(200, 'SURPRISE', {})
      .malformed(300, '{"type":')
      .close(400);
    const record = run().stream(s1).endedAt(600).build();
    const s = timelineModel(reportOf(record), record).scenarios[0]!.streams[0]!;
    expect(s.marks.other).toEqual([100, 1, 200, 1, 300, 1]);
  });
});

describe('timelineModel: the check parameters in force', () => {
  /** A watch closed by the server at its 10 s deadline, its one bookmark 7 s before the close (after the RV advanced). */
  const earlyDeadlineBookmark = (id: string, scenario: string) =>
    plainWatchStream(id, '100', { timeoutSeconds: 10 })
      .scenario(scenario)
      .sentAt(1_000)
      .response(1_010)
      .added(2_000, 'a', '101')
      .bookmark(4_010, '101')
      .close(11_010, 'server-eof');
  const facts: RunFacts = {
    target: { server: 'https://127.0.0.1:6443', source: 'flags', serverVersion: 'v1.35.0', description: 'test server' },
    resource: null,
    config: {},
    failOn: 'fail',
    startedAtMs: 0,
    scenarios: [
      { name: 'long-watch', file: 'long-watch.yaml', description: 'own window', checkParams: { deadlineBookmarkWindowMs: 8_000 } },
      { name: 'watch', file: 'scenarios/watch.yaml', description: 'default window', checkParams: {} },
    ],
    checkParams: { defaults: DEFAULT_CHECK_PARAMS, overrides: {} },
    workload: null,
  };

  it("draws the deadline bookmark in the bookmark.before-deadline window of the stream's scenario, as the check used it", () => {
    const record = run().stream(earlyDeadlineBookmark('long#1', 'long-watch')).stream(earlyDeadlineBookmark('watch#1', 'watch')).endedAt(12_000).build();
    const report = deriveReport(facts, record);
    // The check: within the scenario's own 8 s window the bookmark counts; within the default 5 s it does not.
    const perScenario = Object.fromEntries(report.scenarios.map((s) => [s.name, s.checks.find((c) => c.id === 'bookmark.before-deadline')?.status]));
    expect(perScenario).toEqual({ 'long-watch': 'pass', watch: 'warn' });
    const streams = timelineModel(report, record).scenarios.flatMap((s) => s.streams);
    expect(streams.find((s) => s.id === 'long#1')!.deadlineBookmark).toEqual({ atMs: 4_010, resourceVersion: '101' });
    expect(streams.find((s) => s.id === 'watch#1')!.deadlineBookmark).toBeNull();
  });

  it('uses the base parameters for a stream outside every scenario, and the defaults for a hand-built report', () => {
    const record = run().stream(earlyDeadlineBookmark('observe#1', 'observe')).endedAt(12_000).build();
    const wide = deriveReport({ ...facts, checkParams: { defaults: { ...DEFAULT_CHECK_PARAMS, deadlineBookmarkWindowMs: 8_000 }, overrides: {} } }, record);
    expect(timelineModel(wide, record).scenarios[0]!.streams[0]!.deadlineBookmark).toEqual({ atMs: 4_010, resourceVersion: '101' });
    expect(timelineModel(reportOf(record), record).scenarios[0]!.streams[0]!.deadlineBookmark).toBeNull();
  });
});
