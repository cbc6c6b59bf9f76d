import { describe, expect, it } from 'vitest';
import { plainWatchStream, run, watchListStream } from '../../test/support/timeline-builder.js';
import { DEFAULT_CHECK_PARAMS } from '../checks/types.js';
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
});
