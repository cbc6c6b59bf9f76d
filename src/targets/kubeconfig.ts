import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { firstLineOf, WatchmarkError } from '../errors.js';
import { caBundleProblem } from '../tls/ca-bundle.js';
import type { Connection, TlsMaterial } from '../transport/connection.js';
import { DEFAULT_EXEC_TIMEOUT_MS, ExecCredentialProvider, type ExecClusterInfo } from './exec-credential.js';
import { bufferFromFileOrString, kubeconfigCredentials } from './kubeconfig-credentials.js';
import { loadKubeconfigFiles, type Kubeconfig, type KubeconfigCluster } from './kubeconfig-file.js';
import type { ConnectionFlags, ReadyTarget, ResolveContext, TargetSource, TargetStrategy } from './types.js';

/**
 * kubectl's resolution order: --kubeconfig, then KUBECONFIG (a path list, merged, missing files
 * skipped), then ~/.kube/config. Explicit --server/--token/--certificate-authority/
 * --insecure-skip-tls-verify override what a kubeconfig says, or stand alone without one.
 * Kubeconfig files are read by kubeconfig-file.ts and their credentials derived by
 * kubeconfig-credentials.ts (@kubernetes/client-node is loaded there only for `auth-provider`
 * users); watchmark does its own HTTP and runs exec credential plugins itself
 * (exec-credential.ts: bounded in time, killed on Ctrl-C).
 */
export { loadKubeconfigFiles } from './kubeconfig-file.js';

export const explicitServerStrategy: TargetStrategy = {
  name: '--server flags',
  async resolve(flags) {
    if (!flags.server || flags.kubeconfig) return null;
    const server = flags.server;
    validateServerUrl(server, '--server');
    const tls: TlsMaterial = { insecureSkipTlsVerify: flags.insecureSkipTlsVerify ?? false };
    if (flags.certificateAuthority) tls.caPem = readPem(flags.certificateAuthority, '--certificate-authority');
    const token = flags.token;
    return {
      source: 'flags',
      description: `server ${server}`,
      connection: {
        server,
        tls,
        allowH2: true,
        authHeaders: async (): Promise<Record<string, string>> => (token ? { authorization: `Bearer ${token}` } : {}),
      },
      ...(flags.namespace ? { namespace: flags.namespace } : {}),
      async stop() {},
      async [Symbol.asyncDispose]() {},
    };
  },
};

export const kubeconfigFlagStrategy: TargetStrategy = {
  name: '--kubeconfig',
  async resolve(flags, _env, context = {}) {
    if (!flags.kubeconfig) return null;
    const file = flags.kubeconfig;
    if (!existsSync(file)) {
      throw new WatchmarkError('WM_KUBECONFIG', `--kubeconfig ${file}: file not found`);
    }
    const kc = loadKubeconfigFiles([file]);
    return kubeconfigTarget(kc, flags, 'kubeconfig-flag', `kubeconfig ${file}`, context);
  },
};

export const kubeconfigEnvStrategy: TargetStrategy = {
  name: 'KUBECONFIG',
  async resolve(flags, env, context = {}) {
    const list = (env.KUBECONFIG ?? '').split(path.delimiter).filter((f) => f.length > 0);
    if (list.length === 0) return null;
    const present = list.filter((f) => existsSync(f));
    if (present.length === 0) {
      throw new WatchmarkError(
        'WM_KUBECONFIG',
        `KUBECONFIG names ${list.length === 1 ? 'a file that does not' : 'files that do not'} exist: ${list.join(path.delimiter)}`,
      );
    }
    const kc = loadKubeconfigFiles(present);
    return kubeconfigTarget(kc, flags, 'KUBECONFIG', `KUBECONFIG ${present.join(path.delimiter)}`, context);
  },
};

export const defaultKubeconfigStrategy: TargetStrategy = {
  name: '~/.kube/config',
  async resolve(flags, env, context = {}) {
    const home = env.HOME ?? homedir();
    const file = path.join(home, '.kube', 'config');
    if (!existsSync(file)) return null;
    const kc = loadKubeconfigFiles([file]);
    return kubeconfigTarget(kc, flags, 'default-kubeconfig', `kubeconfig ~/.kube/config`, context);
  },
};

