import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Report } from '../src/report/model.js';
import { runCli } from './support/cli.js';

function tmpDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'watchmark-scn-'));
}

describe('watchmark run --scenario (CLI subprocess)', () => {
  it('refuses a scenario file with mistakes before starting anything: one line per problem with file and line, exit 2', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(
      file,
      ['name: bad', 'description: two mistakes', 'duration: 10s', 'watches:', '  - name: w', '    timeoutSeconds: soon', '    allowWatchBookmark: true', ''].join('\n'),
    );
    const json = path.join(dir, 'report.json');
    const res = await runCli(['run', '--embedded', '--scenario', file, '--json', json]);
    expect(res.code, res.stderr).toBe(2);
    const shown = path.relative(process.cwd(), file);
    expect(res.stderr).toContain(`${shown}:6:21: watches[0].timeoutSeconds: expected number, received string`);
    expect(res.stderr).toContain(`${shown}:7:5: watches[0]: unknown field "allowWatchBookmark"`);
    expect(res.stderr).toMatch(/\(WM_SCENARIO\)/);
    expect(res.stderr).not.toMatch(/started the embedded API server/);
    expect(existsSync(json)).toBe(false);
  });

  it('names the built-in scenarios when a name is unknown', async () => {
    const res = await runCli(['run', '--embedded', '--scenario', 'no-such-scenario']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/no scenario named "no-such-scenario" \(built-in: .*watch-list.*\)/);
  });

  it("runs a user's scenario alone, with its object template and its own check parameters", async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'strict.yaml');
    writeFileSync(
      file,
      [
        'name: strict-bookmarks',
        'description: a 2 s bookmark policy (stricter than kube-apiserver, which sends one a minute)',
        'duration: 8s',
        'objectTemplate: { data: { owner: scenario-test } }',
        'watches:',
        '  - name: strict-watch',
        '    count: 2',
        '    resourceVersion: { fromList: true }',
        '    allowWatchBookmarks: true',
        '    timeoutSeconds: 30',
        'workload:',
        '  seed: { objects: 1 }',
        '  churn:',
        '    - { from: 500ms, for: 2s, every: 250ms, verbs: [create, update] }',
        'checks:',
        '  bookmark.periodic: { maxInterval: 2s }',
        '',
      ].join('\n'),
    );
    const json = path.join(dir, 'report.json');
    const res = await runCli(['run', '--embedded', '--scenario', file, '--json', json]);
    expect(res.code, res.stderr + res.stdout).toBe(1);
    const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
    expect(report.scenarios.map((s) => s.name)).toEqual(['strict-bookmarks']);
    expect(report.streams.map((s) => s.id)).toEqual(['strict-watch#1', 'strict-watch#2']);
    // 1 seed + 8 churn writes (4 creates, 4 updates).
    expect(report.workload?.writes).toBe(9);
    const periodic = report.checks.find((c) => c.id === 'bookmark.periodic')!;
    expect(periodic.status, periodic.summary).toBe('fail');
    expect(periodic.findings.every((f) => f.scenario === 'strict-bookmarks')).toBe(true);
    expect(JSON.stringify(periodic.findings)).toMatch(/policy/i);
    // The same streams, under kube-apiserver's own cadence, are not a failure: only the scenario's policy made it one.
    expect(report.checks.filter((c) => c.status === 'fail').map((c) => c.id)).toEqual(['bookmark.periodic']);
  });
});
