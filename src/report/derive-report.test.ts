import { describe, expect, it } from 'vitest';
import { plainWatchStream, run, watchListStream } from '../../test/support/timeline-builder.js';
import { runChecks } from '../checks/index.js';
import { DEFAULT_CHECK_PARAMS } from '../checks/types.js';
import { exitCodeFor } from './model.js';
import { deriveReport, type RunFacts } from './derive-report.js';

const facts: RunFacts = {
  target: { server: 'https://127.0.0.1:1', source: 'embedded', serverVersion: null, description: 'embedded' },
  resource: { name: 'configmaps', apiVersion: 'v1', kind: 'ConfigMap', namespace: 'watchmark' },
  config: { failOn: 'fail' },
  failOn: 'fail',
  startedAtMs: 0,
  scenarios: [{ name: 'watch', file: 'scenarios/watch.yaml', description: '', checkParams: {} }],
  checkParams: { defaults: DEFAULT_CHECK_PARAMS, overrides: {} },
  workload: null,
};

// A watch-list whose initial state holds a MODIFIED event (kinm): initial-events.added warns, nothing fails.
const record = run()
  .stream(watchListStream('watch-list#1').scenario('watch').response(1).added(2, 'a', '101').modified(3, 'b', '102').endBookmark(4, '102').close(10_000, 'client-abort'))
  .build();

describe('deriveReport', () => {
  it('derives the checks, verdicts and counts from the facts and record alone', () => {
    const report = deriveReport(facts, record);
    expect(report.checks.find((c) => c.id === 'initial-events.added')?.status).toBe('warn');
    expect(report.counts.fail).toBe(0);
    expect(report).toMatchObject({ verdict: 'pass', failOn: 'fail', target: facts.target, workload: null, startedAt: '2026-01-01T00:00:00.000Z' });
    expect(report.scenarios.map((s) => s.name)).toEqual(['watch']);
    expect(report.clientGo.find((v) => v.profile === 'client-go>=0.35')?.outcome).toBe('syncs');
  });

  it('takes --fail-on from the options over the recorded one, leaving the recorded config as it was', () => {
    const report = deriveReport(facts, record, { failOn: 'warn' });
    expect(report).toMatchObject({ verdict: 'fail', failOn: 'warn', config: { failOn: 'fail' } });
  });

  it('judges with the recorded defaults, then the scenario\'s and the command line\'s parameters', () => {
    // A watch with timeoutSeconds=5 the server kept open until watchmark closed it at 20 s.
    const late = run().stream(plainWatchStream('watch#1', '100', { timeoutSeconds: 5 }).scenario('watch').sentAt(0).response(1).close(20_000, 'client-abort')).build();
    const status = (f: RunFacts) => deriveReport(f, late).checks.find((c) => c.id === 'watch.timeout')?.status;
    const lenient = { ...DEFAULT_CHECK_PARAMS, timeoutSlackMs: 60_000 };
    expect(status(facts)).toBe('fail');
    expect(status({ ...facts, checkParams: { defaults: lenient, overrides: {} } })).toBe('pass');
    expect(status({ ...facts, checkParams: { defaults: lenient, overrides: { timeoutSlackMs: 1_000 } } })).toBe('fail');
    expect(status({ ...facts, scenarios: [{ ...facts.scenarios[0]!, checkParams: { timeoutSlackMs: 60_000 } }] })).toBe('pass');
  });

  it('carries the parameters in force: per scenario the defaults, the scenario\'s own and the command line\'s; the base ones without the scenario\'s', () => {
    const report = deriveReport(
      {
        ...facts,
        scenarios: [
          { ...facts.scenarios[0]!, checkParams: { deadlineBookmarkWindowMs: 8_000, maxBookmarkIntervalMs: 30_000 } },
          { name: 'watch-list', file: 'scenarios/watch-list.yaml', description: '', checkParams: {} },
        ],
        checkParams: { defaults: DEFAULT_CHECK_PARAMS, overrides: { maxBookmarkIntervalMs: 10_000 } },
      },
      record,
    );
    expect(report.checkParams).toEqual({
      base: { ...DEFAULT_CHECK_PARAMS, maxBookmarkIntervalMs: 10_000 },
      byScenario: {
        watch: { ...DEFAULT_CHECK_PARAMS, deadlineBookmarkWindowMs: 8_000, maxBookmarkIntervalMs: 10_000 },
        'watch-list': { ...DEFAULT_CHECK_PARAMS, maxBookmarkIntervalMs: 10_000 },
      },
    });
  });

  it('without scenarios (observe\'s one watch) runs every check once over the whole record and lists no scenario', () => {
    const observed = run().stream(watchListStream('observe#1').response(1).added(2, 'a', '101').modified(3, 'b', '102').endBookmark(4, '102').close(10_000, 'client-abort')).build();
    const report = deriveReport({ ...facts, scenarios: [] }, observed);
    expect(report.scenarios).toEqual([]);
    expect(report.checks).toEqual(runChecks(observed, DEFAULT_CHECK_PARAMS));
    expect(report.checks.find((c) => c.id === 'initial-events.added')).toMatchObject({ status: 'warn', findings: [expect.not.objectContaining({ scenario: expect.anything() })] });
    expect(report.checkParams).toEqual({ base: DEFAULT_CHECK_PARAMS, byScenario: {} });
  });
});

