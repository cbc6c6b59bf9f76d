/**
 * The container engine side of `--target container` and `--target k3s`, through testcontainers
 * (Docker, or podman's Docker-compatible service via DOCKER_HOST). Loaded only when such a target
 * starts: testcontainers and dockerode stay out of the CLI's start-up.
 *
 * Every container is registered for removal (startup.onStop) the moment the engine has created
 * it (testcontainers' containerCreated hook), before it is started: a failed start, a timeout and
 * Ctrl-C all remove it, whichever step they interrupt.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Readable } from 'node:stream';
import { firstLineOf, WatchmarkError } from '../errors.js';
import type { Connection } from '../transport/connection.js';
import { logTail, loopbackHostPort, loopbackPortBindings, rewriteKubeconfigServer, RUN_LABEL } from './container-options.js';
import type { Startup } from './kind.js';
import type { AwaitedProcess } from './readiness.js';

/** The engine's dockerode (testcontainers' own; not a dependency of ours). */
type Dockerode = import('testcontainers').ContainerRuntimeClient['container']['dockerode'];

/** One id per watchmark process: the value of RUN_LABEL on every container it starts. */
export const RUN_ID = randomUUID();

export interface ContainerLaunch {
  image: string;
  containerPort: number;
  env: Record<string, string>;
  command?: string[] | undefined;
  binds?: Array<{ source: string; target: string; mode: 'ro' | 'rw' }>;
  /** The target's name, for messages. */
  target: string;
}

export interface RunningContainer {
  id: string;
  /** The host port (on 127.0.0.1) the container port is published on. */
  hostPort: number;
  /** The last lines of its output (stdout and stderr). */
  logTail(lines?: number): Promise<string>;
  /** Its end, as a readiness wait's process: the wait fails at once when it exits. */
  name: string;
  exited: Promise<unknown>;
  hasExited(): boolean;
  /** A file's content in the container, or undefined when it does not exist (yet). */
  readFile(path: string): Promise<string | undefined>;
}

/** The engine testcontainers finds (DOCKER_HOST, ~/.testcontainers.properties, the default socket), or WM_TARGET naming what was tried. */
export async function engineClient(target: string): Promise<import('testcontainers').ContainerRuntimeClient> {
  const { getContainerRuntimeClient } = await import('testcontainers');
  try {
    return await getContainerRuntimeClient();
  } catch (err) {
    throw new WatchmarkError(
      'WM_TARGET',
      `--target ${target}: no container engine reachable (DOCKER_HOST=${process.env.DOCKER_HOST ?? 'unset'}; testcontainers: ${firstLineOf(err)}); start Docker, or podman's service (see README "Real API servers")`,
    );
  }
}

/**
 * Creates and starts the container with its port on 127.0.0.1 only and watchmark's label; its
 * removal is registered on `startup` as soon as it exists. Readiness is the caller's
 * (startup.waitFor): testcontainers' own wait only checks that the published port accepts connections, so the start-up deadline and Ctrl-C apply to the real readiness.
 */
export async function runContainer(startup: Startup, launch: ContainerLaunch): Promise<RunningContainer> {
  const client = await engineClient(launch.target);
  const { GenericContainer, Wait } = await import('testcontainers');
  const dockerode = client.container.dockerode;
  let createdId: string | undefined;
  class LoopbackContainer extends GenericContainer {
    publishOnLoopback(port: number): this {
      this.createOpts.ExposedPorts = { ...this.createOpts.ExposedPorts, [`${port}/tcp`]: {} };
      this.hostConfig.PortBindings = { ...this.hostConfig.PortBindings, ...loopbackPortBindings(port) };
      return this;
    }
    protected override async containerCreated(id: string): Promise<void> {
      createdId = id;
      adoptContainer(startup, dockerode, id);
    }
  }
  let container = new LoopbackContainer(launch.image)
    .publishOnLoopback(launch.containerPort)
    .withEnvironment(launch.env)
    .withLabels({ [RUN_LABEL]: RUN_ID })
    .withWaitStrategy(Wait.forListeningPorts().withStartupTimeout(30_000));
  if (launch.command) container = container.withCommand(launch.command);
  if (launch.binds?.length) container = container.withBindMounts(launch.binds);
  await ensureImage(client, launch.image, launch.target);
  try {
    await container.start();
  } catch (err) {
    throw new WatchmarkError('WM_TARGET', `--target ${launch.target}: cannot start a container of ${launch.image}: ${firstLineOf(err)}${createdId ? `\n${await tailOfLog(dockerode, createdId)}` : ''}`);
  }
  const id = createdId!;
  return {
    id,
    hostPort: await publishedLoopbackPort(dockerode, id, launch.containerPort),
    logTail: (lines) => tailOfLog(dockerode, id, lines),
    ...awaitedContainer(dockerode, id, launch.image),
    readFile: (path) => readContainerFile(dockerode, id, path),
  };
}

/** A container the engine has just created: removed on stop (and by the reaper should watchmark exit first). */
export function adoptContainer(startup: Startup, dockerode: Dockerode, id: string): void {
  trackContainer(id);
  startup.onStop(() => removeContainer(dockerode, id));
}

/** The container as a readiness wait's process: the wait fails at once when it stops (or is removed). */
export function awaitedContainer(dockerode: Dockerode, id: string, image: string): AwaitedProcess {
  let ended = false;
  const exited = watchExit(dockerode, id).finally(() => (ended = true));
  return { name: `container ${id.slice(0, 12)} (${image})`, exited, hasExited: () => ended };
}

