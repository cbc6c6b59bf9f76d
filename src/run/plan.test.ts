import { describe, expect, it } from 'vitest';
import { isWatchListRequest } from '../record/derive.js';
import { NO_MATCH_SELECTOR, planDefaultSuite, type SuitePlan, type WriteStep } from './plan.js';

const quick = planDefaultSuite({ quick: true });
const full = planDefaultSuite({ quick: false });

/**
 * Plain WATCHes that ask for bookmarks (no watch-list parameters): the ones kube-apiserver sends a
 * deadline bookmark on, 2 s before their timeoutSeconds.
 */
function deadlineBookmarkWatches(plan: SuitePlan) {
  return plan.streams.filter(
    (s) => s.options.allowWatchBookmarks === true && s.options.sendInitialEvents === undefined && s.options.resourceVersionMatch === undefined,
  );
}

/**
 * Why the writes must come early: kube-apiserver's cacher delivers a bookmark to a watcher only
 * when the bookmark RV is newer than the RV the watch started from (cache_watcher.go process():
 * `event.ResourceVersion > resourceVersion`), i.e. only if some write advanced the RV. The
 * deadline bookmark is scheduled 2 s before timeoutSeconds (cache_watcher.go nextBookmarkTime);
 * writing at least 4 s before the deadline leaves another 2 s for the write to reach the cache.
 * Returns one line per violation: a bookmark watch that sees no write at all, or a write it sees
 * less than 4 s before its deadline.
 */
function lateWrites(plan: SuitePlan): string[] {
  const problems: string[] = [];
  for (const s of deadlineBookmarkWatches(plan)) {
    const deadlineMs = s.options.timeoutSeconds! * 1000;
    const seen = plan.writes.filter((w) => w.atMs < deadlineMs);
    if (seen.length === 0) problems.push(`${s.id}: no write before its deadline`);
    for (const w of seen) {
      if (deadlineMs - w.atMs < 4_000) problems.push(`${s.id}: ${w.verb} at ${w.atMs} ms is ${deadlineMs - w.atMs} ms before the deadline`);
    }
  }
  return problems;
}

/**
 * Replays the schedule the way run-suite.ts runWrites does (array order; objects 0..seedObjects-1
 * exist before the streams open, each create appends one) and returns every step that is out of
 * time order or updates/deletes an object not created yet or already deleted.
 */
function scheduleProblems(plan: SuitePlan): string[] {
  const problems: string[] = [];
  let created = plan.seedObjects;
  const deleted = new Set<number>();
  let previousAtMs = -Infinity;
  for (const w of plan.writes) {
    const where = `${w.verb} at ${w.atMs} ms`;
    if (w.atMs < previousAtMs) problems.push(`${where}: before the step listed ahead of it`);
    previousAtMs = w.atMs;
    if (w.verb === 'create') {
      if (w.target !== undefined) problems.push(`${where}: a create names a target`);
      created++;
      continue;
    }
    if (w.target === undefined || w.target < 0) problems.push(`${where}: no target`);
    else if (w.target >= created) problems.push(`${where}: object ${w.target} is not created yet`);
    else if (deleted.has(w.target)) problems.push(`${where}: object ${w.target} was deleted`);
    else if (w.verb === 'delete') deleted.add(w.target);
  }
  return problems;
}

const withWrites = (plan: SuitePlan, writes: WriteStep[]): SuitePlan => ({ ...plan, writes });

