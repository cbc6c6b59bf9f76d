import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import type { TimelineEntry } from '../record/timeline.js';
import { ManualScheduler } from '../scheduler.js';
import { screen } from '../../test/support/terminal-screen.js';
import { LiveProgress, progressModeFor, type ProgressMode } from './live-progress.js';

/** A stream that records each write with the fake time it happened at. */
function fakeStream(clock: FakeClock, columns = 100) {
  const writes: Array<{ atMs: number; text: string }> = [];
  const stream = {
    columns,
    write(chunk: string | Uint8Array): boolean {
      writes.push({ atMs: clock.nowMs(), text: String(chunk) });
      return true;
    },
  } as unknown as NodeJS.WritableStream & { columns: number };
  return { stream, writes, text: () => writes.map((w) => w.text).join('') };
}

function setup(mode: ProgressMode) {
  const clock = new FakeClock(0);
  const scheduler = new ManualScheduler(clock);
  const out = fakeStream(clock);
  const progress = new LiveProgress({ mode, stream: out.stream, clock, scheduler, color: false });
  return { clock, scheduler, out, progress };
}

const response = (atMs: number): TimelineEntry => ({ kind: 'response', atMs, status: 200, httpVersion: '1.1', contentType: 'application/json', headers: {} });
const event = (atMs: number, seq: number, type = 'ADDED'): TimelineEntry => ({ kind: 'event', atMs, seq, type, object: { metadata: { resourceVersion: String(seq) } }, bytes: 50 });

function openWindow(p: LiveProgress, clock: FakeClock, streams: number, windowMs = 16_000): void {
  p.listener.onPhase('observe', `${streams} streams for ${windowMs / 1000} s`);
  p.listener.onWindow({
    startMs: clock.nowMs(),
    windowMs,
    maxWindowMs: 30_000,
    streams: Array.from({ length: streams }, (_, i) => ({ id: `watch#${i + 1}`, openAtMs: 0, options: { allowWatchBookmarks: true } })),
  });
}

