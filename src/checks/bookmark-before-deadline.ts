import { formatGoDuration } from '../go-duration.js';
import { bookmarksOf, msSinceRequest, responseOf, sinceRequest } from '../record/accessors.js';
import { findResourceVersionAdvance } from '../record/resource-version.js';
import {
  ADVANCE_BEFORE_DEADLINE_MS,
  advanceEvidence,
  deadlineBookmarkOf,
  describeAdvance,
  serverDeadlineClose,
} from './deadline-bookmark.js';
import { resultOf, skipped } from './check-result.js';
import { declareParams } from './parameters.js';
import type { Check, CheckParams, Finding } from './types.js';

const ID = 'bookmark.before-deadline';

/** This check's tunable parameters (CheckParams; flags, scenario fields and docs derive from them). */
export const bookmarkBeforeDeadlineParams = declareParams(ID, {
  /**
   * kube-apiserver schedules the deadline bookmark 2 s before the deadline in 1 s buckets with
   * 1-1.25 s dispatch jitter (cache_watcher.go nextBookmarkTime, cacher.go dispatchEvents), i.e.
   * about 1-3.25 s before it; 5 s leaves room for a slow server.
   */
  deadlineBookmarkWindowMs: {
    kind: 'duration',
    default: 5_000,
    field: 'window',
    description: 'how long before the timeoutSeconds deadline the deadline bookmark is looked for',
  },
});

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
  params: bookmarkBeforeDeadlineParams,
  title: 'A bookmark arrives shortly before the server closes the watch at timeoutSeconds',
  maxSeverity: 'warn',
  source: 'apiserver v0.35.0 pkg/storage/cacher/cache_watcher.go nextBookmarkTime ("2s before the deadline"), cacher.go dispatchEvents',
  meaning:
    'When a watch runs to its `timeoutSeconds` deadline, kube-apiserver sends a bookmark about 2 s before closing it (1-3.25 ' +
    's in practice), so the client re-watches from a fresh RV; it does so only once the resource RV has moved past the RV the ' +
    'watch started from. Judged on bookmark-enabled 200 watches that the server closed at their deadline after watchmark ' +
    'wrote to the resource (or an event above the start RV arrived) at least 4 s before it; the bookmark is looked for in the ' +
    'last 5 s before the close.',
  severities: {
    warn:
      'no bookmark before the close. client-go copes (it re-watches from the RV of its last event), but that older RV is more ' +
      "likely to have left the watch cache's history, so the re-watch may get 410 Expired and the informer relist. kube-apiserver" +
      ' sends none for uncached resources either (core `events`, `--watch-cache=false`).',
  },
  fix:
    'For watches with a deadline and `allowWatchBookmarks=true`, send a bookmark about 2 s before the deadline carrying the ' +
    "resource's current RV when it is above the watch's start RV, as kube-apiserver does (apiserver " +
    '`pkg/storage/cacher/cache_watcher.go` `nextBookmarkTime`: "2s before the deadline", dispatched by `cacher.go` ' +
    '`dispatchEvents` every 1-1.25 s). A server that watches its storage directly can read its current revision for this. If ' +
    'it cannot, this warning is acceptable: it is what kube-apiserver does for uncached resources.',
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
      const deadline = serverDeadlineClose(stream);
      if (deadline === undefined) continue;
      const { deadlineMs, close } = deadline;
      reachedDeadline++;
      const advance = findResourceVersionAdvance(stream, record.writes, deadlineMs - ADVANCE_BEFORE_DEADLINE_MS);
      if (advance === undefined) continue;
      qualified++;
      if (deadlineBookmarkOf(stream, params.deadlineBookmarkWindowMs) !== undefined) continue;
      const lastBookmark = bookmarksOf(stream).at(-1);
      findings.push({
        severity: 'warn',
        stream: stream.id,
        message:
          `${stream.id}: expected a BOOKMARK within ${formatGoDuration(params.deadlineBookmarkWindowMs)} before the server closed the watch at its timeoutSeconds=${stream.request.options.timeoutSeconds} deadline ` +
          `(kube-apiserver's cache_watcher.go nextBookmarkTime schedules one "2s before the deadline", delivered about 1-3.25 s before the close, once the RV moved past the watch start: here ${describeAdvance(stream, advance)}); ` +
          `observed none (stream closed ${sinceRequest(stream, close.atMs)}; last bookmark ${lastBookmark ? sinceRequest(stream, lastBookmark.atMs) : 'never'}). ` +
          `Without it client-go re-watches from its older last RV, which is more likely to be 410 Expired and force a relist. (Uncached resources such as events never get bookmarks from kube-apiserver either.)`,
        evidence: {
          stream: stream.id,
          timeoutSeconds: stream.request.options.timeoutSeconds,
          deadlineMsSinceRequest: msSinceRequest(stream, deadlineMs),
          closeAtMsSinceRequest: msSinceRequest(stream, close.atMs),
          windowMs: params.deadlineBookmarkWindowMs,
          lastBookmarkAtMsSinceRequest: lastBookmark ? msSinceRequest(stream, lastBookmark.atMs) : null,
          advancedBy: advanceEvidence(stream, advance),
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
