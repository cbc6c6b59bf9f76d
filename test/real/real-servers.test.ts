import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventsOf, isInitialEventsEndBookmark, resourceVersionOf, responseOf } from '../../src/record/accessors.js';
import { splitInitialEvents } from '../../src/record/initial-events.js';
import type { RunRecord, StreamRecord } from '../../src/record/timeline.js';
import type { Report } from '../../src/report/model.js';
import { runWatchmark } from '../../src/run/run-watchmark.js';
import { startTestbedTarget, type TestbedTarget } from '../../src/targets/registry.js';
import { INFORMER_KINDS, expectProbeAgrees, runProbe, shouldSkip, verdictFor } from './testbed-support.js';

/**
 * watchmark against real kube-apiserver builds (etcd 3.6 embedded, and kine as k3s's storage):
 * no fail or warn findings, the reference behaviour the spec describes is really observed, and
 * a real client-go informer's outcome equals watchmark's verdict. Where the real server
 * disagrees with the spec, the real server wins and watchmark is what gets fixed.
 */
interface Expectation {
  /** Check ids expected to warn (nothing may fail on a real kube-apiserver). */
  warns: string[];
  /** Whether the cacher's bookmarks (deadline, periodic) exist on this storage path. */
  deadlineBookmarks: boolean;
}

const TARGETS: Array<[TestbedTarget, Expectation]> = [
  ['kube-apiserver', { warns: [], deadlineBookmarks: true }],
  ['kine', { warns: [], deadlineBookmarks: true }],
  // etcd-direct watches send no bookmark but the watch-list's end bookmark (spec 2.4), so the
  // deadline bookmark check warns, and says that uncached resources never get one.
  ['kube-apiserver-uncached', { warns: ['bookmark.before-deadline'], deadlineBookmarks: false }],
];

function bookmarks(stream: StreamRecord) {
  return eventsOf(stream).filter((e) => e.type === 'BOOKMARK');
}