describe('planDefaultSuite', () => {
  it('observes a healthy server for at most 20 s in quick mode, and longer in full mode', () => {
    expect(quick.quick).toBe(true);
    expect(quick.windowMs).toBeLessThanOrEqual(20_000);
    expect(full.quick).toBe(false);
    expect(full.windowMs).toBeGreaterThan(quick.windowMs);
    for (const plan of [quick, full]) {
      // Every stream but the watch-list one ends by its own timeoutSeconds inside the window, so
      // its deadline bookmark and the server's close are observed.
      for (const s of plan.streams.filter((x) => !isWatchListRequest(x.options))) {
        expect(plan.windowMs, s.id).toBeGreaterThan(s.options.timeoutSeconds! * 1000);
      }
    }
    expect(full.watchListMaxWindowMs).toBeGreaterThan(quick.watchListMaxWindowMs);
    // The watch-list cap must outlast client-go's 20 s reflector tick (plan.ts, watchListMaxWindowMs).
    expect(quick.watchListMaxWindowMs).toBeGreaterThan(20_000);
  });

  it('adds the 70 s long watch only in full mode', () => {
    const quickIds = quick.streams.map((s) => s.id);
    expect(quickIds).toEqual(expect.arrayContaining(['watch-list#1', 'watch#1', 'watch-no-bookmarks#1', 'legacy-watch#1', 'selector-watch#1']));
    expect(full.streams.map((s) => s.id).filter((id) => !quickIds.includes(id))).toEqual(['long-watch#1']);
    expect(full.streams.find((s) => s.id === 'long-watch#1')!.options).toEqual({ allowWatchBookmarks: true, timeoutSeconds: 70 });
    for (const plan of [quick, full]) expect(new Set(plan.streams.map((s) => s.id)).size).toBe(plan.streams.length);
  });

  it('writes at least 4 s before the deadline of every bookmark watch that sees them', () => {
    expect(deadlineBookmarkWatches(quick).map((s) => s.id)).toEqual(expect.arrayContaining(['watch#1', 'legacy-watch#1', 'selector-watch#1']));
    expect(lateWrites(quick)).toEqual([]);
    expect(lateWrites(full)).toEqual([]);
    // All quick-mode writes fall inside the short watches' life.
    const earliestDeadlineMs = Math.min(...deadlineBookmarkWatches(quick).map((s) => s.options.timeoutSeconds! * 1000));
    expect(quick.writes.every((w) => w.atMs <= earliestDeadlineMs - 4_000)).toBe(true);
  });

  it('lateWrites fires on a write too close to a deadline and on a watch no write reaches', () => {
    expect(lateWrites(withWrites(quick, [...quick.writes, { atMs: 7_000, verb: 'create' }]))).toEqual([
      'watch#1: create at 7000 ms is 3000 ms before the deadline',
      'legacy-watch#1: create at 7000 ms is 3000 ms before the deadline',
      'selector-watch#1: create at 7000 ms is 3000 ms before the deadline',
    ]);
    expect(lateWrites(withWrites(quick, []))).toContain('watch#1: no write before its deadline');
    // A shorter watch timeout than the default moves the deadline onto the schedule.
    expect(lateWrites(planDefaultSuite({ quick: true, watchTimeoutSeconds: 6 }))).not.toEqual([]);
  });

  it('full mode also advances the RV for long-watch\'s periodic bookmark, after the short watches ended', () => {
    // kube-apiserver sends a periodic bookmark about every minute (cacher bookmarkFrequency), again
    // only when the RV moved; long-watch (70 s) needs a write between the short watches' end and ~56 s.
    const shortDeadlineMs = 10_000;
    const later = full.writes.filter((w) => w.atMs >= shortDeadlineMs);
    expect(later.length).toBeGreaterThan(0);
    expect(later.every((w) => w.atMs <= 60_000 - 4_000)).toBe(true);
    expect(quick.writes.filter((w) => w.atMs >= shortDeadlineMs)).toEqual([]);
  });

  it('has exactly one watch-list stream, with the options of a client-go v0.35 reflector', () => {
    for (const plan of [quick, full]) {
      const watchLists = plan.streams.filter((s) => isWatchListRequest(s.options));
      expect(watchLists.map((s) => s.id)).toEqual(['watch-list#1']);
      const wl = watchLists[0]!;
      // client-go tools/cache/reflector.go watchList(): ResourceVersion lastKnownRV ("" at start),
      // AllowWatchBookmarks true, SendInitialEvents true, ResourceVersionMatch NotOlderThan, and a
      // TimeoutSeconds (client-go draws 5-10 min; watchmark uses a bounded one). No selectors.
      expect(wl.rv).toEqual({ kind: 'literal' });
      expect(wl.options).toEqual({
        sendInitialEvents: true,
        allowWatchBookmarks: true,
        resourceVersionMatch: 'NotOlderThan',
        timeoutSeconds: plan.quick ? 60 : 120,
      });
      // The server must not end the watch-list stream before watchmark stops waiting for it.
      expect(wl.options.timeoutSeconds! * 1000).toBeGreaterThanOrEqual(plan.watchListMaxWindowMs);
    }
  });

  it('has exactly one plain WATCH without allowWatchBookmarks (the old client that must never get a BOOKMARK)', () => {
    for (const plan of [quick, full]) {
      const without = plan.streams.filter((s) => !s.options.allowWatchBookmarks && !s.options.sendInitialEvents);
      expect(without.map((s) => s.id)).toEqual(['watch-no-bookmarks#1']);
      expect(without[0]!.options).toEqual({ timeoutSeconds: 10 });
      expect(without[0]!.rv).toEqual({ kind: 'from-list' });
    }
  });

  it('watches from the LIST RV like client-go <= v0.34, plus RV=0 and a selector matching nothing', () => {
    const byId = new Map(quick.streams.map((s) => [s.id, s]));
    expect(byId.get('watch#1')).toMatchObject({ rv: { kind: 'from-list' }, options: { allowWatchBookmarks: true, timeoutSeconds: 10 } });
    expect(byId.get('legacy-watch#1')!.rv).toEqual({ kind: 'literal', value: '0' });
    expect(byId.get('selector-watch#1')!.options.labelSelector).toBe(NO_MATCH_SELECTOR);
    expect(quick.list).toEqual({ id: 'list#1', scenario: 'list' });
  });

  it('honours watchTimeoutSeconds for the short watches only', () => {
    const plan = planDefaultSuite({ quick: true, watchTimeoutSeconds: 12 });
    const short = plan.streams.filter((s) => ['watch#1', 'watch-no-bookmarks#1', 'legacy-watch#1', 'selector-watch#1'].includes(s.id));
    expect(short.map((s) => s.options.timeoutSeconds)).toEqual([12, 12, 12, 12]);
    expect(plan.streams.find((s) => s.id === 'watch-list#1')!.options.timeoutSeconds).toBe(60);
    expect(plan.windowMs).toBe(18_000);
  });

  it('updates and deletes only objects created earlier in the schedule and not deleted since, in time order', () => {
    expect(quick.seedUpdates).toBeLessThanOrEqual(quick.seedObjects);
    expect(scheduleProblems(quick)).toEqual([]);
    expect(scheduleProblems(full)).toEqual([]);
    // All three verbs happen, so ADDED, MODIFIED and DELETED are all observed.
    expect(new Set(quick.writes.map((w) => w.verb))).toEqual(new Set(['create', 'update', 'delete']));
  });

  it('scheduleProblems fires on a target not yet created, a deleted target and an out-of-order step', () => {
    const objectsAfterQuick = quick.seedObjects + quick.writes.filter((w) => w.verb === 'create').length;
    expect(
      scheduleProblems(
        withWrites(quick, [
          { atMs: 500, verb: 'update', target: quick.seedObjects }, // the first create comes later
          { atMs: 1_000, verb: 'delete', target: 0 },
          { atMs: 1_500, verb: 'update', target: 0 },
          { atMs: 1_200, verb: 'create' },
          { atMs: 2_000, verb: 'delete' },
        ]),
      ),
    ).toEqual([
      `update at 500 ms: object ${quick.seedObjects} is not created yet`,
      'update at 1500 ms: object 0 was deleted',
      'create at 1200 ms: before the step listed ahead of it',
      'delete at 2000 ms: no target',
    ]);
    expect(scheduleProblems(withWrites(quick, [...quick.writes, { atMs: 5_000, verb: 'update', target: objectsAfterQuick }]))).toEqual([
      `update at 5000 ms: object ${objectsAfterQuick} is not created yet`,
    ]);
  });
});
