import type { RunRecord } from '../record/timeline.js';

/**
 * Severity of one finding (spec section 6): `fail` breaks client-go, `warn` deviates from
 * kube-apiserver or the API contract while client-go copes, `info` is a timing to record.
 */
export type Severity = 'fail' | 'warn' | 'info';

export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip';

export interface Finding {
  severity: Severity;
  /** What was expected, what was observed, and where it matters what client-go does about it. */
  message: string;
  /** StreamRecord.id the finding is about, when it is about one stream. */
  stream?: string;
  /** The scenario whose streams the check ran on (set when checks run per scenario). */
  scenario?: string;
  /** Plain data backing the message: RVs, times (ms since request), event indexes, raw snippets. */
  evidence: Record<string, unknown>;
}

export interface CheckResult {
  id: string;
  status: CheckStatus;
  /** One line: what was checked and the outcome, or why it was skipped. */
  summary: string;
  findings: Finding[];
}

/** Tunables of the checks; every check reads only what it needs. */
export interface CheckParams {
  /**
   * How long before the timeoutSeconds deadline the deadline bookmark is looked for.
   * kube-apiserver schedules it 2 s before the deadline in 1 s buckets with 1-1.25 s dispatch
   * jitter (cache_watcher.go nextBookmarkTime, cacher.go dispatchEvents), i.e. about 1-3.25 s.
   */
  deadlineBookmarkWindowMs: number;
  /** Slack allowed past timeoutSeconds before a stream counts as outliving its deadline. */
  timeoutSlackMs: number;
  /**
   * User policy (--max-bookmark-interval): the longest acceptable gap between the RV advancing
   * and a bookmark, or between bookmarks, on bookmark-enabled watches. Gaps over it are `fail`
   * findings of bookmark.periodic, labelled as the user's policy: client-go needs no periodic
   * bookmarks at all (reflector.go v0.35.0: "Reflector doesn't assume bookmarks are returned at
   * all"). null = no policy: judge against defaultBookmarkIntervalMs as a warn.
   */
  maxBookmarkIntervalMs: number | null;
  /**
   * Without a policy, the gap over which bookmark.periodic warns: kube-apiserver's cadence
   * (apiserver v0.35.0 pkg/storage/cacher/cacher.go defaultBookmarkFrequency = time.Minute) plus
   * slack for its 1 s buckets and 1-1.25 s dispatch jitter (cache_watcher.go nextBookmarkTime,
   * cacher.go dispatchEvents: about 60-62 s in practice). 75 s, the same as cacher.go
   * DefaultEventFreshDuration (defaultBookmarkFrequency + 15 s).
   */
  defaultBookmarkIntervalMs: number;
  /**
   * User threshold for event.latency (workload write acknowledged -> event on the stream); over
   * it is a warn. null = timings are only recorded (info): no upstream latency bound exists.
   */
  maxEventLatencyMs: number | null;
}

export const DEFAULT_CHECK_PARAMS: CheckParams = {
  deadlineBookmarkWindowMs: 5_000,
  timeoutSlackMs: 5_000,
  maxBookmarkIntervalMs: null,
  defaultBookmarkIntervalMs: 75_000,
  maxEventLatencyMs: null,
};

export interface Check {
  /** Stable id, e.g. "initial-events-end.present". */
  id: string;
  /** One-line description for the README and the terminal table. */
  title: string;
  /** Highest severity this check can produce (documentation only; findings carry their own). */
  maxSeverity: Severity;
  /** Upstream behaviour the rule encodes (file and version). */
  source: string;
  /**
   * What the check means in plain language: what it looks at, on which streams, and why it
   * matters to clients (Markdown, rendered into the README "Checks" section). Without it the
   * README gives only the title.
   */
  meaning?: string;
  /**
   * What each severity this check can report means for it (Markdown, README), read against the
   * spec's scale (spec section 6): fail = breaks client-go, warn = deviates from kube-apiserver or
   * the API contract while client-go copes, info = a timing or note worth recording.
   */
  severities?: Partial<Record<Severity, string>>;
  /**
   * How to fix a server that fails or warns on this check, for server authors: what
   * kube-apiserver does instead (file and function) and the fallback when a server cannot
   * (Markdown, README "Checks" section). Required: every check must say how to pass it.
   */
  fix: string;
  run(record: RunRecord, params: CheckParams): CheckResult;
}
