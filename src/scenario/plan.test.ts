import { describe, expect, it } from 'vitest';
import { isWatchListRequest } from '../record/requests.js';
import { defaultSuitePlan } from './default-suite.js';
import { streamDeadlineMs, type SuitePlan, type WriteStep } from './plan.js';

// The default suites: the built-in scenario files (scenarios/*.yaml) compiled into plans.
const quick = defaultSuitePlan({ quick: true });
const full = defaultSuitePlan({ quick: false });
const NO_MATCH_SELECTOR = 'watchmark.io/no-such-label=true';

/**
 * Plain WATCHes that ask for bookmarks (no watch-list parameters): the ones kube-apiserver sends a
 * deadline bookmark on, 2 s before their timeoutSeconds. Not the expired-role ones: kube-apiserver
 * ends those at once with 410.
 */
function deadlineBookmarkWatches(plan: SuitePlan) {
  return plan.streams.filter(
    (s) =>
      s.options.allowWatchBookmarks === true &&
      s.options.sendInitialEvents === undefined &&
      s.options.resourceVersionMatch === undefined &&
      s.role !== 'expired',
  );
}

/**
 * Why the writes must come early: kube-apiserver's cacher delivers a bookmark to a watcher only
 * when the bookmark RV is newer than the RV the watch started from (cache_watcher.go process():
 * `event.ResourceVersion > resourceVersion`), i.e. only if some write advanced the RV. The
 * deadline bookmark is scheduled 2 s before timeoutSeconds (cache_watcher.go nextBookmarkTime);
 * writing at least 4 s before the deadline leaves another 2 s for the write to reach the cache.
 * Only writes after the watch opened count: events replayed from history move the watch's start RV
 * too (cache_watcher.go: the start RV is the max of the requested RV and the replayed events').
 * Returns one line per violation: a bookmark watch that sees no write at all, or a write it sees
 * less than 4 s before its deadline.
 */
function lateWrites(plan: SuitePlan): string[] {
  const problems: string[] = [];
  for (const s of deadlineBookmarkWatches(plan)) {
    const deadlineMs = streamDeadlineMs(s);
    const seen = plan.writes.filter((w) => w.atMs > (s.openAtMs ?? 0) && w.atMs < deadlineMs);
    if (seen.length === 0) problems.push(`${s.id}: no write before its deadline`);
    for (const w of seen) {
      if (deadlineMs - w.atMs < 4_000) problems.push(`${s.id}: ${w.verb} at ${w.atMs} ms is ${deadlineMs - w.atMs} ms before the deadline`);
    }
  }
  return problems;
}

/**
 * Replays the schedule the way run-suite.ts runWrites does (array order; each scenario's objects
 * 0..seeds-1 exist before the streams open, each of its creates appends one) and returns every
 * step that is out of time order or updates/deletes an object of its scenario not created yet or
 * already deleted.
 */
function scheduleProblems(plan: SuitePlan): string[] {
  const problems: string[] = [];
  const created = new Map(plan.seeds.map((s) => [s.scenario, s.objects]));
  const deleted = new Map<string, Set<number>>();
  let previousAtMs = -Infinity;
  for (const w of plan.writes) {
    const where = `${w.scenario}: ${w.verb} at ${w.atMs} ms`;
    if (w.atMs < previousAtMs) problems.push(`${where}: before the step listed ahead of it`);
    previousAtMs = w.atMs;
    const gone = deleted.get(w.scenario) ?? new Set<number>();
    deleted.set(w.scenario, gone);
    if (w.verb === 'create') {
      if (w.target !== undefined) problems.push(`${where}: a create names a target`);
      created.set(w.scenario, (created.get(w.scenario) ?? 0) + 1);
      continue;
    }
    if (w.target === undefined || w.target < 0) problems.push(`${where}: no target`);
    else if (w.target >= (created.get(w.scenario) ?? 0)) problems.push(`${where}: object ${w.target} is not created yet`);
    else if (gone.has(w.target)) problems.push(`${where}: object ${w.target} was deleted`);
    else if (w.verb === 'delete') gone.add(w.target);
  }
  return problems;
}

