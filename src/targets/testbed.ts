import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../clock.js';
import { WatchmarkError } from '../errors.js';
import type { Connection } from '../transport/connection.js';
import { TargetClient } from '../transport/client.js';
import { startProcess, tailOf, type StartedProcess } from './process.js';
import type { ReadyTarget } from './types.js';

/**
 * Real API servers built from Go modules by `npm run testbed:build` (testbed/), started on
 * 127.0.0.1 with random ports in a fresh temp dir, and stopped (SIGTERM, then SIGKILL after a
 * bounded wait) with the dir removed — also on Ctrl-C, through ReadyTarget.stop().
 */
export const TESTBED_TARGETS = ['kube-apiserver', 'kube-apiserver-uncached', 'kine'] as const;
export type TestbedTarget = (typeof TESTBED_TARGETS)[number];

export const BUILD_HINT = 'npm run testbed:build';

/** Where the testbed binaries are: testbed/bin beside the package (src/ and dist/ are both one level down). */
export function testbedBinDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.WATCHMARK_TESTBED_BIN ?? fileURLToPath(new URL('../../testbed/bin/', import.meta.url));
}

const BINARIES: Record<TestbedTarget, string[]> = {
  'kube-apiserver': ['wm-kube-apiserver'],
  'kube-apiserver-uncached': ['wm-kube-apiserver'],
  kine: ['kine', 'wm-kube-apiserver'],
};

/**
 * Extra kube-apiserver flags per target. `--watch-cache=false` serves every watch straight from
 * etcd (apiserver pkg/storage/etcd3/watcher.go): watch-list still ends with the annotated
 * bookmark, but there are no periodic or pre-deadline bookmarks at all (spec 2.4) — the
 * situation of core `events` on every cluster.
 */
const KUBE_APISERVER_FLAGS: Record<TestbedTarget, string[]> = {
  'kube-apiserver': [],
  'kube-apiserver-uncached': ['--watch-cache=false'],
  kine: [],
};

/** Missing binaries for a target, as paths (empty when all are built). */
export function missingBinaries(target: TestbedTarget, env: NodeJS.ProcessEnv = process.env): string[] {
  const dir = testbedBinDir(env);
  return BINARIES[target].map((b) => path.join(dir, b)).filter((p) => !existsSync(p));
}

interface InfoFile {
  server: string;
  token?: string;
  caFile?: string | null;
  kubernetesVersion?: string;
  [key: string]: unknown;
}

export interface TestbedOptions {
  env?: NodeJS.ProcessEnv;
  /** Bound on the whole start (processes up and /readyz answering 200). */
  startTimeoutMs?: number;
  signal?: AbortSignal;
}