describe('LiveProgress', () => {
  it('auto picks the block for a terminal and plain lines otherwise', () => {
    expect(progressModeFor('auto', { isTTY: true })).toBe('tty');
    expect(progressModeFor('auto', {})).toBe('plain');
    expect(progressModeFor('none', { isTTY: true })).toBe('none');
    expect(progressModeFor('tty', {})).toBe('tty');
  });

  it('tty: redraws at most once per 100 ms of fake time however many events arrive, and shows the latest counts', () => {
    const { clock, scheduler, out, progress } = setup('tty');
    openWindow(progress, clock, 1);
    progress.listener.onEntry('watch#1', response(clock.nowMs()));
    let seq = 0;
    // 5000 events over 1 s: 5 per fake millisecond.
    for (let ms = 0; ms < 1_000; ms++) {
      for (let k = 0; k < 5; k++) progress.listener.onEntry('watch#1', event(clock.nowMs(), seq++));
      scheduler.advance(1);
    }
    const draws = out.writes.filter((w) => w.atMs > 0);
    expect(draws.length).toBeGreaterThanOrEqual(9);
    expect(draws.length).toBeLessThanOrEqual(10);
    for (let i = 1; i < draws.length; i++) expect(draws[i]!.atMs - draws[i - 1]!.atMs).toBeGreaterThanOrEqual(100);
    scheduler.advance(100);
    expect(screen(out.text())).toContain('  events              5000 events · 0 bookmarks');
    // Nothing changed but the clock: rewritten only when the text changes (the countdown, once a second).
    const before = out.writes.length;
    scheduler.advance(999);
    expect(out.writes.length - before).toBeLessThanOrEqual(1);
    progress.stop();
  });

  it('tty: rewrites one block in place; log lines go above it; stop erases it before the report', () => {
    const { clock, scheduler, out, progress } = setup('tty');
    progress.log('watchmark: started the embedded API server');
    progress.listener.onPhase('setup', 'seeding 3 configmaps');
    progress.log('watchmark: setup: seeding 3 configmaps');
    scheduler.advance(500);
    openWindow(progress, clock, 2);
    progress.log('watchmark: observe: 2 streams for 16 s');
    progress.listener.onEntry('watch#1', response(clock.nowMs()));
    progress.listener.onEntry('watch#1', event(clock.nowMs(), 0, 'BOOKMARK'));
    scheduler.advance(4_000);
    expect(screen(out.text())).toEqual([
      'watchmark: started the embedded API server',
      'watchmark: setup: seeding 3 configmaps',
      'watchmark: observe: 2 streams for 16 s',
      'watchmark  observe  4 s of 16 s · 12 s left',
      '  streams             1 open · 0 closed · 1 pending',
      '  events              0 events · 1 bookmark',
      '  so far              nothing certain to report yet',
    ]);
    expect(out.text()).toMatch(/\x1b\[\d+A\x1b\[J/);

    progress.stop();
    out.stream.write('REPORT\n');
    scheduler.advance(10_000);
    progress.listener.onEntry('watch#1', event(clock.nowMs(), 1));
    scheduler.advance(10_000);
    expect(screen(out.text())).toEqual([
      'watchmark: started the embedded API server',
      'watchmark: setup: seeding 3 configmaps',
      'watchmark: observe: 2 streams for 16 s',
      'REPORT',
    ]);
    expect(scheduler.pending()).toBe(0);
  });

  it('tty: after detach (someone else wrote below the block) the next block is drawn below, not over their line', () => {
    const { clock, scheduler, out, progress } = setup('tty');
    openWindow(progress, clock, 1);
    scheduler.advance(100);
    out.stream.write('watchmark: SIGINT received, stopping and cleaning up\n');
    progress.detach();
    progress.listener.onPhase('cleanup', 'removing what the workload created');
    scheduler.advance(100);
    const shown = screen(out.text());
    const notice = shown.indexOf('watchmark: SIGINT received, stopping and cleaning up');
    expect(shown[0]).toMatch(/^watchmark {2}observe/);
    expect(notice).toBeGreaterThan(0);
    expect(shown[notice + 1]).toMatch(/^watchmark {2}cleanup/);
    progress.stop();
  });

  it('plain: one line every 10 s counted from the window start, no escape codes', () => {
    const { clock, scheduler, out, progress } = setup('plain');
    scheduler.advance(3_000);
    openWindow(progress, clock, 15);
    for (let i = 1; i <= 15; i++) progress.listener.onEntry(`watch#${i}`, response(clock.nowMs()));
    let seq = 0;
    for (let i = 0; i < 412; i++) progress.listener.onEntry(`watch#${(i % 15) + 1}`, event(clock.nowMs(), seq++));
    for (let i = 0; i < 9; i++) progress.listener.onEntry('watch#1', event(clock.nowMs(), seq++, 'BOOKMARK'));
    scheduler.advance(9_999);
    expect(out.text()).toBe('');
    scheduler.advance(1);
    expect(out.text()).toBe('watchmark: observe 10/16 s: 15 streams open, 412 events, 9 bookmarks\n');
    scheduler.advance(10_000);
    expect(out.writes).toHaveLength(2);
    progress.log('watchmark: cleanup: removing what the workload created');
    progress.stop();
    scheduler.advance(60_000);
    expect(out.writes).toHaveLength(3);
    expect(out.text()).not.toMatch(/\x1b/);
  });

  it('none: only the log lines, no timer', () => {
    const { scheduler, out, progress } = setup('none');
    progress.log('watchmark: setup: seeding 3 configmaps');
    expect(scheduler.pending()).toBe(0);
    scheduler.advance(60_000);
    expect(out.text()).toBe('watchmark: setup: seeding 3 configmaps\n');
  });
});