/** The plan with every short (10 s) watch given another timeoutSeconds. */
function withShortTimeout(plan: SuitePlan, seconds: number): SuitePlan {
  return {
    ...plan,
    streams: plan.streams.map((s) => (s.options.timeoutSeconds === 10 ? { ...s, options: { ...s.options, timeoutSeconds: seconds } } : s)),
  };
}

const withWrites = (plan: SuitePlan, writes: WriteStep[]): SuitePlan => ({ ...plan, writes });

describe('the default suite (built-in scenarios)', () => {
  it('observes a healthy server for at most 20 s in quick mode, and longer in full mode', () => {
    expect(quick.quick).toBe(true);
    expect(quick.windowMs).toBeLessThanOrEqual(20_000);
    expect(full.quick).toBe(false);
    expect(full.windowMs).toBeGreaterThan(quick.windowMs);
    for (const plan of [quick, full]) {
      // Every stream but the watch-list one ends by its own timeoutSeconds inside the window, so
      // its deadline bookmark and the server's close are observed. Expired-role streams are
      // answered at once (410, or the replay of what the server still has): they only need to
      // open at least 1 s before the window ends.
      for (const s of plan.streams.filter((x) => !isWatchListRequest(x.options) && x.role !== 'expired')) {
        expect(plan.windowMs, s.id).toBeGreaterThan(streamDeadlineMs(s));
      }
      for (const s of plan.streams.filter((x) => x.role === 'expired')) {
        expect(plan.windowMs - (s.openAtMs ?? 0), s.id).toBeGreaterThanOrEqual(2_000);
      }
    }
    expect(full.watchListMaxWindowMs).toBeGreaterThan(quick.watchListMaxWindowMs);
    // The watch-list cap must outlast client-go's 20 s reflector tick (plan.ts, watchListMaxWindowMs).
    expect(quick.watchListMaxWindowMs).toBeGreaterThan(20_000);
  });

  it('adds the 70 s long watch only in full mode', () => {
    const quickIds = quick.streams.map((s) => s.id);
    expect(quickIds).toEqual(expect.arrayContaining(['watch-list#1', 'watch#1', 'watch-no-bookmarks#1', 'legacy-watch#1', 'selector-watch#1']));
    expect(full.streams.map((s) => s.id).filter((id) => !quickIds.includes(id))).toEqual(['long-watch#1', 'expired-aged#1']);
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
    expect(lateWrites(withWrites(quick, [...quick.writes, { atMs: 7_000, verb: 'create', scenario: 'watch' }]))).toEqual(
      expect.arrayContaining([
        'watch#1: create at 7000 ms is 3000 ms before the deadline',
        'legacy-watch#1: create at 7000 ms is 3000 ms before the deadline',
        'selector-watch#1: create at 7000 ms is 3000 ms before the deadline',
      ]),
    );
    expect(lateWrites(withWrites(quick, []))).toContain('watch#1: no write before its deadline');
    // A shorter watch timeout than the built-in 10 s moves the deadline onto the schedule.
    expect(lateWrites(withShortTimeout(quick, 6))).not.toEqual([]);
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

  it('opens watch-list streams with the options of a client-go v0.35 reflector, outlasting the end-bookmark wait', () => {
    for (const plan of [quick, full]) {
      const watchLists = plan.streams.filter((s) => isWatchListRequest(s.options));
      // The informer start, the source of the resume-from-bookmark watch, and selector informers' starts.
      expect(watchLists.map((s) => s.id).sort()).toEqual(['resume-source-list#1', 'selector-watch-list#1', 'selector-watch-list-baseline#1', 'selector-watch-list-none#1', 'watch-list#1']);
      const selectors: Record<string, string> = {
        'selector-watch-list#1': 'watchmark.io/group=a',
        'selector-watch-list-none#1': 'watchmark.io/no-such-label=true',
      };
      for (const wl of watchLists) {
        // client-go tools/cache/reflector.go watchList(): ResourceVersion lastKnownRV ("" at start),
        // AllowWatchBookmarks true, SendInitialEvents true, ResourceVersionMatch NotOlderThan, and a
        // TimeoutSeconds (client-go draws 5-10 min; watchmark uses a bounded one); the informer's
        // label selector, if it has one (tools/cache/listwatch.go NewFilteredListWatchFromClient).
        expect(wl.rv).toEqual({ kind: 'literal' });
        const labelSelector = selectors[wl.id];
        expect(wl.options).toEqual({
          sendInitialEvents: true,
          allowWatchBookmarks: true,
          resourceVersionMatch: 'NotOlderThan',
          timeoutSeconds: 120,
          ...(labelSelector ? { labelSelector } : {}),
        });
        // The server must not end a watch-list stream before watchmark stops waiting for it.
        expect(wl.options.timeoutSeconds! * 1000).toBeGreaterThanOrEqual(plan.watchListMaxWindowMs);
      }
      // The client-go verdicts read the stream of the scenario named watch-list (verdict/client-go-watch-list.ts).
      expect(watchLists.find((s) => s.id === 'watch-list#1')!.scenario).toBe('watch-list');
    }
  });

  it('has exactly one plain WATCH from the LIST RV without allowWatchBookmarks (the old client that must never get a BOOKMARK), and one from RV 0', () => {
    for (const plan of [quick, full]) {
      const without = plan.streams.filter((s) => !s.options.allowWatchBookmarks && !s.options.sendInitialEvents);
      expect(without.map((s) => s.id).sort()).toEqual(['late-rv0-watch#1', 'watch-no-bookmarks#1']);
      const fromList = without.find((s) => s.id === 'watch-no-bookmarks#1')!;
      expect(fromList.options).toEqual({ timeoutSeconds: 10 });
      expect(fromList.rv).toEqual({ kind: 'from-list' });
      expect(without.find((s) => s.id === 'late-rv0-watch#1')).toMatchObject({ rv: { kind: 'literal', value: '0' }, options: { timeoutSeconds: 8 } });
    }
  });

  it('watches from the LIST RV like client-go <= v0.34, plus RV=0 and a selector matching nothing', () => {
    const byId = new Map(quick.streams.map((s) => [s.id, s]));
    expect(byId.get('watch#1')).toMatchObject({ rv: { kind: 'from-list' }, options: { allowWatchBookmarks: true, timeoutSeconds: 10 } });
    expect(byId.get('legacy-watch#1')!.rv).toEqual({ kind: 'literal', value: '0' });
    expect(byId.get('selector-watch#1')!.options.labelSelector).toBe(NO_MATCH_SELECTOR);
    expect(quick.list).toEqual({ id: 'list#1', scenario: 'list' });
  });

  it('updates and deletes only objects created earlier in the schedule and not deleted since, in time order', () => {
    for (const seed of quick.seeds) expect(seed.updates, seed.scenario).toBeLessThanOrEqual(seed.objects);
    expect(scheduleProblems(quick)).toEqual([]);
    expect(scheduleProblems(full)).toEqual([]);
    // All three verbs happen, so ADDED, MODIFIED and DELETED are all observed.
    expect(new Set(quick.writes.map((w) => w.verb))).toEqual(new Set(['create', 'update', 'delete']));
  });

  it('scheduleProblems fires on a target not yet created, a deleted target and an out-of-order step', () => {
    const seeds = quick.seeds.find((x) => x.scenario === 'watch')!.objects;
    const objectsAfterQuick = seeds + quick.writes.filter((w) => w.scenario === 'watch' && w.verb === 'create').length;
    const w = (atMs: number, verb: WriteStep['verb'], target?: number): WriteStep => ({ atMs, verb, scenario: 'watch', ...(target === undefined ? {} : { target }) });
    expect(
      scheduleProblems(
        withWrites(quick, [
          w(500, 'update', seeds), // the first create comes later
          w(1_000, 'delete', 0),
          w(1_500, 'update', 0),
          w(1_200, 'create'),
          w(2_000, 'delete'),
        ]),
      ),
    ).toEqual([
      `watch: update at 500 ms: object ${seeds} is not created yet`,
      'watch: update at 1500 ms: object 0 was deleted',
      'watch: create at 1200 ms: before the step listed ahead of it',
      'watch: delete at 2000 ms: no target',
    ]);
    expect(scheduleProblems(withWrites(quick, [...quick.writes, w(5_000, 'update', objectsAfterQuick)]))).toEqual([
      `watch: update at 5000 ms: object ${objectsAfterQuick} is not created yet`,
    ]);
  });

  it('re-watches from an event RV and from the end-bookmark RV (role resume), with writes made while "closed"', () => {
    for (const plan of [quick, full]) {
      const resume = plan.streams.filter((s) => s.role === 'resume');
      expect(resume.map((s) => [s.id, s.scenario, s.rv, s.openAtMs])).toEqual([
        ['resume-from-event#1', 'watch-resume', { kind: 'from-stream', stream: 'resume-source#1', of: 'event', atMs: 2_200 }, 3_200],
        ['resume-from-bookmark#1', 'watch-resume', { kind: 'from-stream', stream: 'resume-source-list#1', of: 'bookmark', atMs: 1_200 }, 1_200],
      ]);
      for (const s of resume) {
        expect(s.options).toEqual({ allowWatchBookmarks: true, timeoutSeconds: 10 });
        const rv = s.rv;
        if (rv.kind !== 'from-stream') throw new Error(`${s.id}: not from a stream`);
        // The source opens at once and is still open when the RV is taken, which is no later than the resume opens.
        const source = plan.streams.find((x) => x.id === rv.stream)!;
        expect(source.openAtMs ?? 0).toBe(0);
        expect(rv.atMs).toBeLessThanOrEqual(s.openAtMs!);
        expect(streamDeadlineMs(source)).toBeGreaterThan(s.openAtMs!);
        // A write after the RV was taken (so it is above it) and before the resume opens: it must come from history.
        expect(plan.writes.some((w) => w.atMs > rv.atMs + 200 && w.atMs < s.openAtMs! - 100), s.id).toBe(s.id === 'resume-from-event#1');
        // And live writes after it opened.
        expect(plan.writes.some((w) => w.atMs > s.openAtMs! + 100)).toBe(true);
      }
      // The event RV is taken after some writes were delivered on resume-source#1.
      expect(plan.writes.filter((w) => w.atMs < 2_200).length).toBeGreaterThan(0);
    }
  });

  it('watches from RV 1 and, in full mode, from the first seed write 80 s later (role expired)', () => {
    const expiredOf = (plan: SuitePlan) => plan.streams.filter((s) => s.role === 'expired').map((s) => [s.id, s.scenario, s.rv, s.openAtMs ?? 0, s.options]);
    const rv1 = ['expired-rv#1', 'watch-expired', { kind: 'literal', value: '1' }, 0, { allowWatchBookmarks: true, timeoutSeconds: 5 }];
    expect(expiredOf(quick)).toEqual([rv1]);
    expect(expiredOf(full)).toEqual([['expired-aged#1', 'watch-expired-aged', { kind: 'from-write', index: 0 }, 80_000, { allowWatchBookmarks: true, timeoutSeconds: 5 }], rv1]);
    // Write 0 is the first seed create (seeds are written first), 80 s before: past the embedded server's 75 s history.
    expect(full.seeds[0]!.objects).toBeGreaterThan(0);
    expect(full.windowMs).toBe(82_000);
    expect(quick.windowMs).toBe(16_000);
  });
});
