/**
 * Small pure helpers over recorded streams, shared by the checks and the client-go verdict.
 * Nothing here reads a clock or does I/O: every answer is a function of the record.
 */
import type {
  CloseEntry,
  EventEntry,
  MalformedFrameEntry,
  ResponseEntry,
  StreamRecord,
  WatchOptions,
  WorkloadWrite,
} from './timeline.js';
import { WATCH_EVENT_TYPES } from './timeline.js';

/** apimachinery metav1.InitialEventsAnnotationKey. */
export const INITIAL_EVENTS_END_ANNOTATION = 'k8s.io/initial-events-end';

/**
 * A real annotation of kube-apiserver 1.32-1.33 on the initial-events-end bookmark (PR #127587,
 * removed in 1.34 by PR #132326); clients must ignore it. Not a misspelling of the marker key.
 */
export const INITIAL_EVENTS_LIST_BLUEPRINT_ANNOTATION = 'kubernetes.io/initial-events-list-blueprint';

/** client-go's VeryShortWatchError threshold (tools/cache/reflector.go v0.35.0 handleAnyWatch). */
export const VERY_SHORT_WATCH_MS = 1_000;

export type ChangeEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export function responseOf(stream: StreamRecord): ResponseEntry | undefined {
  for (const entry of stream.entries) if (entry.kind === 'response') return entry;
  return undefined;
}

export function closeOf(stream: StreamRecord): CloseEntry | undefined {
  for (const entry of stream.entries) if (entry.kind === 'close') return entry;
  return undefined;
}

export function eventsOf(stream: StreamRecord): EventEntry[] {
  return stream.entries.filter((entry): entry is EventEntry => entry.kind === 'event');
}

export function malformedFramesOf(stream: StreamRecord): MalformedFrameEntry[] {
  return stream.entries.filter((entry): entry is MalformedFrameEntry => entry.kind === 'malformed');
}

export function bookmarksOf(stream: StreamRecord): EventEntry[] {
  return eventsOf(stream).filter((event) => event.type === 'BOOKMARK');
}

export function isKnownEventType(type: string): boolean {
  return (WATCH_EVENT_TYPES as readonly string[]).includes(type);
}

export function isChangeEvent(event: EventEntry): event is EventEntry & { type: ChangeEventType } {
  return event.type === 'ADDED' || event.type === 'MODIFIED' || event.type === 'DELETED';
}

/** A JSON object (not null, not an array). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function metadataOf(object: unknown): Record<string, unknown> | undefined {
  if (!isPlainObject(object)) return undefined;
  const metadata = object['metadata'];
  return isPlainObject(metadata) ? metadata : undefined;
}

/** `object.metadata.resourceVersion` when it is a string (possibly empty); undefined otherwise. */
export function resourceVersionOfObject(object: unknown): string | undefined {
  const rv = metadataOf(object)?.['resourceVersion'];
  return typeof rv === 'string' ? rv : undefined;
}

/** The event object's `metadata.resourceVersion`, as sent (RVs are opaque strings to clients). */
export function resourceVersionOf(event: EventEntry): string | undefined {
  return resourceVersionOfObject(event.object);
}

/** The event object's `metadata.annotations`, when it is an object. Values are kept as sent. */
export function annotationsOf(event: EventEntry): Record<string, unknown> | undefined {
  const annotations = metadataOf(event.object)?.['annotations'];
  return isPlainObject(annotations) ? annotations : undefined;
}

/** `kind` and `apiVersion` of an event object, when they are strings. */
export function typeMetaOf(object: unknown): { kind?: string; apiVersion?: string } {
  if (!isPlainObject(object)) return {};
  const kind = object['kind'];
  const apiVersion = object['apiVersion'];
  return {
    ...(typeof kind === 'string' ? { kind } : {}),
    ...(typeof apiVersion === 'string' ? { apiVersion } : {}),
  };
}

/**
 * Exactly what client-go's reflector sends in watch-list mode (tools/cache/reflector.go v0.35.0
 * watchList): sendInitialEvents=true, allowWatchBookmarks=true, resourceVersionMatch=NotOlderThan.
 */
export function isWatchListRequest(options: WatchOptions): boolean {
  return (
    options.sendInitialEvents === true &&
    options.allowWatchBookmarks === true &&
    options.resourceVersionMatch === 'NotOlderThan'
  );
}

/**
 * A legacy watch that starts with the current state: no sendInitialEvents, no
 * resourceVersionMatch, resourceVersion "" / "0" / unset. kube-apiserver with WatchList on
 * defaults it to a watch-list (apimachinery internalversion SetListOptionsDefaults, spec 0.8/2.1),
 * so with allowWatchBookmarks it may also end its initial ADDED burst with the annotated bookmark.
 */