/** The host port `containerPort` is published on, checked to be bound on 127.0.0.1 only. */
export async function publishedLoopbackPort(dockerode: Dockerode, id: string, containerPort: number): Promise<number> {
  const inspected = await dockerode.getContainer(id).inspect();
  return loopbackHostPort(inspected.NetworkSettings?.Ports as Parameters<typeof loopbackHostPort>[0], containerPort);
}

/**
 * A connection through a kubeconfig a container wrote: its server pointed at `server` (the host's
 * 127.0.0.1 port), saved in a temp dir (removed on stop) and read as `--kubeconfig` reads one.
 */
export async function connectThroughKubeconfig(startup: Startup, text: string, server: string, where: string): Promise<Connection> {
  const file = path.join(startup.tempDir('watchmark-container-kubeconfig-'), 'kubeconfig');
  writeFileSync(file, rewriteKubeconfigServer(text, server, where), { mode: 0o600 });
  const { kubeconfigFlagStrategy } = await import('./kubeconfig.js');
  const target = await kubeconfigFlagStrategy.resolve({ kubeconfig: file }, startup.env, startup.signal ? { signal: startup.signal } : {});
  return target!.connection;
}

/** The image is in the engine, or is pulled; else WM_TARGET (no registry reachable, no such image). */
export async function ensureImage(client: import('testcontainers').ContainerRuntimeClient, image: string, target: string): Promise<void> {
  const { ImageName } = await import('testcontainers');
  const name = ImageName.fromString(image);
  if (await client.image.exists(name)) return;
  let pullError = '';
  try {
    await client.image.pull(name, { force: false, platform: undefined });
  } catch (err) {
    pullError = firstLineOf(err);
  }
  // testcontainers' pull may end without an error when the registry answered one in its stream.
  if (!(await client.image.exists(name))) {
    throw new WatchmarkError('WM_TARGET', `--target ${target}: image ${image} is not in the engine and cannot be pulled${pullError ? `: ${pullError}` : ' (no registry reachable, or no such image)'}`);
  }
}

/** Removes the container (killing it first), tolerating one already gone. */
async function removeContainer(dockerode: Dockerode, id: string): Promise<void> {
  try {
    await dockerode.getContainer(id).remove({ force: true, v: true });
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 404) throw new WatchmarkError('WM_TARGET', `cannot remove container ${id.slice(0, 12)}: ${firstLineOf(err)}`);
  }
  live.delete(id);
}

/**
 * Containers created and not yet removed. A process that exits without removing them (the second
 * Ctrl-C exits at once, as for child processes: child-processes.ts) hands them to a detached
 * container-reaper.js: an 'exit' handler can only do synchronous work, and spawning is.
 */
const live = new Set<string>();
let exitHookInstalled = false;

/** Registers a container for removal should watchmark exit first (adoptContainer). */
function trackContainer(id: string): void {
  live.add(id);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    if (live.size === 0) return;
    try {
      spawn(process.execPath, [fileURLToPath(new URL('./container-reaper.js', import.meta.url)), ...live], { detached: true, stdio: 'ignore' }).unref();
    } catch {
      // Nothing more can be done while exiting; the label finds them (README).
    }
  });
}

/** Resolves when the container is no longer running (the engine's wait, or an error: it is gone). */
function watchExit(dockerode: Dockerode, id: string): Promise<unknown> {
  return (dockerode.getContainer(id).wait() as Promise<unknown>).catch((err: unknown) => err);
}

/** Containers with watchmark's label (any run), for tests and leftovers. */
export async function labelledContainers(dockerode: Dockerode): Promise<string[]> {
  const list = await dockerode.listContainers({ all: true, filters: { label: [RUN_LABEL] } });
  return list.map((c) => c.Id);
}

async function tailOfLog(dockerode: Dockerode, id: string, lines = 12): Promise<string> {
  try {
    const raw = (await dockerode.getContainer(id).logs({ stdout: true, stderr: true, tail: lines, follow: false })) as unknown as Buffer;
    return `--- container ${id.slice(0, 12)} log (last lines) ---\n${logTail(demuxDockerLog(raw), lines)}`;
  } catch (err) {
    return `--- container ${id.slice(0, 12)} log: unavailable (${firstLineOf(err)}) ---`;
  }
}

/**
 * The engine's log stream without Docker's 8-byte frame headers (stream, 0, 0, 0, size big-endian)
 * of a container without a TTY; a buffer without them is returned as text.
 */
export function demuxDockerLog(raw: Buffer | string): string {
  if (typeof raw === 'string') return raw;
  const parts: Buffer[] = [];
  let at = 0;
  while (at + 8 <= raw.length && (raw[at] === 1 || raw[at] === 2) && raw[at + 1] === 0 && raw[at + 2] === 0 && raw[at + 3] === 0) {
    const size = raw.readUInt32BE(at + 4);
    parts.push(raw.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return at === 0 ? raw.toString('utf8') : Buffer.concat(parts).toString('utf8');
}

async function readContainerFile(dockerode: Dockerode, id: string, path: string): Promise<string | undefined> {
  let stream: Readable;
  try {
    stream = (await dockerode.getContainer(id).getArchive({ path })) as unknown as Readable;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return firstFileInTar(Buffer.concat(chunks));
}

/** The content of the first regular file in a tar archive (what GET /containers/ID/archive answers for one file). */
export function firstFileInTar(tar: Buffer): string | undefined {
  let at = 0;
  while (at + 512 <= tar.length) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) return undefined;
    const size = parseInt(header.subarray(124, 136).toString('ascii').replace(/\0.*$/s, '').trim() || '0', 8);
    const type = String.fromCharCode(header[156]!);
    const body = at + 512;
    if (type === '0' || type === '\0') return tar.subarray(body, body + size).toString('utf8');
    at = body + Math.ceil(size / 512) * 512;
  }
  return undefined;
}
