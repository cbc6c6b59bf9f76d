/**
 * Readiness strategies: one object per way of knowing that something a target started is ready,
 * after testcontainers' wait strategies (packages/testcontainers/src/wait-strategies:
 * HttpWaitStrategy, LogWaitStrategy, HostPortWaitStrategy). Every wait runs on an injected clock
 * and scheduler, ends at the start-up deadline with an error naming what it awaited and what it
 * last saw, ends at once on abort (Ctrl-C) and when the awaited process exits.
 *
 * Only I/O seams are injectable (the GET, the TCP connect, the file read), so unit tests drive the
 * real strategy logic on a ManualScheduler and FakeClock.
 */
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import type { Clock } from '../clock.js';
import { WatchmarkError } from '../errors.js';
import { formatGoDuration } from '../go-duration.js';
import type { Scheduler } from '../scheduler.js';
import type { Connection } from '../transport/connection.js';

/** A started process, as far as a wait cares: its exit ends the wait. */
export interface AwaitedProcess {
  name: string;
  exited: Promise<unknown>;
  hasExited(): boolean;
}

export interface WaitContext {
  clock: Clock;
  scheduler: Scheduler;
  /** Time on `clock` (ms) after which the wait fails with WM_TIMEOUT. */
  deadlineMs: number;
  signal?: AbortSignal;
  /** The process being waited for: if it exits first, the wait fails with WM_TARGET. */
  process?: AwaitedProcess;
}

export interface ReadinessStrategy<T = void> {
  /** What is awaited, for messages: "GET /readyz to answer 200". */
  readonly awaited: string;
  waitUntilReady(context: WaitContext): Promise<T>;
}

/** What a wait's body is handed: it calls ready() once, or note() with what it saw meanwhile. */
interface Attempts<T> {
  ready(value: T): void;
  fail(error: unknown): void;
  note(last: string): void;
  /** Aborted when the wait ends (ready, deadline, abort, exit): cancels an attempt in flight. */
  signal: AbortSignal;
}

/**
 * Runs `body` until it calls ready(), bounded by the deadline, the abort signal and the process's
 * exit. `body` returns its own clean-up (timers, listeners), run whatever ends the wait.
 */
export function awaitReadiness<T>(awaited: string, context: WaitContext, body: (attempts: Attempts<T>) => () => void): Promise<T> {
  const { clock, scheduler, signal, process: proc } = context;
  const who = proc ? `${proc.name}: ` : '';
  if (signal?.aborted) return Promise.reject(interrupted(awaited));
  if (proc?.hasExited()) return Promise.reject(exitedDuringStartUp(proc.name));
  const startedAtMs = clock.nowMs();
  const ended = new AbortController();
  return new Promise<T>((resolve, reject) => {
    let last = '';
    let cleanUp: () => void = () => {};
    const finish = (outcome: { value: T } | { error: unknown }) => {
      if (ended.signal.aborted) return;
      ended.abort();
      cancelDeadline();
      signal?.removeEventListener('abort', onAbort);
      cleanUp();
      if ('value' in outcome) resolve(outcome.value);
      else reject(outcome.error);
    };
    const onAbort = () => finish({ error: interrupted(awaited) });
    signal?.addEventListener('abort', onAbort, { once: true });
    const cancelDeadline = scheduler.after(context.deadlineMs - startedAtMs, () => {
      const waitedMs = clock.nowMs() - startedAtMs;
      finish({
        error: new WatchmarkError('WM_TIMEOUT', `${who}${awaited}: not ready after ${formatWaited(waitedMs)} (start-up deadline${last ? `; last: ${last}` : ''})`, {
          awaited,
          waitedMs,
          ...(last ? { last } : {}),
        }),
      });
    });
    void proc?.exited.then(() => finish({ error: exitedDuringStartUp(proc.name) }));
    cleanUp = body({
      ready: (value) => finish({ value }),
      fail: (error) => finish({ error }),
      note: (text) => (last = text),
      signal: ended.signal,
    });
    if (ended.signal.aborted) cleanUp();
  });
}

/** One look at the thing awaited: ready with a value, or not yet with what was seen. */
export type ProbeResult<T> = { ready: true; value: T } | { ready: false; last: string };

/**
 * A strategy that looks every `intervalMs` (the first look at once; the next one only after the
 * previous answered, so a slow answer is never overlapped).
 */
export function pollingStrategy<T>(awaited: string, intervalMs: number, probe: (signal: AbortSignal) => Promise<ProbeResult<T>>): ReadinessStrategy<T> {
  return {
    awaited,
    waitUntilReady: (context) =>
      awaitReadiness<T>(awaited, context, (attempts) => {
        let cancelPause: () => void = () => {};
        const look = () => {
          probe(attempts.signal).then(
            (result) => {
              if (attempts.signal.aborted) return;
              if (result.ready) return attempts.ready(result.value);
              attempts.note(result.last);
              cancelPause = context.scheduler.after(intervalMs, look);
            },
            (error: unknown) => attempts.fail(error),
          );
        };
        look();
        return () => cancelPause();
      }),
  };
}

