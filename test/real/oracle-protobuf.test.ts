import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/report/model.js';
import { runWatchmark } from '../../src/run/run-watchmark.js';
import { startEmbeddedServer, type ServerProfile } from '../../src/server/index.js';
import { ApiClient } from '../../src/server/test-support.js';
import { expectProbeAgrees, runProbe, shouldSkip, verdictFor } from './testbed-support.js';

/**
 * The differential oracle in protobuf: typed client-go informers at their default encoding
 * (protobuf for built-in types since client-go v0.32, as kube-controller-manager and the scheduler
 * read) against the embedded server, WatchListClient on and off, must do what `watchmark run
 * --encoding protobuf`'s typed verdict says. broken-protobuf-framing is the case where the encoding
 * decides: its protobuf length prefixes are little-endian, so client-go blocks reading a frame that
 * never completes and the watch-list never syncs, while the same stream in JSON syncs.
 */
const skip = shouldSkip([]);

describe.skipIf(skip).concurrent('client-go oracle agrees with watchmark --encoding protobuf', () => {
  it.each<ServerProfile>(['reference', 'kinm', 'broken-protobuf-framing'])('%s', async (profile) => {
    await using server = await startEmbeddedServer({ profile });
    const dir = mkdtempSync(path.join(tmpdir(), 'watchmark-oracle-pb-'));
    try {
      const caFile = path.join(dir, 'ca.crt');
      writeFileSync(caFile, server.caCertPem!);
      const api = new ApiClient(server);
      await api.createNamespace('oracle');
      for (const name of ['a', 'b']) await api.createConfigMap('oracle', name);
      await api.close();
      const probeTarget = { server: server.url, token: server.token, caPem: server.caCertPem!, group: '', version: 'v1', resource: 'configmaps', namespace: 'oracle' };
      const runs = [true, false];
      const [report, ...probes] = await Promise.all([
        runWatchmark({ server: server.url, token: server.token, certificateAuthority: caFile, quick: true, failOn: 'fail', profile, encoding: 'protobuf' }),
        ...runs.map((watchListClient) => runProbe(probeTarget, { informer: 'typed', watchListClient, deadlineSeconds: 30, writeAfterSync: true })),
      ]);
      const verdicts = (report as Report).clientGo.map((v) => [v.profile, v.outcome]);
      runs.forEach((watchListClient, i) => {
        const probe = probes[i]!;
        const context = JSON.stringify({ profile, probe, verdicts });
        expect(probe.watchListClient, context).toBe(watchListClient);
        // The probe really read protobuf watch streams.
        expect(probe.watchContentTypes.length, context).toBeGreaterThan(0);
        expect(probe.watchContentTypes.every((t) => t === 'application/vnd.kubernetes.protobuf;stream=watch'), context).toBe(true);
        const version = watchListClient ? 'client-go>=0.35' : 'client-go<=0.34';
        // On broken-protobuf-framing the plain watch after the LIST is blocked on its first frame, so
        // the probe's write after sync never reaches the informer: compare the start only there.
        expectProbeAgrees(probe, verdictFor(report as Report, version, 'typed'), context, { syncOnly: profile === 'broken-protobuf-framing' });
      });
      if (profile === 'broken-protobuf-framing') {
        expect((report as Report).checks.find((c) => c.id === 'stream.protobuf-framing')?.status).toBe('fail');
        expect(verdictFor(report as Report, 'client-go>=0.35', 'typed')?.outcome).toBe('never-syncs');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
