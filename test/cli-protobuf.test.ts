import { describe, expect, it } from 'vitest';
import type { Report } from '../src/report/model.js';
import { runCli } from './support/cli.js';

/** `--encoding` through the CLI, against the embedded server (subprocesses over loopback, bounded). */
describe('watchmark --encoding (CLI subprocess)', () => {
  it('refuses an encoding it does not speak, naming the choices (exit 2)', async () => {
    const res = await runCli(['run', '--embedded', '--encoding', 'yaml']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--encoding.*yaml.*json, protobuf/s);
  });

  it.each([
    ['observe', ['observe', 'namespaces', '--embedded', '--watch-list', '--duration', '2s', '--encoding', 'protobuf', '--json', '-']],
    ['explain', ['explain', 'namespaces', '--embedded', '--probe-timeout', '5s', '--encoding', 'protobuf', '--json', '-']],
  ])('%s --encoding protobuf asks in protobuf and judges the answer with stream.protobuf-framing', async (_name, args) => {
    const res = await runCli(args, { timeoutMs: 60_000 });
    expect(res.code, res.stderr).toBe(0);
    const report = JSON.parse(res.stdout) as Report;
    if (args[0] === 'observe') {
      // Whatever the embedded server answers (JSON before it speaks protobuf, protobuf after), the
      // check runs: it is skipped only when no watch asked for protobuf.
      expect(report.checks.find((c) => c.id === 'stream.protobuf-framing')?.status).toBe('pass');
    }
  });

  // DEPENDS ON the embedded server's protobuf watches and its `broken-protobuf-framing` profile
  // (issue 13, the serve helper's branch): fails until that is merged.
  it('run --encoding protobuf fails on the broken-protobuf-framing profile with stream.protobuf-framing', async () => {
    const res = await runCli(['run', '--quick', '--embedded', '--profile', 'broken-protobuf-framing', '--encoding', 'protobuf', '--json', '-', '--progress', 'none'], { timeoutMs: 120_000 });
    expect(res.code, res.stderr).toBe(1);
    const report = JSON.parse(res.stdout) as Report;
    const check = report.checks.find((c) => c.id === 'stream.protobuf-framing')!;
    expect(check.status).toBe('fail');
    expect(check.findings[0]!.message).toMatch(/frame #\d+ at byte \d+/);
    expect(report.clientGo.find((v) => v.profile.startsWith('client-go>=0.35'))!.explanation).toContain('informers watching in protobuf');
  }, 150_000);
});
