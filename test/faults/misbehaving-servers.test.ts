/**
 * Misbehaving-server matrix (issue 10): `watchmark observe configmaps` against loopback servers
 * that answer discovery like a kube-apiserver and misbehave on the watch. Each case asserts the
 * finding, a bounded wall time and a bounded peak RSS of the watchmark process (measured through
 * test/support/peak-rss-cli.mjs) and prints one line with its figures. The slow variant
 * (`npm run test:faults`) sends more and watches longer; the bounds are the frame limit's.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/checks/types.js';
import type { Report } from '../../src/report/model.js';
import { pause, startMisbehavingServer, watchHead, write, type WatchBehaviour } from '../support/misbehaving-server.js';
import { runCliMeasured } from '../support/peak-rss.js';
import { faultScale } from './scale.js';

const MiB = 1024 * 1024;

/** How long observe watches (the window), in seconds. */
const WINDOW_S = faultScale(2, 60);
/** Bytes of garbage; the "50 MB of garbage" of the issue in the slow variant. */
const GARBAGE_BYTES = faultScale(16 * MiB, 50 * MiB);
/** The frame limit for the never-ending frame: a small one in CI, the default (64 MiB) in the slow variant. */
const NEVER_ENDING_LIMIT = faultScale(['--max-frame-size', '4Mi'], [] as string[]);
/**
 * Peak RSS bounds (MiB). Node with the CLI loaded and a quiet watch peaks around 170-180 MiB here;
 * before the fix the never-ending frame and the garbage grew it by hundreds of MiB in seconds.
 * The never-ending frame may hold up to its frame limit (slow: 64 MiB) twice while it is cut.
 */
const BASE_RSS_MiB = 256;

const ADDED_PREFIX = '{"type":"ADDED","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"big","namespace":"default","resourceVersion":"101"},"data":{"payload":"';

function event(name: string, resourceVersion: string, payload = 'v'): string {
  return JSON.stringify({ type: 'ADDED', object: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name, namespace: 'default', resourceVersion }, data: { payload } } }) + '\n';
}

interface FaultCase {
  name: string;
  behaviour: WatchBehaviour;
  extraArgs?: string[];
  /** Observation window (s) when not WINDOW_S: cases whose server ends the stream get a long one, so a loaded machine cannot cut them short. */
  windowS?: number;
  maxRssMiB: number;
  /** Wall-time bound beyond the observation window (start-up, discovery, report). */
  check(report: Report, result: { code: number | null; stderr: string }): void;
}

function checkOf(report: Report, id: string): CheckResult {
  const check = report.checks.find((c) => c.id === id);
  if (!check) throw new Error(`no ${id} in the report`);
  return check;
}

/** Garbage lines: each starts with a letter (never JSON), then random non-newline bytes. */
function garbageLines(totalBytes: number): { chunks: Buffer[]; lines: number } {
  const chunks: Buffer[] = [];
  let lines = 0;
  let bytes = 0;
  while (bytes < totalBytes) {
    const body = randomBytes(64 * 1024);
    for (let i = 0; i < body.length; i++) if (body[i] === 0x0a) body[i] = 0x2e;
    // A newline every 80 bytes, each line starting with 'g'.
    for (let i = 0; i < body.length; i += 80) {
      body[i] = 0x67;
      body[Math.min(i + 79, body.length - 1)] = 0x0a;
      lines++;
    }
    chunks.push(body);
    bytes += body.length;
  }
  return { chunks, lines };
}

const garbage = garbageLines(GARBAGE_BYTES);
const EVENT_20MB = ADDED_PREFIX + 'p'.repeat(20_000_000) + '"}}}\n';