export function isLegacyInitialStateWatch(options: WatchOptions): boolean {
  const rv = options.resourceVersion;
  return (
    options.sendInitialEvents === undefined &&
    (options.resourceVersionMatch === undefined || options.resourceVersionMatch === '') &&
    (rv === undefined || rv === '' || rv === '0')
  );
}

/**
 * How a watch starts (spec 2.3):
 * - `watch-list`: explicit watch-list request (initial events, then the annotated bookmark);
 * - `legacy-initial-state`: RV ""/"0" legacy watch (initial ADDED events, marker only when the server defaults to watch-list);
 * - `initial-events-without-marker`: sendInitialEvents=true without the rest of the watch-list
 *   options (e.g. allowWatchBookmarks=false: initial events, and the server must not send the marker);
 * - `none`: explicit RV or sendInitialEvents=false: every event is live.
 */
export type InitialStateMode = 'watch-list' | 'legacy-initial-state' | 'initial-events-without-marker' | 'none';

export function initialStateModeOf(options: WatchOptions): InitialStateMode {
  if (isWatchListRequest(options)) return 'watch-list';
  if (isLegacyInitialStateWatch(options)) return 'legacy-initial-state';
  if (options.sendInitialEvents === true) return 'initial-events-without-marker';
  return 'none';
}

/** An RV as a decimal integer, or null when it is not one (RVs are opaque to clients). */
export function parseResourceVersion(rv: string | undefined): bigint | null {
  if (rv === undefined || !/^[0-9]+$/.test(rv)) return null;
  return BigInt(rv);
}

/**
 * Numeric RV comparison: negative, zero or positive like a comparator, or null when either RV is
 * not a decimal integer. kube-apiserver RVs are etcd revisions, but clients must treat them as
 * opaque, so callers skip the comparison (and say so) on null.
 */
export function compareResourceVersions(a: string | undefined, b: string | undefined): number | null {
  const left = parseResourceVersion(a);
  const right = parseResourceVersion(b);
  if (left === null || right === null) return null;
  return left < right ? -1 : left > right ? 1 : 0;
}

/**
 * A BOOKMARK whose `metadata.annotations["k8s.io/initial-events-end"]` is exactly "true": the
 * test client-go applies (tools/cache/reflector.go v0.35.0 handleAnyWatch: `== "true"`).
 */
export function isInitialEventsEndBookmark(event: EventEntry): boolean {
  return event.type === 'BOOKMARK' && annotationsOf(event)?.[INITIAL_EVENTS_END_ANNOTATION] === 'true';
}

/** The first initial-events-end bookmark of the stream (see isInitialEventsEndBookmark). */
export function initialEventsEndBookmark(stream: StreamRecord): EventEntry | undefined {
  return eventsOf(stream).find(isInitialEventsEndBookmark);
}

/** Writes that can produce events on this stream: same resource, and same namespace when both are known. */
export function writesVisibleTo(stream: StreamRecord, writes: WorkloadWrite[]): WorkloadWrite[] {
  const { watched, namespace } = stream.request;
  return writes.filter(
    (write) =>
      write.resource === watched.resource &&
      (namespace === undefined || write.namespace === undefined || write.namespace === namespace),
  );
}

/**
 * The first workload write to the watched resource sent after the stream's response arrived.
 * Events caused by it cannot arrive before it was sent, so every event before its `sentAtMs`
 * belongs to the initial state.
 */
export function firstWriteAfterResponse(stream: StreamRecord, writes: WorkloadWrite[]): WorkloadWrite | undefined {
  const response = responseOf(stream);
  if (response === undefined) return undefined;
  let first: WorkloadWrite | undefined;
  for (const write of writesVisibleTo(stream, writes)) {
    if (write.sentAtMs > response.atMs && (first === undefined || write.sentAtMs < first.sentAtMs)) first = write;
  }
  return first;
}

export interface InitialEventsSplit {
  mode: InitialStateMode;
  /**
   * How initial and live events were told apart: `end-bookmark` (the annotated bookmark),
   * `first-write` (events before the first later workload write), `stream-end` (no such write:
   * everything is initial), `none` (the watch has no initial state: everything is live).
   */
  boundary: 'end-bookmark' | 'first-write' | 'stream-end' | 'none';
  endBookmark?: EventEntry;
  /** The write whose sentAtMs split the events (boundary `first-write`). */
  splitWrite?: WorkloadWrite;
  /** ADDED/MODIFIED/DELETED events of the initial state (BOOKMARK/ERROR/unknown types excluded). */
  initial: EventEntry[];
  /** ADDED/MODIFIED/DELETED events after the initial state. */
  live: EventEntry[];
}

/**
 * Splits a stream's change events into initial-state and live events. With the annotated
 * bookmark the split is exact. Without it (kinm, servers that ignore sendInitialEvents, 1.33
 * servers on legacy RV ""/"0" watches) the initial events are told apart by time: they are the
 * events that arrived before the first workload write to the watched resource sent after the
 * stream's response; with no such write, every event counts as initial.
 */
