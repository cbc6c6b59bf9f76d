import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Report } from '../src/report/model.js';
import { isolatedEnv, runCli } from './support/cli.js';
import { failingCases, parseJunit } from './support/junit-xml.js';

// One subprocess run (about 30 s: the kinm watch-list is observed until the quick suite's 30 s
// limit) checks every CI output together: JUnit, GitHub annotations and the step summary.
describe('watchmark run: CI outputs (CLI subprocess, embedded kinm profile)', () => {
  it('--junit FILE on GitHub Actions: exits 1, the JUnit lists the failing checks, annotations on stdout, summary appended', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'watchmark-ci-'));
    const junit = path.join(dir, 'junit.xml');
    const json = path.join(dir, 'report.json');
    const summary = path.join(dir, 'step-summary.md');
    writeFileSync(summary, '# written by an earlier command of the step\n');
    const res = await runCli(['run', '--embedded', '--quick', '--profile', 'kinm', '--junit', junit, '--json', json], {
      env: isolatedEnv({ GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary }),
    });
    expect(res.code, res.stderr).toBe(1);
    const report = JSON.parse(readFileSync(json, 'utf8')) as Report;

    // JUnit: exactly the checks that failed in each scenario, plus the client that never syncs.
    const doc = parseJunit(readFileSync(junit, 'utf8'));
    const failedChecks = report.scenarios.flatMap((s) => s.checks.filter((c) => c.status === 'fail').map((c) => `watchmark.${s.name}/${c.id}`));
    expect(failedChecks).toContain('watchmark.watch-list/initial-events-end.present');
    expect(failingCases(doc)).toEqual([...failedChecks, 'watchmark.client-verdicts/client-go>=0.35']);
    expect(doc.attrs.tests).toBe(String(report.scenarios.reduce((n, s) => n + s.checks.length, 0) + report.clientGo.length));
    const present = doc.suites.find((s) => s.attrs.name === 'watch-list')!.cases.find((c) => c.name === 'initial-events-end.present')!;
    expect(present.failure!.text).toMatch(/stream watch-list#1\nwatch-list#1: expected a BOOKMARK with metadata\.annotations\["k8s\.io\/initial-events-end"\]/);

    // Annotations: workflow commands on stdout (no report owns it), none on stderr.
    const errors = res.stdout.split('\n').filter((l) => l.startsWith('::error '));
    expect(errors.some((line) => /^::error title=watchmark%3A initial-events-end\.present \(watch-list\)::watch-list#1: expected a BOOKMARK/.test(line)), errors.join('\n')).toBe(true);
    expect(res.stdout.split('\n').filter((l) => l.startsWith('::warning ')).length).toBeGreaterThan(0);
    expect(res.stderr).not.toMatch(/^::/m);
    expect(res.stdout).toMatch(/Verdict: FAIL/);

    // Step summary: appended after what the step wrote before.
    const md = readFileSync(summary, 'utf8');
    expect(md.startsWith('# written by an earlier command of the step\n## watchmark: ❌ FAIL\n')).toBe(true);
    expect(md).toContain('| `client-go>=0.35` | ❌ never syncs |');
    expect(md).toContain('| `initial-events-end.present` | ❌ fail |');
  });
});
