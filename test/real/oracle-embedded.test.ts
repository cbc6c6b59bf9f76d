import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import type { Report } from '../../src/report/model.js';
import { runWatchmark } from '../../src/run/run-watchmark.js';
import { PROFILES, startEmbeddedServer, type ServerProfile } from '../../src/server/index.js';
import { TargetClient } from '../../src/transport/client.js';
import { runProbe, shouldSkip, verdictSyncs } from './testbed-support.js';

/**
 * Differential oracle on every embedded-server profile: a real client-go informer (the testbed's
 * informer-probe) is run against the same server, with WatchListClient on (its default) and
 * off, and whether it synced must equal watchmark's clientGo verdict. A disagreement is a
 * watchmark bug, never a reason to relax the test.
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
    const [report, on, off] = await Promise.all([
      runWatchmark({ server: server.url, token: server.token, certificateAuthority: caFile, quick: true, failOn: 'fail', profile: profile as ServerProfile }),
      runProbe(probeTarget, { watchListClient: true, deadlineSeconds: 30 }),
      runProbe(probeTarget, { watchListClient: false, deadlineSeconds: 30 }),
    ]);
    const outcome = (p: string) => (report as Report).clientGo.find((v) => v.profile === p)?.outcome;
    const context = JSON.stringify({ profile, on, off, verdicts: report.clientGo.map((v) => [v.profile, v.outcome]) });
    expect(on.watchListClient, context).toBe(true);
    expect(off.watchListClient, context).toBe(false);
    expect(on.synced, context).toBe(verdictSyncs(outcome('client-go>=0.35')));
    expect(off.synced, context).toBe(verdictSyncs(outcome('client-go<=0.34')));
    if (!on.synced) expect(on.bookmarkExpiredWarnings, context).toBeGreaterThan(0);
  });
});
