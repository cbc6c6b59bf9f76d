/**
 * watch.expired and watch.resume against the embedded server over real loopback HTTP: the
 * reference profile answers an RV older than its history with 410, kinm silently skips what is
 * gone (watch.expired fails), and a whole quick run passes both checks on reference while
 * resume-off-by-one fails watch.resume.
 */
import { describe, expect, it } from 'vitest';
import { watchExpired } from '../src/checks/watch-expired.js';
import { FakeClock, systemClock } from '../src/clock.js';
import { parseConfig } from '../src/cli/config.js';
import { RunConfigSchema } from '../src/run/config.js';
import { collectionPath } from '../src/discovery/resolve-resource.js';
import { DEFAULT_CHECK_PARAMS } from '../src/checks/types.js';
import { isChangeEvent } from '../src/record/accessors.js';
import type { RunRecord, TimelineEntry } from '../src/record/timeline.js';
import type { Report } from '../src/report/model.js';
import { runWatchmark } from '../src/run/run-watchmark.js';
import { startEmbeddedServer, type ServerProfile } from '../src/server/index.js';
import { TargetClient } from '../src/transport/client.js';
import { Workload } from '../src/workload/workload.js';
import { CONFIGMAPS } from './support/fixtures.js';


/**
 * Seeds three configmaps, lets them age out of a 1 s history on the server's fake clock, writes
 * one more, then watches (role expired) from the first seed's RV: what is gone is the second and
 * third seed.
 */
async function watchFromAgedRv(profile: ServerProfile): Promise<RunRecord> {
  const serverClock = new FakeClock();
  await using server = await startEmbeddedServer({ profile, tls: false, historyWindowMs: 1_000 }, { clock: serverClock });
  const clock = systemClock();
  const client = new TargetClient(
    { server: server.url, tls: { insecureSkipTlsVerify: false }, allowH2: false, authHeaders: async () => ({ authorization: `Bearer ${server.token}` }) },
    clock,
  );
  try {
    const workload = new Workload(client, CONFIGMAPS, clock, { runId: profile.slice(0, 6) });
    await workload.setup();
    for (let i = 0; i < 3; i++) await workload.create();
    serverClock.advance(5_000);
    await workload.create();
    const startRv = workload.writes[0]!.resourceVersion!;
    const namespace = workload.namespace!;
    const stream = await client.watch(
      {
        id: 'expired-aged#1',
        scenario: 'watch-expired',
        basePath: collectionPath(CONFIGMAPS, namespace),
        namespace,
        watched: { apiVersion: 'v1', kind: 'ConfigMap', resource: 'configmaps' },
        // The server ends the stream after 1 s (or at once with 410): bounded, no client timer.
        options: { resourceVersion: startRv, allowWatchBookmarks: true, timeoutSeconds: 1 },
      },
      { signal: AbortSignal.timeout(10_000) },
    );
    return { anchorWallMs: clock.anchorWallMs, streams: [{ ...stream, role: 'expired' }], lists: [], writes: [...workload.writes], endedAtMs: clock.nowMs() };
  } finally {
    await client.close();
  }
}

const changeEvents = (record: RunRecord) =>
  record.streams[0]!.entries.filter((e: TimelineEntry) => e.kind === 'event' && isChangeEvent(e)).map((e) => (e.kind === 'event' ? e.type : ''));

describe.concurrent('watch.expired against the embedded server', () => {
  it('passes on reference: an RV older than the history gets the 410 Expired ERROR event', async () => {
    const record = await watchFromAgedRv('reference');
    const result = watchExpired.run(record, DEFAULT_CHECK_PARAMS);
    expect(result.status, result.summary).toBe('pass');
    expect(result.findings[0]!.message).toMatch(/an ERROR event 410 Expired "too old resource version: \d+ \(\d+\)"/);
  });

  it('fails on kinm: it starts after the gap in silence', async () => {
    const record = await watchFromAgedRv('kinm');
    expect(changeEvents(record)).toEqual(['ADDED']); // only the write made after the seeds aged out
    const result = watchExpired.run(record, DEFAULT_CHECK_PARAMS);
    expect(result.status, result.summary).toBe('fail');
    expect(result.findings[0]!.message).toContain('missing 2 of the 3 write(s) acknowledged before it opened');
    expect(result.findings[0]!.message).toContain('would silently miss these events and never notice');
  });

  it('answers a watch from RV 1 with "too old resource version: 1 (2)": the history starts after the bootstrap namespaces', async () => {
    await using server = await startEmbeddedServer({ tls: false });
    const res = await fetch(`${server.url}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=1`, { headers: { authorization: `Bearer ${server.token}` } });
    expect(res.status).toBe(200);
    expect(JSON.parse((await res.text()).trim())).toEqual({
      type: 'ERROR',
      object: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'too old resource version: 1 (2)', reason: 'Expired', code: 410 },
    });
    // RV 2 (the last bootstrap write) is still servable: nothing after it is missing.
    const ok = await fetch(`${server.url}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=2&timeoutSeconds=1`, {
      headers: { authorization: `Bearer ${server.token}` },
    });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('');
  });
});

describe.concurrent('watchmark run --quick on the embedded server: watch.resume and watch.expired', () => {
  const quickRun = (profile: ServerProfile): Promise<Report> =>
    runWatchmark({ ...parseConfig(RunConfigSchema, { quick: true, profile }), embedded: true }, { env: {} });
  const check = (report: Report, id: string) => report.checks.find((c) => c.id === id)!;

  it('reference: both pass', async () => {
    const report = await quickRun('reference');
    expect(check(report, 'watch.resume').status, check(report, 'watch.resume').summary).toBe('pass');
    expect(check(report, 'watch.resume').summary).toMatch(/2 resumed stream\(s\) delivered all \d+ workload write\(s\)/);
    expect(check(report, 'watch.expired').status, check(report, 'watch.expired').summary).toBe('pass');
  });

  it('resume-off-by-one: watch.resume fails on the repeated event, client-go still syncs', async () => {
    const report = await quickRun('resume-off-by-one');
    const resume = check(report, 'watch.resume');
    expect(resume.status, resume.summary).toBe('fail');
    expect(resume.findings.some((f) => f.severity === 'fail' && /at or below it/.test(f.message))).toBe(true);
    expect(check(report, 'watch.expired').status).toBe('pass');
    // A repeated event does not keep an informer from syncing (the oracle test checks this against client-go).
    expect(report.clientGo.filter((v) => v.profile.startsWith('client-go')).map((v) => v.outcome)).toEqual(['syncs', 'syncs']);
  });
});
