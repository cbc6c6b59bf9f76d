import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testbedBinDir } from '../../src/targets/testbed.js';
import type { Report } from '../../src/report/model.js';
import { isolatedEnv, runCli, startCli } from '../support/cli.js';

/**
 * `--target envtest` against the envtest assets `npm run testbed:build` makes (testbed/bin/envtest:
 * etcd and kube-apiserver built from their own main packages), through the CLI: one quick run
 * with --assets, and an interrupt with KUBEBUILDER_ASSETS that must leave no process and no temp
 * dir behind. Skips outside CI when the assets are not built; on CI a missing build fails.
 */
const ASSETS = path.join(testbedBinDir(), 'envtest');
const BINARIES = ['etcd', 'kube-apiserver'].map((b) => path.join(ASSETS, b));
const missing = BINARIES.filter((b) => !existsSync(b));
const skip = missing.length > 0 && !process.env.CI;
if (skip) console.log(`envtest real-target tests skipped: ${missing.join(', ')} not built; run \`npm run testbed:build -- envtest\` (needs Go) to enable them`);

const scratch: string[] = [];
afterAll(() => scratch.forEach((d) => rmSync(d, { recursive: true, force: true })));
function scratchDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

/** The processes whose parent is `pid`, with their command lines (Linux /proc). */
function childrenOf(pid: number): Array<{ pid: number; argv: string[] }> {
  const out: Array<{ pid: number; argv: string[] }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== pid) continue;
      out.push({ pid: Number(entry), argv: readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean) });
    } catch {
      // exited while we looked
    }
  }
  return out;
}

describe('--target envtest (testbed/bin/envtest)', () => {
  it.skipIf(skip)('the binaries report the pinned versions', () => {
    expect(execFileSync(BINARIES[0]!, ['--version'], { encoding: 'utf8' })).toMatch(/^etcd Version: 3\.7\.0$/m);
    expect(execFileSync(BINARIES[1]!, ['--version'], { encoding: 'utf8' }).trim()).toBe('Kubernetes v1.37.2');
  });

  it.skipIf(skip)('`watchmark run --quick --target envtest --assets DIR` passes: real etcd and kube-apiserver, client-certificate authn over TLS checked against the serving CA', async () => {
    const out = scratchDir('watchmark-envtest-report-');
    const json = path.join(out, 'report.json');
    const assets = path.relative(process.cwd(), ASSETS) || '.';
    const res = await runCli(['run', '--quick', '--target', 'envtest', '--assets', assets, '--json', json], { env: isolatedEnv(), timeoutMs: 220_000 });
    expect(res.code, res.stderr.slice(-3000)).toBe(0);
    expect(res.stderr).toMatch(/^watchmark: started envtest \(etcd and kube-apiserver from \S+, from --assets\) at https:\/\/127\.0\.0\.1:\d+$/m);
    const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
    expect(report.verdict).toBe('pass');
    expect(report.target.source).toBe('envtest');
    expect(report.target.serverVersion).toBe('v1.37.2');
    expect(report.checks.filter((c) => c.status === 'fail')).toEqual([]);
    expect(report.clientGo.map((v) => [v.profile, v.outcome])).toEqual([
      ['client-go>=0.35', 'syncs'],
      ['client-go<=0.34', 'syncs'],
      ['client-node', 'syncs'],
    ]);
  });

  it.skipIf(skip)('Ctrl-C during a run found through KUBEBUILDER_ASSETS exits 130 and leaves no etcd, no kube-apiserver and no temp dir', async () => {
    const tmp = scratchDir('watchmark-envtest-tmp-');
    const run = startCli(['run', '--target', 'envtest'], { env: isolatedEnv({ KUBEBUILDER_ASSETS: ASSETS, TMPDIR: tmp }), timeoutMs: 200_000 });
    try {
      await run.waitFor(/watchmark: started envtest \(etcd and kube-apiserver from \S+, from KUBEBUILDER_ASSETS\)/, 180_000);
      await run.waitFor(/watchmark: observe: /, 60_000);
      const children = childrenOf(run.child.pid!);
      const started = children.filter((c) => BINARIES.includes(c.argv[0]!));
      expect(started.map((c) => path.basename(c.argv[0]!)).sort()).toEqual(['etcd', 'kube-apiserver']);
      const dirs = readdirSync(tmp).filter((d) => d.startsWith('watchmark-envtest-'));
      expect(dirs).toHaveLength(1);
      expect(started.every((c) => c.argv.some((a) => a.includes(path.join(tmp, dirs[0]!))))).toBe(true);

      run.child.kill('SIGINT');
      const res = await run.result;
      expect([res.code, res.signal], res.stderr.slice(-2000)).toEqual([130, null]);
      expect(res.stderr).toMatch(/watchmark: interrupted; /);
      for (const c of started) expect(existsSync(`/proc/${c.pid}`), `${c.argv[0]} (pid ${c.pid}) still running`).toBe(false);
      expect(readdirSync(tmp).filter((d) => d.startsWith('watchmark-envtest-'))).toEqual([]);
    } finally {
      run.child.kill('SIGKILL');
    }
  });
});
