import { describe, expect, it } from 'vitest';
import { plainWatchStream, stream, watchListStream } from '../../test/support/timeline-builder.js';
import type { StreamRecord } from '../record/timeline.js';
import { initialProgress, reduce, type ProgressState } from './model.js';
import { renderProgressBlock, renderProgressLine } from './render.js';

const ANSI = /\x1b\[/;

/** Observe phase from 2 s, window 16 s (max 30 s), then the streams' entries shifted by 2 s. */
function observing(streams: StreamRecord[]): ProgressState {
  let state = reduce({ ...initialProgress, phaseSinceMs: 0 }, { kind: 'phase', atMs: 2_000, phase: 'observe', detail: `${streams.length} streams for 16 s` });
  state = reduce(state, { kind: 'window', startMs: 2_000, windowMs: 16_000, maxWindowMs: 30_000, streams: streams.map((s) => ({ id: s.id, options: s.request.options })) });
  for (const s of streams) for (const entry of s.entries) state = reduce(state, { kind: 'entry', streamId: s.id, entry: { ...entry, atMs: entry.atMs + 2_000 } });
  return state;
}

const streams = () => [
  watchListStream('watch-list#1').response(5).added(6, 'a', '1').build(),
  watchListStream('watch-list#2').response(5).added(6, 'a', '1').endBookmark(21, '1').build(),
  plainWatchStream('watch#1').response(3).bookmark(8_000, '2').close(10_000).build(),
  stream('resume#1').close(5_000, 'not-opened', { code: 'WM_NOT_OPENED', message: 'no RV' }).build(),
];

describe('progress renderers', () => {
  it('draws the block: phase and time left, streams, events, initial-events-end moments, nothing certain yet', () => {
    expect(renderProgressBlock(observing(streams()), 12_000, { width: 120, color: false })).toEqual([
      'watchmark  observe  10 s of 16 s · 6 s left',
      '  streams             2 open · 1 closed · 1 not opened',
      '  events              2 events · 2 bookmarks',
      '  initial-events-end  watch-list#1 waiting 9 s · watch-list#2 16 ms',
      '  so far              nothing certain to report yet',
    ]);
  });

  it('after the window: what it still waits for, and the bookmark-expired warnings client-go has logged by now', () => {
    const block = renderProgressBlock(observing(streams()), 25_000, { width: 200, color: false });
    expect(block[0]).toBe('watchmark  observe  23 s · window 16 s over · waiting up to 7 s for 1 end bookmark');
    // Response at 2.005 s, last event at 2.006 s: the 20 s tick (22.005 s) warned, the 10 s tick did not.
    expect(block[4]).toBe('  so far              ! 1× "Warning: event bookmark expired" in client-go v0.35+ (watch-list#1)');
  });

  it('keeps every line inside the terminal width (no wrapping), colours included', () => {
    for (const color of [false, true]) {
      const block = renderProgressBlock(observing(streams()), 25_000, { width: 40, color });
      for (const line of block) expect(line.replace(/\x1b\[[0-9;]*m/g, '').length).toBeLessThanOrEqual(39);
      expect(block.some((line) => ANSI.test(line))).toBe(color);
    }
  });

  it('shows the setup phase with its detail before the window opens', () => {
    const state = reduce({ ...initialProgress, phaseSinceMs: 0 }, { kind: 'phase', atMs: 1_000, phase: 'setup', detail: 'seeding 3 configmaps' });
    expect(renderProgressBlock(state, 2_500, { width: 80, color: false })).toEqual(['watchmark  setup  1 s · seeding 3 configmaps']);
    expect(renderProgressLine(state, 2_500)).toBe('watchmark: setup 1 s (seeding 3 configmaps)');
  });

  it('prints the plain line without colours, with the findings in full', () => {
    expect(renderProgressLine(observing(streams()), 12_000)).toBe('watchmark: observe 10/16 s: 2 streams open, 1 closed, 1 not opened, 2 events, 2 bookmarks');
    const late = renderProgressLine(observing(streams()), 25_000);
    expect(late).toBe(
      'watchmark: observe 23 s (window 16 s over, waiting up to 7 s for the initial-events-end bookmark of watch-list#1): ' +
        '2 streams open, 1 closed, 1 not opened, 2 events, 2 bookmarks; so far: client-go v0.35+ would have logged ' +
        '"Warning: event bookmark expired" 1× (watch-list#1: no initial-events-end bookmark 22 s after the response)',
    );
    expect(late).not.toMatch(ANSI);
  });

  it('names unrequested bookmarks and failed writes as certain findings', () => {
    let state = observing([stream('watch-no-bookmarks#1', { resourceVersion: '100' }).response(1).bookmark(50, '101').bookmark(60, '102').build()]);
    state = reduce(state, { kind: 'write-error', message: 'boom' });
    expect(renderProgressLine(state, 3_000)).toBe(
      'watchmark: observe 1/16 s: 1 stream open, 0 events, 2 bookmarks; so far: 2 BOOKMARKs on watches that did not ask for bookmarks (bookmark.unrequested); 1 workload write failed',
    );
  });
});
