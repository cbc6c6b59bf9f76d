import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isolatedEnv } from './cli.js';

const WRAPPER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'peak-rss-cli.mjs');

export interface MeasuredCliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  /** stderr without the peak-RSS line. */
  stderr: string;
  wallMs: number;
  /** The child's peak resident set size (process.resourceUsage().maxRSS), in MiB; NaN if it did not say. */
  peakRssMiB: number;
}

/**
 * Runs `watchmark ARGS` in a subprocess through peak-rss-cli.mjs and measures its wall time and
 * peak RSS. The child is killed (SIGKILL) if it outlives `timeoutMs`, and always when this returns.
 */
export async function runCliMeasured(args: string[], opts: { timeoutMs: number; env?: NodeJS.ProcessEnv }): Promise<MeasuredCliResult> {
  const startedAt = process.hrtime.bigint();
  const child = spawn(process.execPath, [WRAPPER, ...args], { env: opts.env ?? isolatedEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (d: Buffer) => stdout.push(d));
  child.stderr.on('data', (d: Buffer) => stderr.push(d));
  const killer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
  try {
    const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.on('close', (c, s) => resolve({ code: c, signal: s }));
    });
    const wallMs = Number(process.hrtime.bigint() - startedAt) / 1e6;
    const err = Buffer.concat(stderr).toString();
    const rss = /\nwatchmark-peak-rss-kib (\d+)\n$/.exec(err);
    return {
      code,
      signal,
      stdout: Buffer.concat(stdout).toString(),
      stderr: rss ? err.slice(0, rss.index) : err,
      wallMs,
      peakRssMiB: rss ? Number(rss[1]) / 1024 : NaN,
    };
  } finally {
    clearTimeout(killer);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
