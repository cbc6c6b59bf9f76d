import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { WatchmarkError } from '../errors.js';
import {
  explicitServerStrategy,
  kubeconfigEnvStrategy,
  kubeconfigFlagStrategy,
  loadKubeconfigFiles,
} from './kubeconfig.js';
import type { ConnectionFlags, ReadyTarget } from './types.js';
import { rejection } from '../../test/support/rejection.js';
import { generateSelfSignedTls } from '../tls/self-signed.js';
import { hangingPlugin, waitForFile, waitUntilGone } from '../../test/support/processes.js';

// Every test writes its kubeconfigs into its own temp dir and passes `env` explicitly: nothing
// here reads the real HOME, KUBECONFIG or process.env.

const b64 = (s: string) => Buffer.from(s).toString('base64');
/** A real certificate: CA bundles are parsed when they are loaded (a garbage one is an error). */
const CA_PEM = generateSelfSignedTls('kubeconfig-test').caCertPem;
const CERT_PEM = '-----BEGIN CERTIFICATE-----\nfake-client-cert\n-----END CERTIFICATE-----\n';
const KEY_PEM = '-----BEGIN PRIVATE KEY-----\nfake-client-key\n-----END PRIVATE KEY-----\n';

interface KubeconfigSpec {
  clusters?: Array<{ name: string; cluster: Record<string, unknown> }>;
  users?: Array<{ name: string; user: Record<string, unknown> }>;
  contexts?: Array<{ name: string; context: Record<string, unknown> }>;
  'current-context'?: string;
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'watchmark-kubeconfig-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function writeKubeconfig(name: string, spec: KubeconfigSpec): string {
  const file = path.join(dir, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, stringify({ apiVersion: 'v1', kind: 'Config', ...spec }));
  return file;
}

/** One cluster, one user, one context, current. */
function simpleKubeconfig(
  name: string,
  opts: { server: string; cluster?: Record<string, unknown>; user?: Record<string, unknown>; namespace?: string; contextName?: string },
): string {
  const ctx = opts.contextName ?? 'main';
  return writeKubeconfig(name, {
    clusters: [{ name: 'c', cluster: { server: opts.server, ...opts.cluster } }],
    users: [{ name: 'u', user: opts.user ?? { token: 'kubeconfig-token' } }],
    contexts: [{ name: ctx, context: { cluster: 'c', user: 'u', ...(opts.namespace ? { namespace: opts.namespace } : {}) } }],
    'current-context': ctx,
  });
}

async function fromKubeconfig(file: string, flags: ConnectionFlags = {}): Promise<ReadyTarget> {
  const target = await kubeconfigFlagStrategy.resolve({ ...flags, kubeconfig: file }, {});
  if (!target) throw new Error('--kubeconfig strategy did not apply');
  return target;
}

