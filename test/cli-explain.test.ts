import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Explanation } from '../src/probe/explain.js';
import { startEmbeddedServer, type EmbeddedServerOptions } from '../src/server/index.js';
import { runCli } from './support/cli.js';

function tmpFile(name: string): string {
  return path.join(mkdtempSync(path.join(tmpdir(), 'watchmark-test-')), name);
}

async function withKubeconfig<T>(options: EmbeddedServerOptions, fn: (kubeconfig: string) => Promise<T>): Promise<T> {
  await using server = await startEmbeddedServer(options);
  const kubeconfig = tmpFile('kubeconfig');
  writeFileSync(kubeconfig, server.kubeconfigYaml());
  return await fn(kubeconfig);
}

describe.concurrent('watchmark explain (CLI subprocess, embedded server)', () => {
  it('kinm: explains the hang and the fixes, exit 1', async () => {
    const res = await runCli(['explain', 'configmaps', '--embedded', '--profile', 'kinm', '--probe-timeout', '1s']);
    expect(res.code, res.stderr).toBe(1);
    const text = res.stdout.replace(/\s+/g, ' ');
    expect(res.stdout).toMatch(/HANGS: a client-go v0\.35\+ informer never syncs configmaps on this server/);
    expect(res.stdout).toMatch(/GET \/api\/v1\/configmaps\?allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&sendInitialEvents=true&timeoutSeconds=6&watch=true/);
    expect(text).toMatch(/HasSynced\(\) stays false/);
    expect(text).toMatch(/no backoff, no fallback to LIST/);
    for (const fix of [/end the initial events with the annotated bookmark/, /reject sendInitialEvents with a 4xx/, /SetListOptionsDefaults/, /IsWatchListSemanticsUnSupported\(\)/, /KUBE_FEATURE_WatchListClient=false/]) {
      expect(text).toMatch(fix);
    }
  });

  it('reference: syncs, exit 0, short; --json - gives the model', async () => {
    const res = await runCli(['explain', 'cm', '--embedded', '--json', '-']);
    expect(res.code, res.stderr).toBe(0);
    const model = JSON.parse(res.stdout) as Explanation;
    expect(model).toMatchObject({ schemaVersion: 1, kind: 'explain', classification: 'supports', outcome: 'syncs', exitCode: 0, fixes: [], resource: { name: 'configmaps', namespace: null } });
    expect(model.headline).toMatch(/^configmaps syncs: end bookmark after \d+ ms \(0 initial events\)$/);
    expect(res.stderr).toMatch(/configmaps syncs: end bookmark after/);
    expect(res.stderr).not.toMatch(/Fixes/);
  });

  it('slow-initial-events-end: syncs late, with the exact warning line client-go logs at its 10 s tick', async () => {
    await withKubeconfig({ profile: 'slow-initial-events-end', initialEventsEndDelayMs: 11_000 }, async (kubeconfig) => {
      const res = await runCli(['explain', 'configmaps', '--kubeconfig', kubeconfig, '--probe-timeout', '20s']);
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout).toMatch(/configmaps syncs late: end bookmark after 11\.\d s \(0 initial events\), with 1 "Warning: event bookmark expired" line on the way/);
      expect(res.stdout).toMatch(
        /\+10\.\d{3}s {2}"Warning: event bookmark expired" err="<reflector>: awaiting required bookmark event for initial events stream, no events received for 10\.\d+s"/,
      );
    });
  });

  it('WatchList gate off: syncs via the fallback LIST it sends, exit 0', async () => {
    await withKubeconfig({ watchList: false }, async (kubeconfig) => {
      const res = await runCli(['explain', 'namespaces', '--kubeconfig', kubeconfig, '--json', '-']);
      expect(res.code, res.stderr).toBe(0);
      const model = JSON.parse(res.stdout) as Explanation;
      expect(model).toMatchObject({
        classification: 'rejects-cleanly',
        outcome: 'syncs-via-fallback',
        httpStatus: 422,
        fallbackList: { request: 'GET /api/v1/namespaces?limit=500&resourceVersion=0', status: 200, itemCount: 2 },
      });
      expect(res.stderr).toMatch(/Falling back to regular list/);
    });
  });

  it('probes one namespace with --namespace, and rejects unknown resources with exit 2', async () => {
    const res = await runCli(['explain', 'configmaps', '--embedded', '-n', 'kube-system', '--json', '-']);
    expect(res.code, res.stderr).toBe(0);
    expect((JSON.parse(res.stdout) as Explanation).probe.request).toMatch(/^GET \/api\/v1\/namespaces\/kube-system\/configmaps\?/);
    const unknown = await runCli(['explain', 'widgets', '--embedded']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/doesn't have a resource type "widgets"/);
  });
});
