import {
  bookmarksOf,
  closeOf,
  eventsOf,
  formatGoDuration,
  isInitialEventsEndBookmark,
  msSinceRequest,
  parseResourceVersion,
  resourceVersionOf,
  responseOf,
  sinceRequest,
  splitInitialEvents,
} from '../record/derive.js';
import type { EventEntry, RunRecord, StreamRecord, WorkloadWrite } from '../record/timeline.js';
import { resultOf, skipped } from './check-result.js';
import type { Check, CheckParams, Finding } from './types.js';

const ID = 'bookmark.before-deadline';

/** A stream counts as having run to its deadline when the server closed it at most this long before it. */
const DEADLINE_CLOSE_TOLERANCE_MS = 1_500;
/** The RV must have advanced at least this long before the deadline (the bookmark is due 2 s before it, ±1.25 s). */
const ADVANCE_LEAD_MS = 4_000;

/** The RV the watch started from: max of the requested RV and the initial state's RVs (cache_watcher.go process()). */
function startResourceVersion(stream: StreamRecord, record: RunRecord): { rv: bigint | null; startedAtMs: number } {
  const response = responseOf(stream)!;
  const split = splitInitialEvents(stream, record.writes);
  let rv = parseResourceVersion(stream.request.options.resourceVersion);
  const consider = (candidate: string | undefined) => {
    const parsed = parseResourceVersion(candidate);
    if (parsed !== null && (rv === null || parsed > rv)) rv = parsed;
  };
  for (const event of split.initial) consider(resourceVersionOf(event));
  if (split.endBookmark) consider(resourceVersionOf(split.endBookmark));
  const startedAtMs = split.endBookmark?.atMs ?? split.splitWrite?.sentAtMs ?? response.atMs;
  return { rv, startedAtMs };
}

type Advance =
  | { kind: 'write'; write: WorkloadWrite }
  | { kind: 'event'; event: EventEntry };

/**
 * Evidence that the resource RV advanced past the watch's start RV at least 4 s before the
 * deadline: a workload write to the same resource (any namespace: the cacher RV is
 * resource-wide), or an event on the stream above the start RV.
 */
function findAdvance(stream: StreamRecord, record: RunRecord, latestMs: number): Advance | undefined {
  const { rv: startRv, startedAtMs } = startResourceVersion(stream, record);
  const split = splitInitialEvents(stream, record.writes);
  const liveSeqs = new Set(split.live.map((event) => event.seq));
  for (const event of eventsOf(stream)) {
    if (event.atMs > latestMs) break;
    const isLive = liveSeqs.has(event.seq);
    const isPlainBookmark = event.type === 'BOOKMARK' && !isInitialEventsEndBookmark(event);
    if (!isLive && !isPlainBookmark) continue;
    const rv = parseResourceVersion(resourceVersionOf(event));
    if (startRv !== null && rv !== null ? rv > startRv : isLive) return { kind: 'event', event };
  }
  const sameResource = record.writes.filter((write) => write.resource === stream.request.watched.resource);
  for (const write of sameResource.sort((a, b) => a.atMs - b.atMs)) {
    if (write.atMs > latestMs) continue;
    const writeRv = parseResourceVersion(write.resourceVersion);
    const advanced = startRv !== null && writeRv !== null ? writeRv > startRv : write.sentAtMs >= startedAtMs;
    if (advanced) return { kind: 'write', write };
  }
  return undefined;
}

/**
 * Before closing a watch at its timeoutSeconds deadline, kube-apiserver sends a bookmark
 * (when the client allowed bookmarks and the RV moved since the watch started), so the client
 * resumes from a fresh RV.
 *
 * Upstream: apiserver v0.35.0 pkg/storage/cacher/cache_watcher.go nextBookmarkTime: "(a) right
 * before the watcher timeout - for now we simply set it 2s before the deadline", in 1 s buckets,
 * dispatched by cacher.go dispatchEvents every 1-1.25 s, i.e. about 1-3.25 s before the close;
 * delivered only if its RV is greater than the watch's start RV (`process()`), so an idle
 * resource gets none. Test RunTestWatchDispatchBookmarkEvents (bookmark within a 3 s timeout).
 * Uncached (etcd-direct) resources, such as events, get no bookmarks at all, which is why this is
 * a warn: without the bookmark client-go re-watches from its older last RV, which is more likely
 * to be compacted out of the watch cache history (410 Expired, relist).
 *
 * A stream qualifies when it asked for bookmarks with timeoutSeconds, got a 200, was closed by the
 * server (server-eof) no earlier than 1.5 s before response + timeoutSeconds, and the resource RV
 * advanced at least 4 s before that deadline. The bookmark is looked for within
 * params.deadlineBookmarkWindowMs before the close.
 */
