/**
 * Kubeconfig files read by watchmark itself: parsed (with the `yaml` package), checked and
 * merged as kubectl does, into the same shapes @kubernetes/client-node 1.4 builds
 * (config_types.js: `Cluster`, `User`, `Context`, with the same error messages for missing
 * names), so that client-node, 14 MB of modules and about half a second of start-up, is loaded
 * only for the one thing watchmark does not do itself: `auth-provider` users (OIDC, GCP, Azure,
 * token files), see kubeconfig-credentials.ts.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { firstLineOf, WatchmarkError } from '../errors.js';
import type { ExecConfig } from './exec-credential.js';

/** A cluster entry (client-node's `Cluster`). */
export interface KubeconfigCluster {
  readonly name: string;
  /** Without a trailing slash. */
  readonly server: string;
  readonly caData?: string;
  /** Absolute: a relative path is taken relative to its kubeconfig file. */
  readonly caFile?: string;
  readonly skipTLSVerify: boolean;
  readonly tlsServerName?: string;
  readonly proxyUrl?: string;
}

/** An auth-provider section as a kubeconfig spells it. */
export interface KubeconfigAuthProvider {
  name: string;
  config?: Record<string, unknown>;
}

/** A user entry (client-node's `User`; `token` already holds a `token-file`'s content). */
export interface KubeconfigUser {
  readonly name: string;
  readonly token?: string;
  readonly certData?: string;
  readonly certFile?: string;
  readonly keyData?: string;
  readonly keyFile?: string;
  readonly username?: string;
  readonly password?: string;
  readonly impersonateUser?: string;
  readonly authProvider?: KubeconfigAuthProvider;
  readonly exec?: ExecConfig;
}

/** A context entry (client-node's `Context`). */
export interface KubeconfigContext {
  readonly name: string;
  readonly cluster: string;
  readonly user?: string;
  readonly namespace?: string;
}

/** A loaded (and possibly merged) kubeconfig, with client-node KubeConfig's accessors. */
export class Kubeconfig {
  constructor(
    readonly clusters: KubeconfigCluster[] = [],
    readonly users: KubeconfigUser[] = [],
    readonly contexts: KubeconfigContext[] = [],
    private currentContext?: string,
  ) {}

  getClusters(): KubeconfigCluster[] {
    return this.clusters;
  }
  getUsers(): KubeconfigUser[] {
    return this.users;
  }
  getContexts(): KubeconfigContext[] {
    return this.contexts;
  }
  getCurrentContext(): string | undefined {
    return this.currentContext;
  }
  setCurrentContext(name: string): void {
    this.currentContext = name;
  }
  getCluster(name: string | undefined): KubeconfigCluster | null {
    return this.clusters.find((c) => c.name === name) ?? null;
  }
  getUser(name: string | undefined): KubeconfigUser | null {
    return this.users.find((u) => u.name === name) ?? null;
  }
  getContextObject(name: string | undefined): KubeconfigContext | null {
    return this.contexts.find((c) => c.name === name) ?? null;
  }
  getCurrentCluster(): KubeconfigCluster | null {
    const context = this.getContextObject(this.currentContext);
    return context ? this.getCluster(context.cluster) : null;
  }
  getCurrentUser(): KubeconfigUser | null {
    const context = this.getContextObject(this.currentContext);
    return context ? this.getUser(context.user) : null;
  }
}

/** Loads and merges kubeconfig files like kubectl: the first file's current-context wins. */
export function loadKubeconfigFiles(files: string[]): Kubeconfig {
  if (files.length === 0) throw new WatchmarkError('WM_KUBECONFIG', 'no kubeconfig file given');
  let merged: Kubeconfig | undefined;
  for (const file of files) {
    // kubectl (clientcmd loader.go LoadFromFile) takes an empty file as an empty config: it adds nothing.
    const doc = readKubeconfigFile(file);
    if (doc === null) continue;
    let kc: Kubeconfig;
    try {
      kc = kubeconfigFromDocument(doc, path.dirname(file));
    } catch (err) {
      throw new WatchmarkError('WM_KUBECONFIG', `cannot load kubeconfig ${file}: ${firstLineOf(err)}`, {}, { cause: err });
    }
    if (!merged) merged = kc;
    else mergeFirstWins(merged, kc);
  }
  if (!merged) {
    throw new WatchmarkError('WM_KUBECONFIG', files.length === 1 ? `kubeconfig ${files[0]} is empty` : `kubeconfig files ${files.join(path.delimiter)} are all empty`);
  }
  return merged;
}

/**
 * The file's YAML document, or null when it is empty (or only comments); one line for what is
 * not a kubeconfig at all: a directory, a file that is not YAML, YAML that is not a mapping.
 */
function readKubeconfigFile(file: string): Record<string, unknown> | null {
  let text: string;
  try {
    if (statSync(file).isDirectory()) throw new WatchmarkError('WM_KUBECONFIG', `kubeconfig ${file} is a directory, not a file`);
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof WatchmarkError) throw err;
    throw new WatchmarkError('WM_KUBECONFIG', `cannot read kubeconfig ${file}: ${firstLineOf(err)}`, {}, { cause: err });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new WatchmarkError('WM_KUBECONFIG', `kubeconfig ${file} is not YAML: ${firstLineOf(err)}`, {}, { cause: err });
  }
  if (doc === null || doc === undefined) return null;
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new WatchmarkError('WM_KUBECONFIG', `kubeconfig ${file} is not a kubeconfig: its YAML is ${Array.isArray(doc) ? 'a list' : `a ${typeof doc}`}, not a mapping with clusters, users and contexts`);
  }
  return doc as Record<string, unknown>;
}

