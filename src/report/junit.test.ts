import { describe, expect, it } from 'vitest';
import { assertWellFormed, failingCases, parseJunit } from '../../test/support/junit-xml.js';
import { failingReport, finding } from '../../test/support/report-fixture.js';
import { renderJunit } from './junit.js';
import type { Report } from './model.js';

describe('renderJunit', () => {
  it('renders a failing run: a suite per scenario, a testcase per check, and the client verdicts', async () => {
    // The fixture is hand-built (fixed times, 127.0.0.1:6443): nothing to normalise.
    await expect(renderJunit(failingReport())).toMatchFileSnapshot('./__snapshots__/junit-failing-run.xml');
  });

  it('typed and dynamic client-go verdicts are separate testcases; only the one that never syncs fails', () => {
    const report: Report = {
      ...failingReport(),
      clientGo: [
        { profile: 'client-go>=0.35 typed', outcome: 'never-syncs', syncedAfterMs: null, warnings: 1, skippedEvents: 1, explanation: 'Typed informer: skips it.', logLines: [], basedOn: ['watch-list#1'] },
        { profile: 'client-go>=0.35 dynamic', outcome: 'syncs', syncedAfterMs: 12, warnings: 0, explanation: 'Dynamic informer: syncs.', logLines: [], basedOn: ['watch-list#1'] },
      ],
    };
    const xml = renderJunit(report);
    const doc = parseJunit(xml);
    expect(failingCases(doc).filter((c) => c.startsWith('watchmark.client-verdicts/'))).toEqual(['watchmark.client-verdicts/client-go>=0.35 typed']);
    expect(xml).toContain('1 event(s) of another kind skipped');
    expect(xml).toContain('client-go&gt;=0.35 dynamic: syncs');
  });

  it('parses back to exactly the failing checks of each scenario, and the failing client', () => {
    const report = failingReport();
    const doc = parseJunit(renderJunit(report));
    const expected = report.scenarios.flatMap((s) => s.checks.filter((c) => c.status === 'fail').map((c) => `watchmark.${s.name}/${c.id}`));
    expect(expected).toEqual(['watchmark.watch-list/initial-events-end.present', 'watchmark.watch/stream.framing']);
    expect(failingCases(doc)).toEqual([...expected, 'watchmark.client-verdicts/client-go>=0.35']);

    expect(doc.suites.map((s) => s.attrs.name)).toEqual(['watch-list', 'watch', 'validation-watch-list', 'client-verdicts']);
    const watchList = doc.suites[0]!;
    expect(watchList.attrs).toMatchObject({ file: 'scenarios/watch-list.yaml', tests: '5', failures: '1', errors: '0', skipped: '1' });
    expect(watchList.attrs.time).toBe('29.993'); // how long its streams were observed
    expect(watchList.properties).toEqual({
      'watchmark.version': '0.0.0-test',
      'target.server': 'https://127.0.0.1:6443',
      'target.source': 'embedded',
      'target.serverVersion': 'v1.34.0-watchmark',
      resource: 'configmaps (v1 ConfigMap)',
      failOn: 'fail',
      verdict: 'fail',
    });

    // Root counts are the sums over the suites and match the testcases.
    const cases = doc.suites.flatMap((s) => s.cases);
    expect(doc.attrs).toMatchObject({
      name: 'watchmark',
      tests: String(cases.length),
      failures: String(cases.filter((c) => c.failure).length),
      skipped: String(cases.filter((c) => c.skipped).length),
      errors: '0',
      time: '30.382',
      timestamp: '2026-01-01T00:00:00',
    });
    expect(cases.length).toBe(3 * 5 + 3);
    for (const s of doc.suites) {
      expect(s.attrs.tests).toBe(String(s.cases.length));
      expect(s.attrs.failures).toBe(String(s.cases.filter((c) => c.failure).length));
      expect(s.attrs.skipped).toBe(String(s.cases.filter((c) => c.skipped).length));
    }
  });

  it('a failure lists that scenario’s findings of that check: message, stream and evidence', () => {
    const doc = parseJunit(renderJunit(failingReport()));
    const present = doc.suites[0]!.cases.find((c) => c.name === 'initial-events-end.present')!;
    expect(present.failure!.type).toBe('fail');
    expect(present.failure!.message).toBe('watch-list: 1 fail finding on 1 stream');
    expect(present.failure!.text).toContain('[FAIL] scenario watch-list, stream watch-list#1\nwatch-list#1: expected a BOOKMARK with metadata.annotations["k8s.io/initial-events-end"] == "true"');
    expect(present.failure!.text).toContain('KUBE_FEATURE_WatchListClient=false & a ListerWatcher with IsWatchListSemanticsUnSupported() <true>.');
    expect(present.failure!.text).toContain('evidence: {"stream":"watch-list#1","eventCounts":{"ADDED":18,"MODIFIED":12,"DELETED":5},"bookmarkAnnotations":[]}');

    // The watch scenario's stream.framing failure carries only its own finding; XML-illegal characters are dropped.
    const framing = doc.suites[1]!.cases.find((c) => c.name === 'stream.framing')!;
    expect(framing.failure!.text).toContain('watch#2: frame 3 is not JSON: {"type":"ADDED",[31m]]> \'');
    expect(framing.failure!.text).not.toContain('watch-list#1');
    // ... and stream.framing passes in the other scenarios.
    expect(doc.suites[0]!.cases.find((c) => c.name === 'stream.framing')).toEqual({ name: 'stream.framing', classname: 'watchmark.watch-list', time: '0' });
  });

  it('warn: a passing testcase with the warnings in system-out; skip: <skipped> with the reason', () => {
    const doc = parseJunit(renderJunit(failingReport()));
    const deadline = doc.suites[1]!.cases.find((c) => c.name === 'bookmark.before-deadline')!;
    expect(deadline.failure).toBeUndefined();
    expect(deadline.systemOut).toContain('watch: warn findings');
    expect(deadline.systemOut).toContain('[WARN] scenario watch, stream watch#1');
    expect(deadline.systemOut).toContain('[WARN] scenario watch, stream watch#2');
    const latency = doc.suites[0]!.cases.find((c) => c.name === 'initial-events-end.latency')!;
    expect(latency.systemOut).not.toContain('timing only'); // info findings stay in the JSON report
    const skipped = doc.suites[0]!.cases.find((c) => c.name === 'bookmark.before-deadline')!;
    expect(skipped.skipped).toEqual({ message: 'watch-list: nothing to check here' });
  });

  it('with --fail-on warn, warnings fail their testcases (type "warn")', () => {
    const doc = parseJunit(renderJunit(failingReport({ failOn: 'warn' })));
    expect(failingCases(doc)).toEqual([
      'watchmark.watch-list/initial-events-end.present',
      'watchmark.watch-list/initial-events-end.latency',
      'watchmark.watch-list/initial-events.added',
      'watchmark.watch/bookmark.before-deadline',
      'watchmark.watch/stream.framing',
      'watchmark.client-verdicts/client-go>=0.35',
    ]);
    const deadline = doc.suites[1]!.cases.find((c) => c.name === 'bookmark.before-deadline')!;
    expect(deadline.failure!.type).toBe('warn');
    expect(deadline.systemOut).toBeUndefined();
    expect(doc.attrs.failures).toBe('6');
  });

  it('client verdicts: never-syncs, loops, stops and crashes fail; syncs and falls-back pass', () => {
    const base = failingReport().clientGo[0]!;
    const outcomes = ['syncs', 'falls-back', 'never-syncs', 'loops', 'stops', 'crashes'] as const;
    const doc = parseJunit(renderJunit(failingReport({ clientGo: outcomes.map((outcome) => ({ ...base, outcome })) })));
    const clients = doc.suites.at(-1)!;
    expect(clients.attrs.name).toBe('client-verdicts');
    expect(clients.cases.map((c) => c.failure?.type ?? 'pass')).toEqual(['pass', 'pass', 'never-syncs', 'loops', 'stops', 'crashes']);
    expect(clients.cases[2]!.failure!.text).toContain('+10000 ms Warning: event bookmark expired');
    expect(clients.cases[0]!.systemOut).toContain('client-go>=0.35: syncs');
  });

  it('escapes every value: markup, quotes, line breaks in attributes; drops characters XML cannot carry', () => {
    const nasty = 'a & b < c > d "e" \'f\' ]]> tab\there\nline\r\n\u0000\u0008\u000b\u001f\ud800\uffff end 😀';
    const report = failingReport({
      target: { server: `https://${nasty}`, source: 'flags', serverVersion: nasty, description: nasty },
      scenarios: [{ name: `s${nasty}`, file: nasty, description: nasty, checks: [{ id: 'stream.framing', status: 'fail', summary: nasty }] }],
      checks: [{ id: 'stream.framing', status: 'fail', summary: nasty, findings: [finding('fail', `s${nasty}`, nasty, nasty, { raw: nasty })] }],
      clientGo: [],
    });
    const xml = renderJunit(report);
    assertWellFormed(xml);
    const doc = parseJunit(xml);
    const clean = 'a & b < c > d "e" \'f\' ]]> tab\there\nline\r\n end 😀';
    const c = doc.suites[0]!.cases[0]!;
    expect(doc.suites[0]!.attrs.name).toBe(`s${clean}`);
    expect(doc.suites[0]!.properties['target.serverVersion']).toBe(clean);
    expect(c.classname).toBe(`watchmark.s${clean}`);
    expect(c.failure!.message).toBe(clean);
    expect(c.failure!.text).toContain(`\n${clean.replace('\r\n', '\n')}\n`); // XML parsers normalise CR LF in text to LF
  });

  it('a report without per-scenario results (observe) becomes one suite from the combined checks', () => {
    const report: Report = failingReport({ scenarios: [], clientGo: [] });
    const doc = parseJunit(renderJunit(report));
    expect(doc.suites.map((s) => s.attrs.name)).toEqual(['checks']);
    expect(failingCases(doc)).toEqual(['watchmark.checks/initial-events-end.present', 'watchmark.checks/stream.framing']);
    expect(doc.suites[0]!.cases.find((c) => c.name === 'stream.framing')!.failure!.text).toContain('scenario watch, stream watch#2');
  });

  it('a passing run has no failures', () => {
    const report = failingReport({
      verdict: 'pass',
      checks: failingReport().checks.map((c) => ({ ...c, status: 'pass', findings: [] })),
      scenarios: failingReport().scenarios.map((s) => ({ ...s, checks: s.checks.map((c) => ({ ...c, status: 'pass' as const })) })),
      clientGo: failingReport().clientGo.map((v) => ({ ...v, outcome: 'syncs' as const })),
    });
    const doc = parseJunit(renderJunit(report));
    expect(failingCases(doc)).toEqual([]);
    expect(doc.attrs).toMatchObject({ tests: '18', failures: '0', skipped: '0' });
  });
});
