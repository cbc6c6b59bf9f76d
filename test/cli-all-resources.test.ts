import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ResourceMatrix } from '../src/probe/matrix-model.js';
import { startEmbeddedServer, type EmbeddedServerOptions } from '../src/server/index.js';
import { runCli, startCli } from './support/cli.js';

function tmpFile(name: string): string {
  return path.join(mkdtempSync(path.join(tmpdir(), 'watchmark-test-')), name);
}

function classesOf(matrix: ResourceMatrix): Record<string, string> {
  return Object.fromEntries(matrix.resources.map((r) => [r.name, r.classification]));
}

async function withKubeconfig<T>(options: EmbeddedServerOptions, fn: (kubeconfig: string) => Promise<T>): Promise<T> {
  await using server = await startEmbeddedServer(options);
  const kubeconfig = tmpFile('kubeconfig');
  writeFileSync(kubeconfig, server.kubeconfigYaml());
  return await fn(kubeconfig);
}

describe.concurrent('watchmark run --all-resources (CLI subprocess, embedded server)', () => {
  it('reference: every resource supports watch-list, exit 0, JSON matrix with the allow-list', async () => {
    const json = tmpFile('matrix.json');
    const res = await runCli(['run', '--all-resources', '--embedded', '--json', json]);
    expect(res.code, res.stderr + res.stdout).toBe(0);
    expect(res.stderr).toMatch(/started the embedded API server \(profile reference\)/);
    expect(res.stdout).toMatch(/^configmaps\s+v1\s+yes\s+supports\s+end bookmark after \d+ ms \(0 initial events\)$/m);
    expect(res.stdout).toMatch(/Result: no hang \(2 supports\)/);
    const matrix = JSON.parse(readFileSync(json, 'utf8')) as ResourceMatrix;
    expect(matrix).toMatchObject({ schemaVersion: 1, kind: 'resource-matrix', target: { source: 'embedded' }, allowList: ['configmaps', 'namespaces'], denyList: [] });
    expect(classesOf(matrix)).toEqual({ configmaps: 'supports', namespaces: 'supports' });
    const namespaces = matrix.resources.find((r) => r.name === 'namespaces')!;
    expect(namespaces).toMatchObject({ resource: 'namespaces', group: '', version: 'v1', kind: 'Namespace', namespaced: false, httpStatus: 200, initialEvents: 2 });
    expect(namespaces.endBookmarkAfterMs).toBeGreaterThan(0);
    // Read-only: nothing was created (the two seed namespaces only).
    expect(matrix.resources.every((r) => r.initialEvents === (r.name === 'namespaces' ? 2 : 0))).toBe(true);
  });

  it('kinm: accepts-and-ignores everywhere, exit 1, deny-list; --json - keeps stdout for the JSON', async () => {
    const res = await runCli(['run', '--all-resources', '--embedded', '--profile', 'kinm', '--probe-timeout', '1s', '--json', '-']);
    expect(res.code, res.stderr).toBe(1);
    const matrix = JSON.parse(res.stdout) as ResourceMatrix;
    expect(classesOf(matrix)).toEqual({ configmaps: 'accepts-and-ignores', namespaces: 'accepts-and-ignores' });
    expect(matrix.denyList).toEqual(['configmaps', 'namespaces']);
    expect(matrix.resources[1]!.reason).toMatch(/no BOOKMARK annotated "k8s.io\/initial-events-end": "true" within 1 s/);
    expect(res.stderr).toMatch(/Result: HANGS on configmaps, namespaces/);
    expect(res.stderr).toMatch(/accepts-and-ignores \(2\): never syncs/);
  });

  it('one server with the WatchList gate off for configmaps only: rejects-cleanly and supports, exit 0', async () => {
    await withKubeconfig({ watchList: false, resourceOverrides: { namespaces: { watchList: true } } }, async (kubeconfig) => {
      const res = await runCli(['run', '--all-resources', '--kubeconfig', kubeconfig, '--json', '-']);
      expect(res.code, res.stderr).toBe(0);
      const matrix = JSON.parse(res.stdout) as ResourceMatrix;
      expect(classesOf(matrix)).toEqual({ configmaps: 'rejects-cleanly', namespaces: 'supports' });
      const configmaps = matrix.resources.find((r) => r.name === 'configmaps')!;
      expect(configmaps).toMatchObject({ httpStatus: 422, endBookmarkAfterMs: null });
      expect(configmaps.reason).toMatch(/sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled/);
      expect(matrix.allowList).toEqual(['namespaces']);
    });
  });

  it('refuses --resource with --all-resources (exit 2)', async () => {
    const res = await runCli(['run', '--all-resources', '--embedded', '--resource', 'configmaps']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--all-resources probes every resource: drop --resource .*\(WM_USAGE\)/);
  });

  it('refuses the suite-only options with --all-resources instead of ignoring them (exit 2)', async () => {
    const res = await runCli(['run', '--all-resources', '--embedded', '--record', 'r.ndjson', '--scenario', 'watch-list']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--all-resources runs a read-only probe per resource; --record, --scenario only apply to the suite \(WM_USAGE\)/);
    expect(res.stderr).not.toMatch(/started the embedded/);
  });

  it('`serve --resource-profile configmaps=kinm` makes one resource hang while the other supports watch-list (exit 1)', async () => {
    const kubeconfig = tmpFile('kubeconfig');
    const serve = startCli(['serve', '--resource-profile', 'configmaps=kinm', '--kubeconfig-out', kubeconfig]);
    try {
      await serve.waitFor(/listening at https:\/\/127\.0\.0\.1:\d+/);
      expect(serve.output().stdout).toMatch(/configmaps: profile kinm/);
      const res = await runCli(['run', '--all-resources', '--kubeconfig', kubeconfig, '--probe-timeout', '3s', '--json', '-']);
      expect(res.code, res.stderr).toBe(1);
      const matrix = JSON.parse(res.stdout) as ResourceMatrix;
      expect(classesOf(matrix)).toEqual({ configmaps: 'accepts-and-ignores', namespaces: 'supports' });
      expect(matrix.denyList).toEqual(['configmaps']);
    } finally {
      serve.child.kill('SIGINT');
      await serve.result;
    }
  });

  it('`serve --no-watch-list` answers watch-list with 422 everywhere: rejects-cleanly, exit 0; a bad --resource-profile is exit 2', async () => {
    const kubeconfig = tmpFile('kubeconfig');
    const serve = startCli(['serve', '--no-watch-list', '--kubeconfig-out', kubeconfig]);
    try {
      await serve.waitFor(/listening at/);
      expect(serve.output().stdout).toMatch(/WatchList feature gate off/);
      const res = await runCli(['run', '--all-resources', '--kubeconfig', kubeconfig, '--json', '-']);
      expect(res.code, res.stderr).toBe(0);
      expect(classesOf(JSON.parse(res.stdout) as ResourceMatrix)).toEqual({ configmaps: 'rejects-cleanly', namespaces: 'rejects-cleanly' });
    } finally {
      serve.child.kill('SIGINT');
      await serve.result;
    }
    const bad = await runCli(['serve', '--resource-profile', 'configmaps']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--resource-profile "configmaps" is not RESOURCE=PROFILE/);
    const unknown = await runCli(['serve', '--resource-profile', 'secrets=kinm']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/does not serve "secrets"/);
  });
});