/** GET path, answering its status (throws when there is no answer). */
export type HttpGet = (path: string, signal: AbortSignal) => Promise<number>;

export interface HttpStatusOptions {
  intervalMs?: number;
  /** The GET; default: through the transport over `connection` (TLS and credentials included). */
  get?: HttpGet;
}

/** Polls GET `path` on the target (kube-apiserver's /readyz) until it answers 200. */
export function forHttpStatus(path: string, connection: Connection, options: HttpStatusOptions = {}): ReadinessStrategy {
  const awaited = `GET ${path} to answer 200`;
  const intervalMs = options.intervalMs ?? 200;
  return {
    awaited,
    async waitUntilReady(context) {
      const opened = options.get ? { get: options.get, close: async () => {} } : await transportGet(connection, context.clock);
      try {
        await pollingStrategy<void>(awaited, intervalMs, async (signal) => {
          try {
            const status = await opened.get(path, signal);
            return status === 200 ? { ready: true, value: undefined } : { ready: false, last: `HTTP ${status}` };
          } catch (err) {
            return { ready: false, last: (err as Error).message };
          }
        }).waitUntilReady(context);
      } finally {
        await opened.close();
      }
    },
  };
}

/** The transport is loaded only when a target is started (it pulls in undici). */
async function transportGet(connection: Connection, clock: Clock): Promise<{ get: HttpGet; close(): Promise<void> }> {
  const { TargetClient } = await import('../transport/client.js');
  const client = new TargetClient(connection, clock);
  return {
    get: async (path, signal) => (await client.requestJson('GET', path, { signal })).status,
    close: () => client.close(),
  };
}

/** Opens a TCP connection to host:port and closes it; rejects when none is accepted. */
export type TcpConnect = (host: string, port: number, signal: AbortSignal) => Promise<void>;

export interface PortOptions {
  intervalMs?: number;
  connect?: TcpConnect;
}

/** Polls until host:port accepts a TCP connection (kine's etcd endpoint). */
export function forPort(host: string, port: number, options: PortOptions = {}): ReadinessStrategy {
  const tryConnect = options.connect ?? tcpConnect;
  return pollingStrategy(`port ${host}:${port} to accept connections`, options.intervalMs ?? 100, async (signal) => {
    try {
      await tryConnect(host, port, signal);
      return { ready: true, value: undefined };
    } catch (err) {
      return { ready: false, last: (err as Error).message };
    }
  });
}

export const tcpConnect: TcpConnect = (host, port, signal) =>
  new Promise<void>((resolve, reject) => {
    const socket = connect({ host, port, signal });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', reject);
  });

export interface JsonFileOptions {
  intervalMs?: number;
  /** Reads the file; default readFileSync (ENOENT means not yet). */
  read?: (file: string) => string;
}

/**
 * Polls until `file` holds JSON that `accept` takes (a launcher's info file, written atomically:
 * absent or unparsable means not yet). Resolves with the parsed value.
 */
export function forJsonFile<T>(file: string, what: string, accept: (value: unknown) => value is T, options: JsonFileOptions = {}): ReadinessStrategy<T> {
  const read = options.read ?? ((f: string) => readFileSync(f, 'utf8'));
  return pollingStrategy<T>(`${what} (${file}) to be written`, options.intervalMs ?? 100, async () => {
    let text: string;
    try {
      text = read(file);
    } catch (err) {
      return { ready: false, last: (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no file yet' : (err as Error).message };
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return { ready: false, last: 'not JSON yet' };
    }
    return accept(value) ? { ready: true, value } : { ready: false, last: 'incomplete' };
  });
}

/** Lines a process prints, earlier ones replayed to a late listener (bounded). */
export interface LogSource {
  /** For messages, e.g. "kine's output". */
  readonly name: string;
  /** Calls `listener` with each line (those already printed first); returns the unsubscribe. */
  onLine(listener: (line: string) => void): () => void;
}

/** Waits for a line matching `pattern` (e.g. k3s's "k3s is up and running"). Event-driven: no polling. */
export function forLogLine(pattern: RegExp, log: LogSource): ReadinessStrategy<string> {
  const awaited = `a line matching ${String(pattern)} in ${log.name}`;
  return {
    awaited,
    waitUntilReady: (context) =>
      awaitReadiness<string>(awaited, context, (attempts) => {
        let lines = 0;
        return log.onLine((line) => {
          attempts.note(`${++lines} line${lines === 1 ? '' : 's'}, none matching`);
          if (pattern.test(line)) attempts.ready(line);
        });
      }),
  };
}

function interrupted(awaited: string): WatchmarkError {
  return new WatchmarkError('WM_ABORTED', `interrupted while waiting for ${awaited}`);
}

function exitedDuringStartUp(name: string): WatchmarkError {
  return new WatchmarkError('WM_TARGET', `${name} exited during start-up`);
}

/** A waited time as Go prints durations (as elsewhere in watchmark's messages), to 0.1 s. */
function formatWaited(ms: number): string {
  return formatGoDuration(Math.round(ms / 100) * 100);
}
