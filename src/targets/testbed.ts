import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Connection } from '../transport/connection.js';
import type { StartedKind, Startup } from './kind.js';
import { forHttpStatus, forJsonFile } from './readiness.js';

/**
 * What the testbed kinds (targets/kinds/kube-apiserver*.ts, kine.ts) share: real API servers built
 * from Go modules by `npm run testbed:build` (testbed/), started on 127.0.0.1 with random ports in
 * a fresh temp dir, and stopped (SIGTERM, then SIGKILL after a bounded wait) with the dir removed
 * — also on Ctrl-C, through ReadyTarget.stop() (kind.ts startKind).
 */

export const BUILD_HINT = 'npm run testbed:build';

/** The launcher around kube-apiserver and its embedded etcd (testbed/kube-apiserver). */
export const KUBE_APISERVER_LAUNCHER = 'wm-kube-apiserver';

/** Where the testbed binaries are: testbed/bin beside the package (src/ and dist/ are both one level down). */
export function testbedBinDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.WATCHMARK_TESTBED_BIN ?? fileURLToPath(new URL('../../testbed/bin/', import.meta.url));
}

/** Missing binaries among `binaries`, as paths (empty when all are built). */
export function missingBinaries(binaries: readonly string[], env: NodeJS.ProcessEnv = process.env): string[] {
  const dir = testbedBinDir(env);
  return binaries.map((b) => path.join(dir, b)).filter((p) => !existsSync(p));
}

/** A testbed kind's `unavailable`: names the binaries not built and the command that builds them. */
export function unbuiltBinaries(binaries: readonly string[], env: NodeJS.ProcessEnv): string | undefined {
  const missing = missingBinaries(binaries, env);
  if (missing.length === 0) return undefined;
  return `testbed binar${missing.length === 1 ? 'y' : 'ies'} not built (${missing.map((m) => path.basename(m)).join(', ')}); build ${missing.length === 1 ? 'it' : 'them'} with \`${BUILD_HINT}\` (needs Go)`;
}

/** What the launcher writes once kube-apiserver serves (testbed/kube-apiserver main.go). */
export interface InfoFile {
  server: string;
  token?: string;
  caFile?: string | null;
  kubernetesVersion?: string;
  [key: string]: unknown;
}

export interface TestbedStarted extends StartedKind {
  info: InfoFile;
  /** The temp dir holding data, logs and the info file (removed on stop). */
  dir: string;
}

/** A fresh temp dir with a logs/ dir in it, removed on stop. */
export function testbedDir(startup: Startup, target: string): { dir: string; logs: string } {
  const dir = startup.tempDir(`watchmark-${target}-`);
  const logs = path.join(dir, 'logs');
  mkdirSync(logs);
  return { dir, logs };
}

export interface KubeApiserverLaunch {
  /** The kind's name, for the description. */
  target: string;
  dir: string;
  logs: string;
  /** External etcd (kine); unset: the launcher's embedded etcd. */
  etcdServers?: string;
  /** Extra kube-apiserver flags. */
  flags?: readonly string[];
}

/**
 * Starts kube-apiserver through the launcher; ready when the launcher has written its info file
 * and GET /readyz answers 200 (never a blind sleep).
 */
export async function startKubeApiserver(startup: Startup, launch: KubeApiserverLaunch): Promise<TestbedStarted> {
  const bin = testbedBinDir(startup.env);
  const infoFile = path.join(launch.dir, 'info.json');
  const server = startup.spawn(
    KUBE_APISERVER_LAUNCHER,
    path.join(bin, KUBE_APISERVER_LAUNCHER),
    [
      '--dir', path.join(launch.dir, 'data'),
      '--info-file', infoFile,
      ...(launch.etcdServers ? ['--etcd-servers', launch.etcdServers] : []),
      ...(launch.flags?.length ? ['--', ...launch.flags] : []),
    ],
    path.join(launch.logs, `${KUBE_APISERVER_LAUNCHER}.log`),
  );
  const info = await startup.waitFor(forJsonFile(infoFile, 'the launcher\'s info file', isInfoFile), server);
  const connection: Connection = {
    server: info.server,
    tls: {
      insecureSkipTlsVerify: false,
      ...(info.caFile ? { caPem: readFileSync(info.caFile, 'utf8') } : {}),
    },
    allowH2: true,
    authHeaders: async (): Promise<Record<string, string>> => (info.token ? { authorization: `Bearer ${info.token}` } : {}),
  };
  await startup.waitFor(forHttpStatus('/readyz', connection), server);
  return { connection, description: `${launch.target} (testbed) at ${info.server}`, info, dir: launch.dir };
}

function isInfoFile(value: unknown): value is InfoFile {
  return typeof value === 'object' && value !== null && typeof (value as { server?: unknown }).server === 'string';
}

/** A port free on 127.0.0.1 right now (for a process that takes its port as a flag). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}