describe('--server flags', () => {
  it('does not apply without --server, nor when --kubeconfig is given (the kubeconfig strategy takes --server then)', async () => {
    expect(await explicitServerStrategy.resolve({}, {})).toBeNull();
    expect(await explicitServerStrategy.resolve({ server: 'https://h:6443', kubeconfig: '/x' }, {})).toBeNull();
  });

  it('stands alone: bearer token header, namespace, verified TLS by default', async () => {
    const t = await explicitServerStrategy.resolve({ server: 'https://127.0.0.1:6443', token: 's3cret', namespace: 'ns1' }, {});
    expect(t).not.toBeNull();
    expect(t!.source).toBe('flags');
    expect(t!.namespace).toBe('ns1');
    expect(t!.connection.server).toBe('https://127.0.0.1:6443');
    expect(t!.connection.tls).toEqual({ insecureSkipTlsVerify: false });
    expect(await t!.connection.authHeaders()).toEqual({ authorization: 'Bearer s3cret' });
    // The description is printed; the token must not be in it.
    expect(t!.description).not.toContain('s3cret');
  });

  it('sends no authorization header without --token and honours --insecure-skip-tls-verify', async () => {
    const t = await explicitServerStrategy.resolve({ server: 'https://h:6443', insecureSkipTlsVerify: true }, {});
    expect(await t!.connection.authHeaders()).toEqual({});
    expect(t!.connection.tls.insecureSkipTlsVerify).toBe(true);
    expect(t!.namespace).toBeUndefined();
  });

  it('reads the --certificate-authority file into the TLS material', async () => {
    const caFile = path.join(dir, 'ca.crt');
    writeFileSync(caFile, CA_PEM);
    const t = await explicitServerStrategy.resolve({ server: 'https://h:6443', certificateAuthority: caFile }, {});
    expect(t!.connection.tls.caPem).toBe(CA_PEM);
  });

  it('rejects a --certificate-authority file that is not a PEM certificate, saying it could not be parsed and naming it', async () => {
    const caFile = path.join(dir, 'garbage.crt');
    writeFileSync(caFile, 'garbage\n');
    const err = await rejection(explicitServerStrategy.resolve({ server: 'https://h:6443', certificateAuthority: caFile }, {}));
    expect([err.code, err.message]).toEqual([
      'WM_USAGE',
      `--certificate-authority ${caFile}: the CA file could not be parsed: it holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
    ]);
  });

  it('rejects a missing --certificate-authority file with WM_USAGE naming it', async () => {
    const missing = path.join(dir, 'nope.crt');
    const err = await rejection(explicitServerStrategy.resolve({ server: 'https://h:6443', certificateAuthority: missing }, {}));
    expect(err.code).toBe('WM_USAGE');
    expect(err.message).toContain(missing);
  });

  it.each([
    ['not a url', /is not a URL/],
    ['localhost:6443', /must use http or https/], // a valid URL whose scheme is "localhost:"
    ['ftp://h:6443', /must use http or https/],
  ])('rejects --server %j with WM_USAGE', async (server, message) => {
    const err = await rejection(explicitServerStrategy.resolve({ server }, {}));
    expect(err.code).toBe('WM_USAGE');
    expect(err.message).toMatch(message);
    expect(err.message).toContain('--server');
  });
});

describe('context selection', () => {
  function twoContexts(): string {
    return writeKubeconfig('config', {
      clusters: [
        { name: 'alpha', cluster: { server: 'https://alpha.example:6443' } },
        { name: 'beta', cluster: { server: 'https://beta.example:6443' } },
      ],
      users: [{ name: 'u', user: { token: 't' } }],
      contexts: [
        { name: 'a', context: { cluster: 'alpha', user: 'u', namespace: 'ns-a' } },
        { name: 'b', context: { cluster: 'beta', user: 'u', namespace: 'ns-b' } },
        { name: 'orphan', context: { cluster: 'gone', user: 'u' } },
      ],
      'current-context': 'a',
    });
  }

  it('uses current-context by default, with its namespace', async () => {
    const t = await fromKubeconfig(twoContexts());
    expect(t.source).toBe('kubeconfig-flag');
    expect(t.connection.server).toBe('https://alpha.example:6443');
    expect(t.namespace).toBe('ns-a');
    expect(t.description).toContain('context "a"');
  });

  it('--context picks another context; --namespace overrides the context namespace', async () => {
    const file = twoContexts();
    const b = await fromKubeconfig(file, { context: 'b' });
    expect(b.connection.server).toBe('https://beta.example:6443');
    expect(b.namespace).toBe('ns-b');
    expect(b.description).toContain('context "b"');
    const bOther = await fromKubeconfig(file, { context: 'b', namespace: 'mine' });
    expect(bOther.namespace).toBe('mine');
  });

  it('an unknown --context is an error listing the known contexts', async () => {
    const err = await rejection(fromKubeconfig(twoContexts(), { context: 'nope' }));
    expect(err.code).toBe('WM_KUBECONFIG');
    expect(err.message).toContain('context "nope" not found');
    expect(err.message).toContain('(known: a, b, orphan)');
  });

  it('a context naming no known cluster is an error naming the context', async () => {
    const err = await rejection(fromKubeconfig(twoContexts(), { context: 'orphan' }));
    expect(err.code).toBe('WM_KUBECONFIG');
    expect(err.message).toMatch(/context "orphan" .* names no known cluster/);
  });

  it('a context naming no known cluster works when --server says where to go', async () => {
    const t = await fromKubeconfig(twoContexts(), { context: 'orphan', server: 'https://override.example:6443' });
    expect(t.connection.server).toBe('https://override.example:6443');
    expect(await t.connection.authHeaders()).toEqual({ authorization: 'Bearer t' });
  });

  it('a kubeconfig without current-context asks for --context', async () => {
    const file = writeKubeconfig('config', {
      clusters: [{ name: 'c', cluster: { server: 'https://h:6443' } }],
      contexts: [{ name: 'x', context: { cluster: 'c' } }],
    });
    const err = await rejection(fromKubeconfig(file));
    expect(err.code).toBe('WM_KUBECONFIG');
    expect(err.message).toMatch(/no current-context; pass --context/);
    expect((await fromKubeconfig(file, { context: 'x' })).connection.server).toBe('https://h:6443');
  });

  it('--server overrides the cluster server but keeps the kubeconfig credentials', async () => {
    const t = await fromKubeconfig(simpleKubeconfig('config', { server: 'https://a:6443' }), { server: 'https://b:6443' });
    expect(t.connection.server).toBe('https://b:6443');
    expect(await t.connection.authHeaders()).toEqual({ authorization: 'Bearer kubeconfig-token' });
  });

  it('a kubeconfig cluster server that is not an http(s) URL is WM_USAGE naming the kubeconfig', async () => {
    const file = simpleKubeconfig('config', { server: 'localhost:6443' });
    const err = await rejection(fromKubeconfig(file));
    expect(err.code).toBe('WM_USAGE');
    expect(err.message).toContain(file);
  });
});

describe('credentials and TLS material from a kubeconfig', () => {
  it('maps insecure-skip-tls-verify: true onto tls.insecureSkipTlsVerify (and leaves it off otherwise)', async () => {
    const insecure = await fromKubeconfig(
      simpleKubeconfig('insecure', { server: 'https://h:6443', cluster: { 'insecure-skip-tls-verify': true } }),
    );
    expect(insecure.connection.tls.insecureSkipTlsVerify).toBe(true);
    const verified = await fromKubeconfig(simpleKubeconfig('verified', { server: 'https://h:6443' }));
    expect(verified.connection.tls.insecureSkipTlsVerify).toBe(false);
    // --insecure-skip-tls-verify given explicitly wins either way.
    const forced = await fromKubeconfig(simpleKubeconfig('forced', { server: 'https://h:6443' }), { insecureSkipTlsVerify: true });
    expect(forced.connection.tls.insecureSkipTlsVerify).toBe(true);
  });

  it('puts CA, client certificate and key data and tls-server-name into the TLS material', async () => {
    const t = await fromKubeconfig(
      simpleKubeconfig('config', {
        server: 'https://h:6443',
        cluster: { 'certificate-authority-data': b64(CA_PEM), 'tls-server-name': 'kube.internal' },
        user: { 'client-certificate-data': b64(CERT_PEM), 'client-key-data': b64(KEY_PEM) },
      }),
    );
    expect(t.connection.tls).toEqual({
      insecureSkipTlsVerify: false,
      caPem: CA_PEM,
      certPem: CERT_PEM,
      keyPem: KEY_PEM,
      serverName: 'kube.internal',
    });
    // Client-certificate users authenticate by TLS alone: no authorization header.
    expect(await t.connection.authHeaders()).toEqual({});
  });

  it('reads certificate files relative to the kubeconfig file, as kubectl does', async () => {
    mkdirSync(path.join(dir, 'kube', 'pki'), { recursive: true });
    writeFileSync(path.join(dir, 'kube', 'pki', 'ca.crt'), CA_PEM);
    writeFileSync(path.join(dir, 'kube', 'pki', 'client.crt'), CERT_PEM);
    writeFileSync(path.join(dir, 'kube', 'pki', 'client.key'), KEY_PEM);
    const t = await fromKubeconfig(
      simpleKubeconfig('kube/config', {
        server: 'https://h:6443',
        cluster: { 'certificate-authority': 'pki/ca.crt' },
        user: { 'client-certificate': 'pki/client.crt', 'client-key': 'pki/client.key' },
      }),
    );
    expect(t.connection.tls.caPem).toBe(CA_PEM);
    expect(t.connection.tls.certPem).toBe(CERT_PEM);
    expect(t.connection.tls.keyPem).toBe(KEY_PEM);
  });

  it('--certificate-authority replaces the kubeconfig CA', async () => {
    const caFile = path.join(dir, 'other-ca.crt');
    const otherCa = generateSelfSignedTls('other-ca').caCertPem;
    writeFileSync(caFile, otherCa);
    const t = await fromKubeconfig(
      simpleKubeconfig('config', { server: 'https://h:6443', cluster: { 'certificate-authority-data': b64(CA_PEM) } }),
      { certificateAuthority: caFile },
    );
    expect(t.connection.tls.caPem).toBe(otherCa);
  });

  it('keeps the cluster CA and server name for a context without a user (anonymous, or --token)', async () => {
    // @kubernetes/client-node 1.4 derives no TLS options at all when the context has no user.
    const file = writeKubeconfig('config', {
      clusters: [{ name: 'c', cluster: { server: 'https://h:6443', 'certificate-authority-data': b64(CA_PEM), 'tls-server-name': 'kube.internal' } }],
      contexts: [{ name: 'anon', context: { cluster: 'c' } }],
      'current-context': 'anon',
    });
    const anonymous = await fromKubeconfig(file);
    expect(anonymous.connection.tls).toEqual({ insecureSkipTlsVerify: false, caPem: CA_PEM, serverName: 'kube.internal' });
    expect(await anonymous.connection.authHeaders()).toEqual({});
    const withToken = await fromKubeconfig(file, { token: 'flag-token' });
    expect(withToken.connection.tls.caPem).toBe(CA_PEM);
    expect(await withToken.connection.authHeaders()).toEqual({ authorization: 'Bearer flag-token' });
  });

  it('derives a Basic header for username/password users and keeps impersonation headers', async () => {
    const t = await fromKubeconfig(
      simpleKubeconfig('config', { server: 'https://h:6443', user: { username: 'admin', password: 'pw', as: 'someone' } }),
    );
    expect(await t.connection.authHeaders()).toEqual({
      authorization: `Basic ${b64('admin:pw')}`,
      'impersonate-user': 'someone',
    });
  });

  it('--token overrides the kubeconfig user token', async () => {
    const file = simpleKubeconfig('config', { server: 'https://h:6443' });
    expect(await (await fromKubeconfig(file)).connection.authHeaders()).toEqual({ authorization: 'Bearer kubeconfig-token' });
    expect(await (await fromKubeconfig(file, { token: 'flag-token' })).connection.authHeaders()).toEqual({
      authorization: 'Bearer flag-token',
    });
  });

  it('a kubeconfig that is not YAML is WM_KUBECONFIG naming the file', async () => {
    const file = path.join(dir, 'broken');
    writeFileSync(file, 'clusters: [unclosed\n');
    const err = await rejection(fromKubeconfig(file));
    expect(err.code).toBe('WM_KUBECONFIG');
    expect(err.message).toMatch(new RegExp(`^kubeconfig ${file} is not YAML: .+`));
  });

  it('an empty kubeconfig (or one with only comments) is WM_KUBECONFIG saying it is empty, not a TypeError', async () => {
    for (const text of ['', '\n', '# nothing here\n']) {
      const file = path.join(dir, 'empty');
      writeFileSync(file, text);
      const err = await rejection(fromKubeconfig(file));
      expect([JSON.stringify(text), err.code, err.message]).toEqual([JSON.stringify(text), 'WM_KUBECONFIG', `kubeconfig ${file} is empty`]);
    }
  });

  it('YAML that is not a mapping, a directory and a kubeconfig without clusters are each named', async () => {
    const list = path.join(dir, 'list');
    writeFileSync(list, '- a\n- b\n');
    expect((await rejection(fromKubeconfig(list))).message).toBe(`kubeconfig ${list} is not a kubeconfig: its YAML is a list, not a mapping with clusters, users and contexts`);
    const scalar = path.join(dir, 'scalar');
    writeFileSync(scalar, 'just words\n');
    expect((await rejection(fromKubeconfig(scalar))).message).toBe(`kubeconfig ${scalar} is not a kubeconfig: its YAML is a string, not a mapping with clusters, users and contexts`);
    const directory = path.join(dir, 'a-directory');
    mkdirSync(directory);
    expect((await rejection(fromKubeconfig(directory))).message).toBe(`kubeconfig ${directory} is a directory, not a file`);
    const noClusters = writeKubeconfig('no-clusters', {});
    expect((await rejection(fromKubeconfig(noClusters))).message).toBe(
      `kubeconfig ${noClusters} has no clusters (pass --server, or a kubeconfig with a cluster and a context)`,
    );
  });

  it('an empty file in a KUBECONFIG list adds nothing, as in kubectl; all empty is an error', async () => {
    const empty = path.join(dir, 'empty');
    writeFileSync(empty, '');
    const real = simpleKubeconfig('real', { server: 'https://h:6443' });
    const kc = loadKubeconfigFiles([empty, real]);
    expect(kc.getCurrentCluster()?.server).toBe('https://h:6443');
    expect(() => loadKubeconfigFiles([empty, empty])).toThrow(/kubeconfig files .* are all empty/);
  });

  it('a garbage CA file named by certificate-authority is WM_KUBECONFIG saying it could not be parsed, naming the file', async () => {
    const caFile = path.join(dir, 'garbage-ca.crt');
    writeFileSync(caFile, 'this is not a certificate\n');
    const file = simpleKubeconfig('with-garbage-ca', { server: 'https://h:6443', cluster: { 'certificate-authority': caFile } });
    const err = await rejection(fromKubeconfig(file));
    expect([err.code, err.message]).toEqual([
      'WM_KUBECONFIG',
      `CA file ${caFile} (certificate-authority of cluster "c" in kubeconfig ${file}) could not be parsed: it holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
    ]);
    const inline = simpleKubeconfig('with-garbage-ca-data', { server: 'https://h:6443', cluster: { 'certificate-authority-data': b64('garbage') } });
    expect((await rejection(fromKubeconfig(inline))).message).toBe(
      `certificate-authority-data of cluster "c" in kubeconfig ${inline} could not be parsed: it holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
    );
  });
});

describe('an http:// cluster in a kubeconfig', () => {
  it('is refused by @kubernetes/client-node itself (why the workaround exists)', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(simpleKubeconfig('config', { server: 'http://127.0.0.1:8080' }));
    await expect(kc.applyToHTTPSOptions({})).rejects.toThrow(/HTTP protocol is not allowed/);
  });

  it('works in watchmark: credentials are derived, TLS verification is not switched off', async () => {
    const t = await fromKubeconfig(simpleKubeconfig('config', { server: 'http://127.0.0.1:8080', namespace: 'plain' }));
    expect(t.connection.server).toBe('http://127.0.0.1:8080');
    expect(t.namespace).toBe('plain');
    expect(t.connection.tls.insecureSkipTlsVerify).toBe(false);
    expect(await t.connection.authHeaders()).toEqual({ authorization: 'Bearer kubeconfig-token' });
    expect(await t.connection.authHeaders()).toEqual({ authorization: 'Bearer kubeconfig-token' });
  });

  it('also works when only the --context selected is the http one', async () => {
    const file = writeKubeconfig('config', {
      clusters: [
        { name: 'secure', cluster: { server: 'https://h:6443' } },
        { name: 'plain', cluster: { server: 'http://127.0.0.1:8080' } },
      ],
      users: [
        { name: 'u1', user: { token: 'one' } },
        { name: 'u2', user: { token: 'two' } },
      ],
      contexts: [
        { name: 'secure', context: { cluster: 'secure', user: 'u1' } },
        { name: 'plain', context: { cluster: 'plain', user: 'u2' } },
      ],
      'current-context': 'secure',
    });
    const t = await fromKubeconfig(file, { context: 'plain' });
    expect(t.connection.server).toBe('http://127.0.0.1:8080');
    expect(await t.connection.authHeaders()).toEqual({ authorization: 'Bearer two' });
  });
});

describe('authHeaders() re-derives credentials on every call', () => {
  /**
   * An exec credential plugin (client.authentication.k8s.io) that answers with the current
   * content of a token file and counts its invocations. It prints no expirationTimestamp, so
   * @kubernetes/client-node caches nothing and each derivation runs it again.
   */
  function execPluginKubeconfig(): { file: string; tokenFile: string; callsFile: string } {
    const tokenFile = path.join(dir, 'token');
    const callsFile = path.join(dir, 'calls');
    writeFileSync(tokenFile, 'token-1');
    writeFileSync(callsFile, '');
    const script = [
      'const fs = require("node:fs");',
      `fs.appendFileSync(${JSON.stringify(callsFile)}, "x");`,
      `const token = fs.readFileSync(${JSON.stringify(tokenFile)}, "utf8").trim();`,
      'process.stdout.write(JSON.stringify({ apiVersion: "client.authentication.k8s.io/v1", kind: "ExecCredential", status: { token } }));',
    ].join('\n');
    const file = simpleKubeconfig('config', {
      server: 'https://h:6443',
      user: {
        exec: {
          apiVersion: 'client.authentication.k8s.io/v1',
          command: process.execPath,
          args: ['-e', script],
          interactiveMode: 'Never',
        },
      },
    });
    return { file, tokenFile, callsFile };
  }
  const calls = (callsFile: string) => readFileSync(callsFile, 'utf8').length;

  it('runs the exec plugin again for each call, so a rotated token is picked up', async () => {
    const { file, tokenFile, callsFile } = execPluginKubeconfig();
    const t = await fromKubeconfig(file);
    const atResolve = calls(callsFile);
    expect(atResolve).toBeGreaterThanOrEqual(1); // TLS material is derived once up front
    expect(await t.connection.authHeaders()).toEqual({ authorization: 'Bearer token-1' });
    writeFileSync(tokenFile, 'token-2');
    expect(await t.connection.authHeaders()).toEqual({ authorization: 'Bearer token-2' });
    expect(calls(callsFile)).toBe(atResolve + 2);
  });

  it('--token wins over the plugin and does not run it per request', async () => {
    const { file, callsFile } = execPluginKubeconfig();
    const t = await fromKubeconfig(file, { token: 'flag-token' });
    const atResolve = calls(callsFile);
    expect(await t.connection.authHeaders()).toEqual({ authorization: 'Bearer flag-token' });
    expect(await t.connection.authHeaders()).toEqual({ authorization: 'Bearer flag-token' });
    expect(calls(callsFile)).toBe(atResolve);
  });

  it('a failing exec plugin is WM_AUTH naming where the credentials came from', async () => {
    const file = simpleKubeconfig('config', {
      server: 'https://h:6443',
      user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: process.execPath, args: ['-e', 'process.stderr.write("login required"); process.exit(1)'] } },
    });
    const err = await rejection(fromKubeconfig(file));
    expect(err.code).toBe('WM_AUTH');
    expect(err.message).toContain(`kubeconfig ${file}`);
    expect(err.message).toContain('login required');
  });
});

describe('exec credential plugins are run by watchmark, bounded and stoppable', () => {
  // @kubernetes/client-node 1.4's ExecAuth waited forever for a plugin like this one and left it
  // running after watchmark exited.
  it('a plugin that hangs at target resolution is WM_AUTH naming the plugin once the request timeout passes', async () => {
    const plugin = hangingPlugin(dir);
    const file = simpleKubeconfig('config', { server: 'https://h:6443', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: plugin.command } } });
    // requestTimeoutMs is what --request-timeout sets on ConnectionFlags.
    const flags = { requestTimeoutMs: 500 } as ConnectionFlags;
    const err = await rejection(fromKubeconfig(file, flags));
    expect(err.code).toBe('WM_AUTH');
    expect(err.message).toContain(`exec credential plugin "${plugin.command}"`);
    expect(err.message).toContain('did not answer within 500 ms');
    await waitUntilGone(plugin.pids());
  });

  it('Ctrl-C (the resolve signal) stops a hanging plugin at once; it and its children are gone', async () => {
    const plugin = hangingPlugin(dir);
    const file = simpleKubeconfig('config', { server: 'https://h:6443', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: plugin.command } } });
    const controller = new AbortController();
    const resolving = rejection(kubeconfigFlagStrategy.resolve({ kubeconfig: file }, {}, { signal: controller.signal }));
    await waitForFile(plugin.pidFile);
    controller.abort();
    expect((await resolving).code).toBe('WM_ABORTED');
    await waitUntilGone(plugin.pids());
  });

  it('a plugin client certificate becomes the connection\'s TLS client certificate', async () => {
    const script = `process.stdout.write(JSON.stringify({ apiVersion: "client.authentication.k8s.io/v1beta1", kind: "ExecCredential", status: { clientCertificateData: ${JSON.stringify(CERT_PEM)}, clientKeyData: ${JSON.stringify(KEY_PEM)} } }))`;
    const file = simpleKubeconfig('config', { server: 'https://h:6443', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: process.execPath, args: ['-e', script] } } });
    const t = await fromKubeconfig(file);
    expect(t.connection.tls.certPem).toBe(CERT_PEM);
    expect(t.connection.tls.keyPem).toBe(KEY_PEM);
    expect(await t.connection.authHeaders()).toEqual({});
  });
});

describe('loadKubeconfigFiles (KUBECONFIG merging, kubectl rules)', () => {
  it('the first file to set current-context wins; contexts of later files are selectable', async () => {
    const first = simpleKubeconfig('first', { server: 'https://first:6443', contextName: 'first' });
    const second = writeKubeconfig('second', {
      clusters: [{ name: 'c2', cluster: { server: 'https://second:6443' } }],
      users: [{ name: 'u2', user: { token: 'second-token' } }],
      contexts: [{ name: 'second', context: { cluster: 'c2', user: 'u2' } }],
      'current-context': 'second',
    });
    const kc = loadKubeconfigFiles([first, second]);
    expect(kc.getCurrentContext()).toBe('first');
    expect(kc.getContexts().map((c) => c.name)).toEqual(['first', 'second']);

    const env = { KUBECONFIG: [first, second].join(path.delimiter) };
    const t = await kubeconfigEnvStrategy.resolve({ context: 'second' }, env);
    expect(t!.connection.server).toBe('https://second:6443');
    expect(await t!.connection.authHeaders()).toEqual({ authorization: 'Bearer second-token' });
  });

  it('takes current-context from a later file when the first sets none', () => {
    const usersOnly = writeKubeconfig('users', { users: [{ name: 'other', user: { token: 't' } }] });
    const withContext = simpleKubeconfig('ctx', { server: 'https://h:6443', contextName: 'from-second' });
    expect(loadKubeconfigFiles([usersOnly, withContext]).getCurrentContext()).toBe('from-second');
  });

  it('lets the first file win on duplicate cluster, user and context names instead of failing', async () => {
    // Two kubeconfigs written by the same tool routinely share names ("kind-kind", "admin").
    const first = simpleKubeconfig('first', { server: 'https://first:6443', user: { token: 'first-token' } });
    const second = simpleKubeconfig('second', { server: 'https://second:6443', user: { token: 'second-token' } });
    const kc = loadKubeconfigFiles([first, second]);
    expect(kc.getClusters().map((c) => c.server)).toEqual(['https://first:6443']);
    expect(kc.getUsers()).toHaveLength(1);
    expect(kc.getContexts()).toHaveLength(1);
    const t = await kubeconfigEnvStrategy.resolve({}, { KUBECONFIG: [first, second].join(path.delimiter) });
    expect(t!.connection.server).toBe('https://first:6443');
    expect(await t!.connection.authHeaders()).toEqual({ authorization: 'Bearer first-token' });
  });
});