const CASES: FaultCase[] = [
  {
    name: 'headers then silence',
    behaviour: async (res, signal) => {
      watchHead(res);
      await pause(3_600_000, signal);
      return 'keep-open';
    },
    maxRssMiB: BASE_RSS_MiB,
    check(report) {
      expect(checkOf(report, 'stream.framing').status).toBe('pass');
      expect(report.streams[0]).toMatchObject({ status: 200, closeReason: 'client-abort' });
    },
  },
  {
    name: 'a frame that never ends, at full speed',
    behaviour: async (res, signal) => {
      watchHead(res);
      await write(res, event('before', '100'), signal);
      await write(res, ADDED_PREFIX, signal);
      const filler = Buffer.alloc(256 * 1024, 'x');
      while (!signal.aborted && !res.destroyed) await write(res, filler, signal);
      return 'keep-open';
    },
    extraArgs: NEVER_ENDING_LIMIT,
    maxRssMiB: faultScale(BASE_RSS_MiB, BASE_RSS_MiB + 2 * 64),
    check(report) {
      const framing = checkOf(report, 'stream.framing');
      expect(framing.status).toBe('fail');
      expect(framing.findings[0]?.message).toContain('frame larger than the');
      const limit = NEVER_ENDING_LIMIT.length > 0 ? 4 * MiB : 64 * MiB;
      expect((framing.findings[0]?.evidence as { undecodedBytes: number }).undecodedBytes).toBeGreaterThan(limit);
      expect(report.streams[0]).toMatchObject({ closeReason: 'client-abort' });
    },
  },
  {
    name: `${(GARBAGE_BYTES / MiB).toFixed(0)} MiB of garbage`,
    behaviour: async (res, signal) => {
      watchHead(res);
      for (const chunk of garbage.chunks) await write(res, chunk, signal);
    },
    windowS: 120,
    maxRssMiB: BASE_RSS_MiB,
    check(report) {
      const framing = checkOf(report, 'stream.framing');
      expect(framing.status).toBe('fail');
      expect(framing.findings[0]?.evidence).toMatchObject({ count: garbage.lines });
      expect(framing.findings[0]?.message).toContain('(the first 100 recorded, the rest counted)');
      expect(report.streams[0]?.eventCounts.malformed).toBe(garbage.lines);
    },
  },
  {
    name: 'close mid-frame',
    behaviour: async (res, signal) => {
      watchHead(res);
      await write(res, event('whole', '101'), signal);
      await write(res, event('cut', '102').slice(0, 40), signal);
    },
    windowS: 60,
    maxRssMiB: BASE_RSS_MiB,
    check(report) {
      const framing = checkOf(report, 'stream.framing');
      expect(framing.status).toBe('fail');
      expect(framing.findings[0]?.message).toContain('truncated frame at end of stream');
      expect(report.streams[0]).toMatchObject({ closeReason: 'server-eof' });
      expect(report.streams[0]?.eventCounts.ADDED).toBe(1);
    },
  },
  {
    name: 'a 20 MB event (under the default 64 MiB limit)',
    behaviour: async (res, signal) => {
      watchHead(res);
      await write(res, EVENT_20MB, signal);
      await write(res, event('after', '102'), signal);
    },
    windowS: 60,
    maxRssMiB: BASE_RSS_MiB + 5 * 20, // chunks, the joined frame, its text and the parsed object
    check(report) {
      expect(checkOf(report, 'stream.framing').status).toBe('pass');
      expect(report.streams[0]).toMatchObject({ closeReason: 'server-eof' });
      expect(report.streams[0]?.eventCounts.ADDED).toBe(2);
    },
  },
  {
    name: 'a 20 MB event over --max-frame-size 16Mi',
    behaviour: async (res, signal) => {
      watchHead(res);
      await write(res, EVENT_20MB, signal);
      await write(res, event('after', '102'), signal);
    },
    windowS: 60,
    extraArgs: ['--max-frame-size', '16Mi'],
    maxRssMiB: BASE_RSS_MiB + 2 * 16,
    check(report) {
      const framing = checkOf(report, 'stream.framing');
      expect(framing.status).toBe('fail');
      expect(framing.findings[0]?.evidence).toMatchObject({ count: 1, undecodedBytes: Buffer.byteLength(EVENT_20MB) + Buffer.byteLength(event('after', '102')) });
      expect(report.streams[0]).toMatchObject({ closeReason: 'server-eof' });
      expect(report.streams[0]?.eventCounts.ADDED).toBe(0);
    },
  },
  {
    name: '1 byte/s',
    behaviour: async (res, signal) => {
      watchHead(res);
      for (const byte of Buffer.from(event('slow', '101'))) {
        if (signal.aborted) break;
        await write(res, Buffer.of(byte), signal);
        await pause(1000, signal);
      }
      return 'keep-open';
    },
    maxRssMiB: BASE_RSS_MiB,
    check(report) {
      // The window ends long before the frame does: an unfinished frame cut by watchmark is not the server's fault.
      expect(checkOf(report, 'stream.framing').status).toBe('pass');
      expect(report.streams[0]).toMatchObject({ closeReason: 'client-abort' });
      expect(report.streams[0]?.eventCounts.ADDED).toBe(0);
    },
  },
  {
    name: 'never closing (an event every 100 ms)',
    behaviour: async (res, signal) => {
      watchHead(res);
      for (let rv = 101; !signal.aborted; rv++) {
        await write(res, event(`cm-${rv}`, String(rv)), signal);
        await pause(100, signal);
      }
      return 'keep-open';
    },
    maxRssMiB: BASE_RSS_MiB,
    check(report) {
      expect(checkOf(report, 'stream.framing').status).toBe('pass');
      expect(report.streams[0]).toMatchObject({ closeReason: 'client-abort' });
      expect(report.streams[0]?.eventCounts.ADDED).toBeGreaterThan(5);
    },
  },
];

describe(`watchmark observe against misbehaving servers (${WINDOW_S} s window, CLI subprocess, peak RSS measured)`, () => {
  // One at a time: the servers share this process's event loop, and a full-speed writer or a
  // 20 MB string would slow the other cases' servers (and the 2 cores are shared).
  it.each(CASES)('$name', async (fault) => {
    await using server = await startMisbehavingServer(fault.behaviour);
    const windowS = fault.windowS ?? WINDOW_S;
    const wallBoundMs = windowS * 1000 + 20_000;
    const result = await runCliMeasured(['observe', 'configmaps', '--server', server.url, '--duration', `${windowS}s`, '--json', '-', ...(fault.extraArgs ?? [])], {
      timeoutMs: wallBoundMs + 10_000,
    });
    console.log(
      `misbehaving server: ${fault.name}: exit ${result.code}, wall ${(result.wallMs / 1000).toFixed(1)} s (bound ${wallBoundMs / 1000} s), ` +
        `peak RSS ${result.peakRssMiB.toFixed(0)} MiB (bound ${fault.maxRssMiB} MiB)`,
    );
    expect(result.signal, result.stderr).toBeNull();
    expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
    const report = JSON.parse(result.stdout) as Report;
    fault.check(report, result);
    // observe exits 1 on a fail finding; every case here fails stream.framing or nothing.
    expect(result.code).toBe(report.verdict === 'fail' ? 1 : 0);
    expect(report.verdict).toBe(checkOf(report, 'stream.framing').status === 'fail' ? 'fail' : 'pass');
    expect(server.watches).toBe(1);
    expect(result.wallMs).toBeLessThan(wallBoundMs);
    expect(result.peakRssMiB).toBeLessThan(fault.maxRssMiB);
  }, 180_000); // above every case's wall bound plus the kill margin (the window is 120 s at most)
});