describe.each(TARGETS)('%s (testbed)', (name, expected) => {
  const skip = shouldSkip([name]);
  let target: Awaited<ReturnType<typeof startTestbedTarget>>;
  let report: Report;
  let record: RunRecord;

  beforeAll(async () => {
    if (skip) return;
    target = await startTestbedTarget(name);
    report = await runWatchmark(
      { server: target.info.server, token: target.info.token!, certificateAuthority: target.info.caFile!, quick: true, failOn: 'fail', profile: 'reference' },
      { hooks: { onRecord: (r) => (record = r) } },
    );
  });
  afterAll(async () => {
    await target?.stop();
  });

  it.skipIf(skip)('watchmark run finds no failure, exactly the expected warnings, and both client-go profiles and client-node sync', () => {
    const failing = report.checks.filter((c) => c.status === 'fail').map((c) => `${c.id}: ${c.summary}`);
    expect(failing).toEqual([]);
    // A healthy server answers every request of the suite (200, 410 or 422): never INCONCLUSIVE.
    expect(report.untested.requests).toEqual([]);
    expect(report.verdict).toBe('pass');
    expect(report.checks.filter((c) => c.status === 'warn').map((c) => c.id)).toEqual(expected.warns);
    expect(report.target.serverVersion).toMatch(/^v1\.\d+\.\d+/);
    expect(report.clientGo.map((v) => [v.profile, v.outcome])).toEqual([
      ['client-go>=0.35', 'syncs'],
      ['client-go<=0.34', 'syncs'],
      ['client-node', 'syncs'],
    ]);
  });

  it.skipIf(skip)('ends the watch-list initial events with exactly one annotated bookmark', () => {
    const watchList = record.streams.find((s) => s.scenario === 'watch-list')!;
    const ends = eventsOf(watchList).filter(isInitialEventsEndBookmark);
    expect(ends).toHaveLength(1);
    const before = eventsOf(watchList).slice(0, eventsOf(watchList).indexOf(ends[0]!));
    expect(before.every((e) => e.type === 'ADDED')).toBe(true);
    // Exactly the seeded configmaps: every scenario's seeds are created before the streams open.
    const seeded = record.writes.filter((w) => w.verb === 'create' && w.atMs < watchList.request.sentAtMs).length;
    expect(seeded).toBeGreaterThanOrEqual(3);
    expect(before.length).toBe(seeded);
  });

  it.skipIf(skip)(
    expected.deadlineBookmarks
      ? 'sends a bookmark about 2 s before the timeoutSeconds deadline (cache_watcher.go nextBookmarkTime)'
      : 'sends no bookmark at all on plain watches (etcd3 watcher: no progress-notify bookmarks from the API)',
    () => {
      for (const scenario of ['watch', 'selector-watch']) {
        const stream = record.streams.find((s) => s.scenario === scenario)!;
        const deadline = responseOf(stream)!.atMs + stream.request.options.timeoutSeconds! * 1000;
        const before = bookmarks(stream).map((b) => (deadline - b.atMs) / 1000);
        if (!expected.deadlineBookmarks) {
          expect(before, scenario).toEqual([]);
          continue;
        }
        // derived bounds 1-3.25 s before the deadline, widened by half a second for a loaded machine
        expect(before.some((s) => s >= 0.5 && s <= 3.75), `${scenario}: bookmarks ${before.join(', ')} s before the deadline`).toBe(true);
      }
    },
  );

  it.skipIf(skip)('bookmark objects carry only kind, apiVersion and metadata.resourceVersion (+ the end annotation)', () => {
    const all = record.streams.flatMap(bookmarks);
    expect(all.length).toBeGreaterThan(0);
    for (const b of all) {
      const object = b.object as Record<string, unknown>;
      expect(Object.keys(object).sort()).toEqual(['apiVersion', 'kind', 'metadata']);
      expect(object.kind).toBe('ConfigMap');
      expect(object.apiVersion).toBe('v1');
      const metadata = object.metadata as Record<string, unknown>;
      const allowed = isInitialEventsEndBookmark(b) ? ['annotations', 'resourceVersion'] : ['resourceVersion'];
      expect(Object.keys(metadata).sort()).toEqual(allowed);
    }
  });

  it.skipIf(skip)('streams the initial state of watches without an end bookmark in key order, not RV order, and event.resource-version-order does not judge it', () => {
    // initial-state-order opens a watch-list without bookmarks and an RV 0 watch after creates and updates.
    for (const id of ['late-watch-list-no-bookmarks#1', 'late-rv0-watch#1']) {
      const stream = record.streams.find((s) => s.id === id)!;
      const split = splitInitialEvents(stream, record.writes);
      const rvs = split.initial.map((e) => Number(resourceVersionOf(e)));
      expect(rvs.length, id).toBeGreaterThan(5);
      expect(rvs.every((rv, i) => i === 0 || rv > rvs[i - 1]!), `${id}: ${rvs.join(',')}`).toBe(false);
      expect(split.live.length, id).toBeGreaterThan(0);
    }
    expect(report.checks.find((c) => c.id === 'event.resource-version-order')!.status).toBe('pass');
  });

  it.skipIf(skip)('hands out resource versions that never go backwards (etcd revisions): resource-version.monotonic passes, with RVs compared', () => {
    const monotonic = report.checks.find((c) => c.id === 'resource-version.monotonic')!;
    expect(monotonic.status, monotonic.summary).toBe('pass');
    expect(record.writes.filter((w) => w.verb !== 'delete' && w.resourceVersion !== undefined).length).toBeGreaterThan(10);
  });

  it.skipIf(skip)('client-go oracle: real typed and dynamic informers, WatchListClient on and off, do what watchmark says', async () => {
    const probeTarget = {
      server: target.info.server,
      token: target.info.token!,
      caPem: target.connection.tls.caPem!,
      group: '',
      version: 'v1',
      resource: 'configmaps',
      namespace: 'default',
    };
    const runs = INFORMER_KINDS.flatMap((informer) => [true, false].map((watchListClient) => ({ informer, watchListClient })));
    const probes = await Promise.all(runs.map((r) => runProbe(probeTarget, { ...r, deadlineSeconds: 30, writeAfterSync: true })));
    const verdicts = report.clientGo.map((v) => [v.profile, v.outcome, v.skippedEvents ?? 0]);
    runs.forEach(({ informer, watchListClient }, i) => {
      const probe = probes[i]!;
      const context = JSON.stringify({ target: name, informer, probe, verdicts });
      expect(probe.informer, context).toBe(informer);
      expect(probe.watchListClient, context).toBe(watchListClient);
      expectProbeAgrees(probe, verdictFor(report, watchListClient ? 'client-go>=0.35' : 'client-go<=0.34', informer), context);
      if (watchListClient) {
        expect(probe.watchListRequests, context).toBeGreaterThanOrEqual(1);
        expect(probe.listRequests, context).toBe(0); // synced through watch-list, no fallback
      } else {
        expect(probe.listRequests, context).toBeGreaterThanOrEqual(1);
      }
    });
  });
});
