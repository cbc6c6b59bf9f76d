/**
 * Small pure helpers over recorded streams, shared by the checks and the client-go verdict.
 * Nothing here reads a clock or does I/O: every answer is a function of the record.
 */
import type {
  CloseEntry,
  DroppedEntry,
  EventEntry,
  ListRecord,
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

/** What the decoder counted without keeping (at most one entry per stream), if anything. */
export function droppedOf(stream: StreamRecord): DroppedEntry | undefined {
  for (const entry of stream.entries) if (entry.kind === 'dropped') return entry;
  return undefined;
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
 * Whether a watch event object carries the watched kind and apiVersion: `type-meta-missing` (kind
 * or apiVersion absent or empty: client-go decodes watch objects without defaults, so a decode
 * error), `type-meta-mismatch` (another kind/apiVersion: skipped or undecodable for typed
 * informers), or undefined when it does; with what was observed, for messages.
 */
export function typeMetaProblemOf(
  object: Record<string, unknown>,
  watched: { kind: string; apiVersion: string },
): { problem: 'type-meta-missing' | 'type-meta-mismatch'; observed: string } | undefined {
  const { kind, apiVersion } = typeMetaOf(object);
  if (kind === undefined || kind === '' || apiVersion === undefined || apiVersion === '') {
    return { problem: 'type-meta-missing', observed: `kind ${JSON.stringify(object['kind'] ?? null)}, apiVersion ${JSON.stringify(object['apiVersion'] ?? null)}` };
  }
  if (kind !== watched.kind || apiVersion !== watched.apiVersion) return { problem: 'type-meta-mismatch', observed: `${apiVersion} ${kind} instead of ${watched.apiVersion} ${watched.kind}` };
  return undefined;
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
 * Why an event cannot belong to the initial state a server took as a snapshot (the first such
 * event starts the live part of a stream without an initial-events-end bookmark):
 * - `deleted`: a snapshot holds existing objects only, so it has no DELETED event;
 * - `repeated-object`: a snapshot has one event per object, so a second event for an object is a change;
 * - `write-after-first-frame`: the event carries the RV of a workload write sent after the stream's
 *   first frame arrived; the server had taken its snapshot before it sent that frame, so the write
 *   came later.
 */
export type LiveEvidence = 'deleted' | 'repeated-object' | 'write-after-first-frame';

export interface InitialEventsSplit {
  mode: InitialStateMode;
  /**
   * How initial and live events were told apart: `end-bookmark` (the annotated bookmark: exact),
   * `snapshot` (no marker: the initial part is every event up to the first one that cannot belong
   * to a snapshot, see LiveEvidence), `stream-end` (no marker and no such event: every event may
   * be initial), `none` (the watch has no initial state: everything is live).
   */
  boundary: 'end-bookmark' | 'snapshot' | 'stream-end' | 'none';
  endBookmark?: EventEntry;
  /** Boundary `snapshot`: the first event that cannot belong to the initial state, and why. */
  liveFrom?: { event: EventEntry; evidence: LiveEvidence; write?: WorkloadWrite };
  /**
   * ADDED/MODIFIED/DELETED events of the initial state (BOOKMARK/ERROR/unknown types excluded).
   * Without the end bookmark these are the events that *may* belong to it: live events can hide
   * among them, so checks must not judge them as live.
   */
  initial: EventEntry[];
  /** ADDED/MODIFIED/DELETED events certainly after the initial state. */
  live: EventEntry[];
}

/** The first event frame of a stream (any type): the server had taken its initial snapshot before it sent it. */
export function firstEventOf(stream: StreamRecord): EventEntry | undefined {
  return stream.entries.find((entry): entry is EventEntry => entry.kind === 'event');
}

/**
 * Splits a stream's change events into initial-state and live events.
 *
 * With the annotated bookmark the split is exact. Without it (not requested, kinm, servers that
 * ignore sendInitialEvents, 1.33 servers on legacy RV ""/"0" watches) it is derived
 * conservatively. `resourceVersionMatch=NotOlderThan` (and RV ""/"0") lets a server take its
 * snapshot at any RV at or after the request (apiserver v0.35.0 cacher.go
 * waitUntilWatchCacheFreshAndForceAllEvents; a slow server takes it seconds later), so writes
 * made after the request can be part of it, and the snapshot comes in the store's key order
 * with each object's own RV (watch cache lists by key), not in RV order. The snapshot is
 * delivered first, so the live part starts at the first event that cannot belong to it (see
 * LiveEvidence); everything before it may be initial.
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
  const firstFrameAtMs = firstEventOf(stream)?.atMs;
  const laterWrites = firstFrameAtMs === undefined ? new Map<string, WorkloadWrite>() : writesSentAfterByRv(stream, writes, firstFrameAtMs);
  const seen = new Set<string>();
  for (const [index, event] of changes.entries()) {
    let liveFrom: InitialEventsSplit['liveFrom'];
    const key = objectKeyOf(event.object);
    const write = laterWrites.get(resourceVersionOf(event) ?? '');
    if (event.type === 'DELETED') liveFrom = { event, evidence: 'deleted' };
    else if (key !== undefined && seen.has(key)) liveFrom = { event, evidence: 'repeated-object' };
    else if (write !== undefined) liveFrom = { event, evidence: 'write-after-first-frame', write };
    if (liveFrom !== undefined) return { mode, boundary: 'snapshot', liveFrom, initial: changes.slice(0, index), live: changes.slice(index) };
    if (key !== undefined) seen.add(key);
  }
  return { mode, boundary: 'stream-end', initial: changes, live: [] };
}

/**
 * From when a write is certainly live for this stream (a change event, not part of its initial
 * state): the response for a watch without an initial state; else the first frame, because the
 * server may take its snapshot after answering 200 (NotOlderThan), and a write made before the
 * snapshot shows up in it, not as its own event.
 */
export function writesLiveAfterMs(stream: StreamRecord): number | undefined {
  const response = responseOf(stream);
  if (response === undefined) return undefined;
  if (initialStateModeOf(stream.request.options) === 'none') return response.atMs;
  return Math.max(response.atMs, firstEventOf(stream)?.atMs ?? response.atMs);
}

/** Workload writes to the watched resource sent after `afterMs`, by the RV they were acknowledged with. */
function writesSentAfterByRv(stream: StreamRecord, writes: WorkloadWrite[], afterMs: number): Map<string, WorkloadWrite> {
  const byRv = new Map<string, WorkloadWrite>();
  for (const write of writesVisibleTo(stream, writes)) {
    if (write.sentAtMs > afterMs && write.resourceVersion !== undefined) byRv.set(write.resourceVersion, write);
  }
  return byRv;
}

/**
 * The initial events no workload write sent after the request explains: objects as they were
 * before the watch was asked for, which only the server's snapshot can deliver. A server that
 * ignores sendInitialEvents delivers none of them (its first events are live changes).
 */
export function snapshotOnlyEvents(stream: StreamRecord, writes: WorkloadWrite[], split: InitialEventsSplit): EventEntry[] {
  if (split.boundary === 'end-bookmark') return split.initial;
  const afterRequest = writesSentAfterByRv(stream, writes, stream.request.sentAtMs);
  return split.initial.filter((event) => !afterRequest.has(resourceVersionOf(event) ?? ''));
}

/** "a DELETED event" / "a second event for configmaps/a" / "the RV of a create sent after the first frame", for messages. */
export function describeLiveEvidence(stream: StreamRecord, liveFrom: NonNullable<InitialEventsSplit['liveFrom']>): string {
  const { event, evidence, write } = liveFrom;
  const at = `#${event.seq} ${event.type} RV ${resourceVersionOf(event) ?? 'none'}`;
  switch (evidence) {
    case 'deleted':
      return `${at} (a snapshot has no DELETED events)`;
    case 'repeated-object':
      return `${at} (a second event for ${objectKeyOf(event.object)}: a snapshot has one per object)`;
    case 'write-after-first-frame':
      return `${at} (the RV of a workload ${write!.verb} of ${write!.name} sent ${sinceRequest(stream, write!.sentAtMs)}, after the stream's first frame, so after the server's snapshot)`;
  }
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

/**
 * The collection a request addresses: its path without the query (the LIST and WATCH of one
 * informer share it). Hand-built records without a path fall back to resource and namespace.
 */
export function collectionPathOf(path: string): string {
  return path.split('?', 1)[0] ?? '';
}

/** A key equal for two streams exactly when they watch the same collection. */
export function collectionKeyOf(stream: StreamRecord): string {
  const path = collectionPathOf(stream.request.path);
  if (path !== '') return path;
  const { watched, namespace } = stream.request;
  return `${watched.apiVersion}|${watched.resource}|${namespace ?? ''}`;
}

/** The LIST requests of the stream's collection (same path without the query). */
export function listsOfCollection(stream: StreamRecord, lists: ListRecord[]): ListRecord[] {
  const path = collectionPathOf(stream.request.path);
  return path === '' ? [] : lists.filter((list) => collectionPathOf(list.path) === path);
}

/** The stream's label and field selectors, empty strings dropped. */
export function selectorsOf(options: WatchOptions): { labelSelector?: string; fieldSelector?: string } {
  return {
    ...(options.labelSelector ? { labelSelector: options.labelSelector } : {}),
    ...(options.fieldSelector ? { fieldSelector: options.fieldSelector } : {}),
  };
}

export function hasSelector(options: WatchOptions): boolean {
  return Boolean(options.labelSelector) || Boolean(options.fieldSelector);
}

/** "labelSelector=a=b&fieldSelector=…", for messages. */
export function selectorText(options: WatchOptions): string {
  return Object.entries(selectorsOf(options))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
}

/**
 * For a watch-list stream with a selector: a 200 watch-list stream on the same collection without
 * selectors that did get its initial-events-end bookmark. When one exists and the selector stream
 * got none, the server filters the end bookmark by selector (kube-apiserver never does:
 * cache_watcher.go convertToWatchEvent returns bookmarks before applying the filter).
 */
export function unfilteredWatchListWithEndBookmark(stream: StreamRecord, streams: readonly StreamRecord[]): { stream: StreamRecord; endBookmark: EventEntry } | undefined {
  for (const other of streams) {
    if (other === stream || !isWatchListRequest(other.request.options) || hasSelector(other.request.options)) continue;
    if (collectionKeyOf(other) !== collectionKeyOf(stream) || responseOf(other)?.status !== 200) continue;
    const endBookmark = initialEventsEndBookmark(other);
    if (endBookmark !== undefined) return { stream: other, endBookmark };
  }
  return undefined;
}

/** `metadata.namespace/metadata.name` (or just the name) of an event object, for matching and messages. */
export function objectKeyOf(object: unknown): string | undefined {
  const metadata = metadataOf(object);
  const name = metadata?.['name'];
  if (typeof name !== 'string') return undefined;
  const namespace = metadata?.['namespace'];
  return typeof namespace === 'string' && namespace !== '' ? `${namespace}/${name}` : name;
}

/**
 * The RV a watch started from, as kube-apiserver's cache watcher sees it: the max of the
 * requested RV, the initial events' RVs and the initial-events-end bookmark's RV (apiserver
 * v0.35.0 pkg/storage/cacher/cache_watcher.go process(): later events and bookmarks are
 * delivered only above it). `startedAtMs` is when the live phase began at the latest: the end
 * bookmark, else the first frame (the server had taken its snapshot before it), else the response. `rv` is null when no RV is a decimal integer.
 */
export function watchStartResourceVersion(stream: StreamRecord, writes: WorkloadWrite[]): { rv: bigint | null; startedAtMs: number } {
  const split = splitInitialEvents(stream, writes);
  let rv = parseResourceVersion(stream.request.options.resourceVersion);
  const consider = (candidate: string | undefined) => {
    const parsed = parseResourceVersion(candidate);
    if (parsed !== null && (rv === null || parsed > rv)) rv = parsed;
  };
  for (const event of split.initial) consider(resourceVersionOf(event));
  if (split.endBookmark) consider(resourceVersionOf(split.endBookmark));
  const startedAtMs = split.endBookmark?.atMs ?? (split.mode === 'none' ? undefined : firstEventOf(stream)?.atMs) ?? responseOf(stream)?.atMs ?? stream.request.sentAtMs;
  return { rv, startedAtMs };
}

/** Evidence that the resource RV moved past a watch's start RV, and when (`atMs`). */
export type ResourceVersionAdvance =
  | { kind: 'write'; write: WorkloadWrite; atMs: number }
  | { kind: 'event'; event: EventEntry; atMs: number };

/**
 * The earliest evidence, no later than `latestMs`, that the resource RV advanced past the watch's
 * start RV: a workload write to the same resource (any namespace: the cacher RV is
 * resource-wide, spec 2.5) acknowledged with a higher RV, or a live event or plain bookmark on the
 * stream above the start RV. Without comparable RVs, a write sent after the live phase began or
 * any live event counts. kube-apiserver delivers no periodic or deadline bookmark before this
 * (cache_watcher.go v0.35.0 process(): `event.ResourceVersion > resourceVersion`).
 */
export function findResourceVersionAdvance(stream: StreamRecord, writes: WorkloadWrite[], latestMs: number): ResourceVersionAdvance | undefined {
  const { rv: startRv, startedAtMs } = watchStartResourceVersion(stream, writes);
  const split = splitInitialEvents(stream, writes);
  const liveSeqs = new Set(split.live.map((event) => event.seq));
  let earliest: ResourceVersionAdvance | undefined;
  for (const event of eventsOf(stream)) {
    if (event.atMs > latestMs) break;
    const isLive = liveSeqs.has(event.seq);
    const isPlainBookmark = event.type === 'BOOKMARK' && !isInitialEventsEndBookmark(event);
    if (!isLive && !isPlainBookmark) continue;
    const rv = parseResourceVersion(resourceVersionOf(event));
    if (startRv !== null && rv !== null ? rv > startRv : isLive) {
      earliest = { kind: 'event', event, atMs: event.atMs };
      break;
    }
  }
  const sameResource = writes.filter((write) => write.resource === stream.request.watched.resource);
  for (const write of [...sameResource].sort((a, b) => a.atMs - b.atMs)) {
    if (write.atMs > latestMs || (earliest !== undefined && write.atMs >= earliest.atMs)) break;
    const writeRv = parseResourceVersion(write.resourceVersion);
    const advanced = startRv !== null && writeRv !== null ? writeRv > startRv : write.sentAtMs >= startedAtMs;
    if (advanced) return { kind: 'write', write, atMs: write.atMs };
  }
  return earliest;
}

/** "a workload create of configmaps/a (RV 101) +1s after the request", for messages. */
export function describeAdvance(stream: StreamRecord, advance: ResourceVersionAdvance): string {
  if (advance.kind === 'write') {
    const { write } = advance;
    return `a workload ${write.verb} of ${write.resource}/${write.name}${write.resourceVersion ? ` (RV ${write.resourceVersion})` : ''} ${sinceRequest(stream, write.atMs)}`;
  }
  return `an ${advance.event.type} event with RV ${resourceVersionOf(advance.event) ?? 'none'} ${sinceRequest(stream, advance.event.atMs)}`;
}

/** The advance as plain evidence data. */
export function advanceEvidence(stream: StreamRecord, advance: ResourceVersionAdvance): Record<string, unknown> {
  return advance.kind === 'write'
    ? {
        write: advance.write.name,
        verb: advance.write.verb,
        resource: advance.write.resource,
        resourceVersion: advance.write.resourceVersion ?? null,
        atMsSinceRequest: msSinceRequest(stream, advance.write.atMs),
      }
    : {
        eventSeq: advance.event.seq,
        type: advance.event.type,
        resourceVersion: resourceVersionOf(advance.event) ?? null,
        atMsSinceRequest: msSinceRequest(stream, advance.event.atMs),
      };
}

/**
 * For the deadline bookmark to be due, the RV must have advanced at least this long before the
 * deadline (it is scheduled 2 s before it, dispatched up to 1.25 s late).
 */
export const ADVANCE_BEFORE_DEADLINE_MS = 4_000;

/** A stream counts as having run to its deadline when the server closed it at most this long before it. */
export const DEADLINE_CLOSE_TOLERANCE_MS = 1_500;

/**
 * For a 200 stream with timeoutSeconds that the server ended cleanly (server-eof) no earlier than
 * 1.5 s before response + timeoutSeconds: the deadline and the close. Undefined otherwise
 * (watchmark closed it, it broke, or the server ended it early).
 */
export function serverDeadlineClose(stream: StreamRecord): { deadlineMs: number; close: CloseEntry } | undefined {
  const response = responseOf(stream);
  const timeoutSeconds = stream.request.options.timeoutSeconds ?? 0;
  if (response?.status !== 200 || timeoutSeconds <= 0) return undefined;
  const close = closeOf(stream);
  const deadlineMs = response.atMs + timeoutSeconds * 1000;
  if (close?.reason !== 'server-eof' || close.atMs < deadlineMs - DEADLINE_CLOSE_TOLERANCE_MS) return undefined;
  return { deadlineMs, close };
}

/**
 * The bookmark kube-apiserver sends shortly before closing a watch at its deadline: a BOOKMARK
 * within `windowMs` before a server close at the deadline (cache_watcher.go v0.35.0
 * nextBookmarkTime, "2s before the deadline").
 */
export function deadlineBookmarkOf(stream: StreamRecord, windowMs: number): EventEntry | undefined {
  const deadline = serverDeadlineClose(stream);
  if (deadline === undefined) return undefined;
  const windowStartMs = deadline.close.atMs - windowMs;
  return bookmarksOf(stream).find((bookmark) => bookmark.atMs >= windowStartMs && bookmark.atMs <= deadline.close.atMs);
}
