import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { WatchmarkError } from '../errors.js';
import { realScheduler, type Scheduler } from '../scheduler.js';
import { trackChild } from './child-processes.js';
import type { LogSource } from './readiness.js';

/** A child process watchmark started; stop() ends it (SIGTERM, then SIGKILL after a bounded wait). */
export interface StartedProcess extends AsyncDisposable {
  name: string;
  pid: number | undefined;
  logFile: string;
  /** Resolves with the exit code/signal when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
  /** Its stdout and stderr, line by line (for forLogLine). */
  lines: LogSource;
  /**
   * The last lines it printed, from memory: what error messages show. The log file is written
   * asynchronously, so reading it at once may miss lines already received (a start that failed
   * under load once showed an empty log).
   */
  tail(lines?: number): string;
  stop(graceMs?: number): Promise<void>;
}

export interface StartProcessOptions {
  env?: NodeJS.ProcessEnv;
  /** Times the SIGTERM-to-SIGKILL grace of stop(); default realScheduler. */
  scheduler?: Scheduler;
}

/** Lines kept for a listener that subscribes late: enough for any start-up banner. */
const REPLAYED_LINES = 2_000;

/** Starts `command args` with stdout/stderr going to logFile (never to our terminal). */
export function startProcess(name: string, command: string, args: string[], logFile: string, options: StartProcessOptions = {}): StartedProcess {
  const scheduler = options.scheduler ?? realScheduler;
  const log = createWriteStream(logFile, { flags: 'a' });
  let child: ChildProcess;
  try {
    child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env });
  } catch (err) {
    throw new WatchmarkError('WM_TARGET', `cannot start ${name} (${command}): ${(err as Error).message}`);
  }
  // A second Ctrl-C exits at once, without stop(): the exit hook kills it then.
  trackChild(child);
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  const { source: lines, recent } = lineSource(`${name}'s output`, [child.stdout!, child.stderr!]);
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('error', () => {
      done = true;
      resolve({ code: null, signal: null });
    });
    child.once('exit', (code, signal) => {
      done = true;
      resolve({ code, signal });
    });
  });
  void exited.then(() => log.end());
  const stop = async (graceMs = 10_000) => {
    if (done) return;
    child.kill('SIGTERM');
    const cancelKill = scheduler.after(graceMs, () => child.kill('SIGKILL'));
    await exited;
    cancelKill();
  };
  return {
    name,
    pid: child.pid,
    logFile,
    exited,
    hasExited: () => done,
    lines,
    tail: (count = 12) => recent(count).join('\n'),
    stop,
    [Symbol.asyncDispose]: () => stop(),
  };
}

/**
 * Splits streams into lines for listeners, replaying the last REPLAYED_LINES to late ones;
 * `recent(n)` gives the last n lines received, an unfinished last line included.
 */
function lineSource(name: string, streams: NodeJS.ReadableStream[]): { source: LogSource; recent(count: number): string[] } {
  const seen: string[] = [];
  const listeners = new Set<(line: string) => void>();
  const partials = streams.map(() => '');
  streams.forEach((stream, index) => {
    stream.on('data', (chunk: Buffer | string) => {
      const parts = (partials[index] + chunk.toString()).split('\n');
      partials[index] = parts.pop()!;
      for (const line of parts) {
        seen.push(line);
        if (seen.length > REPLAYED_LINES) seen.shift();
        for (const listener of listeners) listener(line);
      }
    });
  });
  return {
    source: {
      name,
      onLine(listener) {
        for (const line of [...seen]) listener(line);
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
    recent: (count) => [...seen, ...partials.filter((p) => p !== '')].slice(-count),
  };
}
