import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import type { Report } from '../../src/report/model.js';
import { runWatchmark } from '../../src/run/run-watchmark.js';
import { PROFILES, startEmbeddedServer, type ServerProfile } from '../../src/server/index.js';
import { TargetClient } from '../../src/transport/client.js';
import { INFORMER_KINDS, expectProbeAgrees, runProbe, selectorVerdictFor, shouldSkip, verdictFor } from './testbed-support.js';

/**
 * Differential oracle on every embedded-server profile: real client-go informers (the testbed's
 * informer-probe) of both kinds, typed (the clientset's informer factory) and dynamic, are run
 * against the same server with WatchListClient on (their default) and off, and each must do what
 * watchmark's verdict for that version and kind says (expectProbeAgrees: synced, fallback LIST,
 * skipped events, and what happened to a write made after sync); and so must informers of both
 * kinds with a label selector (watch-list with the selector), against watchmark's selector verdict.
 * A disagreement is a watchmark
 * bug, never a reason to relax the test.
 */
const skip = shouldSkip([]);

describe.skipIf(skip).concurrent('client-go oracle agrees with watchmark on every embedded profile', () => {
  it.each(PROFILES.map((p) => p.name))('%s', async (profile) => {
    await using server = await startEmbeddedServer({ profile: profile as ServerProfile, initialEventsEndDelayMs: 21_000 });
    const dir = mkdtempSync(path.join(tmpdir(), 'watchmark-oracle-'));
    const caFile = path.join(dir, 'ca.crt');
    writeFileSync(caFile, server.caCertPem!);

    // Some state for the probe to list: a namespace with two configmaps.
    const client = new TargetClient(
      { server: server.url, tls: { insecureSkipTlsVerify: false, caPem: server.caCertPem! }, allowH2: true, authHeaders: async () => ({ authorization: `Bearer ${server.token}` }) },
      systemClock(),
    );
    await client.requestJson('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'oracle' } } });
    for (const name of ['a', 'b']) {
      await client.requestJson('POST', '/api/v1/namespaces/oracle/configmaps', { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { k: name } } });
    }
    await client.close();

    const probeTarget = { server: server.url, token: server.token, caPem: server.caCertPem!, group: '', version: 'v1', resource: 'configmaps', namespace: 'oracle' };
    const runs = INFORMER_KINDS.flatMap((informer) => [true, false].map((watchListClient) => ({ informer, watchListClient })));
    // Informers with a label selector (issue 9.3): the probe's filtered informer, WatchListClient on.
    const selectorRuns = INFORMER_KINDS.map((informer) => ({ informer, watchListClient: true, labelSelector: 'watchmark.io/group=a' }));
    const [report, ...probes] = await Promise.all([
      runWatchmark({ server: server.url, token: server.token, certificateAuthority: caFile, quick: true, failOn: 'fail', profile: profile as ServerProfile }),
      // watchmark's run here is JSON, so the probes read JSON too: typed client-go clients would
      // otherwise ask for protobuf (gentype.PrefersProtobuf); test/real/oracle-protobuf.test.ts
      // compares typed protobuf informers with `run --encoding protobuf`.
      ...runs.map((r) => runProbe(probeTarget, { ...r, deadlineSeconds: 30, writeAfterSync: true, ...(r.informer === 'typed' ? { contentType: 'application/json' } : {}) })),
      ...selectorRuns.map((r) => runProbe(probeTarget, { ...r, deadlineSeconds: 30, ...(r.informer === 'typed' ? { contentType: 'application/json' } : {}) })),
    ]);
    const verdicts = (report as Report).clientGo.map((v) => [v.profile, v.outcome, v.skippedEvents ?? 0]);
    runs.forEach(({ informer, watchListClient }, i) => {
      const probe = probes[i]!;
      const version = watchListClient ? 'client-go>=0.35' : 'client-go<=0.34';
      const context = JSON.stringify({ profile, informer, probe, verdicts });
      expect(probe.informer, context).toBe(informer);
      expect(probe.watchListClient, context).toBe(watchListClient);
      expectProbeAgrees(probe, verdictFor(report as Report, version, informer), context);
    });
    selectorRuns.forEach(({ informer, labelSelector }, i) => {
      const probe = probes[runs.length + i]!;
      const context = JSON.stringify({ profile, informer, labelSelector, probe, verdicts });
      // Its selector matches nothing in the probe's namespace: no live event reaches it to skip or store.
      expectProbeAgrees(probe, selectorVerdictFor(report as Report, informer), context, { syncOnly: true });
    });
  });
});
