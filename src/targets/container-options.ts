/**
 * The pure parts of `--target container` and `--target k3s` (kinds/container.ts, kinds/k3s.ts):
 * validating the flags, the credentials convention of what watchmark mounts into the container,
 * the loopback-only port binding, and the rewrite of a kubeconfig the container wrote. No engine,
 * no I/O: unit-tested in container-options.test.ts.
 */
import { parseDocument } from 'yaml';
import { WatchmarkError } from '../errors.js';
import type { TargetKindOptions } from './kind.js';

/** Label on every container watchmark starts (value: the run's id), to find leftovers: `podman ps -a --filter label=dev.watchmark.run`. */
export const RUN_LABEL = 'dev.watchmark.run';

/** Where watchmark mounts the credentials it generates (read-only). */
export const CREDENTIALS_DIR = '/watchmark';

/**
 * The files watchmark mounts in CREDENTIALS_DIR and the environment variables naming them, so a
 * fork's entrypoint can pass them to kube-apiserver (--tls-cert-file, --tls-private-key-file,
 * --token-auth-file). The testbed image's launcher reads the WATCHMARK_* ones itself.
 */
export const CREDENTIAL_FILES = {
  'ca.crt': 'WATCHMARK_CA_FILE',
  'tls.crt': 'WATCHMARK_TLS_CERT_FILE',
  'tls.key': 'WATCHMARK_TLS_KEY_FILE',
  token: 'WATCHMARK_TOKEN_FILE',
  'tokens.csv': 'WATCHMARK_TOKEN_AUTH_FILE',
} as const;
export type CredentialFile = keyof typeof CREDENTIAL_FILES;

export const DEFAULT_CONTAINER_PORT = 6443;
export const DEFAULT_READY_PATH = '/readyz';

/** The flags as the CLI hands them over (TargetKindOptions' container part). */
export type ContainerFlags = Partial<Pick<TargetKindOptions, 'image' | 'containerPort' | 'env' | 'arg' | 'readyPath' | 'containerKubeconfig'>>;

/** What the container kind starts, validated. */
export interface ContainerSpec {
  image: string;
  containerPort: number;
  env: Record<string, string>;
  /** The container's command (replacing the image's CMD); undefined: the image's own. */
  command: string[] | undefined;
  readyPath: string;
  /** Where the container writes its kubeconfig (a path inside it); unset: watchmark's credentials. */
  containerKubeconfig: string | undefined;
}

/** Validates the container target's flags (WM_USAGE, exit 2, naming the flag). */
export function containerSpec(flags: ContainerFlags, target = 'container'): ContainerSpec {
  if (!flags.image) throw new WatchmarkError('WM_USAGE', `--target ${target} needs --image IMAGE (e.g. watchmark-testbed/kube-apiserver:latest, built by \`npm run testbed:image\`)`);
  const containerPort = flags.containerPort ?? DEFAULT_CONTAINER_PORT;
  if (!Number.isInteger(containerPort) || containerPort < 1 || containerPort > 65535) {
    throw new WatchmarkError('WM_USAGE', `--container-port ${String(flags.containerPort)}: not a port (1-65535)`);
  }
  const readyPath = flags.readyPath ?? DEFAULT_READY_PATH;
  if (!readyPath.startsWith('/')) throw new WatchmarkError('WM_USAGE', `--ready-path "${readyPath}": must start with / (e.g. /readyz)`);
  const containerKubeconfig = flags.containerKubeconfig;
  if (containerKubeconfig !== undefined && !containerKubeconfig.startsWith('/')) {
    throw new WatchmarkError('WM_USAGE', `--container-kubeconfig "${containerKubeconfig}": must be an absolute path inside the container`);
  }
  return { image: flags.image, containerPort, env: parseEnv(flags.env ?? []), command: flags.arg?.length ? [...flags.arg] : undefined, readyPath, containerKubeconfig };
}