type Entry = Record<string, unknown>;
const section = (doc: Entry, key: string): Entry[] => (Array.isArray(doc[key]) ? (doc[key] as Entry[]) : []);
const fieldsOf = (entry: Entry, key: string): Entry | undefined => (entry[key] && typeof entry[key] === 'object' ? (entry[key] as Entry) : undefined);
/** A string field (a YAML number or boolean as its text), absent when unset or empty (no empty value means anything). */
function str(fields: Entry | undefined, key: string, where: string): string | undefined {
  const v = fields?.[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v !== 'string') throw new Error(`${where}.${key} is not a string`);
  return v;
}
const absolute = (root: string, file: string | undefined): string | undefined => (file === undefined || path.isAbsolute(file) ? file : path.join(root, file));

/**
 * A kubeconfig document as client-node 1.4's loadFromFile reads it (config_types.js newClusters,
 * newUsers, newContexts; makePathsAbsolute), entries missing a name or a required field refused
 * with its messages. `token-file` is read here, as client-node does, but relative to the file
 * as kubectl does (client-node reads it relative to the working directory).
 */
export function kubeconfigFromDocument(doc: Entry, root: string): Kubeconfig {
  const clusters = section(doc, 'clusters').map((entry, i): KubeconfigCluster => {
    if (!entry?.name) throw new Error(`clusters[${i}].name is missing`);
    const c = fieldsOf(entry, 'cluster');
    if (!c) throw new Error(`clusters[${i}].cluster is missing`);
    const where = `clusters[${i}].cluster`;
    const server = str(c, 'server', where);
    if (!server) throw new Error(`clusters[${i}].cluster.server is missing`);
    const caData = str(c, 'certificate-authority-data', where);
    const caFile = absolute(root, str(c, 'certificate-authority', where));
    const tlsServerName = str(c, 'tls-server-name', where);
    const proxyUrl = str(c, 'proxy-url', where);
    return {
      name: String(entry.name),
      server: server.replace(/\/$/, ''),
      skipTLSVerify: c['insecure-skip-tls-verify'] === true,
      ...(caData ? { caData } : {}),
      ...(caFile ? { caFile } : {}),
      ...(tlsServerName ? { tlsServerName } : {}),
      ...(proxyUrl ? { proxyUrl } : {}),
    };
  });
  const users = section(doc, 'users').map((entry, i): KubeconfigUser => {
    if (!entry?.name) throw new Error(`users[${i}].name is missing`);
    const u = fieldsOf(entry, 'user');
    const where = `users[${i}].user`;
    const tokenFile = absolute(root, str(u, 'token-file', where));
    const token = str(u, 'token', where) ?? (tokenFile ? readFileSync(tokenFile, 'utf8') : undefined);
    const fields = {
      token,
      certData: str(u, 'client-certificate-data', where),
      certFile: absolute(root, str(u, 'client-certificate', where)),
      keyData: str(u, 'client-key-data', where),
      keyFile: absolute(root, str(u, 'client-key', where)),
      username: str(u, 'username', where),
      password: str(u, 'password', where),
      impersonateUser: str(u, 'as', where),
      authProvider: fieldsOf(u ?? {}, 'auth-provider') as KubeconfigAuthProvider | undefined,
      exec: fieldsOf(u ?? {}, 'exec') as ExecConfig | undefined,
    };
    return { name: String(entry.name), ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) };
  });
  const contexts = section(doc, 'contexts').map((entry, i): KubeconfigContext => {
    if (!entry?.name) throw new Error(`contexts[${i}].name is missing`);
    const c = fieldsOf(entry, 'context');
    if (!c) throw new Error(`contexts[${i}].context is missing`);
    const where = `contexts[${i}].context`;
    const cluster = str(c, 'cluster', where);
    if (!cluster) throw new Error(`contexts[${i}].context.cluster is missing`);
    const user = str(c, 'user', where);
    const namespace = str(c, 'namespace', where);
    return { name: String(entry.name), cluster, ...(user ? { user } : {}), ...(namespace ? { namespace } : {}) };
  });
  const current = doc['current-context'];
  return new Kubeconfig(clusters, users, contexts, typeof current === 'string' && current !== '' ? current : undefined);
}

/**
 * kubectl's merge (client-go tools/clientcmd/loader.go): the first file to set current-context
 * wins, and the first file to define a cluster, user or context name wins; later duplicates are
 * ignored. (client-node's KubeConfig.mergeConfig throws "Duplicate cluster" instead, and with
 * preserveContext never takes current-context from a later file.)
 */
function mergeFirstWins(into: Kubeconfig, from: Kubeconfig): void {
  const current = from.getCurrentContext();
  if (!into.getCurrentContext() && current) into.setCurrentContext(current);
  for (const cluster of from.clusters) if (!into.getCluster(cluster.name)) into.clusters.push(cluster);
  for (const user of from.users) if (!into.getUser(user.name)) into.users.push(user);
  for (const context of from.contexts) if (!into.getContextObject(context.name)) into.contexts.push(context);
}