export async function startTestbedTarget(target: TestbedTarget, options: TestbedOptions = {}): Promise<ReadyTarget & { info: InfoFile; dir: string }> {
  const env = options.env ?? process.env;
  const missing = missingBinaries(target, env);
  if (missing.length > 0) {
    throw new WatchmarkError(
      'WM_TARGET',
      `--target ${target}: testbed binar${missing.length === 1 ? 'y' : 'ies'} not built (${missing.map((m) => path.basename(m)).join(', ')}); build ${missing.length === 1 ? 'it' : 'them'} with \`${BUILD_HINT}\` (needs Go)`,
    );
  }
  const bin = testbedBinDir(env);
  const dir = mkdtempSync(path.join(tmpdir(), `watchmark-${target}-`));
  const logs = path.join(dir, 'logs');
  mkdirSync(logs);
  const processes: StartedProcess[] = [];
  const deadline = Date.now() + (options.startTimeoutMs ?? 180_000);
  const stopAll = async () => {
    for (const p of [...processes].reverse()) await p.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    let etcdServers: string | undefined;
    if (target === 'kine') {
      const port = await freePort();
      const kineDir = path.join(dir, 'kine');
      mkdirSync(kineDir);
      const kine = startProcess(
        'kine',
        path.join(bin, 'kine'),
        [
          `--listen-address=127.0.0.1:${port}`,
          `--endpoint=sqlite://${path.join(kineDir, 'state.db')}?_journal=WAL&cache=shared&_busy_timeout=30000`,
          '--metrics-bind-address=0',
          '--watch-progress-notify-interval=5s',
        ],
        path.join(logs, 'kine.log'),
      );
      processes.push(kine);
      await waitForTcp(port, kine, deadline, options.signal);
      etcdServers = `http://127.0.0.1:${port}`;
    }
    const infoFile = path.join(dir, 'info.json');
    const launcher = 'wm-kube-apiserver';
    const server = startProcess(
      launcher,
      path.join(bin, launcher),
      [
        '--dir', path.join(dir, 'data'),
        '--info-file', infoFile,
        ...(etcdServers ? ['--etcd-servers', etcdServers] : []),
        ...(KUBE_APISERVER_FLAGS[target].length ? ['--', ...KUBE_APISERVER_FLAGS[target]] : []),
      ],
      path.join(logs, `${launcher}.log`),
    );
    processes.push(server);
    const info = await waitForInfo(infoFile, server, deadline, options.signal);
    const connection: Connection = {
      server: info.server,
      tls: {
        insecureSkipTlsVerify: false,
        ...(info.caFile ? { caPem: readFileSync(info.caFile, 'utf8') } : {}),
      },
      allowH2: true,
      authHeaders: async (): Promise<Record<string, string>> => (info.token ? { authorization: `Bearer ${info.token}` } : {}),
    };
    await waitForReady(connection, '/readyz', server, deadline, options.signal);
    let stopped = false;
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      await stopAll();
    };
    return {
      source: 'testbed',
      description: `${target} (testbed) at ${info.server}`,
      connection,
      info,
      dir,
      stop,
      [Symbol.asyncDispose]: stop,
    };
  } catch (err) {
    const logTail = processes.map((p) => `--- ${p.name} log (last lines) ---\n${tailOf(p.logFile)}`).join('\n');
    await stopAll();
    if (err instanceof WatchmarkError) {
      throw new WatchmarkError(err.code, `${err.message}\n${logTail}`, err.details, { cause: err });
    }
    throw err;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

async function pause(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) throw new WatchmarkError('WM_ABORTED', 'interrupted');
  await new Promise((r) => setTimeout(r, ms));
}

function checkAlive(proc: StartedProcess): void {
  if (proc.hasExited()) throw new WatchmarkError('WM_TARGET', `${proc.name} exited during start-up`);
}

function checkDeadline(deadline: number, what: string): void {
  if (Date.now() > deadline) throw new WatchmarkError('WM_TIMEOUT', `${what} did not become ready in time`);
}

async function waitForTcp(port: number, proc: StartedProcess, deadline: number, signal?: AbortSignal): Promise<void> {
  const { connect } = await import('node:net');
  for (;;) {
    checkAlive(proc);
    checkDeadline(deadline, proc.name);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await pause(100, signal);
  }
}

async function waitForInfo(file: string, proc: StartedProcess, deadline: number, signal?: AbortSignal): Promise<InfoFile> {
  for (;;) {
    checkAlive(proc);
    checkDeadline(deadline, proc.name);
    if (existsSync(file)) {
      try {
        const info = JSON.parse(readFileSync(file, 'utf8')) as InfoFile;
        if (typeof info.server === 'string') return info;
      } catch {
        // written atomically by the launcher; a parse error means not yet
      }
    }
    await pause(100, signal);
  }
}

/** Polls the health endpoint (never sleeps blindly): 200 means ready. */
async function waitForReady(connection: Connection, healthPath: string, proc: StartedProcess, deadline: number, signal?: AbortSignal): Promise<void> {
  const client = new TargetClient(connection, systemClock());
  try {
    let last = '';
    for (;;) {
      checkAlive(proc);
      if (Date.now() > deadline) throw new WatchmarkError('WM_TIMEOUT', `${proc.name}: GET ${healthPath} did not answer 200 in time (last: ${last})`);
      try {
        const res = await client.requestJson('GET', healthPath);
        if (res.status === 200) return;
        last = `HTTP ${res.status}`;
      } catch (err) {
        last = (err as Error).message;
      }
      await pause(200, signal);
    }
  } finally {
    await client.close();
  }
}
