import type { CheckParams } from '../checks/types.js';
import type { StreamRole, WatchOptions } from '../record/timeline.js';

/**
 * A suite plan as data: which streams to open, with which options, and which writes the
 * workload makes while they are open. Pure: the runner executes a plan, tests inspect it.
 * Plans are compiled from scenario files (scenarios/*.yaml, src/scenario/compile.ts).
 *
 * The built-in scenarios' timings are chosen so a kube-apiserver-like server shows everything the
 * checks look for quickly: `timeoutSeconds: 10` watches get kube-apiserver's deadline bookmark at
 * about 8 s (cache_watcher.go nextBookmarkTime: "2s before the deadline"), and every write happens
 * at least 4 s before that deadline so the resource RV has advanced (the cacher delivers no
 * bookmark otherwise, cache_watcher.go process()).
 */

/**
 * Where a stream's resourceVersion comes from:
 * - `literal`: this value (unset: no resourceVersion parameter);
 * - `from-list`: the RV of the suite's LIST;
 * - `from-stream`: the last RV stream `stream` delivered up to `atMs` after the streams opened
 *   (never later than the moment this stream opens): of a change event's object, of a
 *   BOOKMARK's, or of either (`of`, default `any`);
 * - `from-write`: the RV the workload's write number `index` was acknowledged with (0-based, in
 *   record order, seeds included).
 * A stream whose `from-stream`/`from-write` RV does not exist when it is due is not opened; the
 * runner records it with a `not-opened` close saying why.
 */
export type RvSource =
  | { kind: 'literal'; value?: string }
  | { kind: 'from-list' }
  | { kind: 'from-stream'; stream: string; atMs: number; of?: 'event' | 'bookmark' | 'any' }
  | { kind: 'from-write'; index: number };

export interface StreamPlan {
  id: string;
  scenario: string;
  /** Why this stream exists, for the report. */
  purpose: string;
  rv: RvSource;
  options: Omit<WatchOptions, 'resourceVersion'>;
  /** Offset from the moment the streams open at which this one opens; default 0. */
  openAtMs?: number;
  /** Recorded into StreamRecord.role: the role-based checks find their streams by it. */
  role?: StreamRole;
}

/** When a stream's own timeoutSeconds ends it, as an offset from the moment the streams open. */
export function streamDeadlineMs(stream: StreamPlan): number {
  return (stream.openAtMs ?? 0) + (stream.options.timeoutSeconds ?? 0) * 1000;
}

export interface WriteStep {
  /** Offset from the moment the streams were opened. */
  atMs: number;
  verb: 'create' | 'update' | 'delete';
  /** The scenario whose workload makes this write. */
  scenario: string;
  /** Which of the scenario's objects (index in its creation order, seeds first) an update/delete targets. */
  target?: number;
}

/** A scenario of the plan: where it came from and its check parameters. */
export interface PlannedScenario {
  name: string;
  file: string;
  builtin: boolean;
  description: string;
  checkParams: Partial<CheckParams>;
}

export interface SuitePlan {
  quick: boolean;
  /** Per scenario: objects created (and the first `updates` of them updated) before any stream opens. */
  seeds: { scenario: string; objects: number; updates: number }[];
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
  scenarios: PlannedScenario[];
}
