/**
 * A server that serves only named API groups and no core `/api/v1` (kinm, aggregated and shim
 * servers), with kinm's pretty-printed non-Status 404 body: the embedded server behind a loopback
 * front that makes it look that way (test/support/named-group-proxy.ts).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ResourceMatrix } from '../src/probe/matrix-model.js';
import type { Report } from '../src/report/model.js';
import { runCli } from './support/cli.js';
import { startNamedGroupProxy, type NamedGroupProxy } from './support/named-group-proxy.js';

async function withProxy<T>(fn: (kubeconfig: string, proxy: NamedGroupProxy) => Promise<T>): Promise<T> {
  await using proxy = await startNamedGroupProxy();
  const kubeconfig = path.join(mkdtempSync(path.join(tmpdir(), 'watchmark-named-group-')), 'kubeconfig');
  writeFileSync(kubeconfig, proxy.kubeconfigYaml());
  return await fn(kubeconfig, proxy);
}

describe.concurrent('a server without the core API group (CLI subprocess)', () => {
  it('run --all-resources discovers the named groups when /api/v1 answers 404', async () => {
    await withProxy(async (kubeconfig) => {
      const json = path.join(path.dirname(kubeconfig), 'matrix.json');
      const res = await runCli(['run', '--all-resources', '--kubeconfig', kubeconfig, '--probe-timeout', '2s', '--json', json]);
      expect(res.stderr).not.toMatch(/WM_DISCOVERY/);
      expect(res.code, res.stderr).toBe(0);
      const matrix = JSON.parse(readFileSync(json, 'utf8')) as ResourceMatrix;
      expect(matrix.resources.map((r) => ({ name: r.name, group: r.group, version: r.version, classification: r.classification }))).toEqual([
        { name: 'configmaps.kinm.test', group: 'kinm.test', version: 'v1', classification: 'supports' },
      ]);
    });
  });

  it('run without --namespace says the server has no namespaces, quotes its 404 body and points at --namespace', async () => {
    await withProxy(async (kubeconfig) => {
      const res = await runCli(['run', '--kubeconfig', kubeconfig, '--resource', 'configmaps.kinm.test', '--quick', '--progress', 'none']);
      expect(res.code, res.stderr).toBe(2);
      expect(res.stderr).toMatch(
        /cannot create namespace watchmark-[0-9a-f]+: the server has no namespaces resource \(POST \/api\/v1\/namespaces answered HTTP 404: \{"paths":\["\/apis","\/apis\/kinm\.test",.*\]\}\); pass --namespace NAME .*\(WM_WORKLOAD\)/,
      );
      expect(res.stderr).not.toMatch(/HTTP 404: \{ \(/);
    });
  });

  it('run --namespace works end to end on it', async () => {
    await withProxy(async (kubeconfig) => {
      const json = path.join(path.dirname(kubeconfig), 'report.json');
      const res = await runCli(['run', '--kubeconfig', kubeconfig, '--resource', 'configmaps.kinm.test', '--namespace', 'default', '--quick', '--progress', 'none', '--json', json]);
      expect(res.code, res.stderr).toBe(0);
      const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
      expect(report.resource).toMatchObject({ name: 'configmaps.kinm.test', apiVersion: 'kinm.test/v1', namespace: 'default' });
      expect(report.checks.find((c) => c.id === 'initial-events-end.present')?.status).toBe('pass');
    });
  });
});