async function kubeconfigTarget(
  kc: Kubeconfig,
  flags: ConnectionFlags,
  source: TargetSource,
  origin: string,
  context: ResolveContext = {},
): Promise<ReadyTarget> {
  if (flags.context) {
    if (!kc.getContextObject(flags.context)) {
      const known = kc.getContexts().map((c) => c.name);
      throw new WatchmarkError(
        'WM_KUBECONFIG',
        `context "${flags.context}" not found in ${origin} (known: ${known.length ? known.join(', ') : 'none'})`,
      );
    }
    kc.setCurrentContext(flags.context);
  }
  const contextName = kc.getCurrentContext();
  const contextObject = contextName ? kc.getContextObject(contextName) : null;
  const cluster = kc.getCurrentCluster();
  if (!cluster && !flags.server && kc.getClusters().length === 0) {
    throw new WatchmarkError('WM_KUBECONFIG', `${origin} has no clusters (pass --server, or a kubeconfig with a cluster and a context)`);
  }
  if (!cluster && !flags.server) {
    throw new WatchmarkError(
      'WM_KUBECONFIG',
      contextName
        ? `context "${contextName}" in ${origin} names no known cluster`
        : `${origin} has no current-context; pass --context`,
    );
  }
  const server = flags.server ?? cluster!.server;
  validateServerUrl(server, origin);

  // A user with `exec` (and no --token to use instead) gets its credential from watchmark's own
  // plugin runner; its other fields (a client certificate, say) still count.
  const execConfig = flags.token ? undefined : kc.getCurrentUser()?.exec;
  const exec = execConfig
    ? new ExecCredentialProvider(execConfig, {
        timeoutMs: execTimeoutMs(flags),
        ...(context.signal ? { signal: context.signal } : {}),
        ...(cluster ? { cluster: execClusterInfo(cluster, origin) } : {}),
        origin,
      })
    : undefined;
  // One call up front for the TLS material; authHeaders() calls again before every request so
  // exec and OIDC credentials are re-derived (and refreshed by the plugin) for each new watch.
  const base = await kubeconfigCredentials(kc, origin);
  const execCredential = exec ? await exec.get() : undefined;
  const tls: TlsMaterial = {
    insecureSkipTlsVerify: flags.insecureSkipTlsVerify ?? (server.startsWith('https:') && cluster?.skipTLSVerify === true),
  };
  // The credentials (as @kubernetes/client-node 1.4's applyHTTPSOptions) hold nothing, not even
  // the cluster's CA and tls-server-name, when the context names no user; kubectl still uses
  // them (anonymous access, or --token with a kubeconfig that has no users).
  const clusterCa = base.ca ?? (cluster ? clusterCaBundle(cluster, origin) : null);
  const serverName = base.servername ?? cluster?.tlsServerName;
  if (flags.certificateAuthority) {
    tls.caPem = readPem(flags.certificateAuthority, '--certificate-authority');
  } else if (clusterCa) {
    tls.caPem = bufferish(clusterCa);
    const problem = caBundleProblem(tls.caPem);
    if (problem) {
      const where = cluster?.caFile ? `CA file ${cluster.caFile} (certificate-authority of cluster "${cluster.name}" in ${origin})` : `certificate-authority-data of cluster "${cluster?.name}" in ${origin}`;
      throw new WatchmarkError('WM_KUBECONFIG', `${where} could not be parsed: ${problem}`);
    }
  }
  if (base.cert) tls.certPem = bufferish(base.cert);
  if (base.key) tls.keyPem = bufferish(base.key);
  // A plugin's client certificate is read once: the connection's TLS is set up once.
  if (execCredential?.clientCertificateData && execCredential.clientKeyData) {
    tls.certPem = execCredential.clientCertificateData;
    tls.keyPem = execCredential.clientKeyData;
  }
  if (serverName) tls.serverName = serverName;

  const flagToken = flags.token;
  const connection: Connection = {
    server,
    tls,
    allowH2: true,
    async authHeaders() {
      if (flagToken) return { authorization: `Bearer ${flagToken}` };
      const opts = await kubeconfigCredentials(kc, origin);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(opts.headers ?? {})) {
        if (typeof v === 'string' || typeof v === 'number') headers[k.toLowerCase()] = String(v);
      }
      if (opts.auth) headers.authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
      if (exec) Object.assign(headers, await exec.headers());
      return headers;
    },
  };
  const namespace = flags.namespace ?? contextObject?.namespace;
  const description = source === 'flags' ? origin : `context "${contextName}" (${server}) from ${origin}`;
  return {
    source,
    connection,
    description,
    ...(namespace ? { namespace } : {}),
    async stop() {},
    async [Symbol.asyncDispose]() {},
  };
}

/** The timeout of one exec plugin run: --request-timeout when given and > 0, else DEFAULT_EXEC_TIMEOUT_MS. */
function execTimeoutMs(flags: ConnectionFlags): number {
  const given = flags.requestTimeoutMs;
  return given !== undefined && Number.isFinite(given) && given > 0 ? given : DEFAULT_EXEC_TIMEOUT_MS;
}

/** provideClusterInfo: the cluster as a kubeconfig spells it (CA as base64 data). */
function execClusterInfo(cluster: KubeconfigCluster, origin: string): ExecClusterInfo {
  const ca = cluster.caData ?? (cluster.caFile ? clusterCaBundle(cluster, origin)?.toString('base64') : undefined);
  return {
    server: cluster.server,
    ...(cluster.tlsServerName ? { 'tls-server-name': cluster.tlsServerName } : {}),
    ...(cluster.skipTLSVerify ? { 'insecure-skip-tls-verify': true } : {}),
    ...(ca ? { 'certificate-authority-data': ca } : {}),
    ...(cluster.proxyUrl ? { 'proxy-url': cluster.proxyUrl } : {}),
  };
}

function clusterCaBundle(cluster: { caFile?: string; caData?: string }, origin: string): Buffer | null {
  try {
    return bufferFromFileOrString(cluster.caFile, cluster.caData);
  } catch (err) {
    throw new WatchmarkError('WM_KUBECONFIG', `cannot read the cluster CA from ${origin}: ${firstLineOf(err)}`, {}, { cause: err });
  }
}

function validateServerUrl(server: string, origin: string): void {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new WatchmarkError('WM_USAGE', `server "${server}" from ${origin} is not a URL (expected https://HOST:PORT)`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new WatchmarkError('WM_USAGE', `server "${server}" from ${origin} must use http or https`);
  }
}

/** A CA bundle file, checked as it is loaded (see tls/ca-bundle.ts). */
function readPem(file: string, flag: string): string {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    throw new WatchmarkError('WM_USAGE', `${flag} ${file}: ${firstLineOf(err)}`);
  }
  const problem = caBundleProblem(pem);
  if (problem) throw new WatchmarkError('WM_USAGE', `${flag} ${file}: the CA file could not be parsed: ${problem}`);
  return pem;
}

function bufferish(v: unknown): string {
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  if (Array.isArray(v)) return v.map(bufferish).join('\n');
  return String(v);
}
