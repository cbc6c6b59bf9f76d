import {
  bookmarksOf,
  eventsOf,
  initialEventsEndBookmark,
  isInitialEventsEndBookmark,
  msSinceRequest,
  resourceVersionOf,
  responseOf,
  sinceRequest,
} from '../record/accessors.js';
import {
  isVeryShortWatch,
  isWatchListRequest,
  unfilteredWatchListWithEndBookmark,
  hasSelector,
  selectorText,
  selectorsOf,
} from '../record/requests.js';
import { findResourceVersionAdvance } from '../record/resource-version.js';
import {
  ADVANCE_BEFORE_DEADLINE_MS,
  advanceEvidence,
  deadlineBookmarkOf,
  describeAdvance,
  serverDeadlineClose,
} from './deadline-bookmark.js';
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


interface Part {
  findings: Finding[];
  /** What was judged, when something was. */
  summary?: string;
  skipReason?: string;
}

/**
 * Selector watch-lists (what a client-go v0.35+ informer with a selector sends) answered 200,
 * without an ERROR event or a very short close, that got no initial-events-end bookmark while an
 * unfiltered watch-list on the same collection got it: the server filters the end bookmark.
 */
function endBookmarkFindings(record: RunRecord): Part {
  const candidates = record.streams.filter(
    (stream) =>
      isWatchListRequest(stream.request.options) &&
      hasSelector(stream.request.options) &&
      responseOf(stream)?.status === 200 &&
      !eventsOf(stream).some((event) => event.type === 'ERROR') &&
      !isVeryShortWatch(stream),
  );
  if (candidates.length === 0) return { findings: [], skipReason: 'no 200 watch-list stream with a label or field selector was recorded' };
  const findings: Finding[] = [];
  let compared = 0;
  for (const stream of candidates) {
    const unfiltered = unfilteredWatchListWithEndBookmark(stream, record.streams);
    if (unfiltered === undefined) continue;
    compared++;
    if (initialEventsEndBookmark(stream) !== undefined) continue;
    findings.push({
      severity: 'fail',
      stream: stream.id,
      message:
        `${stream.id}: expected the initial-events-end bookmark on this watch-list with ${selectorText(stream.request.options)}, as on ${unfiltered.stream.id} without a selector, which got it ${sinceRequest(unfiltered.stream, unfiltered.endBookmark.atMs)}: ` +
        `kube-apiserver does not filter bookmarks by selector (cache_watcher.go convertToWatchEvent returns them before applying the filter; RunWatchListMatchSingle); observed none. ` +
        `The server filters the end bookmark by selector: client-go v0.35+ informers with a selector never sync (they wait for that bookmark and re-issue the watch-list at every timeout), while unfiltered informers do.`,
      evidence: {
        stream: stream.id,
        selectors: selectorsOf(stream.request.options),
        bookmarks: bookmarksOf(stream).length,
        unfiltered: { stream: unfiltered.stream.id, endBookmarkAtMsSinceRequest: msSinceRequest(unfiltered.stream, unfiltered.endBookmark.atMs) },
      },
    });
  }
  if (compared === 0) return { findings, skipReason: 'no selector watch-list could be compared with an unfiltered watch-list that got its end bookmark' };
  return { findings, summary: `${compared} selector watch-list(s) got the initial-events-end bookmark like the unfiltered one` };
}

