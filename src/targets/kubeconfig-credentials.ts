/**
 * What a kubeconfig's current context sends: TLS material (CA, client certificate and key, server
 * name) and request headers (bearer token, Basic auth, impersonation), derived as
 * @kubernetes/client-node 1.4's KubeConfig.applyToHTTPSOptions does (config.js applyHTTPSOptions
 * and applyAuthorizationHeader). watchmark derives them itself; client-node is imported, at that
 * point, only for a user with an `auth-provider` (OIDC, GCP, Azure, a tokenFile provider), whose
 * authenticators (token refresh included) are its. `exec` users never reach client-node: their
 * plugins are run by exec-credential.ts.
 */
import { readFileSync } from 'node:fs';
import { firstLineOf, WatchmarkError } from '../errors.js';
import type { Kubeconfig, KubeconfigCluster } from './kubeconfig-file.js';

/** The subset of https.RequestOptions the credentials fill in (what applyToHTTPSOptions sets and watchmark reads). */
export interface KubeconfigCredentials {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  servername?: string;
  /** Header names as client-node spells them (Authorization, Impersonate-User). */
  headers?: Record<string, unknown>;
  /** "user:password" for Basic auth. */
  auth?: string;
}

/**
 * The current context's credentials; errors are WM_AUTH naming `origin`. Called before every
 * request, so a refreshed OIDC token (client-node caches it per kubeconfig) is picked up.
 */
export async function kubeconfigCredentials(kc: Kubeconfig, origin: string): Promise<KubeconfigCredentials> {
  try {
    const user = kc.getCurrentUser();
    if (user?.authProvider) return await viaClientNode(kc);
    const opts: KubeconfigCredentials = {};
    // client-node derives nothing, not even the cluster's CA, when the context names no user.
    if (!user) return opts;
    const cluster = kc.getCurrentCluster();
    if (cluster?.tlsServerName) opts.servername = cluster.tlsServerName;
    const ca = cluster ? bufferFromFileOrString(cluster.caFile, cluster.caData) : null;
    if (ca) opts.ca = ca;
    const cert = bufferFromFileOrString(user.certFile, user.certData);
    if (cert) opts.cert = cert;
    const key = bufferFromFileOrString(user.keyFile, user.keyData);
    if (key) opts.key = key;
    const headers: Record<string, string> = {};
    if (user.impersonateUser !== undefined) headers['Impersonate-User'] = user.impersonateUser;
    if (user.token) headers.Authorization = `Bearer ${user.token}`;
    opts.headers = headers;
    if (user.username) opts.auth = `${user.username}:${user.password ?? ''}`;
    return opts;
  } catch (err) {
    throw new WatchmarkError('WM_AUTH', `cannot get credentials from ${origin}: ${firstLineOf(err)}`, {}, { cause: err });
  }
}

/** A file's bytes when a path is given, else base64 data decoded, else null (client-node's bufferFromFileOrString). */
export function bufferFromFileOrString(file: string | undefined, data: string | undefined): Buffer | null {
  if (file) return readFileSync(file);
  if (data) return Buffer.from(data, 'base64');
  return null;
}

/** client-node's KubeConfig for one of ours, kept so its authenticators' token caches survive between requests. */
type ClientNodeConfig = import('@kubernetes/client-node').KubeConfig;
const clientNodeConfigs = new WeakMap<Kubeconfig, ClientNodeConfig>();

async function viaClientNode(kc: Kubeconfig): Promise<KubeconfigCredentials> {
  let config = clientNodeConfigs.get(kc);
  if (!config) {
    const { KubeConfig } = await import('@kubernetes/client-node');
    config = new KubeConfig();
    const current = kc.getCurrentCluster();
    const currentUser = kc.getCurrentUser();
    config.loadFromOptions({
      // client-node refuses to derive options for an http:// cluster unless skipTLSVerify is set
      // (it builds an agent watchmark does not use); TLS settings mean nothing for plain HTTP, so
      // such a cluster is marked skipTLSVerify in this copy, used only to derive credentials.
      clusters: kc.getClusters().map((c: KubeconfigCluster) => (c === current && c.server.startsWith('http:') ? { ...c, skipTLSVerify: true } : { ...c })),
      // Without `exec`: client-node must never run the plugin (exec-credential.ts does).
      users: kc.getUsers().map((u) => {
        if (u !== currentUser) return { ...u };
        const { exec: _exec, ...rest } = u;
        return rest;
      }),
      contexts: kc.getContexts().map((c) => ({ ...c })),
      currentContext: kc.getCurrentContext() ?? '',
    });
    clientNodeConfigs.set(kc, config);
  }
  const opts: import('node:https').RequestOptions = {};
  await config.applyToHTTPSOptions(opts);
  return {
    // client-node sets these from bufferFromFileOrString: Buffers.
    ...(opts.ca ? { ca: opts.ca as Buffer } : {}),
    ...(opts.cert ? { cert: opts.cert as Buffer } : {}),
    ...(opts.key ? { key: opts.key as Buffer } : {}),
    ...(opts.servername ? { servername: opts.servername } : {}),
    ...(opts.headers ? { headers: opts.headers as Record<string, unknown> } : {}),
    ...(opts.auth ? { auth: opts.auth } : {}),
  };
}
