import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Report } from '../src/report/model.js';
import { REPO, runCli } from './support/cli.js';
import { validateJsonSchema } from './support/json-schema.js';

/** `--encoding` through the CLI, against the embedded server (subprocesses over loopback, bounded). */
describe('watchmark --encoding (CLI subprocess)', () => {
  it('refuses an encoding it does not speak, naming the choices (exit 2)', async () => {
    const res = await runCli(['run', '--embedded', '--encoding', 'yaml']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--encoding.*yaml.*json, protobuf/s);
  });

  it('observe --encoding protobuf asks in protobuf and judges the answer with stream.protobuf-framing', async () => {
    const res = await runCli(['observe', 'namespaces', '--embedded', '--watch-list', '--duration', '2s', '--encoding', 'protobuf', '--json', '-'], { timeoutMs: 60_000 });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain('asking for protobuf');
    const report = JSON.parse(res.stdout) as Report;
    // Whatever the embedded server answers (JSON before it speaks protobuf, protobuf after), the
    // check runs: it is skipped only when no watch asked for protobuf.
    expect(report.checks.find((c) => c.id === 'stream.protobuf-framing')?.status).toBe('pass');
    // The resolved config names the encoding, and the report stays valid against its schema.
    expect((report as unknown as { config: Record<string, unknown> }).config['encoding']).toBe('protobuf');
    expect(validateJsonSchema(JSON.parse(readFileSync(path.join(REPO, 'schemas', 'report.schema.json'), 'utf8')), report)).toEqual([]);
  });

  it('explain --encoding protobuf shows the Accept it sent', async () => {
    const res = await runCli(['explain', 'namespaces', '--embedded', '--probe-timeout', '5s', '--encoding', 'protobuf', '--json', '-'], { timeoutMs: 60_000 });
    expect(res.code, res.stderr).toBe(0);
    const explanation = JSON.parse(res.stdout) as { steps: Array<{ verbatim?: string[] }> };
    expect(explanation.steps[0]!.verbatim).toContain('Accept: application/vnd.kubernetes.protobuf,application/json');
  });

  it('run --encoding protobuf passes on the embedded reference profile: every watch answered and decoded in protobuf', async () => {
    const res = await runCli(['run', '--quick', '--embedded', '--encoding', 'protobuf', '--json', '-', '--progress', 'none'], { timeoutMs: 120_000 });
    expect(res.code, res.stderr).toBe(0);
    const report = JSON.parse(res.stdout) as Report;
    expect(report.checks.filter((c) => c.status === 'fail').map((c) => c.id)).toEqual([]);
    const check = report.checks.find((c) => c.id === 'stream.protobuf-framing')!;
    expect(check.status).toBe('pass');
    expect(check.summary).not.toMatch(/answered in JSON/);
    expect(report.clientGo.find((v) => v.profile.startsWith('client-go>=0.35'))!.outcome).toBe('syncs');
  }, 150_000);

  it('run --encoding protobuf fails on the broken-protobuf-framing profile with stream.protobuf-framing', async () => {
    const res = await runCli(['run', '--quick', '--embedded', '--profile', 'broken-protobuf-framing', '--encoding', 'protobuf', '--json', '-', '--progress', 'none'], { timeoutMs: 120_000 });
    expect(res.code, res.stderr).toBe(1);
    const report = JSON.parse(res.stdout) as Report;
    const check = report.checks.find((c) => c.id === 'stream.protobuf-framing')!;
    expect(check.status).toBe('fail');
    expect(check.findings[0]!.message).toMatch(/frame #\d+ at byte \d+/);
    const watchList = report.clientGo.find((v) => v.profile.startsWith('client-go>=0.35'))!;
    // As the real typed protobuf informer does (test/real/oracle-protobuf.test.ts): stuck reading, never synced.
    expect(watchList.outcome).toBe('never-syncs');
    expect(watchList.explanation).toMatch(/length prefix claiming \d+ bytes that the stream never carried/);
  }, 150_000);
});