/** `--env K=V` (repeatable) -> { K: V }; V may hold '=' and be empty. */
export function parseEnv(values: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    const key = eq < 0 ? '' : value.slice(0, eq);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new WatchmarkError('WM_USAGE', `--env "${eq < 0 ? value : key + '=…'}" is not NAME=VALUE`);
    if (key in env) throw new WatchmarkError('WM_USAGE', `--env names ${key} twice`);
    env[key] = value.slice(eq + 1);
  }
  return env;
}

/** The environment variables pointing at the mounted credentials (the convention above). */
export function credentialEnv(dir = CREDENTIALS_DIR): Record<string, string> {
  return Object.fromEntries(Object.entries(CREDENTIAL_FILES).map(([file, name]) => [name, `${dir}/${file}`]));
}

/** kube-apiserver's --token-auth-file line for watchmark's admin user: token,user,uid,"groups". */
export function tokenAuthCsv(token: string): string {
  return `${token},watchmark-admin,watchmark-admin,"system:masters"\n`;
}

/**
 * The port binding: the container port published on 127.0.0.1 only, with a port the engine picks
 * (HostPort "0"). testcontainers' withExposedPorts binds every interface (no HostIp); this binds
 * loopback, so an API server with a known admin token is never reachable from the network.
 */
export function loopbackPortBindings(containerPort: number): Record<string, Array<{ HostIp: string; HostPort: string }>> {
  return { [`${containerPort}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: '0' }] };
}

/** The host port an inspect result shows for `containerPort`, checking it is bound on 127.0.0.1 only. */
export function loopbackHostPort(ports: Record<string, Array<{ HostIp?: string; HostPort?: string }> | null | undefined> | undefined, containerPort: number): number {
  const bindings = ports?.[`${containerPort}/tcp`] ?? [];
  if (bindings.length === 0) throw new WatchmarkError('WM_TARGET', `the engine published no host port for container port ${containerPort}`);
  const open = bindings.filter((b) => b.HostIp !== '127.0.0.1');
  if (open.length > 0) {
    throw new WatchmarkError('WM_TARGET', `the engine bound container port ${containerPort} on ${open.map((b) => b.HostIp || '0.0.0.0').join(', ')}, not only 127.0.0.1`);
  }
  const port = Number(bindings[0]!.HostPort);
  if (!Number.isInteger(port) || port <= 0) throw new WatchmarkError('WM_TARGET', `the engine published container port ${containerPort} without a host port`);
  return port;
}

/**
 * A kubeconfig the container wrote, with every cluster's server pointed at `server` (the host's
 * 127.0.0.1:mapped port): inside the container it names its own address. Everything else is kept
 * as written (it must be self-contained: certificate-authority-data, not a file in the container).
 */
export function rewriteKubeconfigServer(text: string, server: string, where = 'the container\'s kubeconfig'): string {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new WatchmarkError('WM_KUBECONFIG', `${where} is not YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
  const clusters = doc.get('clusters');
  const items = (clusters as { items?: unknown[] } | undefined)?.items;
  if (!Array.isArray(items) || items.length === 0) throw new WatchmarkError('WM_KUBECONFIG', `${where} has no clusters`);
  for (const item of items) {
    const cluster = (item as { get?(key: string): unknown }).get?.('cluster') as { set?(key: string, value: unknown): void; get?(key: string): unknown } | undefined;
    if (!cluster?.set) throw new WatchmarkError('WM_KUBECONFIG', `${where}: a cluster entry has no cluster`);
    if (cluster.get?.('certificate-authority') !== undefined) {
      throw new WatchmarkError('WM_KUBECONFIG', `${where} names its CA by a path in the container (certificate-authority); write certificate-authority-data instead`);
    }
    cluster.set('server', server);
  }
  return doc.toString();
}

/** The last `lines` lines of a container's log, for a failed start's error. */
export function logTail(log: string, lines = 12): string {
  const all = log.trimEnd().split('\n');
  return all.slice(-lines).join('\n') || '(no output)';
}
