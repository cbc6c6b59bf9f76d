import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { failingCases, parseJunit } from '../../test/support/junit-xml.js';
import { failingReport } from '../../test/support/report-fixture.js';
import { renderGithubAnnotations, renderGithubSummary } from '../report/github.js';
import type { CliIo } from './io.js';
import { resolveOutputFlags, stdoutTaken, writeReportOutputs } from './outputs.js';

function fakeIo(): CliIo & { out: () => string; err: () => string } {
  const capture = () => {
    const stream = new PassThrough();
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
  };
  const stdout = capture();
  const stderr = capture();
  return { stdout: stdout.stream, stderr: stderr.stream, env: {}, out: stdout.text, err: stderr.text };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'watchmark-outputs-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('resolveOutputFlags', () => {
  it('GitHub outputs: on with GITHUB_ACTIONS=true unless --no-github, on with --github anywhere', () => {
    const gha = { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: '/runner/summary.md' };
    expect(resolveOutputFlags({}, gha).github).toEqual({ annotations: 'stdout', summaryFile: '/runner/summary.md' });
    expect(resolveOutputFlags({ github: false }, gha).github).toBeUndefined();
    expect(resolveOutputFlags({}, {}).github).toBeUndefined();
    expect(resolveOutputFlags({ github: true }, {}).github).toEqual({ annotations: 'stdout' });
  });

  it('annotations move to stderr when a report owns stdout (the runner parses workflow commands on both)', () => {
    const gha = { GITHUB_ACTIONS: 'true' };
    expect(resolveOutputFlags({ json: '-' }, gha)).toEqual({ json: '-', github: { annotations: 'stderr' } });
    expect(resolveOutputFlags({ junit: '-', json: 'r.json' }, gha)).toEqual({ json: 'r.json', junit: '-', github: { annotations: 'stderr' } });
    expect(stdoutTaken({ junit: '-' })).toBe(true);
    expect(stdoutTaken({ json: 'r.json', junit: 'j.xml' })).toBe(false);
  });

  it('refuses two reports on stdout', () => {
    expect(() => resolveOutputFlags({ json: '-', junit: '-' }, {})).toThrow(/--json - and --junit - both want stdout/);
  });
});

describe('writeReportOutputs', () => {
  it('writes JUnit, prints annotations where told and appends the summary to GITHUB_STEP_SUMMARY', async () => {
    const report = failingReport();
    const junit = path.join(dir, 'junit.xml');
    const summary = path.join(dir, 'summary.md');
    writeFileSync(summary, '# from an earlier command of the step\n');
    const io = fakeIo();
    writeReportOutputs(report, null, { json: '-', junit, github: { annotations: 'stderr', summaryFile: summary } }, io);
    await flush();
    expect(JSON.parse(io.out())).toEqual(report); // stdout holds only the JSON report
    expect(io.err()).toBe(renderGithubAnnotations(report));
    expect(failingCases(parseJunit(readFileSync(junit, 'utf8')))).toContain('watchmark.watch-list/initial-events-end.present');
    expect(readFileSync(summary, 'utf8')).toBe('# from an earlier command of the step\n' + renderGithubSummary(report));
  });

  it('a summary file it cannot append to is a one-line usage error naming GITHUB_STEP_SUMMARY', () => {
    const missing = path.join(dir, 'no-such-dir', 'summary.md');
    expect(() => writeReportOutputs(failingReport(), null, { github: { annotations: 'stdout', summaryFile: missing } }, fakeIo())).toThrow(
      expect.objectContaining({ code: 'WM_USAGE', message: expect.stringMatching(/^GITHUB_STEP_SUMMARY .*summary\.md: cannot append the summary/) }),
    );
  });
});
