import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { failingCases, parseJunit } from '../../test/support/junit-xml.js';
import { failingReport } from '../../test/support/report-fixture.js';
import { isolatedEnv } from '../../test/support/cli.js';
import { parseTap } from '../../test/support/tap.js';
import { checkOutputPaths } from '../output-file.js';
import { OUTPUT_FORMATS } from '../report/formats.js';
import { renderGithubAnnotations, renderGithubSummary } from '../report/github.js';
import { renderTap } from '../report/tap.js';
import type { CliIo } from './io.js';
import { buildProgram } from './main.js';
import { outputFileFlags, resolveOutputFlags, stdoutTaken, writeReportOutputs } from './outputs.js';
import { reportCommand } from './report-command.js';
import { runCommand } from './run-command.js';

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

  it('any two formats that may go to stdout conflict there, whichever they are (--tap - with --json -)', () => {
    expect(() => resolveOutputFlags({ json: '-', junit: '-' }, {})).toThrow(
      expect.objectContaining({ code: 'WM_USAGE', message: '--json - and --junit - both want stdout; write one of them to a file' }),
    );
    expect(() => resolveOutputFlags({ tap: '-', json: '-' }, {})).toThrow(
      expect.objectContaining({ code: 'WM_USAGE', message: '--json - and --tap - both want stdout; write one of them to a file' }),
    );
    const onStdout = OUTPUT_FORMATS.filter((f) => f.stdout);
    expect(onStdout.map((f) => f.name)).toEqual(['json', 'junit', 'tap']);
    for (const a of onStdout) {
      expect(stdoutTaken(resolveOutputFlags({ [a.name]: '-' }, {}))).toBe(true);
      for (const b of onStdout.filter((f) => f !== a)) {
        expect(() => resolveOutputFlags({ [a.name]: '-', [b.name]: '-' }, {})).toThrow(/both want stdout; write one of them to a file$/);
      }
    }
    expect(resolveOutputFlags({ tap: '-', json: 'r.json' }, { GITHUB_ACTIONS: 'true' })).toEqual({ tap: '-', json: 'r.json', github: { annotations: 'stderr' } });
  });

  it('the path checks cover every format: two formats naming one file are refused', () => {
    const out = path.join(dir, 'out.txt');
    expect(outputFileFlags({ tap: out })).toEqual(OUTPUT_FORMATS.map((f) => [f.flag, f.name === 'tap' ? out : undefined]));
    expect(() => checkOutputPaths(outputFileFlags({ json: out, tap: out }))).toThrow(`--json and --tap both write ${out}; give each its own file`);
  });
});

describe('the registry drives the commands', () => {
  const helpOf = async (command: string) => {
    const chunks: string[] = [];
    const sink = { isTTY: false, columns: 200, write: (c: string) => (chunks.push(String(c)), true) } as unknown as CliIo['stdout'];
    const program = buildProgram({ stdout: sink, stderr: sink, env: isolatedEnv() }, new AbortController().signal, () => {});
    await expect(program.parseAsync(['node', 'watchmark', command, '--help'])).rejects.toMatchObject({ exitCode: 0 });
    return chunks.join('').replace(/\s+/g, ' ');
  };

  it('run --help and report --help list a flag per format, --tap included, with its help', async () => {
    for (const command of ['run', 'report']) {
      const help = await helpOf(command);
      expect(help).toContain('--tap <file> write a TAP 14 report (a test point per scenario and check) to FILE, or - for stdout');
      for (const f of OUTPUT_FORMATS) expect([command, help.includes(`${f.flag} <file> ${f.help}`)]).toEqual([command, true]);
      expect(help).toContain('--no-github');
    }
  });

  it('report: the config refuses a file-only format on stdout and two formats on stdout, before reading the recording', async () => {
    const io = fakeIo();
    const missing = path.join(dir, 'never-read.ndjson');
    await expect(reportCommand(missing, { html: '-', color: false }, io)).rejects.toThrow(/^--html: write the HTML report to a file, not stdout$/);
    await expect(reportCommand(missing, { tap: '-', junit: '-', color: false }, io)).rejects.toThrow('--junit - and --tap - both want stdout');
    await expect(reportCommand(missing, { tap: path.join(dir, 'a'), json: path.join(dir, 'a'), color: false }, io)).rejects.toThrow(/--json and --tap both write/);
  });

  it('run --all-resources refuses every report format but --json (the matrix) before contacting anything', async () => {
    const flags = { allResources: true, tap: 't.tap', junit: 'j.xml', failOn: 'fail', quick: false, embedded: false, profile: 'reference', color: false };
    await expect(runCommand(flags, fakeIo(), new AbortController().signal)).rejects.toThrow(
      '--all-resources runs a read-only probe per resource; --junit, --tap only apply to the suite',
    );
  });
});

describe('writeReportOutputs', () => {
  it('writes JUnit, prints annotations where told and appends the summary to GITHUB_STEP_SUMMARY', async () => {
    const report = failingReport();
    const junit = path.join(dir, 'junit.xml');
    const summary = path.join(dir, 'summary.md');
    writeFileSync(summary, '# from an earlier command of the step\n');
    const io = fakeIo();
    await writeReportOutputs(report, null, { json: '-', junit, github: { annotations: 'stderr', summaryFile: summary } }, io);
    await flush();
    expect(JSON.parse(io.out())).toEqual(report); // stdout holds only the JSON report
    expect(io.err()).toBe(renderGithubAnnotations(report));
    expect(failingCases(parseJunit(readFileSync(junit, 'utf8')))).toContain('watchmark.watch-list/initial-events-end.present');
    expect(readFileSync(summary, 'utf8')).toBe('# from an earlier command of the step\n' + renderGithubSummary(report));
  });

  it('writes TAP to a file and to stdout (-), like the other formats', async () => {
    const report = failingReport();
    const tap = path.join(dir, 'sub', 'report.tap');
    await writeReportOutputs(report, null, { tap }, fakeIo());
    expect(readFileSync(tap, 'utf8')).toBe(renderTap(report));
    const io = fakeIo();
    await writeReportOutputs(report, null, { tap: '-' }, io);
    await flush();
    expect(parseTap(io.out()).points.length).toBe(15);
    expect(io.err()).toBe('');
  });

  it('a summary file it cannot append to is a one-line usage error naming GITHUB_STEP_SUMMARY', async () => {
    const missing = path.join(dir, 'no-such-dir', 'summary.md');
    await expect(writeReportOutputs(failingReport(), null, { github: { annotations: 'stdout', summaryFile: missing } }, fakeIo())).rejects.toThrow(
      expect.objectContaining({ code: 'WM_USAGE', message: expect.stringMatching(/^GITHUB_STEP_SUMMARY .*summary\.md: cannot append the summary/) }),
    );
  });
});
