import type { ChildProcess } from 'node:child_process';

/**
 * Every child watchmark runs for a target (exec credential plugins, testbed servers) is
 * registered here while it lives, so none outlives watchmark: `process.exit()` (the second
 * Ctrl-C) and a normal exit kill each one with SIGKILL (an 'exit' handler can only do synchronous
 * work, so there is no SIGTERM grace there). Exec plugins are started `detached`, in a process
 * group of their own, and the whole group is killed, so a plugin script's own children (`sleep`
 * under `sh`) go too; a child in watchmark's group is killed alone.
 */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

export function trackChild(child: ChildProcess): void {
  live.add(child);
  const forget = () => live.delete(child);
  child.once('exit', forget);
  child.once('error', forget);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', killAllChildren);
  }
}

/** The pids of the children still running (for tests and the interrupt message). */
export function liveChildPids(): number[] {
  return [...live].flatMap((c) => (c.pid === undefined ? [] : [c.pid]));
}

/** Sends `signal` to the child's process group (falling back to the child alone). */
export function signalChild(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

export function killAllChildren(): void {
  for (const child of live) signalChild(child, 'SIGKILL');
  live.clear();
}