/** Deadline bookmarks on selector watches, compared with an unfiltered watch that got its own. */
function deadlineBookmarkFindings(record: RunRecord, params: CheckParams): Part & { noteText: string } {
  const bookmarkWatches = record.streams.filter((stream) => stream.request.options.allowWatchBookmarks === true && responseOf(stream)?.status === 200);
  const selectorWatches = bookmarkWatches.filter((stream) => hasSelector(stream.request.options));
  if (selectorWatches.length === 0) return { findings: [], skipReason: 'no 200 watch with allowWatchBookmarks=true and a label or field selector was recorded', noteText: '' };
  const qualified = selectorWatches.flatMap((stream) => {
    const ran = ranToDeadlineAfterAdvance(stream, record);
    return ran === undefined ? [] : [{ stream, ...ran }];
  });
  if (qualified.length === 0) {
    return { findings: [], skipReason: 'no selector watch ran to its timeoutSeconds deadline after the resource RV advanced (at least 4 s before it); kube-apiserver sends no bookmark otherwise', noteText: '' };
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
        `${stream.id}: expected at least one BOOKMARK on this watch with ${selectorText(stream.request.options)}, which the server closed at its timeoutSeconds=${stream.request.options.timeoutSeconds} deadline ${sinceRequest(stream, close.atMs)} ` +
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
  if (compared === 0) return { findings, skipReason: `no selector watch could be compared: ${notes.join('; ')}`, noteText: '' };
  const noteText = notes.length > 0 ? ` (not compared: ${notes.join('; ')})` : '';
  return { findings, summary: `${compared} selector watch(es) got bookmarks like the unfiltered watch on the same resource${noteText}`, noteText };
}

/**
 * Bookmarks are not filtered by label or field selectors: a selector watch-list still ends its
 * initial events with the annotated bookmark, and a selector watch that matches nothing still gets
 * bookmarks, so its RV keeps up with the resource.
 *
 * Upstream: apiserver v0.35.0 pkg/storage/cacher/cache_watcher.go convertToWatchEvent returns bookmark
 * events before applying the watcher's filter (spec 2.2); pkg/storage/testing/watcher_tests.go
 * RunWatchListMatchSingle (a field-selector watch-list ends with the annotated bookmark) and
 * RunTestWatchDispatchBookmarkEvents (a bookmark within 3 s once a write in another namespace
 * advanced the RV).
 *
 * - fail: a 200 watch-list with a selector got no initial-events-end bookmark while an unfiltered
 *   watch-list on the same collection got it. Since client-go v0.35 an informer with a selector
 *   starts with such a watch-list (its ListWatch adds the selectors to every request: tools/cache/listwatch.go NewFilteredListWatchFromClient), so
 *   it never syncs (spec 1.3).
 * - warn: a bookmark-enabled 200 selector watch the server closed at its timeoutSeconds deadline
 *   after the resource RV advanced (the bookmark.before-deadline conditions) got no bookmark, while
 *   an unfiltered watch on the same resource got its pre-deadline bookmark: the narrow client's
 *   RV goes stale, so its re-watch is more likely to be 410 Expired and force a relist.
 */
export const bookmarkSelectors: Check = {
  id: ID,
  title: 'Watches with a label or field selector get bookmarks too (bookmarks are not filtered)',
  maxSeverity: 'fail',
  source:
    'apiserver v0.35.0 pkg/storage/cacher/cache_watcher.go convertToWatchEvent; pkg/storage/testing/watcher_tests.go RunWatchListMatchSingle, RunTestWatchDispatchBookmarkEvents',
  meaning:
    'kube-apiserver does not filter bookmarks by label selector, field selector or namespace: a watch-list with a selector ' +
    'ends its initial events with the annotated bookmark like one without, and a watch whose selector matches nothing still ' +
    'gets bookmarks, so its RV keeps up with the resource. Selector watch-lists are compared with an unfiltered watch-list on ' +
    'the same collection that got its end bookmark; selector watches that ran to their deadline after the RV advanced with ' +
    "an unfiltered watch that got its pre-deadline bookmark (if none did, that is `bookmark.before-deadline`'s finding).",
  severities: {
    fail:
      'a watch-list with a selector got no initial-events-end bookmark while the unfiltered one did: client-go v0.35+ informers ' +
      'with a selector (what most controllers run) never sync, while unfiltered ones do.',
    warn:
      'the selector watch got no bookmark while the unfiltered one did: the server filters bookmarks. A narrowly scoped client ' +
      'keeps a stale RV, so its re-watch is more likely to be 410 Expired and force a relist.',
  },
  fix:
    "Apply selectors and the namespace only to ADDED/MODIFIED/DELETED events, never to BOOKMARK: kube-apiserver's " +
    "`convertToWatchEvent` (apiserver `pkg/storage/cacher/cache_watcher.go`) returns a bookmark before it evaluates the watcher's filter. A " +
    'bookmark object has no labels or fields, so running the filter on it drops it, the initial-events-end bookmark included.',
  run(record, params: CheckParams) {
    const end = endBookmarkFindings(record);
    const deadline = deadlineBookmarkFindings(record, params);
    const findings = [...end.findings, ...deadline.findings];
    const judged = [end.summary, deadline.summary].filter((part): part is string => part !== undefined);
    if (judged.length === 0) return skipped(ID, [end.skipReason, deadline.skipReason].filter(Boolean).join('; '));
    const problem = [
      end.findings.length > 0 ? 'selector watch-lists without the end bookmark while the unfiltered one got it: informers with selectors never sync' : '',
      deadline.findings.length > 0 ? `selector watches without bookmarks: the server filters bookmarks by selector${deadline.noteText}` : '',
    ].filter(Boolean);
    return resultOf(ID, findings, judged.join('; '), problem.join('; '));
  },

};
