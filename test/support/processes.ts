import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * True while `pid` is a running process. A zombie (exited, not yet reaped: in a container whose
 * PID 1 does not reap orphans) counts as gone.
 */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

/** Resolves once none of `pids` runs; rejects naming the survivors after `withinMs`. */
export async function waitUntilGone(pids: number[], withinMs = 5_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const alive = pids.filter(isRunning);
    if (alive.length === 0) return;
    if (Date.now() > deadline) throw new Error(`still running after ${withinMs} ms: ${alive.join(', ')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * An exec credential plugin that never answers: a shell script that starts `sleep 3600` and
 * writes "SHELL_PID SLEEP_PID" to `pidFile`, then waits. Both must be gone once watchmark is done.
 */
export function hangingPlugin(dir: string): { command: string; pidFile: string; pids(): number[] } {
  const command = path.join(dir, 'hanging-plugin.sh');
  const pidFile = path.join(dir, 'plugin.pids');
  writeFileSync(command, `#!/bin/sh\nsleep 3600 &\necho "$$ $!" > "${pidFile}"\nwait\n`);
  chmodSync(command, 0o755);
  return {
    command,
    pidFile,
    pids: () => (existsSync(pidFile) ? readFileSync(pidFile, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number) : []),
  };
}

/** Resolves when `file` exists and is not empty (bounded). */
export async function waitForFile(file: string, withinMs = 10_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!(existsSync(file) && readFileSync(file, 'utf8').trim() !== '')) {
    if (Date.now() > deadline) throw new Error(`${file} did not appear within ${withinMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