describe('deriveReport: a run that could test nothing is INCONCLUSIVE, not PASS', () => {
  const forbidden = (verb: string) =>
    JSON.stringify({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `configmaps is forbidden: User "system:serviceaccount:ci:watchmark" cannot ${verb} resource "configmaps" in API group "" in the namespace "watchmark"`,
      reason: 'Forbidden',
      details: { kind: 'configmaps' },
      code: 403,
    });
  const scenarios: RunFacts['scenarios'] = ['watch-list', 'watch', 'validation-watch-list'].map((name) => ({ name, file: `scenarios/${name}.yaml`, description: '', checkParams: {} }));
  const multi: RunFacts = { ...facts, scenarios };

  /** Every request of a small default-like plan answered 403 (a proxy or RBAC without watch/list). */
  const allForbidden = run()
    .list({ sentAtMs: 0, atMs: 3, status: 403, scenario: 'watch', error: 'configmaps is forbidden: User "system:serviceaccount:ci:watchmark" cannot list resource "configmaps" in API group "" in the namespace "watchmark"' })
    .stream(watchListStream('watch-list#1').scenario('watch-list').sentAt(5).response(7, { status: 403, body: forbidden('watch') }).close(7))
    .stream(plainWatchStream('watch#1').scenario('watch').sentAt(5).response(7, { status: 403, body: forbidden('watch') }).close(7))
    .stream(plainWatchStream('validation-no-rvm#1', '', { resourceVersion: undefined, sendInitialEvents: true }).scenario('validation-watch-list').sentAt(5).response(7, { status: 403, body: forbidden('watch') }).close(7))
    .endedAt(16_000)
    .build();

  it('403 on every watch and the LIST: verdict inconclusive, exit code 2, each request with its status, reason and missing RBAC verb', () => {
    const report = deriveReport(multi, allForbidden);
    expect(report.counts.fail).toBe(0);
    expect(report.verdict).toBe('inconclusive');
    expect(exitCodeFor(report)).toBe(2);
    expect(report.untested.requests.map((r) => [r.id, r.kind, r.outcome, r.status, r.reason])).toEqual([
      ['watch-list#1', 'watch', 'denied', 403, 'Forbidden'],
      ['watch#1', 'watch', 'denied', 403, 'Forbidden'],
      ['validation-no-rvm#1', 'watch', 'denied', 403, 'Forbidden'],
      ['list#1', 'list', 'denied', 403, 'Forbidden'],
    ]);
    expect(report.untested.requests[0]?.missingPermission).toEqual({ verb: 'watch', resource: 'configmaps', group: '', namespace: 'watchmark' });
    expect(report.untested.requests[3]?.missingPermission).toEqual({ verb: 'list', resource: 'configmaps', group: '', namespace: 'watchmark' });
    const notRun = report.untested.checks.map((c) => c.id);
    expect(notRun).toContain('initial-events-end.present');
    expect(notRun).toContain('validation.watch-list');
    expect(report.untested.checks.find((c) => c.id === 'validation.watch-list')?.reason).toContain('answered HTTP 403 Forbidden');
    // validation.watch-list no longer claims a 422 it never saw.
    expect(report.checks.find((c) => c.id === 'validation.watch-list')).toMatchObject({ status: 'skip' });
    expect(report.checks.find((c) => c.id === 'validation.watch-list')?.summary).not.toContain('rejected with 422');
  });

  it('derives the RBAC verb from the request when the 403 body is not kube-apiserver\'s (a proxy): watch for a watch, list for a LIST', () => {
    const proxied = run()
      .list({ sentAtMs: 0, atMs: 3, status: 403, scenario: 'watch', error: 'HTTP 403: Forbidden by proxy' })
      .stream(plainWatchStream('watch#1').scenario('watch').sentAt(5).response(7, { status: 403, body: 'Forbidden by proxy' }).close(7))
      .endedAt(16_000)
      .build();
    const report = deriveReport(multi, proxied);
    expect(report.verdict).toBe('inconclusive');
    expect(report.untested.requests.map((r) => [r.id, r.message, r.missingPermission])).toEqual([
      ['watch#1', 'Forbidden by proxy', { verb: 'watch', resource: 'configmaps', group: '', namespace: 'watchmark' }],
      ['list#1', 'HTTP 403: Forbidden by proxy', { verb: 'list', resource: 'configmaps', group: '', namespace: 'watchmark' }],
    ]);
  });

  it('a failing finding wins over untested requests: FAIL, exit 1, with the untested requests still listed', () => {
    const failing = run()
      .stream(plainWatchStream('watch#1').scenario('watch').sentAt(5).response(7).malformed(9, '{"type":').close(10_000, 'client-abort'))
      .stream(watchListStream('watch-list#1').scenario('watch-list').sentAt(5).response(7, { status: 403, body: forbidden('watch') }).close(7))
      .endedAt(16_000)
      .build();
    const report = deriveReport(multi, failing);
    expect(report.verdict).toBe('fail');
    expect(exitCodeFor(report)).toBe(1);
    expect(report.untested.requests.map((r) => r.id)).toEqual(['watch-list#1']);
  });

  it('422s on the validation streams and on the watch-list of a server with WatchList off, and a 410 on an expired watch, are results: PASS, exit 0', () => {
    const invalid = JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Invalid', message: 'sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled', code: 422 });
    const gateOff = run()
      .list({ sentAtMs: 0, atMs: 3, scenario: 'watch', itemCount: 2 })
      .stream(watchListStream('watch-list#1').scenario('watch-list').sentAt(5).response(7, { status: 422, body: invalid }).close(7))
      .stream(plainWatchStream('watch#1').scenario('watch').sentAt(5).response(7).close(10_000, 'client-abort'))
      .stream(plainWatchStream('validation-no-rvm#1', '', { resourceVersion: undefined, sendInitialEvents: true }).scenario('validation-watch-list').sentAt(5).response(7, { status: 422, body: invalid }).close(7))
      .stream(plainWatchStream('expired-rv#1', '1').scenario('watch').sentAt(5).response(7, { status: 410, body: JSON.stringify({ kind: 'Status', apiVersion: 'v1', reason: 'Expired', code: 410 }) }).close(7))
      .endedAt(10_000)
      .build();
    const report = deriveReport(multi, gateOff);
    expect(report.untested).toEqual({ requests: [], checks: [] });
    expect(report.verdict).toBe('pass');
    expect(exitCodeFor(report)).toBe(0);
  });

  it('a watch that never got a response head is untested: INCONCLUSIVE when nothing fails, with how long it waited', () => {
    const many = run().list({ sentAtMs: 0, atMs: 3, scenario: 'watch' });
    for (let i = 1; i <= 150; i++) {
      const s = plainWatchStream(`watch#${i}`).scenario('watch').sentAt(100 + i);
      if (i <= 110) s.response(100 + i + 2);
      many.stream(s.close(12_000, 'client-abort'));
    }
    const report = deriveReport(multi, many.endedAt(12_000).build());
    expect(report.checks.find((c) => c.id === 'watch.answered')?.status).toBe('warn');
    expect(report.verdict).toBe('inconclusive');
    expect(exitCodeFor(report)).toBe(2);
    expect(report.untested.requests).toHaveLength(40);
    expect(report.untested.requests[0]).toMatchObject({ id: 'watch#111', outcome: 'no-response', status: null, reason: 'no response head', waitedMs: 11_789, missingPermission: null });
  });
});