export function splitInitialEvents(stream: StreamRecord, writes: WorkloadWrite[]): InitialEventsSplit {
  const mode = initialStateModeOf(stream.request.options);
  const changes = eventsOf(stream).filter(isChangeEvent);
  if (mode === 'none') return { mode, boundary: 'none', initial: [], live: changes };
  const endBookmark = initialEventsEndBookmark(stream);
  if (endBookmark !== undefined) {
    return {
      mode,
      boundary: 'end-bookmark',
      endBookmark,
      initial: changes.filter((event) => event.seq < endBookmark.seq),
      live: changes.filter((event) => event.seq > endBookmark.seq),
    };
  }
  const splitWrite = firstWriteAfterResponse(stream, writes);
  if (splitWrite === undefined) return { mode, boundary: 'stream-end', initial: changes, live: [] };
  return {
    mode,
    boundary: 'first-write',
    splitWrite,
    initial: changes.filter((event) => event.atMs < splitWrite.sentAtMs),
    live: changes.filter((event) => event.atMs >= splitWrite.sentAtMs),
  };
}

/** When watchmark stopped seeing the stream: its close, or the end of observation. */
export function observedUntilMs(stream: StreamRecord, endedAtMs: number): number {
  return closeOf(stream)?.atMs ?? endedAtMs;
}

/**
 * client-go's VeryShortWatchError condition as seen on the wire: a 200 stream the server ended
 * (clean EOF or reset, which client-go treats as a probable EOF) less than 1 s after the request
 * was sent, with no frame at all (bookmarks count as events). client-go measures from just before
 * sending the request (tools/cache/reflector.go v0.35.0 handleAnyWatch, `watchDuration < 1*time.Second && eventCount == 0`).
 */
export function isVeryShortWatch(stream: StreamRecord): boolean {
  const response = responseOf(stream);
  const close = closeOf(stream);
  if (response?.status !== 200 || close === undefined) return false;
  if (close.reason !== 'server-eof' && close.reason !== 'reset') return false;
  if (close.atMs - stream.request.sentAtMs >= VERY_SHORT_WATCH_MS) return false;
  return !stream.entries.some((entry) => entry.kind === 'event' || entry.kind === 'malformed');
}

/**
 * The media type of a Content-Type header, lower-cased, parameters dropped (what Go's
 * mime.ParseMediaType leaves for client-go's negotiator, spec 3.1). Null for an empty header.
 */
export function mediaTypeOf(contentType: string | null | undefined): string | null {
  if (contentType === null || contentType === undefined) return null;
  const mediaType = contentType.split(';', 1)[0]?.trim().toLowerCase() ?? '';
  return mediaType === '' ? null : mediaType;
}

function formatFraction(value: bigint, precision: number): { text: string; rest: bigint } {
  let digits = '';
  let rest = value;
  let printed = false;
  for (let i = 0; i < precision; i++) {
    const digit = rest % 10n;
    printed = printed || digit !== 0n;
    if (printed) digits = digit.toString() + digits;
    rest /= 10n;
  }
  return { text: printed ? `.${digits}` : '', rest };
}

/**
 * Go's `time.Duration.String()` for a duration given in (fractional) milliseconds, rounded to
 * whole nanoseconds: "0s", "1.5ms", "10s", "1m0.5s", "59.998946102s", "1h2m3s".
 */
export function formatGoDuration(ms: number): string {
  let ns = BigInt(Math.round(ms * 1e6));
  const negative = ns < 0n;
  if (negative) ns = -ns;
  let text: string;
  if (ns === 0n) return '0s';
  if (ns < 1_000_000_000n) {
    const [precision, unit] = ns < 1_000n ? [0, 'ns'] : ns < 1_000_000n ? [3, 'µs'] : [6, 'ms'];
    const { text: fraction, rest } = formatFraction(ns, precision);
    text = `${rest}${fraction}${unit}`;
  } else {
    const { text: fraction, rest: seconds } = formatFraction(ns, 9);
    text = `${seconds % 60n}${fraction}s`;
    const minutes = seconds / 60n;
    if (minutes > 0n) {
      text = `${minutes % 60n}m${text}`;
      const hours = minutes / 60n;
      if (hours > 0n) text = `${hours}h${text}`;
    }
  }
  return negative ? `-${text}` : text;
}

/** "+1.234s after the request": a time on the stream, rounded to the millisecond, for messages. */
export function sinceRequest(stream: StreamRecord, atMs: number): string {
  return `+${formatGoDuration(Math.round(atMs - stream.request.sentAtMs))} after the request`;
}

/** atMs relative to the stream's request, rounded to 0.001 ms, for evidence. */
export function msSinceRequest(stream: StreamRecord, atMs: number): number {
  return Math.round((atMs - stream.request.sentAtMs) * 1000) / 1000;
}