export const bookmarkBeforeDeadline: Check = {
  id: ID,
  title: 'A bookmark arrives shortly before the server closes the watch at timeoutSeconds',
  maxSeverity: 'warn',
  source: 'apiserver v0.35.0 pkg/storage/cacher/cache_watcher.go nextBookmarkTime ("2s before the deadline"), cacher.go dispatchEvents',
  run(record, params: CheckParams) {
    const candidates = record.streams.filter(
      (stream) =>
        stream.request.options.allowWatchBookmarks === true &&
        (stream.request.options.timeoutSeconds ?? 0) > 0 &&
        responseOf(stream)?.status === 200,
    );
    if (candidates.length === 0) return skipped(ID, 'no 200 stream requested allowWatchBookmarks=true with timeoutSeconds');
    const findings: Finding[] = [];
    let reachedDeadline = 0;
    let qualified = 0;
    for (const stream of candidates) {
      const response = responseOf(stream)!;
      const close = closeOf(stream);
      const deadlineMs = response.atMs + stream.request.options.timeoutSeconds! * 1000;
      if (close?.reason !== 'server-eof' || close.atMs < deadlineMs - DEADLINE_CLOSE_TOLERANCE_MS) continue;
      reachedDeadline++;
      const advance = findAdvance(stream, record, deadlineMs - ADVANCE_LEAD_MS);
      if (advance === undefined) continue;
      qualified++;
      const windowStartMs = close.atMs - params.deadlineBookmarkWindowMs;
      const found = bookmarksOf(stream).find((bookmark) => bookmark.atMs >= windowStartMs && bookmark.atMs <= close.atMs);
      if (found !== undefined) continue;
      const lastBookmark = bookmarksOf(stream).at(-1);
      const advanceText =
        advance.kind === 'write'
          ? `a workload ${advance.write.verb} of ${advance.write.resource}/${advance.write.name}${advance.write.resourceVersion ? ` (RV ${advance.write.resourceVersion})` : ''} ${sinceRequest(stream, advance.write.atMs)}`
          : `an ${advance.event.type} event with RV ${resourceVersionOf(advance.event) ?? 'none'} ${sinceRequest(stream, advance.event.atMs)}`;
      findings.push({
        severity: 'warn',
        stream: stream.id,
        message:
          `${stream.id}: expected a BOOKMARK within ${formatGoDuration(params.deadlineBookmarkWindowMs)} before the server closed the watch at its timeoutSeconds=${stream.request.options.timeoutSeconds} deadline ` +
          `(kube-apiserver's cache_watcher.go nextBookmarkTime schedules one "2s before the deadline", delivered about 1-3.25 s before the close, once the RV moved past the watch start: here ${advanceText}); ` +
          `observed none (stream closed ${sinceRequest(stream, close.atMs)}; last bookmark ${lastBookmark ? sinceRequest(stream, lastBookmark.atMs) : 'never'}). ` +
          `Without it client-go re-watches from its older last RV, which is more likely to be 410 Expired and force a relist. (Uncached resources such as events never get bookmarks from kube-apiserver either.)`,
        evidence: {
          stream: stream.id,
          timeoutSeconds: stream.request.options.timeoutSeconds,
          deadlineMsSinceRequest: msSinceRequest(stream, deadlineMs),
          closeAtMsSinceRequest: msSinceRequest(stream, close.atMs),
          windowMs: params.deadlineBookmarkWindowMs,
          lastBookmarkAtMsSinceRequest: lastBookmark ? msSinceRequest(stream, lastBookmark.atMs) : null,
          advancedBy:
            advance.kind === 'write'
              ? { write: advance.write.name, resource: advance.write.resource, resourceVersion: advance.write.resourceVersion ?? null, atMsSinceRequest: msSinceRequest(stream, advance.write.atMs) }
              : { eventSeq: advance.event.seq, type: advance.event.type, resourceVersion: resourceVersionOf(advance.event) ?? null, atMsSinceRequest: msSinceRequest(stream, advance.event.atMs) },
        },
      });
    }
    if (reachedDeadline === 0) {
      return skipped(ID, 'no stream ran until its timeoutSeconds deadline (none was closed by the server within 1.5 s of it)');
    }
    if (qualified === 0) {
      return skipped(
        ID,
        'the resource RV did not advance during the watch (no write to the resource and no event above the start RV at least 4 s before the deadline); kube-apiserver sends no bookmark then',
      );
    }
    return resultOf(ID, findings, `${qualified} stream(s) got a bookmark before the server closed them at timeoutSeconds`, 'no bookmark before the timeoutSeconds deadline');
  },
};
