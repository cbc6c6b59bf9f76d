/**
 * Differential oracle for the `client-node` verdict: the real @kubernetes/client-node informer
 * (makeInformer, the version watchmark depends on) runs against every embedded-server profile
 * while watchmark runs its quick suite on the same server, and what the informer really did
 * must equal watchmark's client-node outcome. Like the client-go oracle (test/real), a
 * disagreement is a watchmark bug, never a reason to relax the test. Needs no testbed: the
 * client is in node_modules.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CoreV1Api, KubeConfig, makeInformer, type V1ConfigMap } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { runWatchmark } from '../src/run/run-watchmark.js';
import { PROFILES, startEmbeddedServer, type ServerProfile } from '../src/server/index.js';
import type { ClientOutcome } from '../src/verdict/types.js';

/** More re-watches than this during the run is a loop: a healthy server ends no watch that the informer opens without timeoutSeconds. */
const LOOP_CONNECTS = 20;

describe.concurrent('client-node oracle agrees with watchmark on every embedded profile', () => {
  it.each(PROFILES.map((p) => p.name))(
    '%s',
    async (profile) => {
      await using server = await startEmbeddedServer({ profile: profile as ServerProfile, initialEventsEndDelayMs: 21_000 });
      const dir = mkdtempSync(path.join(tmpdir(), 'watchmark-node-oracle-'));
      const caFile = path.join(dir, 'ca.crt');
      writeFileSync(caFile, server.caCertPem!);

      const kc = new KubeConfig();
      kc.loadFromString(server.kubeconfigYaml({ namespace: 'oracle' }));
      const core = kc.makeApiClient(CoreV1Api);
      await core.createNamespace({ body: { metadata: { name: 'oracle' } } });
      for (const name of ['a', 'b']) await core.createNamespacedConfigMap({ namespace: 'oracle', body: { metadata: { name }, data: { k: name } } });

      let listedAtMs: number | undefined;
      const startedAtMs = performance.now();
      const informer = makeInformer<V1ConfigMap>(kc, '/api/v1/namespaces/oracle/configmaps', async () => {
        const list = await core.listNamespacedConfigMap({ namespace: 'oracle' });
        listedAtMs = performance.now() - startedAtMs;
        return list;
      });
      const added: string[] = [];
      const errors: string[] = [];
      let connects = 0;
      informer.on('add', (o) => added.push(o.metadata?.name ?? ''));
      let stopping = false;
      // stop() aborts the watch and client-node 1.4 reports that abort as an 'error' too
      // (cache.js doneHandler checks the error before `stopped`): not the server's doing.
      informer.on('error', (err) => {
        if (!stopping) errors.push(String(err));
      });
      informer.on('connect', () => connects++);

      let report;
      try {
        await informer.start();
        const suite = runWatchmark({ server: server.url, token: server.token, certificateAuthority: caFile, quick: true, failOn: 'fail', profile: profile as ServerProfile });
        // A live change the informer's watch must deliver.
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        await core.createNamespacedConfigMap({ namespace: 'oracle', body: { metadata: { name: 'live' }, data: { k: 'live' } } });
        report = await suite;
      } finally {
        stopping = true;
        await informer.stop();
      }

      const synced = listedAtMs !== undefined;
      const observed: ClientOutcome = !synced
        ? 'never-syncs'
        : errors.length > 0
          ? 'stops'
          : connects > LOOP_CONNECTS
            ? 'loops'
            : 'syncs';
      const verdict = report.clientGo.find((v) => v.profile === 'client-node');
      const context = JSON.stringify({ profile, observed, connects, errors, added, verdict: verdict && [verdict.outcome, verdict.basedOn, verdict.explanation] });
      expect(verdict, context).toBeDefined();
      expect(verdict!.outcome, context).toBe(observed);
      if (observed === 'syncs') {
        expect(added, context).toEqual(['a', 'b', 'live']);
        expect(verdict!.basedOn, context).toEqual(['list#1', 'watch-no-bookmarks#1']);
      }
    },
    120_000,
  );
});
