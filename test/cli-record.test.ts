import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../src/report/model.js';
import { startEmbeddedServer } from '../src/server/index.js';
import { runCli, startCli, type CliResult } from './support/cli.js';
import { parseTap } from './support/tap.js';

function tmpDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'watchmark-record-'));
}

function readJson(file: string): Report {
  return JSON.parse(readFileSync(file, 'utf8')) as Report;
}

describe('run --record and watchmark report (CLI subprocess)', () => {
  const dir = tmpDir();
  const recording = path.join(dir, 'rec.ndjson');
  const live = path.join(dir, 'live.json');
  let run: CliResult;

  beforeAll(async () => {
    run = await runCli(['run', '--embedded', '--quick', '--progress', 'none', '--record', recording, '--json', live]);
  });

  it('replaying a recording of a real run gives a report equal to the live one', async () => {
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['live.json', 'rec.ndjson']); // no temp files left
    const replayed = path.join(dir, 'replayed.json');
    const res = await runCli(['report', recording, '--json', replayed]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toBe(''); // no notices: a complete recording by this very watchmark
    const a = readJson(live);
    const b = readJson(replayed);
    expect(b).toEqual(a);
    expect(readFileSync(replayed, 'utf8')).toBe(readFileSync(live, 'utf8'));
    // The same terminal summary, too, and the run really measured something.
    expect(res.stdout).toBe(run.stdout);
    expect(a.streams.length).toBeGreaterThan(5);
    expect(a.checks.find((c) => c.id === 'initial-events-end.present')?.status).toBe('pass');
  });

  it('records every frame with its arrival time, response headers and close reasons, one JSON object per line', () => {
    const lines = readFileSync(recording, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
    expect(lines[0]).toMatchObject({ kind: 'watchmark-recording', version: 1, failOn: 'fail', target: { source: 'embedded' } });
    expect(lines.at(-1)).toMatchObject({ kind: 'end', workload: { cleanupProblems: [] } });
    const entries = lines.filter((l) => l.kind === 'entry').map((l) => l.entry);
    expect(entries.some((e) => e.kind === 'event' && e.type === 'BOOKMARK' && typeof e.atMs === 'number')).toBe(true);
    expect(entries.filter((e) => e.kind === 'response').every((e) => e.headers['content-type'] !== undefined)).toBe(true);
    expect(entries.filter((e) => e.kind === 'close').map((e) => e.reason)).toContain('server-eof');
    expect(lines.filter((l) => l.kind === 'write').length).toBe(readJson(live).workload!.writes);
  });

  it('report --fail-on differs from the run\'s: the verdict follows it, the recorded config stays', async () => {
    const res = await runCli(['report', recording, '--fail-on', 'warn', '--json', '-']);
    expect(res.code, res.stderr).toBe(0);
    const report = JSON.parse(res.stdout) as Report;
    expect(report.failOn).toBe('warn');
    expect(report.config.failOn).toBe('fail');
    expect(res.stderr).toMatch(/Verdict: PASS/); // the summary moved to stderr
  });

  it('reads a recording cut short, with a notice', async () => {
    const text = readFileSync(recording, 'utf8');
    const cut = path.join(dir, 'cut.ndjson');
    writeFileSync(cut, text.slice(0, Math.floor(text.length / 2)));
    const res = await runCli(['report', cut, '--json', '-']);
    expect([0, 1], res.stderr).toContain(res.code);
    expect(res.stderr).toMatch(new RegExp(`watchmark: ${cut.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: recording is incomplete \\(no footer, line \\d+ cut short\\): the run was interrupted`));
    expect((JSON.parse(res.stdout) as Report).streams.length).toBeLessThan(readJson(live).streams.length);
  });

  it('exits 2 naming the file and line for a missing or invalid recording', async () => {
    const missing = await runCli(['report', path.join(dir, 'nope.ndjson')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`watchmark: cannot read recording ${path.join(dir, 'nope.ndjson')}: no such file (WM_RECORDING)\n`);

    const lines = readFileSync(recording, 'utf8').split('\n');
    lines[16] = 'not json';
    const bad = path.join(dir, 'bad.ndjson');
    writeFileSync(bad, lines.join('\n'));
    const res = await runCli(['report', bad]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/^watchmark: .*bad\.ndjson:17: not a JSON object \(.*\) \(WM_RECORDING\)\n$/);

    const json = await runCli(['report', live]);
    expect(json.code).toBe(2);
    expect(json.stderr).toMatch(/live\.json:1: not a JSON object/);
  });

  it('report --tap -: TAP 14 on stdout, a test point per scenario and check of the live report, the summary on stderr', async () => {
    const res = await runCli(['report', recording, '--tap', '-']);
    const report = readJson(live);
    expect(res.code, res.stderr).toBe(0); // exitCodeFor(report): the live run passed
    const tap = parseTap(res.stdout); // stdout holds only the TAP
    expect(tap.points.map((p) => p.description)).toEqual(report.scenarios.flatMap((s) => s.checks.map((c) => `${s.name}/${c.id}`)));
    expect(tap.points.length).toBeGreaterThan(10);
    expect(tap.points.filter((p) => !p.ok)).toEqual([]);
    const skips = report.scenarios.flatMap((s) => s.checks.filter((c) => c.status === 'skip').map((c) => `${s.name}/${c.id}`));
    expect(skips.length).toBeGreaterThan(0);
    expect(tap.points.filter((p) => p.directive?.kind === 'SKIP').map((p) => p.description)).toEqual(skips);
    expect(res.stderr).toMatch(/Verdict: PASS/);

    const both = await runCli(['report', recording, '--tap', '-', '--json', '-']);
    expect(both.code).toBe(2);
    expect(both.stderr).toBe('watchmark: --json - and --tap - both want stdout; write one of them to a file (WM_USAGE)\n');
  });
});

describe('run --record: credentials and interruptions', () => {
  it('a run with --token writes a recording that does not contain the token', async () => {
    await using server = await startEmbeddedServer({ tls: false });
    const dir = tmpDir();
    const recording = path.join(dir, 'rec.ndjson');
    const res = await runCli(['run', '--server', server.url, '--token', server.token, '--quick', '--progress', 'none', '--record', recording]);
    expect(res.code, res.stderr).toBe(0);
    const text = readFileSync(recording, 'utf8');
    expect(text.length).toBeGreaterThan(10_000);
    expect(text).not.toContain(server.token);
    expect(text).toContain('"token":"[redacted]"'); // the config says a token was given, not which
  });

  it('Ctrl-C leaves no recording (and no temp file) behind', async () => {
    const dir = tmpDir();
    const run = startCli(['run', '--embedded', '--quick', '--progress', 'none', '--record', path.join(dir, 'rec.ndjson')]);
    await run.waitFor(/observe: /);
    run.child.kill('SIGINT');
    const res = await run.result;
    expect(res.code, res.stderr).toBe(130);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses --record - (stdout carries the summary or a report)', async () => {
    const res = await runCli(['run', '--embedded', '--quick', '--record', '-']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--record: write the recording to a file, not stdout/);
  });
});
