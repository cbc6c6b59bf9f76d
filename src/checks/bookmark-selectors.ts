import {
  ADVANCE_BEFORE_DEADLINE_MS,
  advanceEvidence,
  bookmarksOf,
  deadlineBookmarkOf,
  describeAdvance,
  findResourceVersionAdvance,
  hasSelector,
  isInitialEventsEndBookmark,
  msSinceRequest,
  resourceVersionOf,
  responseOf,
  selectorsOf,
  serverDeadlineClose,
  sinceRequest,
} from '../record/derive.js';
import type { RunRecord, StreamRecord } from '../record/timeline.js';
import { listExamples, resultOf, skipped } from './check-result.js';
import type { Check, CheckParams, Finding } from './types.js';

const ID = 'bookmark.selectors';

/** A bookmark-enabled 200 watch that the server closed at its timeoutSeconds deadline, the RV having advanced at least 4 s before it. */
function ranToDeadlineAfterAdvance(stream: StreamRecord, record: RunRecord) {
  const deadline = serverDeadlineClose(stream);
  if (deadline === undefined) return undefined;
  const advance = findResourceVersionAdvance(stream, record.writes, deadline.deadlineMs - ADVANCE_BEFORE_DEADLINE_MS);
  if (advance === undefined) return undefined;
  return { ...deadline, advance };
}

function selectorText(stream: StreamRecord): string {
  return Object.entries(selectorsOf(stream.request.options))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
}

/**
 * Bookmarks are not filtered by label or field selectors: a selector watch that matches nothing
 * still gets bookmarks, so its RV keeps up with the resource.
 *
 * Upstream: apiserver v0.35.0 pkg/storage/cacher/cache_watcher.go convertToWatchEvent returns bookmark
 * events before applying the watcher's filter (spec 2.2); pkg/storage/testing/watcher_tests.go
 * RunTestWatchDispatchBookmarkEvents (a bookmark within 3 s once a write in another namespace
 * advanced the RV). A server that filters bookmarks by selector leaves a narrow client's RV
 * stale: client-go re-watches from its last RV, which is then more likely to be 410 Expired and
 * force a relist. A warn: client-go copes.
 *
 * Judged on bookmark-enabled 200 watches with a label or field selector that the server closed at
 * their timeoutSeconds deadline after the resource RV advanced (the bookmark.before-deadline
 * conditions): at least one bookmark (other than an initial-events-end one) must have arrived.
 * Only compared with an unfiltered bookmark watch on the same resource in the same run that got
 * its pre-deadline bookmark; if none did, bookmark.before-deadline is the finding, not this.
 */
