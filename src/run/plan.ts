import type { WatchOptions } from '../record/timeline.js';

/**
 * The default suite as data: which streams to open, with which options, and which writes the
 * workload makes while they are open. Pure: the runner executes a plan, tests inspect it.
 *
 * Timings are chosen so a kube-apiserver-like server shows everything the checks look for
 * quickly: `timeoutSeconds: 10` watches get kube-apiserver's deadline bookmark at about 8 s
 * (cache_watcher.go nextBookmarkTime: "2s before the deadline"), and every write happens at
 * least 4 s before that deadline so the resource RV has advanced (the cacher delivers no
 * bookmark otherwise, cache_watcher.go process()).
 */

/** Where a stream's resourceVersion comes from. */
export type RvSource = { kind: 'literal'; value?: string } | { kind: 'from-list' };

export interface StreamPlan {
  id: string;
  scenario: string;
  /** Why this stream exists, for the report. */
  purpose: string;
  rv: RvSource;
  options: Omit<WatchOptions, 'resourceVersion'>;
}

export interface WriteStep {
  /** Offset from the moment the streams were opened. */
  atMs: number;
  verb: 'create' | 'update' | 'delete';
  /** Which created object (index in creation order) an update/delete targets. */
  target?: number;
}

export interface SuitePlan {
  quick: boolean;
  /** Objects created (and one of them updated) before any stream opens: the initial state. */
  seedObjects: number;
  seedUpdates: number;
  /** LIST resourceVersion=0&limit=500 as a client-go <= v0.34 informer does first. */
  list: { id: string; scenario: string };
  streams: StreamPlan[];
  writes: WriteStep[];
  /** How long the streams are observed after opening; streams still open then are closed by watchmark. */
  windowMs: number;
  /**
   * Watch-list streams that have not delivered the initial-events-end bookmark by windowMs are
   * observed until it arrives, at most this long: long enough to see the client-go reflector's
   * 10 s ticks fire (its first tick can only warn when no event came at all, so a warning about
   * silence after initial events needs the 20 s tick).
   */
  watchListMaxWindowMs: number;
}

export const NO_MATCH_SELECTOR = 'watchmark.io/no-such-label=true';

export function planDefaultSuite(opts: { quick: boolean; watchTimeoutSeconds?: number }): SuitePlan {
  const shortTimeout = opts.watchTimeoutSeconds ?? 10;
  const watchListTimeout = opts.quick ? 60 : 120;
  const bookmarks = { allowWatchBookmarks: true } as const;
  const streams: StreamPlan[] = [
    {
      id: 'watch-list#1',
      scenario: 'watch-list',
      purpose: 'client-go >= v0.35 informer start: watch-list, must end its initial events with the annotated bookmark',
      rv: { kind: 'literal' },
      options: { sendInitialEvents: true, allowWatchBookmarks: true, resourceVersionMatch: 'NotOlderThan', timeoutSeconds: watchListTimeout },
    },
    {
      id: 'watch#1',
      scenario: 'watch',
      purpose: 'client-go <= v0.34 informer: WATCH from the LIST resourceVersion with bookmarks; deadline bookmark expected',
      rv: { kind: 'from-list' },
      options: { ...bookmarks, timeoutSeconds: shortTimeout },
    },
    {
      id: 'watch-no-bookmarks#1',
      scenario: 'watch-no-bookmarks',
      purpose: 'old client: WATCH without allowWatchBookmarks; must never see a BOOKMARK',
      rv: { kind: 'from-list' },
      options: { timeoutSeconds: shortTimeout },
    },
    {
      id: 'legacy-watch#1',
      scenario: 'legacy-watch',
      purpose: 'WATCH from resourceVersion=0 with bookmarks (kube-apiserver >= 1.34 serves it as a watch-list)',
      rv: { kind: 'literal', value: '0' },
      options: { ...bookmarks, timeoutSeconds: shortTimeout },
    },
    {
      id: 'selector-watch#1',
      scenario: 'selector-watch',
      purpose: 'WATCH with a label selector matching nothing: bookmarks are not filtered by selectors',
      rv: { kind: 'from-list' },
      options: { ...bookmarks, timeoutSeconds: shortTimeout, labelSelector: NO_MATCH_SELECTOR },
    },
  ];
  // Validation parity (apiserver validation.go validateWatchOptions): two invalid watch-list
  // combinations kube-apiserver rejects with 422, and the valid one without bookmarks, which
  // streams the initial state but never sends the end bookmark (RunSendInitialEventsBackwardCompatibility).
  streams.push(
    {
      id: 'validation-no-rvm#1',
      scenario: 'validation-no-rvm',
      purpose: 'sendInitialEvents=true without resourceVersionMatch: kube-apiserver answers 422',
      rv: { kind: 'literal' },
      options: { sendInitialEvents: true, allowWatchBookmarks: true, timeoutSeconds: 5 },
    },
    {
      id: 'validation-rvm-only#1',
      scenario: 'validation-rvm-only',
      purpose: 'resourceVersionMatch=NotOlderThan without sendInitialEvents: kube-apiserver answers 422',
      rv: { kind: 'literal' },
      options: { resourceVersionMatch: 'NotOlderThan', allowWatchBookmarks: true, timeoutSeconds: 5 },
    },
    {
      id: 'watch-list-no-bookmarks#1',
      scenario: 'watch-list-no-bookmarks',
      purpose: 'sendInitialEvents=true without allowWatchBookmarks: accepted, initial state, no end bookmark',
      rv: { kind: 'literal' },
      options: { sendInitialEvents: true, resourceVersionMatch: 'NotOlderThan', timeoutSeconds: 5 },
    },
  );
  if (!opts.quick) {
    streams.push({
      id: 'long-watch#1',
      scenario: 'long-watch',
      purpose: 'WATCH for 70 s: kube-apiserver sends a periodic bookmark about every 60 s once the RV advanced',
      rv: { kind: 'from-list' },
      options: { ...bookmarks, timeoutSeconds: 70 },
    });
  }
  // Object 0..2 are the seeds (0 updated before the streams open); new ones follow.
  const writes: WriteStep[] = [
    { atMs: 1_000, verb: 'create' }, // object 3
    { atMs: 1_500, verb: 'update', target: 1 },
    { atMs: 2_000, verb: 'create' }, // object 4
    { atMs: 2_500, verb: 'delete', target: 2 },
    { atMs: 3_000, verb: 'update', target: 3 },
    { atMs: 3_500, verb: 'update', target: 0 },
    { atMs: 4_000, verb: 'delete', target: 4 },
  ];
  if (!opts.quick) {
    writes.push({ atMs: 30_000, verb: 'update', target: 1 }, { atMs: 50_000, verb: 'update', target: 3 });
  }
  // The full suite observes a little longer so a watch-list stream (open the whole window, RV
  // advanced at ~1 s) outlasts bookmark.periodic's 75 s default threshold by a clear margin.
  const slackMs = opts.quick ? 6_000 : 12_000;
  const longest = Math.max(...streams.filter((s) => s.scenario !== 'watch-list').map((s) => s.options.timeoutSeconds ?? 0));
  return {
    quick: opts.quick,
    seedObjects: 3,
    seedUpdates: 1,
    list: { id: 'list#1', scenario: 'list' },
    streams,
    writes,
    windowMs: longest * 1000 + slackMs,
    watchListMaxWindowMs: opts.quick ? 30_000 : 90_000,
  };
}
