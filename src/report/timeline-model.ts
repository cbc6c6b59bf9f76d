/**
 * The compact timeline model the HTML report draws its charts from: per stream, its events and
 * bookmarks aggregated into time buckets (counts per bucket, so the page stays small for runs of
 * minutes with thousands of events), plus the few moments that matter exactly (response, the
 * initial-events-end bookmark, the timeoutSeconds deadline and its bookmark, the close, silences,
 * and the ticks at which a client-go v0.35 reflector would log "Warning: event bookmark expired").
 *
 * Pure: derived from the report and the record only; the JSON report does not carry it.
 */
import { deadlineBookmarkOf } from '../checks/deadline-bookmark.js';
import { closeOf, initialEventsEndBookmark, observedUntilMs, resourceVersionOf, responseOf } from '../record/accessors.js';
import { isWatchListRequest } from '../record/requests.js';
import type { RunRecord, StreamRecord } from '../record/timeline.js';
import { BOOKMARK_TICKER_INTERVAL_MS, reflectorWarnings } from '../reflector/ticker.js';
import { walkWatch } from '../reflector/walk.js';
import { checkParamsOf, summarizeStream, type Report } from './model.js';

/** Buckets across the shared time axis: about 1.5 px each at the chart's 900-unit plot width. */
export const TIMELINE_BUCKETS = 600;
/** Silences shorter than this (or than 1 % of the axis, if longer) are not drawn. */
export const MIN_GAP_MS = 2_000;
/** Only the longest silences of a stream are drawn. */
export const MAX_GAPS_PER_STREAM = 20;
/** Warning ticks kept per stream (one per 10 s: about 33 minutes of waiting). */
export const MAX_WARNINGS_PER_STREAM = 200;

/** Bucketed counts as a flat array: [bucket, count, bucket, count, ...], buckets ascending. */
export type BucketCounts = number[];

export interface TimelineMoment {
  atMs: number;
  resourceVersion: string | null;
}

export interface StreamTimeline {
  id: string;
  scenario: string;
  role: string | null;
  /** Path and query as sent. */
  path: string;
  sentAtMs: number;
  response: { atMs: number; status: number; httpVersion: string } | null;
  close: { atMs: number; reason: string; error: string | null } | null;
  /** When watchmark stopped seeing the stream (its close, or the end of observation). */
  observedUntilMs: number;
  counts: Record<string, number>;
  /** Change events and other frames per bucket; `other` = ERROR events, unknown types and malformed frames. */
  marks: { ADDED: BucketCounts; MODIFIED: BucketCounts; DELETED: BucketCounts; other: BucketCounts };
  /** Bookmarks per bucket: [bucket, count, RV of the bucket's last bookmark or null]. */
  bookmarks: Array<[number, number, string | null]>;
  initialEventsEnd: TimelineMoment | null;
  /** response + timeoutSeconds (kube-apiserver measures the deadline from the request it serves). */
  deadline: { atMs: number; timeoutSeconds: number } | null;
  deadlineBookmark: TimelineMoment | null;
  /**
   * Watch-list streams: while a client-go v0.35 reflector's 10 s initial-events-end ticker would
   * run (response to end bookmark / stream end), and the ticks at which it would log its warning;
   * each warning covers the 10 s window ending at its tick.
   */
  reflector: { armedFromMs: number; armedUntilMs: number; warnings: Array<{ atMs: number; line: string }>; omittedWarnings: number } | null;
  /** Silences (no frame at all) of at least minGapMs between the response and the stream's end: [fromMs, toMs]. */
  gaps: Array<[number, number]>;
}

export interface TimelineModel {
  /** The shared time axis, ms since the run's clock anchor (the report's stream times use it too). */
  axis: { startMs: number; endMs: number; buckets: number; bucketMs: number; minGapMs: number };
  reflectorTickMs: number;
  workload: {
    writes: { create: BucketCounts; update: BucketCounts; delete: BucketCounts };
    lists: Array<{ id: string; scenario: string; sentAtMs: number; atMs: number; status: number; itemCount: number | null; resourceVersion: string | null; error: string | null }>;
  };
  /**
   * Streams grouped by scenario: first the scenarios whose streams the client verdicts rest on
   * (in verdict order), then the others in the order they first opened a stream.
   */
  scenarios: Array<{ name: string; description: string; streams: StreamTimeline[] }>;
  /** The largest change-event count in any one bucket of any stream (a shared height scale). */
  maxEventsPerBucket: number;
}

