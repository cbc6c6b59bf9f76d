import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { kubeconfigFromDocument, loadKubeconfigFiles } from './kubeconfig-file.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'watchmark-kubeconfig-file-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const FULL = {
  apiVersion: 'v1',
  kind: 'Config',
  clusters: [
    { name: 'a', cluster: { server: 'https://a:6443/', 'certificate-authority': 'pki/ca.crt', 'tls-server-name': 'kube.a', 'insecure-skip-tls-verify': true, 'proxy-url': 'http://proxy:3128' } },
    { name: 'b', cluster: { server: 'https://b:6443', 'certificate-authority-data': 'Y2E=' } },
  ],
  users: [
    { name: 'cert', user: { 'client-certificate': 'pki/c.crt', 'client-key': '/abs/c.key', as: 'someone' } },
    { name: 'basic', user: { username: 'admin', password: 'pw' } },
    { name: 'exec', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'plugin', args: ['get'], provideClusterInfo: true } } },
    { name: 'oidc', user: { 'auth-provider': { name: 'oidc', config: { 'id-token': 'x' } } } },
    { name: 'empty' },
  ],
  contexts: [
    { name: 'one', context: { cluster: 'a', user: 'cert', namespace: 'ns1' } },
    { name: 'two', context: { cluster: 'b' } },
  ],
  'current-context': 'one',
};

describe('kubeconfig files read without @kubernetes/client-node', () => {
  it('gives the clusters, users, contexts and current context client-node 1.4 gives', () => {
    const file = path.join(dir, 'config');
    writeFileSync(file, stringify(FULL));
    const ours = loadKubeconfigFiles([file]);
    const theirs = new KubeConfig();
    theirs.loadFromFile(file);
    // client-node keeps unset fields as null/undefined keys; ours leaves them out.
    const defined = (xs: object[]) => xs.map((x) => Object.fromEntries(Object.entries(x).filter(([, v]) => v !== undefined && v !== null)));
    expect(ours.getClusters()).toEqual(defined(theirs.getClusters()));
    expect(ours.getUsers()).toEqual(defined(theirs.getUsers()));
    expect(ours.getContexts()).toEqual(defined(theirs.getContexts()));
    expect(ours.getCurrentContext()).toBe(theirs.getCurrentContext());
    expect(ours.getCurrentCluster()).toMatchObject({ name: 'a', server: 'https://a:6443', caFile: path.join(dir, 'pki/ca.crt'), skipTLSVerify: true });
    expect(ours.getCurrentUser()?.name).toBe('cert');
  });

  it('refuses entries without a name or a required field with client-node\'s messages', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ clusters: [{ cluster: { server: 'https://h' } }] }, 'clusters[0].name is missing'],
      [{ clusters: [{ name: 'c' }] }, 'clusters[0].cluster is missing'],
      [{ clusters: [{ name: 'c', cluster: {} }] }, 'clusters[0].cluster.server is missing'],
      [{ users: [{ user: {} }] }, 'users[0].name is missing'],
      [{ contexts: [{ name: 'x' }] }, 'contexts[0].context is missing'],
      [{ contexts: [{ name: 'x', context: { user: 'u' } }] }, 'contexts[0].context.cluster is missing'],
      [{ clusters: [{ name: 'c', cluster: { server: { nested: true } } }] }, 'clusters[0].cluster.server is not a string'],
    ];
    for (const [doc, message] of cases) expect(() => kubeconfigFromDocument(doc, dir)).toThrow(message);
  });

  it('reads token-file at load, relative to the kubeconfig as kubectl does; token wins over it', () => {
    mkdirSync(path.join(dir, 'kube'));
    writeFileSync(path.join(dir, 'kube', 'token'), 'from-file');
    const kc = kubeconfigFromDocument(
      { users: [{ name: 'f', user: { 'token-file': 'token' } }, { name: 'both', user: { token: 'inline', 'token-file': 'token' } }] },
      path.join(dir, 'kube'),
    );
    expect(kc.getUser('f')?.token).toBe('from-file');
    expect(kc.getUser('both')?.token).toBe('inline');
  });

  it('a token-file that cannot be read is WM_KUBECONFIG naming the kubeconfig', () => {
    const file = path.join(dir, 'config');
    writeFileSync(file, stringify({ users: [{ name: 'f', user: { 'token-file': 'nope' } }] }));
    expect(() => loadKubeconfigFiles([file])).toThrow(`cannot load kubeconfig ${file}: ENOENT`);
  });
});
