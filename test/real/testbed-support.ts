import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { missingBinaries, testbedBinDir, type TestbedTarget } from '../../src/targets/testbed.js';

/** What the informer-probe (client-go, testbed/informer-probe) printed. */
export interface ProbeResult {
  clientGoVersion: string;
  watchListClient: boolean;
  synced: boolean;
  syncedAfterMs: number | null;
  bookmarkExpiredWarnings: number;
  firstWarning: string | null;
  listRequests: number;
  watchRequests: number;
  watchListRequests: number;
  items: number;
}

export const PROBE = path.join(testbedBinDir(), 'informer-probe');

/**
 * Real-target tests run when the testbed is built. On CI (`CI` set) they always run, so a missing
 * build fails loudly; elsewhere they skip with one line saying how to enable them.
 */
export function shouldSkip(targets: TestbedTarget[], needsProbe = true): boolean {
  const missing = [...new Set(targets.flatMap((t) => missingBinaries(t)))];
  if (needsProbe && !existsSync(PROBE)) missing.push(PROBE);
  if (missing.length === 0 || process.env.CI) return false;
  console.log(`real-target tests skipped: testbed not built (${missing.map((m) => path.basename(m)).join(', ')}); run \`npm run testbed:build\` (needs Go) to enable them`);
  return true;
}

export interface ProbeTarget {
  server: string;
  token: string;
  caPem?: string;
  group: string;
  version: string;
  resource: string;
  namespace: string;
}

/** Runs the real client-go informer against a target, with WatchListClient at its default (on) or off. */
export async function runProbe(target: ProbeTarget, opts: { watchListClient: boolean; deadlineSeconds: number }): Promise<ProbeResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'watchmark-probe-'));
  const tokenFile = path.join(dir, 'token');
  writeFileSync(tokenFile, target.token, { mode: 0o600 });
  const args = [
    '--server', target.server,
    '--token-file', tokenFile,
    '--group', target.group,
    '--version', target.version,
    '--resource', target.resource,
    '--namespace', target.namespace,
    '--deadline', `${opts.deadlineSeconds}s`,
  ];
  if (target.caPem) {
    const caFile = path.join(dir, 'ca.crt');
    writeFileSync(caFile, target.caPem);
    args.push('--ca-file', caFile);
  }
  const env = { ...process.env };
  if (opts.watchListClient) delete env.KUBE_FEATURE_WatchListClient;
  else env.KUBE_FEATURE_WatchListClient = 'false';
  return new Promise<ProbeResult>((resolve, reject) => {
    const child = spawn(PROBE, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), (opts.deadlineSeconds + 60) * 1000);
    child.on('close', (code) => {
      clearTimeout(killer);
      if (code !== 0) return reject(new Error(`informer-probe exited ${code}: ${stderr.trim().split('\n').slice(-5).join('\n')}`));
      try {
        resolve(JSON.parse(stdout) as ProbeResult);
      } catch {
        reject(new Error(`informer-probe printed no JSON: ${stdout.slice(0, 500)} ${stderr.slice(-500)}`));
      }
    });
  });
}

/** watchmark's verdict outcome, reduced to the probe's observable: did HasSynced become true? */
export function verdictSyncs(outcome: string | undefined): boolean | undefined {
  if (outcome === undefined) return undefined;
  return outcome === 'syncs' || outcome === 'falls-back';
}
