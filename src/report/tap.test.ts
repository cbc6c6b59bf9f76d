import { describe, expect, it } from 'vitest';
import { failingReport } from '../../test/support/report-fixture.js';
import { parseTap } from '../../test/support/tap.js';
import type { Report } from './model.js';
import { renderTap } from './tap.js';

describe('renderTap', () => {
  it('renders a failing run: TAP 14, a plan, a test point per scenario and check', async () => {
    // The fixture is hand-built (fixed times, 127.0.0.1:6443): nothing to normalise.
    await expect(renderTap(failingReport())).toMatchFileSnapshot('./__snapshots__/tap-failing-run.tap');
  });

  it('parses back as TAP 14: plan count = test points, numbered 1..N, named SCENARIO/CHECK in report order', () => {
    const report = failingReport();
    const tap = parseTap(renderTap(report));
    const expected = report.scenarios.flatMap((s) => s.checks.map((c) => `${s.name}/${c.id}`));
    expect(expected.length).toBe(15);
    expect(tap.plan).toEqual({ count: 15, reason: null });
    expect(tap.points.map((p) => p.number)).toEqual(expected.map((_, i) => i + 1));
    expect(tap.points.map((p) => p.description)).toEqual(expected);
  });

  it('fail is not ok, warn ok (with its diagnostics), skip ok with a SKIP reason, pass ok without a block', () => {
    const report = failingReport();
    const points = new Map(parseTap(renderTap(report)).points.map((p) => [p.description, p]));
    const present = points.get('watch-list/initial-events-end.present')!;
    expect(present.ok).toBe(false);
    expect(present.directive).toBeNull();
    const endFinding = report.checks.find((c) => c.id === 'initial-events-end.present')!.findings[0]!;
    expect(present.diagnostic).toEqual({
      severity: 'fail',
      message: 'watch-list: 1 fail finding on 1 stream',
      findings: [{ severity: 'fail', stream: 'watch-list#1', message: endFinding.message, evidence: endFinding.evidence }],
    });

    const latency = points.get('watch-list/initial-events-end.latency')!;
    expect(latency.ok).toBe(true);
    // Only this scenario's warnings: the info finding is a timing, not why the point is a warn.
    expect(latency.diagnostic).toMatchObject({ severity: 'warn', message: 'watch-list: warn findings', findings: [{ severity: 'warn', stream: 'watch-list#1' }] });
    expect((latency.diagnostic!.findings as unknown[]).length).toBe(1);

    const deadline = points.get('watch/bookmark.before-deadline')!;
    expect(deadline.ok).toBe(true);
    expect((deadline.diagnostic!.findings as Array<{ stream: string }>).map((f) => f.stream)).toEqual(['watch#1', 'watch#2']);

    const skipped = points.get('watch-list/bookmark.before-deadline')!;
    expect(skipped).toMatchObject({ ok: true, directive: { kind: 'SKIP', reason: 'watch-list: nothing to check here' } });
    expect(skipped.diagnostic).toEqual({ severity: 'skip', message: 'watch-list: nothing to check here', findings: [] });

    const passed = points.get('watch-list/stream.framing')!;
    expect(passed).toMatchObject({ ok: true, directive: null, diagnostic: null });
  });

  it('--fail-on warn: warn points are not ok, as the run fails on them', () => {
    const tap = parseTap(renderTap(failingReport({ failOn: 'warn' })));
    const notOk = tap.points.filter((p) => !p.ok).map((p) => p.description);
    expect(notOk).toEqual([
      'watch-list/initial-events-end.present',
      'watch-list/initial-events-end.latency',
      'watch-list/initial-events.added',
      'watch/bookmark.before-deadline',
      'watch/stream.framing',
    ]);
  });

  it('raw frame bytes in a finding (control characters, quotes, a lone surrogate) stay inside the YAML block and read back unchanged', () => {
    const report = failingReport();
    const framing = parseTap(renderTap(report)).points.find((p) => p.description === 'watch/stream.framing')!;
    const original = report.checks.find((c) => c.id === 'stream.framing')!.findings[0]!;
    expect(framing.diagnostic!.findings).toEqual([{ severity: 'fail', stream: 'watch#2', message: original.message, evidence: original.evidence }]);
  });

  it('escapes # and \\ in descriptions and keeps a multi-line skip reason on one line', () => {
    const report = failingReport({
      scenarios: [{ name: 'odd #1 \\ name', file: '', description: '', checks: [{ id: 'stream.framing', status: 'skip', summary: 'no stream\nwas opened # at all' }] }],
    });
    const text = renderTap(report);
    expect(text).toContain('ok 1 - odd \\#1 \\\\ name/stream.framing # SKIP no stream was opened # at all\n');
    expect(parseTap(text).points[0]).toMatchObject({ description: 'odd #1 \\ name/stream.framing', directive: { kind: 'SKIP', reason: 'no stream was opened # at all' } });
  });

  it('a report without scenarios (observe) has a test point per combined check, named by its id', () => {
    const report = failingReport({ scenarios: [] });
    const tap = parseTap(renderTap(report));
    expect(tap.points.map((p) => [p.description, p.ok])).toEqual(report.checks.map((c) => [c.id, c.status !== 'fail']));
    // Unfiltered: every fail and warn finding of the combined check.
    const present = tap.points.find((p) => p.description === 'stream.framing')!;
    expect((present.diagnostic!.findings as unknown[]).length).toBe(1);
  });

  it('no check results: an empty plan with a reason', () => {
    const text = renderTap(failingReport({ scenarios: [], checks: [] }));
    expect(text.split('\n').slice(0, 2)).toEqual(['TAP version 14', '1..0 # no check results']);
    expect(parseTap(text).points).toEqual([]);
  });

  it('the verdict, client verdicts and untested requests follow as comments', () => {
    const inconclusive: Report = failingReport({
      verdict: 'inconclusive',
      untested: {
        requests: [{ id: 'watch#1', kind: 'watch', scenario: 'watch', outcome: 'denied', status: 403, reason: 'Forbidden', message: null, missingPermission: null, waitedMs: null }],
        checks: [],
      },
    });
    expect(parseTap(renderTap(inconclusive)).comments).toEqual([
      'verdict INCONCLUSIVE (fail on fail): 2 fail, 4 warn, 1 info',
      'client-go>=0.35: never-syncs',
      'client-go<=0.34: syncs',
      'client-node: syncs',
      'untested: 1 request(s) got no usable answer',
    ]);
  });

  it('the line checker rejects what TAP 14 does not allow (it is not a mirror of the renderer)', () => {
    const good = 'TAP version 14\n1..2\nok 1 - a\nnot ok 2 - b\n  ---\n  severity: fail\n  ...\n';
    expect(parseTap(good).points.map((p) => p.ok)).toEqual([true, false]);
    expect(() => parseTap(good.replace('1..2', '1..3'))).toThrow(/plan 1\.\.3 but 2 test points/);
    expect(() => parseTap(good.replace('not ok 2', 'not ok 3'))).toThrow(/test point 2 is numbered 3/);
    expect(() => parseTap(good.replace('  severity', ' severity'))).toThrow(/not indented two spaces/);
    expect(() => parseTap(good.replace('  ...\n', ''))).toThrow(/never closed/);
    expect(() => parseTap(good.replace('TAP version 14', 'TAP version 13'))).toThrow(/not "TAP version 14"/);
    expect(() => parseTap(good.replace('ok 1 - a', 'ok 1 - a #1'))).toThrow(/unescaped #/);
    expect(() => parseTap(good.replace('1..2\n', '') + '1..2\n')).not.toThrow(); // a trailing plan is fine
    expect(() => parseTap(good.replace('1..2\n', '').replace('ok 1 - a\n', 'ok 1 - a\n1..2\n'))).toThrow(/neither first nor after the last/);
  });
});