export function timelineModel(report: Report, record: RunRecord): TimelineModel {
  const axis = axisOf(record);
  const bucketOf = (atMs: number) => Math.min(axis.buckets - 1, Math.max(0, Math.floor((atMs - axis.startMs) / axis.bucketMs)));

  // The deadline bookmark is looked for in the window bookmark.before-deadline used on the stream's scenario.
  const streams = record.streams.map((stream) => streamTimeline(stream, record, axis.minGapMs, bucketOf, checkParamsOf(report, stream.scenario).deadlineBookmarkWindowMs));
  const byScenario = new Map<string, StreamTimeline[]>();
  for (const stream of streams) {
    const group = byScenario.get(stream.scenario) ?? [];
    group.push(stream);
    byScenario.set(stream.scenario, group);
  }
  const descriptions = new Map(report.scenarios.map((scenario) => [scenario.name, scenario.description]));

  const writes = { create: new BucketCounter(), update: new BucketCounter(), delete: new BucketCounter() };
  for (const write of record.writes) writes[write.verb].add(bucketOf(write.atMs));

  let maxEventsPerBucket = 0;
  for (const stream of streams) {
    const totals = new Map<number, number>();
    for (const counts of [stream.marks.ADDED, stream.marks.MODIFIED, stream.marks.DELETED]) {
      for (let i = 0; i < counts.length; i += 2) totals.set(counts[i]!, (totals.get(counts[i]!) ?? 0) + counts[i + 1]!);
    }
    for (const total of totals.values()) maxEventsPerBucket = Math.max(maxEventsPerBucket, total);
  }

  return {
    axis,
    reflectorTickMs: BOOKMARK_TICKER_INTERVAL_MS,
    workload: {
      writes: { create: writes.create.flat(), update: writes.update.flat(), delete: writes.delete.flat() },
      lists: record.lists.map((list) => ({
        id: list.id,
        scenario: list.scenario,
        sentAtMs: round(list.sentAtMs),
        atMs: round(list.atMs),
        status: list.status,
        itemCount: list.itemCount ?? null,
        resourceVersion: list.resourceVersion ?? null,
        error: list.error ?? null,
      })),
    },
    scenarios: orderScenarios([...byScenario], report).map(([name, group]) => ({ name, description: descriptions.get(name) ?? '', streams: group })),
    maxEventsPerBucket,
  };
}

function orderScenarios(groups: Array<[string, StreamTimeline[]]>, report: Report): Array<[string, StreamTimeline[]]> {
  const rank = ([, group]: [string, StreamTimeline[]]) => {
    const index = report.clientGo.findIndex((verdict) => group.some((stream) => verdict.basedOn.includes(stream.id)));
    return index === -1 ? Number.MAX_SAFE_INTEGER : index;
  };
  return groups.map((group, index) => ({ group, index, rank: rank(group) })).sort((a, b) => a.rank - b.rank || a.index - b.index).map(({ group }) => group);
}

function axisOf(record: RunRecord): TimelineModel['axis'] {
  // ms since the clock anchor, like every atMs; the run starts at (about) 0.
  let endMs = record.endedAtMs;
  for (const stream of record.streams) {
    endMs = Math.max(endMs, stream.request.sentAtMs);
    for (const entry of stream.entries) endMs = Math.max(endMs, entry.atMs);
  }
  for (const write of record.writes) endMs = Math.max(endMs, write.atMs);
  for (const list of record.lists) endMs = Math.max(endMs, list.atMs);
  const startMs = 0;
  const spanMs = Math.max(endMs - startMs, 1);
  return {
    startMs,
    endMs: round(startMs + spanMs),
    buckets: TIMELINE_BUCKETS,
    bucketMs: spanMs / TIMELINE_BUCKETS,
    minGapMs: Math.max(MIN_GAP_MS, Math.round(spanMs / 100)),
  };
}

