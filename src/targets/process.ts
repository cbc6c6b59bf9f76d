import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { WatchmarkError } from '../errors.js';
import { trackChild } from './child-processes.js';

/** A child process watchmark started; stop() ends it (SIGTERM, then SIGKILL after a bounded wait). */
export interface StartedProcess extends AsyncDisposable {
  name: string;
  pid: number | undefined;
  logFile: string;
  /** Resolves with the exit code/signal when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
  stop(graceMs?: number): Promise<void>;
}

/** Starts `command args` with stdout/stderr going to logFile (never to our terminal). */
export function startProcess(name: string, command: string, args: string[], logFile: string, env: NodeJS.ProcessEnv = process.env): StartedProcess {
  const log = createWriteStream(logFile, { flags: 'a' });
  let child: ChildProcess;
  try {
    child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  } catch (err) {
    throw new WatchmarkError('WM_TARGET', `cannot start ${name} (${command}): ${(err as Error).message}`);
  }
  // A second Ctrl-C exits at once, without stop(): the exit hook kills it then.
  trackChild(child);
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
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
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  return {
    name,
    pid: child.pid,
    logFile,
    exited,
    hasExited: () => done,
    stop,
    [Symbol.asyncDispose]: () => stop(),
  };
}

/** The last lines of a log file, for error messages (bounded). */
export function tailOf(file: string, lines = 12): string {
  try {
    const text = readFileSync(file, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
