import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock, systemClock } from '../clock.js';
import { ManualScheduler, realScheduler } from '../scheduler.js';
import { startProcess } from './process.js';
import { forLogLine } from './readiness.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'watchmark-process-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Waits (bounded, real time) for a line of the process's output. */
async function lineMatching(lines: Parameters<typeof forLogLine>[1], pattern: RegExp): Promise<string> {
  const clock = systemClock();
  return forLogLine(pattern, lines).waitUntilReady({ clock, scheduler: realScheduler, deadlineMs: clock.nowMs() + 20_000 });
}

describe('startProcess', () => {
  it('stop(): SIGTERM, then SIGKILL once the grace has passed on the injected scheduler', async () => {
    const scheduler = new ManualScheduler(new FakeClock());
    const script = 'process.on("SIGTERM", () => console.log("ignoring SIGTERM")); console.log("handler installed"); setInterval(() => {}, 1000);';
    const proc = startProcess('stubborn', process.execPath, ['-e', script], path.join(dir, 'stubborn.log'), { scheduler });
    try {
      await lineMatching(proc.lines, /handler installed/);
      const stopping = proc.stop(5_000);
      expect(scheduler.pending()).toBe(1);
      // It got SIGTERM and ignored it: still running until the grace has passed.
      await lineMatching(proc.lines, /ignoring SIGTERM/);
      expect(proc.hasExited()).toBe(false);
      scheduler.advance(5_000);
      await stopping;
      expect(await proc.exited).toEqual({ code: null, signal: 'SIGKILL' });
    } finally {
      if (!proc.hasExited()) process.kill(proc.pid!, 'SIGKILL');
    }
  });

  it('lines: stdout and stderr line by line, earlier lines replayed to a late listener', async () => {
    const proc = startProcess('talker', process.execPath, ['-e', 'console.log("one"); console.error("two"); process.stdout.write("thr"); setTimeout(() => console.log("ee"), 10);'], path.join(dir, 'talker.log'));
    await proc.exited;
    const seen: string[] = [];
    proc.lines.onLine((line) => seen.push(line));
    expect(seen.sort()).toEqual(['one', 'three', 'two']);
    expect(proc.lines.name).toBe("talker's output");
  });

  it('tail(): the last lines received, from memory, whatever the log file holds yet (an unfinished line included)', async () => {
    const logFile = path.join(dir, 'tail.log');
    const proc = startProcess('tailer', process.execPath, ['-e', 'for (let i = 1; i <= 20; i++) console.log("line " + i); process.stdout.write("no newline"); setInterval(() => {}, 1000);'], logFile);
    try {
      await lineMatching(proc.lines, /line 20/);
      // The log file is written asynchronously: an error built right now must not depend on it.
      rmSync(logFile, { force: true });
      const deadline = Date.now() + 20_000;
      while (!proc.tail(1).includes('no newline') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(proc.tail(3).split('\n')).toEqual(['line 19', 'line 20', 'no newline']);
      expect(proc.tail().split('\n')).toHaveLength(12);
    } finally {
      await proc.stop(1_000);
    }
  });
});
