import { describe, expect, it } from 'vitest';
import type { Check, CheckParams, CheckResult } from '../checks/types.js';
import { DEFAULT_CHECK_PARAMS } from '../checks/types.js';
import type { RunRecord, StreamRecord } from '../record/timeline.js';
import { combine, runScenarioChecks } from './scenario-checks.js';

function stream(id: string, scenario: string): StreamRecord {
  return {
    id,
    scenario,
    request: { method: 'GET', path: '/x', watched: { apiVersion: 'v1', kind: 'ConfigMap', resource: 'configmaps' }, options: {}, sentAtMs: 0 },
    entries: [],
  } as unknown as StreamRecord;
}

const record: RunRecord = { anchorWallMs: 0, streams: [stream('a#1', 'a'), stream('b#1', 'b'), stream('b#2', 'b')], lists: [], writes: [], endedAtMs: 1 };

/** A check that reports what it saw, so the test can tell which streams and params reached it. */
const probe: Check = {
  id: 'probe',
  title: 'probe',
  maxSeverity: 'fail',
  source: 'test',
  fix: 'n/a',
  run(r: RunRecord, p: CheckParams): CheckResult {
    const ids = r.streams.map((s) => s.id).join(',');
    const failing = p.maxEventLatencyMs === 1;
    return {
      id: 'probe',
      status: failing ? 'fail' : 'pass',
      summary: `${ids} latency=${p.maxEventLatencyMs}`,
      findings: failing ? [{ severity: 'fail', message: 'too slow', evidence: {} }] : [],
    };
  },
};

describe('runScenarioChecks', () => {
  it("runs each check on each scenario's streams with defaults < scenario file < command line", () => {
    const out = runScenarioChecks(
      record,
      [
        { name: 'a', file: 'a.yaml', description: 'A', checkParams: { maxEventLatencyMs: 1 } },
        { name: 'b', file: 'b.yaml', description: 'B', checkParams: {} },
      ],
      { defaults: DEFAULT_CHECK_PARAMS, overrides: {} },
      [probe],
    );
    expect(out.scenarios.map((s) => s.checks[0]!.summary)).toEqual(['a#1 latency=1', 'b#1,b#2 latency=null']);
    expect(out.checks[0]!.status).toBe('fail');
    expect(out.checks[0]!.findings).toEqual([{ severity: 'fail', message: 'too slow', evidence: {}, scenario: 'a' }]);
    expect(out.checks[0]!.summary).toBe('a: a#1 latency=1 (+1 more scenario)');

    const overridden = runScenarioChecks(
      record,
      [{ name: 'a', file: 'a.yaml', description: 'A', checkParams: { maxEventLatencyMs: 1 } }],
      { defaults: DEFAULT_CHECK_PARAMS, overrides: { maxEventLatencyMs: 500 } },
      [probe],
    );
    expect(overridden.checks[0]).toMatchObject({ status: 'pass', summary: 'a#1 latency=500' });
  });
});

describe('combine', () => {
  const r = (status: CheckResult['status'], summary: string): CheckResult => ({ id: 'x', status, summary, findings: [] });

  it('takes the worst status and quotes the scenarios that have it', () => {
    const c = combine('x', [
      { scenario: 's1', result: r('pass', 'fine') },
      { scenario: 's2', result: r('warn', 'slow') },
      { scenario: 's3', result: r('skip', 'n/a') },
    ]);
    expect(c).toMatchObject({ status: 'warn', summary: 's2: slow (+1 more scenario)' });
  });

  it('is skip only when every scenario skipped, quoting the rarest reason', () => {
    const c = combine('x', [
      { scenario: 's1', result: r('skip', 'no watch-list stream') },
      { scenario: 's2', result: r('skip', 'the server still serves RV 1') },
      { scenario: 's3', result: r('skip', 'no watch-list stream') },
    ]);
    // The reason only one scenario gives is the specific one.
    expect(c).toMatchObject({ status: 'skip', summary: 'the server still serves RV 1 (2 other scenarios skipped for another reason)' });
  });

  it('lists a finding every scenario made about the shared writes once, and keeps per-scenario ones', () => {
    const shared = { severity: 'fail' as const, message: 'create of a reused RV 47', evidence: { resourceVersion: '47' } };
    const own = { severity: 'fail' as const, stream: 'w#1', message: 'w#1 went back', evidence: {} };
    const c = combine('x', [
      { scenario: 's1', result: { ...r('fail', 'reuse'), findings: [shared, shared] } },
      { scenario: 's2', result: { ...r('fail', 'reuse'), findings: [shared, own] } },
    ]);
    expect(c.findings).toEqual([
      { ...shared, scenario: 's1' },
      { ...shared, scenario: 's1' },
      { ...own, scenario: 's2' },
    ]);
  });

  it('keeps a single scenario\'s result as it is', () => {
    expect(combine('x', [{ scenario: 'only', result: r('pass', 'fine') }])).toEqual({ id: 'x', status: 'pass', summary: 'fine', findings: [] });
  });
});
