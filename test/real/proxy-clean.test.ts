import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../../src/proxy/proxy-server.js';
import { bookmarksOf, closeOf, responseOf } from '../../src/record/accessors.js';
import type { RunRecord } from '../../src/record/timeline.js';
import type { Report } from '../../src/report/model.js';
import { runWatchmark } from '../../src/run/run-watchmark.js';
import { startTestbedTarget, type TestbedTarget } from '../../src/targets/registry.js';
import { startTestProxy } from './proxy-support.js';
import { shouldSkip } from './testbed-support.js';

/**
 * `watchmark proxy` without a fault is invisible (issue 14): the quick suite through it gives
 * exactly the check statuses, findings' severities and client verdicts it gives without it, on
 * kube-apiserver (etcd) and on kine. And with `--match all` and a fault that changes nothing
 * (`delay-bookmarks=0s`), every request of the run goes through the proxy's touched path (watch
 * frames split and re-sent one by one, lists and writes recorded) and still nothing changes.
 */
const TARGETS: TestbedTarget[] = ['kube-apiserver', 'kine'];
const skip = shouldSkip(TARGETS, false);

/** What a run concluded: each check's status and the severities of its findings, and each client verdict. */
function conclusions(report: Report) {
  return {
    verdict: report.verdict,
    untested: report.untested.requests,
    checks: Object.fromEntries(
      report.checks.map((c) => [c.id, `${c.status}${['fail', 'warn'].flatMap((s) => { const n = c.findings.filter((f) => f.severity === s).length; return n > 0 ? [` ${s} x${n}`] : []; }).join('')}`]),
    ),
    clients: report.clientGo.map((v) => `${v.profile}: ${v.outcome}`),
  };
}

/** The checks whose status differs (their summaries, both sides) and each run's bookmark timelines: the assertion's context. */
function differences(through: Run, direct: Run): string {
  const changed = through.report.checks
    .filter((c) => c.status !== direct.report.checks.find((d) => d.id === c.id)?.status)
    .map((c) => {
      const d = direct.report.checks.find((x) => x.id === c.id);
      return `${c.id}: through the proxy ${c.status} (${c.summary}); direct ${d?.status} (${d?.summary})`;
    });
  return [...changed, `through: ${timelines(through.record)}`, `direct: ${timelines(direct.record)}`].join('\n');
}

/** Per bookmark-carrying stream: response, bookmarks and close, in ms since its request. */
function timelines(record: RunRecord | undefined): string {
  if (record === undefined) return 'no record';
  return record.streams
    .filter((s) => bookmarksOf(s).length > 0)
    .map((s) => {
      const t = (ms: number | undefined) => (ms === undefined ? '-' : Math.round(ms - s.request.sentAtMs));
      const close = closeOf(s);
      return `${s.id} timeout=${s.request.options.timeoutSeconds ?? '-'} resp=${t(responseOf(s)?.atMs)} bookmarks=[${bookmarksOf(s).map((b) => t(b.atMs)).join(',')}] close=${close?.reason ?? '-'}@${t(close?.atMs)}`;
    })
    .join('; ');
}

interface Run {
  report: Report;
  record: RunRecord | undefined;
}

async function runThrough(proxy: RunningProxy, caFile: string): Promise<Run> {
  return runRecorded({ server: proxy.url, token: proxy.token, certificateAuthority: caFile });
}

async function runRecorded(target: { server: string; token: string; certificateAuthority: string }): Promise<Run> {
  let record: RunRecord | undefined;
  const report = await runWatchmark({ ...target, quick: true, failOn: 'fail', profile: 'reference' }, { hooks: { onRecord: (r) => (record = r) } });
  return { report, record };
}

// One run at a time, never two against one server: a run's writes move the resource RV that the
// other run's watches see (kube-apiserver's cacher sends a bookmark only when the RV advanced), so
// concurrent runs change each other's bookmarks. (bookmark.periodic also flipped between pass and
// skip from run to run, alone: kube-apiserver's extra bookmarks early in a watch and its doubled
// pre-deadline one were counted as periodic; the check no longer counts them, issue 15's session.)
describe.skipIf(skip).each(TARGETS)('%s (testbed) through watchmark proxy', (name) => {
  let target: Awaited<ReturnType<typeof startTestbedTarget>>;
  let direct: Run;

  beforeAll(async () => {
    target = await startTestbedTarget(name);
    direct = await runRecorded({ server: target.info.server, token: target.info.token!, certificateAuthority: target.info.caFile! });
  });
  afterAll(async () => {
    await target?.stop();
  });

  it('with no fault: the same check statuses, findings and client verdicts as without the proxy, and nothing touched', async () => {
    const log: string[] = [];
    const { proxy, caFile } = await startTestProxy(target.connection, { faults: [], log });
    try {
      const through = await runThrough(proxy, caFile);
      expect(conclusions(through.report), differences(through, direct)).toEqual(conclusions(direct.report));
      expect(through.report.verdict).toBe('pass');
      expect(proxy.touched()).toEqual([]);
      expect(log).toEqual([]);
    } finally {
      await proxy.stop();
    }
  });

  it.runIf(name === 'kube-apiserver')('with --match all and delay-bookmarks=0s: every request touched, the same conclusions', async () => {
    const { proxy, caFile } = await startTestProxy(target.connection, { faults: ['delay-bookmarks=0s'], match: ['all'] });
    try {
      const through = await runThrough(proxy, caFile);
      expect(conclusions(through.report), differences(through, direct)).toEqual(conclusions(direct.report));
      const kinds = new Set(proxy.touched().map((t) => t.kind));
      expect([...kinds].sort()).toEqual(['list', 'other', 'watch', 'watch-list']);
      // The watches' frames went through the frame splitter and out again, every one of them.
      const watches = proxy.touched().filter((t) => (t.kind === 'watch' || t.kind === 'watch-list') && t.status === 200);
      expect(watches.length).toBeGreaterThan(10);
      for (const w of watches) expect(w.framesOut, w.path).toBe(w.framesIn);
      expect(watches.reduce((n, w) => n + w.framesIn, 0)).toBeGreaterThan(50);
      expect(proxy.totals()['delay-bookmarks']).toBeGreaterThan(0);
    } finally {
      await proxy.stop();
    }
  });
});