function streamTimeline(stream: StreamRecord, record: RunRecord, minGapMs: number, bucketOf: (atMs: number) => number, deadlineBookmarkWindowMs: number): StreamTimeline {
  const response = responseOf(stream);
  const close = closeOf(stream);
  const untilMs = observedUntilMs(stream, record.endedAtMs);
  const marks = { ADDED: new BucketCounter(), MODIFIED: new BucketCounter(), DELETED: new BucketCounter(), other: new BucketCounter() };
  const bookmarks = new Map<number, [number, number, string | null]>();
  const frameTimes: number[] = [];
  for (const entry of stream.entries) {
    if (entry.kind === 'malformed') {
      marks.other.add(bucketOf(entry.atMs));
      frameTimes.push(entry.atMs);
    } else if (entry.kind === 'event') {
      frameTimes.push(entry.atMs);
      if (entry.type === 'BOOKMARK') {
        const bucket = bucketOf(entry.atMs);
        const slot = bookmarks.get(bucket) ?? [bucket, 0, null];
        slot[1]++;
        slot[2] = resourceVersionOf(entry) ?? null;
        bookmarks.set(bucket, slot);
      } else if (entry.type === 'ADDED' || entry.type === 'MODIFIED' || entry.type === 'DELETED') {
        marks[entry.type].add(bucketOf(entry.atMs));
      } else marks.other.add(bucketOf(entry.atMs));
    }
  }

  const endBookmark = initialEventsEndBookmark(stream);
  const deadlineBookmark = deadlineBookmarkOf(stream, deadlineBookmarkWindowMs);
  const timeoutSeconds = stream.request.options.timeoutSeconds ?? 0;

  let reflector: StreamTimeline['reflector'] = null;
  if (response?.status === 200 && isWatchListRequest(stream.request.options)) {
    // The same ticks the client-go>=0.35 verdict counts (reflector/ticker.ts reflectorWarnings).
    const warnings = reflectorWarnings(stream, untilMs);
    const walk = walkWatch(stream, { watchList: true, fromIndex: stream.entries.indexOf(response) + 1 });
    reflector = {
      armedFromMs: round(response.atMs),
      armedUntilMs: round(walk.end.atMs === undefined ? untilMs : Math.min(untilMs, walk.end.atMs)),
      warnings: warnings.slice(0, MAX_WARNINGS_PER_STREAM).map(({ atMs, line }) => ({ atMs: round(atMs), line })),
      omittedWarnings: Math.max(0, warnings.length - MAX_WARNINGS_PER_STREAM),
    };
  }

  return {
    id: stream.id,
    scenario: stream.scenario,
    role: stream.role ?? null,
    path: stream.request.path,
    sentAtMs: round(stream.request.sentAtMs),
    response: response ? { atMs: round(response.atMs), status: response.status, httpVersion: response.httpVersion } : null,
    close: close
      ? { atMs: round(close.atMs), reason: close.reason, error: close.error ? `${close.error.code}: ${close.error.message}` : null }
      : null,
    observedUntilMs: round(untilMs),
    counts: summarizeStream(stream).eventCounts,
    marks: { ADDED: marks.ADDED.flat(), MODIFIED: marks.MODIFIED.flat(), DELETED: marks.DELETED.flat(), other: marks.other.flat() },
    bookmarks: [...bookmarks.values()].sort((a, b) => a[0] - b[0]),
    initialEventsEnd: endBookmark ? { atMs: round(endBookmark.atMs), resourceVersion: resourceVersionOf(endBookmark) ?? null } : null,
    deadline: response?.status === 200 && timeoutSeconds > 0 ? { atMs: round(response.atMs + timeoutSeconds * 1000), timeoutSeconds } : null,
    deadlineBookmark: deadlineBookmark ? { atMs: round(deadlineBookmark.atMs), resourceVersion: resourceVersionOf(deadlineBookmark) ?? null } : null,
    reflector,
    gaps: response ? gapsOf(response.atMs, frameTimes, untilMs, minGapMs) : [],
  };
}

/** The longest silences between the response, each frame and the end of the stream, in time order. */
function gapsOf(fromMs: number, frameTimes: number[], untilMs: number, minGapMs: number): Array<[number, number]> {
  const points = [fromMs, ...frameTimes.filter((t) => t >= fromMs && t <= untilMs), untilMs];
  const gaps: Array<[number, number]> = [];
  for (let i = 1; i < points.length; i++) {
    if (points[i]! - points[i - 1]! >= minGapMs) gaps.push([round(points[i - 1]!), round(points[i]!)]);
  }
  return gaps
    .sort((a, b) => b[1] - b[0] - (a[1] - a[0]) || a[0] - b[0])
    .slice(0, MAX_GAPS_PER_STREAM)
    .sort((a, b) => a[0] - b[0]);
}

class BucketCounter {
  private readonly counts = new Map<number, number>();
  add(bucket: number): void {
    this.counts.set(bucket, (this.counts.get(bucket) ?? 0) + 1);
  }
  flat(): BucketCounts {
    return [...this.counts].sort((a, b) => a[0] - b[0]).flat();
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
