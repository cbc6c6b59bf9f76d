/**
 * Resource-version arithmetic: RVs as decimal integers where they are (they are opaque to
 * clients), the RV a watch started from, and the earliest evidence that the resource RV moved past it.
 */
import { eventsOf, firstEventOf, isInitialEventsEndBookmark, resourceVersionOf, responseOf } from './accessors.js';
import { splitInitialEvents } from './initial-events.js';
import type { EventEntry, StreamRecord, WorkloadWrite } from './timeline.js';

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