export const bookmarkSelectors: Check = {
  id: ID,
  title: 'Watches with a label or field selector get bookmarks too (bookmarks are not filtered)',
  maxSeverity: 'warn',
  source: 'apiserver v0.35.0 pkg/storage/cacher/cache_watcher.go convertToWatchEvent; pkg/storage/testing/watcher_tests.go RunTestWatchDispatchBookmarkEvents',
  meaning:
    'kube-apiserver does not filter bookmarks by label selector, field selector or namespace: a watch whose selector matches ' +
    'nothing still gets bookmarks, so its RV keeps up with the resource. Judged on selector watches that ran to their ' +
    'deadline after the RV advanced, against an unfiltered watch on the same resource that did get its pre-deadline bookmark ' +
    "(if none did, that is `bookmark.before-deadline`'s finding).",
  severities: {
    warn:
      'the selector watch got no bookmark while the unfiltered one did: the server filters bookmarks. A narrowly scoped client ' +
      'keeps a stale RV, so its re-watch is more likely to be 410 Expired and force a relist.',
  },
  fix:
    "Apply selectors and the namespace only to ADDED/MODIFIED/DELETED events, never to BOOKMARK: kube-apiserver's " +
    "`convertToWatchEvent` (apiserver `pkg/storage/cacher/cache_watcher.go`) returns a bookmark before it evaluates the watcher's filter. A " +
    'bookmark object has no labels or fields, so running the filter on it drops it.',
  run(record, params: CheckParams) {
    const bookmarkWatches = record.streams.filter((stream) => stream.request.options.allowWatchBookmarks === true && responseOf(stream)?.status === 200);
    const selectorWatches = bookmarkWatches.filter((stream) => hasSelector(stream.request.options));
    if (selectorWatches.length === 0) return skipped(ID, 'no 200 watch with allowWatchBookmarks=true and a label or field selector was recorded');
    const qualified = selectorWatches.flatMap((stream) => {
      const ran = ranToDeadlineAfterAdvance(stream, record);
      return ran === undefined ? [] : [{ stream, ...ran }];
    });
    if (qualified.length === 0) {
      return skipped(ID, 'no selector watch ran to its timeoutSeconds deadline after the resource RV advanced (at least 4 s before it); kube-apiserver sends no bookmark otherwise');
    }
    const findings: Finding[] = [];
    const notes: string[] = [];
    let compared = 0;
    for (const { stream, close, advance } of qualified) {
      const partners = bookmarkWatches.filter(
        (other) =>
          !hasSelector(other.request.options) &&
          other.request.watched.resource === stream.request.watched.resource &&
          other.request.watched.apiVersion === stream.request.watched.apiVersion &&
          ranToDeadlineAfterAdvance(other, record) !== undefined,
      );
      if (partners.length === 0) {
        notes.push(`${stream.id}: no unfiltered bookmark watch on ${stream.request.watched.resource} ran to its deadline after the RV advanced`);
        continue;
      }
      const partner = partners
        .map((other) => ({ other, bookmark: deadlineBookmarkOf(other, params.deadlineBookmarkWindowMs) }))
        .find((candidate) => candidate.bookmark !== undefined);
      if (partner === undefined || partner.bookmark === undefined) {
        notes.push(`${stream.id}: the unfiltered watch${partners.length === 1 ? '' : 'es'} ${listExamples(partners.map((other) => other.id))} got no deadline bookmark either (bookmark.before-deadline covers it)`);
        continue;
      }
      compared++;
      const bookmarks = bookmarksOf(stream).filter((bookmark) => !isInitialEventsEndBookmark(bookmark));
      if (bookmarks.length > 0) continue;
      const { other, bookmark } = partner;
      findings.push({
        severity: 'warn',
        stream: stream.id,
        message:
          `${stream.id}: expected at least one BOOKMARK on this watch with ${selectorText(stream)}, which the server closed at its timeoutSeconds=${stream.request.options.timeoutSeconds} deadline ${sinceRequest(stream, close.atMs)} ` +
          `after the resource RV advanced (${describeAdvance(stream, advance)}): kube-apiserver does not filter bookmarks by selector (cache_watcher.go convertToWatchEvent returns them before applying the filter; RunTestWatchDispatchBookmarkEvents), ` +
          `and the unfiltered watch ${other.id} on the same resource got its pre-deadline bookmark (RV ${resourceVersionOf(bookmark) ?? 'none'}) ${sinceRequest(other, bookmark.atMs)}; observed none. ` +
          `The server appears to filter bookmarks by selector: a client watching a narrow selector keeps a stale RV, so client-go's re-watch from it is more likely to be 410 Expired and force a relist.`,
        evidence: {
          stream: stream.id,
          selectors: selectorsOf(stream.request.options),
          timeoutSeconds: stream.request.options.timeoutSeconds ?? null,
          closeAtMsSinceRequest: msSinceRequest(stream, close.atMs),
          advancedBy: advanceEvidence(stream, advance),
          unfiltered: {
            stream: other.id,
            bookmarkResourceVersion: resourceVersionOf(bookmark) ?? null,
            bookmarkAtMsSinceRequest: msSinceRequest(other, bookmark.atMs),
          },
        },
      });
    }
    if (compared === 0) return skipped(ID, `no selector watch could be compared: ${notes.join('; ')}`);
    const noteText = notes.length > 0 ? ` (not compared: ${notes.join('; ')})` : '';
    return resultOf(
      ID,
      findings,
      `${compared} selector watch(es) got bookmarks like the unfiltered watch on the same resource${noteText}`,
      `selector watches without bookmarks: the server filters bookmarks by selector${noteText}`,
    );
  },
};
