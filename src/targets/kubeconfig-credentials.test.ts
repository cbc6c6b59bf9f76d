import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { kubeconfigCredentials, type KubeconfigCredentials } from './kubeconfig-credentials.js';
import { loadKubeconfigFiles } from './kubeconfig-file.js';
import { rejection } from '../../test/support/rejection.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'watchmark-kubeconfig-credentials-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function kubeconfigFile(name: string, cluster: Record<string, unknown>, user: Record<string, unknown> | null): string {
  const file = path.join(dir, name);
  writeFileSync(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster }],
      users: user ? [{ name: 'u', user }] : [],
      contexts: [{ name: 'main', context: { cluster: 'c', ...(user ? { user: 'u' } : {}) } }],
      'current-context': 'main',
    }),
  );
  return file;
}

/** What @kubernetes/client-node 1.4 itself derives for the file, in the fields watchmark reads. */
async function clientNodeDerives(file: string): Promise<KubeconfigCredentials> {
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  const opts: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const { ca, cert, key, servername, headers, auth } = opts as KubeconfigCredentials;
  return Object.fromEntries(Object.entries({ ca, cert, key, servername, headers, auth }).filter(([, v]) => v !== undefined));
}

describe('kubeconfigCredentials derives what @kubernetes/client-node 1.4 derives, without loading it', () => {
  const cases: Array<[string, Record<string, unknown>, Record<string, unknown> | null]> = [
    ['a token user', { server: 'https://h:6443' }, { token: 'kubeconfig-token' }],
    [
      'CA, client certificate and key data, tls-server-name, insecure-skip-tls-verify',
      { server: 'https://h:6443', 'certificate-authority-data': b64('ca-pem'), 'tls-server-name': 'kube.internal', 'insecure-skip-tls-verify': true },
      { 'client-certificate-data': b64('cert-pem'), 'client-key-data': b64('key-pem') },
    ],
    ['Basic auth with impersonation', { server: 'https://h:6443/' }, { username: 'admin', password: 'pw', as: 'someone' }],
    ['a token beside a client certificate', { server: 'https://h:6443' }, { token: 't0ken-value', 'client-certificate-data': b64('cert-pem'), 'client-key-data': b64('key-pem') }],
    ['a context without a user (nothing at all, not even the CA)', { server: 'https://h:6443', 'certificate-authority-data': b64('ca-pem') }, null],
    ['a user with no credentials', { server: 'https://h:6443' }, {}],
  ];
  for (const [name, cluster, user] of cases) {
    it(name, async () => {
      const file = kubeconfigFile('config', cluster, user);
      const ours = await kubeconfigCredentials(loadKubeconfigFiles([file]), 'test');
      const theirs = await clientNodeDerives(file);
      // client-node leaves `headers: {}` on every user; an empty one is the same as none.
      const normalize = (c: KubeconfigCredentials) => ({ ...c, headers: c.headers && Object.keys(c.headers).length ? c.headers : undefined });
      expect(normalize(ours)).toEqual(normalize(theirs));
    });
  }

  it('reads certificate files relative to the kubeconfig file, as client-node does', async () => {
    writeFileSync(path.join(dir, 'ca.crt'), 'ca-file-pem');
    writeFileSync(path.join(dir, 'client.crt'), 'cert-file-pem');
    writeFileSync(path.join(dir, 'client.key'), 'key-file-pem');
    const file = kubeconfigFile('config', { server: 'https://h:6443', 'certificate-authority': 'ca.crt' }, { 'client-certificate': 'client.crt', 'client-key': 'client.key' });
    const ours = await kubeconfigCredentials(loadKubeconfigFiles([file]), 'test');
    expect([ours.ca?.toString(), ours.cert?.toString(), ours.key?.toString()]).toEqual(['ca-file-pem', 'cert-file-pem', 'key-file-pem']);
    expect(ours).toEqual({ ...(await clientNodeDerives(file)), headers: {} });
  });

  it('a missing certificate file is WM_AUTH naming where the credentials came from', async () => {
    const file = kubeconfigFile('config', { server: 'https://h:6443' }, { 'client-certificate': 'missing.crt', 'client-key-data': b64('k') });
    const err = await rejection(kubeconfigCredentials(loadKubeconfigFiles([file]), `kubeconfig ${file}`));
    expect([err.code, err.message]).toEqual(['WM_AUTH', `cannot get credentials from kubeconfig ${file}: ENOENT: no such file or directory, open '${path.join(dir, 'missing.crt')}'`]);
  });
});

describe('auth-provider users go through @kubernetes/client-node, loaded then', () => {
  it('a tokenFile auth-provider: its token, re-read by client-node; an http:// cluster is no obstacle', async () => {
    const tokenFile = path.join(dir, 'provider-token');
    writeFileSync(tokenFile, 'provider-token-1');
    const file = kubeconfigFile('config', { server: 'http://127.0.0.1:8080' }, { 'auth-provider': { name: 'token-file', config: { tokenFile } }, as: 'someone' });
    const kc = loadKubeconfigFiles([file]);
    expect(await kubeconfigCredentials(kc, 'test')).toEqual({ headers: { Authorization: 'Bearer provider-token-1', 'Impersonate-User': 'someone' } });
    // The same client-node KubeConfig serves every call (its authenticators keep their caches).
    expect(await kubeconfigCredentials(kc, 'test')).toEqual({ headers: { Authorization: 'Bearer provider-token-1', 'Impersonate-User': 'someone' } });
  });

  it('an oidc auth-provider: its id-token while unexpired; an expired one with nothing to refresh it sends none', async () => {
    const jwt = (exp: number) => [{ alg: 'none' }, { exp }].map((part) => Buffer.from(JSON.stringify(part)).toString('base64url')).join('.') + '.sig';
    const fresh = jwt(4_102_444_800); // 2100-01-01
    const valid = kubeconfigFile('valid', { server: 'https://h:6443' }, { 'auth-provider': { name: 'oidc', config: { 'id-token': fresh } } });
    expect(await kubeconfigCredentials(loadKubeconfigFiles([valid]), 'test')).toEqual({ headers: { Authorization: `Bearer ${fresh}` } });
    const expired = kubeconfigFile('expired', { server: 'https://h:6443' }, { 'auth-provider': { name: 'oidc', config: { 'id-token': jwt(1) } } });
    expect(await kubeconfigCredentials(loadKubeconfigFiles([expired]), 'test')).toEqual({ headers: {} });
  });
});
