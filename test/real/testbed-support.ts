import { spawn } from 'node:child_process';
import { expect } from 'vitest';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { targetKind, type TestbedTarget } from '../../src/targets/registry.js';
import { testbedBinDir } from '../../src/targets/testbed.js';
import type { Report } from '../../src/report/model.js';
import type { ClientVerdict } from '../../src/verdict/types.js';

export type InformerKind = 'typed' | 'dynamic';
export const INFORMER_KINDS: readonly InformerKind[] = ['typed', 'dynamic'];

/** What the informer-probe (client-go, testbed/informer-probe) printed. */
export interface ProbeResult {
  clientGoVersion: string;
  informer: InformerKind;
  watchListClient: boolean;
  synced: boolean;
  syncedAfterMs: number | null;
  bookmarkExpiredWarnings: number;
  firstWarning: string | null;
  listRequests: number;
  watchRequests: number;
  watchListRequests: number;
  items: number;
  /** The reflector's "Unexpected watch event object type/gvk" lines: events it skipped. */
  unexpectedObjectEvents: number;
  /** With writeAfterSync: what the informer did with the ADDED event of the configmap the probe created after sync. */
  liveWrite: 'stored' | 'skipped' | 'watch-error' | 'none' | null;
  /** The typed client's encoding (--content-type). */
  contentType: string;
  /** The distinct Content-Type headers of the watch responses the informer got. */
  watchContentTypes: string[];
}

export const PROBE = path.join(testbedBinDir(), 'informer-probe');

/**
 * Real-target tests run when the testbed is built. On CI (`CI` set) they always run, so a missing
 * build fails loudly; elsewhere they skip with one line saying how to enable them.
 */
export function shouldSkip(targets: TestbedTarget[], needsProbe = true): boolean {
  const missing = [...new Set(targets.flatMap((t) => targetKind(t)?.unavailable?.(process.env) ?? []))];
  if (needsProbe && !existsSync(PROBE)) missing.push(`${path.basename(PROBE)} not built`);
  if (missing.length === 0 || process.env.CI) return false;
  console.log(`real-target tests skipped: ${missing.join('; ')}; run \`npm run testbed:build\` (needs Go) to enable them`);
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

/**
 * Runs the real client-go informer against a target, with WatchListClient at its default (on) or
 * off; `informer` picks the kind (default dynamic, the probe's default); `writeAfterSync` makes the
 * probe create one configmap once synced and report what the informer did with its event.
 */
export async function runProbe(
  target: ProbeTarget,
  opts: {
    watchListClient: boolean;
    deadlineSeconds: number;
    informer?: InformerKind;
    writeAfterSync?: boolean;
    labelSelector?: string;
    /** The typed client's rest.Config ContentType (application/vnd.kubernetes.protobuf: kube components' encoding). */
    contentType?: string;
    /** Keep the informer running this long after it synced (and after its write), to see what it does next. */
    afterSyncSeconds?: number;
  },
): Promise<ProbeResult> {
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
    '--informer', opts.informer ?? 'dynamic',
  ];
  if (opts.writeAfterSync) args.push('--write-after-sync');
  if (opts.labelSelector) args.push('--label-selector', opts.labelSelector);
  if (opts.contentType) args.push('--content-type', opts.contentType);
  if (opts.afterSyncSeconds) args.push('--after-sync', `${opts.afterSyncSeconds}s`);
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

/**
 * watchmark's verdict for one client-go version and informer kind: `<version> <kind>` where the
 * kinds differ on this record, else the shared `<version>` verdict.
 */
export function verdictFor(report: Report, version: 'client-go>=0.35' | 'client-go<=0.34', informer: InformerKind): ClientVerdict | undefined {
  return report.clientGo.find((v) => v.profile === `${version} ${informer}`) ?? report.clientGo.find((v) => v.profile === version);
}

/**
 * watchmark's verdict for a client-go >= v0.35 informer with a selector: `client-go>=0.35 with
 * selector` where it differs from unfiltered informers, else the unfiltered verdict for that kind.
 */
export function selectorVerdictFor(report: Report, informer: InformerKind): ClientVerdict | undefined {
  return report.clientGo.find((v) => v.profile === 'client-go>=0.35 with selector') ?? verdictFor(report, 'client-go>=0.35', informer);
}

/**
 * The differential oracle's comparison of one real informer run with watchmark's verdict for it:
 * synced or not; with WatchListClient on, a LIST exactly when the verdict says it falls back, and
 * when it syncs through watch-list as many "bookmark expired" warnings (within the verdict's range
 * where a tick is a coin toss); an
 * event skipped ("Unexpected watch event object type") exactly when the verdict skips some; and,
 * when the probe wrote after sync, its event skipped or stored as the verdict says.
 */
export function expectProbeAgrees(
  probe: ProbeResult,
  verdict: ClientVerdict | undefined,
  context: string,
  /**
   * `syncOnly`: compare what the informer's start does (sync, fallback, warnings), not the live
   * events it skips: for probes whose informer sees none of the live events watchmark's streams
   * saw (a label selector matching nothing in the probe's namespace).
   */
  options: { syncOnly?: boolean; noWatchListStream?: boolean } = {},
): void {
  expect(verdict, context).toBeDefined();
  const outcome = verdict!.outcome;
  expect(probe.synced, context).toBe(verdictSyncs(outcome));
  if (probe.watchListClient) {
    expect(probe.listRequests > 0, context).toBe(outcome === 'falls-back');
    // Unsynced, the reflector warns at each 10 s tick while a watch-list stream is open without
    // its end bookmark (the probes wait 20 s or more, so at least once). When every attempt is
    // refused (`noWatchListStream`: 429 at open, back off and retry, spec 1.7) no stream runs and
    // nothing is logged, as watchmark's verdict counts. watchmark counts the warnings of its own
    // observation window, which may be shorter than a probe's wait, so a verdict's 0 for an open
    // stream is not a prediction of silence.
    if (!probe.synced) {
      const counted = `${context}: ${probe.bookmarkExpiredWarnings} warnings, verdict ${verdict!.warnings}`;
      if (options.noWatchListStream) {
        expect(verdict!.warnings, counted).toBe(0);
        expect(probe.bookmarkExpiredWarnings, counted).toBe(0);
      } else {
        expect(probe.bookmarkExpiredWarnings, counted).toBeGreaterThan(0);
      }
    }
  }
  if (probe.watchListClient && outcome === 'syncs') {
    // The warnings logged before syncing: exactly watchmark's count, or within its range where a tick is a coin toss.
    const range = verdict!.warningsRange ?? { min: verdict!.warnings, max: verdict!.warnings };
    expect(probe.bookmarkExpiredWarnings >= range.min && probe.bookmarkExpiredWarnings <= range.max, `${context}: ${probe.bookmarkExpiredWarnings} warnings, expected ${range.min}–${range.max}`).toBe(true);
  }
  if (options.syncOnly) return;
  const skips = (verdict!.skippedEvents ?? 0) > 0;
  expect(probe.unexpectedObjectEvents > 0, context).toBe(skips);
  if (probe.synced && probe.liveWrite !== null) expect(probe.liveWrite, context).toBe(skips ? 'skipped' : 'stored');
}
