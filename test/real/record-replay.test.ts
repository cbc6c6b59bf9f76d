import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/report/model.js';
import { runCli } from '../support/cli.js';
import { shouldSkip } from './testbed-support.js';

/**
 * "Measure once, derive everything" on a real kube-apiserver: the report `watchmark report`
 * rebuilds offline from `run --record` equals the live run's, byte for byte.
 */
describe('run --record / watchmark report against a real kube-apiserver (testbed)', () => {
  const skip = shouldSkip(['kube-apiserver'], false);

  it.skipIf(skip)('replaying the recording gives a report equal to the live one', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'watchmark-real-record-'));
    const [recording, live, replayed] = ['rec.ndjson', 'live.json', 'replayed.json'].map((f) => path.join(dir, f)) as [string, string, string];
    const run = await runCli(['run', '--target', 'kube-apiserver', '--quick', '--progress', 'none', '--record', recording, '--json', live], { timeoutMs: 230_000 });
    expect(run.code, run.stderr).toBe(0);
    const report = await runCli(['report', recording, '--json', replayed]);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stderr).toBe('');
    const a = JSON.parse(readFileSync(live, 'utf8')) as Report;
    expect(a.target.serverVersion).toMatch(/^v1\.\d+\.\d+/);
    expect(a.streams.length).toBeGreaterThan(5);
    expect(JSON.parse(readFileSync(replayed, 'utf8'))).toEqual(a);
    expect(readFileSync(replayed, 'utf8')).toBe(readFileSync(live, 'utf8'));
    expect(report.stdout).toBe(run.stdout);
  });
});
