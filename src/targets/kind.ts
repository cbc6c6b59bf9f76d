/**
 * A target kind: a local API server watchmark starts itself (`--target NAME`). Each kind is one
 * file in targets/kinds/ declaring its name, help line, the options it takes, how it starts, how
 * it is known to be ready (readiness.ts strategies, through `startup.waitFor`) and how it stops
 * (what it registers on `startup`); targets/registry.ts lists them, and the CLI's names and help,
 * the config's enum, the report's target source and the notice line all come from there.
 *
 * The lifecycle is shared (startKind): one start-up deadline for every wait, every process and
 * temp dir stopped in reverse order on stop() and on a failed start, the processes' last log lines
 * added to a failed start's error, Ctrl-C honoured throughout.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { systemClock, type Clock } from '../clock.js';
import { WatchmarkError } from '../errors.js';
import { realScheduler, type Scheduler } from '../scheduler.js';
import type { ServerProfile } from '../server/profiles.js';
import type { Connection } from '../transport/connection.js';
import { startProcess, type StartedProcess } from './process.js';
import type { AwaitedProcess, ReadinessStrategy } from './readiness.js';
import type { ReadyTarget, TargetSource } from './types.js';

/** Command-line options a kind may take; it gets only those it lists in `options`. */
export interface TargetKindOptions {
  /** --profile: the embedded server's profile. */
  profile: ServerProfile;
  /** --assets: the envtest assets directory (etcd and kube-apiserver), as KUBEBUILDER_ASSETS names one. */
  assets: string;
  /** --image: the container image (container, k3s). */
  image: string;
  /** --container-port: the API server's port in the container (default 6443). */
  containerPort: number;
  /** --env NAME=VALUE (repeatable): the container's environment. */
  env: string[];
  /** --arg ARG (repeatable): the container's command (replaces the image's CMD). */
  arg: string[];
  /** --ready-path: the path that answers 200 once the server is ready (default /readyz). */
  readyPath: string;
  /** --container-kubeconfig: a kubeconfig the container writes (path inside it), used instead of watchmark's credentials. */
  containerKubeconfig: string;
}
export type TargetOptionName = keyof TargetKindOptions;

/** What a kind's start() hands back once the target is ready. */
export interface StartedKind {
  connection: Connection;
  /** For the report and the notice line, without secrets: "kine (testbed) at https://127.0.0.1:…". */
  description: string;
}

export interface TargetKind<Name extends string = string, Source extends string = string, Started extends StartedKind = StartedKind> {
  readonly name: Name;
  /** A few words for `--target`'s help (which adds the options it takes and its build command). */
  readonly help: string;
  /** The command that builds what it runs, when that is not part of the package. */
  readonly buildHint?: string;
  /** The report's `target.source` (recordings carry these values: never rename one). */
  readonly source: Source;
  /** Options it takes (the CLI flag of the same name); start() gets only these. */
  readonly options: readonly TargetOptionName[];
  /** Why it cannot start here (binaries not built...), checked before anything starts; undefined: it can. */
  unavailable?(env: NodeJS.ProcessEnv): string | undefined;
  /** Starts the target and waits until it is ready; registers on `startup` whatever stop() must undo. */
  start(startup: Startup, options: Partial<TargetKindOptions>): Promise<Started>;
  /** The line printed when it is up; default "started <description>". */
  notice?(description: string): string;
}

/** Declares a kind, keeping its name and source as literal types (the registry derives its unions from them). */
export function defineTargetKind<const Name extends string, const Source extends string, Started extends StartedKind = StartedKind>(
  kind: TargetKind<Name, Source, Started>,
): TargetKind<Name, Source, Started> {
  return kind;
}

/** What a kind's start() works with. */
export interface Startup {
  readonly env: NodeJS.ProcessEnv;
  readonly signal?: AbortSignal;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  /** Waits for `strategy` under the start-up deadline; fails at once if `process` (or a container) exits first. */
  waitFor<T>(strategy: ReadinessStrategy<T>, process?: AwaitedProcess): Promise<T>;
  /** Starts a child process (output to logFile), stopped on stop() with a SIGTERM grace. */
  spawn(name: string, command: string, args: string[], logFile: string): StartedProcess;
  /** A fresh temp dir, removed on stop(). */
  tempDir(prefix: string): string;
  /** Runs on stop() and on a failed start, the last registered first. */
  onStop(stop: () => Promise<void> | void): void;
}

export interface StartKindOptions {
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  clock?: Clock;
  scheduler?: Scheduler;
  /** Bound on the whole start (every readiness wait); default 180 s. */
  startTimeoutMs?: number;
  options?: Partial<TargetKindOptions>;
}

export const DEFAULT_START_TIMEOUT_MS = 180_000;

/** A target a kind started: the ReadyTarget plus whatever else the kind's start() answered. */
export type StartedTarget<Started extends StartedKind> = ReadyTarget & Omit<Started, keyof StartedKind> & { kind: string };

export async function startKind<Started extends StartedKind>(
  kind: TargetKind<string, string, Started>,
  options: StartKindOptions = {},
): Promise<StartedTarget<Started>> {
  const env = options.env ?? process.env;
  const reason = kind.unavailable?.(env);
  if (reason) throw new WatchmarkError('WM_TARGET', `--target ${kind.name}: ${reason}`);
  const clock = options.clock ?? systemClock();
  const scheduler = options.scheduler ?? realScheduler;
  const deadlineMs = clock.nowMs() + (options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
  const stoppers: Array<() => Promise<void> | void> = [];
  const processes: StartedProcess[] = [];
  const stopAll = async () => {
    for (const stop of stoppers.splice(0).reverse()) await stop();
  };
  const startup: Startup = {
    env,
    ...(options.signal ? { signal: options.signal } : {}),
    clock,
    scheduler,
    waitFor: (strategy, proc) =>
      strategy.waitUntilReady({ clock, scheduler, deadlineMs, ...(options.signal ? { signal: options.signal } : {}), ...(proc ? { process: proc } : {}) }),
    spawn(name, command, args, logFile) {
      const proc = startProcess(name, command, args, logFile, { env: startup.env, scheduler });
      processes.push(proc);
      stoppers.push(() => proc.stop());
      return proc;
    },
    tempDir(prefix) {
      const dir = mkdtempSync(path.join(tmpdir(), prefix));
      stoppers.push(() => rmSync(dir, { recursive: true, force: true }));
      return dir;
    },
    onStop: (stop) => void stoppers.push(stop),
  };
  const picked: Partial<TargetKindOptions> = {};
  for (const name of kind.options) if (options.options?.[name] !== undefined) Object.assign(picked, { [name]: options.options[name] });
  let started: Started;
  try {
    started = await kind.start(startup, picked);
  } catch (err) {
    const logTail = processes.map((p) => `--- ${p.name} log (last lines) ---\n${p.tail()}`).join('\n');
    await stopAll();
    if (err instanceof WatchmarkError && logTail) {
      throw new WatchmarkError(err.code, `${err.message}\n${logTail}`, err.details, { cause: err });
    }
    throw err;
  }
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= stopAll());
  return {
    ...started,
    source: kind.source as TargetSource,
    kind: kind.name,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** The line printed when a kind's target is up. */
export function kindNotice(kind: TargetKind<string, string, StartedKind>, description: string): string {
  return kind.notice ? kind.notice(description) : `started ${description}`;
}
