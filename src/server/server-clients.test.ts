/**
 * Real clients against the embedded HTTPS server: @kubernetes/client-node's informer (LIST, then
 * WATCH from the list RV over HTTP/1.1 with the kubeconfig's CA and token) and kubectl.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CoreV1Api, KubeConfig, makeInformer, type V1ConfigMap } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedServer, type StartedEmbeddedServer } from './server.js';

let server: StartedEmbeddedServer;

beforeAll(async () => {
  server = await startEmbeddedServer();
});
afterAll(async () => {
  await server.stop();
});

/** Resolves when `predicate` holds, checked after every informer callback; bounded. */
function eventually(subscribe: (check: () => void) => void, predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
    const check = () => {
      if (predicate()) {
        clearTimeout(timer);
        resolve();
      }
    };
    subscribe(check);
    check();
  });
}

describe('@kubernetes/client-node 1.4', () => {
  it('lists and watches configmaps with an informer: sees created, updated and deleted objects', async () => {
    const kc = new KubeConfig();
    kc.loadFromString(server.kubeconfigYaml({ namespace: 'informed' }));
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'informed' } } });
    await core.createNamespacedConfigMap({ namespace: 'informed', body: { metadata: { name: 'before' }, data: { a: '1' } } });

    const informer = makeInformer<V1ConfigMap>(kc, '/api/v1/namespaces/informed/configmaps', () =>
      core.listNamespacedConfigMap({ namespace: 'informed' }),
    );
    const log: string[] = [];
    const errors: unknown[] = [];
    const listeners: (() => void)[] = [];
    const notify = () => listeners.forEach((l) => l());
    informer.on('add', (o) => (log.push(`add ${o.metadata?.name}`), notify()));
    informer.on('update', (o) => (log.push(`update ${o.metadata?.name} ${o.data?.a}`), notify()));
    informer.on('delete', (o) => (log.push(`delete ${o.metadata?.name}`), notify()));
    informer.on('error', (err) => errors.push(err));
    await informer.start();
    try {
      await eventually((l) => listeners.push(l), () => log.includes('add before'), 'the listed object');
      // Whether or not its watch is open yet: it watches from the list RV, so history covers the gap.
      await core.createNamespacedConfigMap({ namespace: 'informed', body: { metadata: { name: 'during' }, data: { a: '1' } } });
      const current = await core.readNamespacedConfigMap({ name: 'during', namespace: 'informed' });
      await core.replaceNamespacedConfigMap({ name: 'during', namespace: 'informed', body: { ...current, data: { a: '2' } } });
      await core.deleteNamespacedConfigMap({ name: 'before', namespace: 'informed' });
      await eventually((l) => listeners.push(l), () => log.includes('delete before'), 'the deletion');
      expect(log).toEqual(['add before', 'add during', 'update during 2', 'delete before']);
      expect(informer.list('informed').map((o) => o.metadata?.name)).toEqual(['during']);
      expect(errors).toEqual([]);
    } finally {
      await informer.stop();
    }
  });
});

const KUBECTL = '/usr/bin/kubectl';
const hasKubectl = existsSync(KUBECTL);
const kubectlTitle = hasKubectl ? 'kubectl' : `kubectl (skipped: ${KUBECTL} not found${process.env.CI ? '' : '; required when CI is set'})`;

describe.skipIf(!hasKubectl && !process.env.CI)(kubectlTitle, () => {
  let dir: string;
  let kubeconfigPath: string;
  const kubectl = async (...args: string[]) => {
    if (!hasKubectl) throw new Error(`${KUBECTL} is required when CI is set`);
    const { stdout } = await promisify(execFile)(KUBECTL, ['--kubeconfig', kubeconfigPath, '--cache-dir', path.join(dir, 'cache'), ...args], {
      timeout: 30_000,
      env: { ...process.env, HOME: dir, KUBECONFIG: '' },
    });
    return stdout;
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'watchmark-kubectl-'));
    kubeconfigPath = path.join(dir, 'kubeconfig');
    await writeFile(kubeconfigPath, server.kubeconfigYaml(), { mode: 0o600 });
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('gets configmaps as JSON (discovery, TLS, token and list all work)', async () => {
    const kc = new KubeConfig();
    kc.loadFromString(server.kubeconfigYaml());
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'kubectl-ns' } } });
    await core.createNamespacedConfigMap({ namespace: 'kubectl-ns', body: { metadata: { name: 'seen-by-kubectl' }, data: { k: 'v' } } });
    const list = JSON.parse(await kubectl('get', 'configmaps', '-n', 'kubectl-ns', '-o', 'json'));
    expect(list.kind).toBe('List');
    expect(list.items).toHaveLength(1);
    expect(list.items[0]).toMatchObject({ kind: 'ConfigMap', metadata: { name: 'seen-by-kubectl', namespace: 'kubectl-ns' }, data: { k: 'v' } });
    const byShortName = JSON.parse(await kubectl('get', 'cm', 'seen-by-kubectl', '-n', 'kubectl-ns', '-o', 'json'));
    expect(byShortName.metadata.name).toBe('seen-by-kubectl');
  });

  it('gets raw /api/v1', async () => {
    const doc = JSON.parse(await kubectl('get', '--raw', '/api/v1'));
    expect(doc.kind).toBe('APIResourceList');
    expect(doc.resources.map((r: { name: string }) => r.name)).toEqual(expect.arrayContaining(['configmaps', 'namespaces']));
  });
});
