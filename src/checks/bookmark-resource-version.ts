import {
  eventsOf,
  isChangeEvent,
  isInitialEventsEndBookmark,
  msSinceRequest,
  resourceVersionOf,
  sinceRequest,
} from '../record/accessors.js';
import { splitInitialEvents } from '../record/initial-events.js';
import { parseResourceVersion } from '../record/resource-version.js';
import type { EventEntry, StreamRecord } from '../record/timeline.js';
import { MAX_EXAMPLES, listExamples, resultOf, skipped } from './check-result.js';
import type { Check, Finding } from './types.js';

const ID = 'bookmark.resource-version';

interface Violation {
  bookmark: EventEntry;
  other: EventEntry;
}

function example(stream: StreamRecord, { bookmark, other }: Violation) {
  return {
    bookmarkSeq: bookmark.seq,
    bookmarkResourceVersion: resourceVersionOf(bookmark) ?? null,
    bookmarkAtMsSinceRequest: msSinceRequest(stream, bookmark.atMs),
    initialEventsEnd: isInitialEventsEndBookmark(bookmark),
    otherSeq: other.seq,
    otherType: other.type,
    otherResourceVersion: resourceVersionOf(other) ?? null,
    otherAtMsSinceRequest: msSinceRequest(stream, other.atMs),
  };
}

/**
 * A bookmark's RV is ≥ every earlier event's RV and < the next event's RV.
 *
 * Upstream: apiserver v0.35.0 pkg/storage/cacher/cache_watcher.go delivers events and bookmarks
 * from one ordered dispatch, bookmarks only with an RV ≥ what the watcher saw (`process()`
 * filter), and every later event has RV > the bookmark RV (spec 2.2); apimachinery
 * pkg/watch/watch.go: restarting from a bookmark RV repeats and misses nothing; test
 * RunTestOptionalWatchBookmarksWithCorrectResourceVersion. A bookmark RV may equal the previous
 * event's RV, and may exceed every visible object's RV (bookmarks ignore selectors and namespaces).
 *
 * Initial events of watch-list / legacy RV ""/"0" streams are not RV-ordered (ordered by key), so
 * among them only their maximum matters: the end bookmark is compared with it, and a bookmark is
 * not compared with a following *initial* event. RVs that are not decimal integers are skipped
 * (info).
 */
export const bookmarkResourceVersion: Check = {
  id: ID,
  title: 'Bookmark RVs never go back and stay below the next event',
  maxSeverity: 'fail',
  source: 'apiserver v0.35.0 pkg/storage/cacher/cache_watcher.go process/convertToWatchEvent; apimachinery pkg/watch/watch.go (Bookmark)',
  meaning:
    'A bookmark tells the client "you have everything up to this RV; a watch restarted from it neither repeats nor misses an ' +
    'event". So its RV is at least the RV of every event and bookmark before it on the stream (for the unordered initial ' +
    'events: their maximum), and the next ADDED/MODIFIED/DELETED after it has a greater RV. A bookmark may repeat the ' +
    'previous RV, and may exceed every RV the watch can see (bookmarks are resource-wide).',
  severities: {
    fail:
      'a bookmark RV lower than an earlier event or bookmark (a re-watch from it replays events the client has), or a next ' +
      "event whose RV is not above the bookmark's (a re-watch from it misses that change).",
    info: 'some RVs are not decimal integers, so those comparisons were skipped.',
  },
  fix:
    'Send bookmarks through the same ordered path as the events, carrying the RV of the last change the server has dispatched ' +
    'for the whole resource: kube-apiserver uses `lastProcessedResourceVersion` in apiserver `pkg/storage/cacher/cacher.go` ' +
    '`dispatchEvents`, and `cache_watcher.go` `process` drops a bookmark whose RV is not above what that watcher was already ' +
    'sent. Do not take the bookmark RV from a source that can run ahead of events still queued for the watcher (a fresh ' +
    'database read, a clock) or lag behind them (a replica).',
  run(record) {
    const findings: Finding[] = [];
    let bookmarksChecked = 0;
    for (const stream of record.streams) {
      const events = eventsOf(stream).filter((event) => isChangeEvent(event) || event.type === 'BOOKMARK');
      if (!events.some((event) => event.type === 'BOOKMARK')) continue;
      const initialSeqs = new Set(splitInitialEvents(stream, record.writes).initial.map((event) => event.seq));
      const goesBack: Violation[] = [];
      const notBelowNext: Violation[] = [];
      let uncomparable = 0;
      let maxPrevious: { rv: bigint; event: EventEntry } | undefined;
      events.forEach((event, index) => {
        const rv = parseResourceVersion(resourceVersionOf(event));
        if (event.type === 'BOOKMARK' && resourceVersionOf(event)) {
          bookmarksChecked++;
          if (rv === null) {
            uncomparable++;
          } else {
            if (maxPrevious !== undefined && rv < maxPrevious.rv) goesBack.push({ bookmark: event, other: maxPrevious.event });
            const next = events.slice(index + 1).find(isChangeEvent);
            if (next !== undefined && !initialSeqs.has(next.seq)) {
              const nextRv = parseResourceVersion(resourceVersionOf(next));
              if (nextRv === null) uncomparable++;
              else if (nextRv <= rv) notBelowNext.push({ bookmark: event, other: next });
            }
          }
        }
        if (rv !== null && (maxPrevious === undefined || rv > maxPrevious.rv)) maxPrevious = { rv, event };
      });

      const describe = (violations: Violation[]) =>
        listExamples(
          violations.map(
            ({ bookmark, other }) =>
              `${isInitialEventsEndBookmark(bookmark) ? 'initial-events-end ' : ''}BOOKMARK #${bookmark.seq} RV ${resourceVersionOf(bookmark)} ${sinceRequest(stream, bookmark.atMs)} vs ${other.type} #${other.seq} RV ${resourceVersionOf(other)}`,
          ),
        );
      if (goesBack.length > 0) {
        findings.push({
          severity: 'fail',
          stream: stream.id,
          message:
            `${stream.id}: expected every BOOKMARK RV to be ≥ the RVs of the events and bookmarks before it (one ordered dispatch in kube-apiserver; for unordered initial events, ≥ their maximum); ` +
            `observed ${goesBack.length} bookmark(s) going back: ${describe(goesBack)}. client-go stores the bookmark RV as its position; re-watching from it replays events the client already has.`,
          evidence: { stream: stream.id, rule: 'bookmark-rv-below-earlier', count: goesBack.length, examples: goesBack.slice(0, MAX_EXAMPLES).map((v) => example(stream, v)) },
        });
      }
      if (notBelowNext.length > 0) {
        findings.push({
          severity: 'fail',
          stream: stream.id,
          message:
            `${stream.id}: expected the next ADDED/MODIFIED/DELETED after a BOOKMARK to have a greater RV (every later event has RV > the bookmark RV); ` +
            `observed ${notBelowNext.length} case(s) where it does not: ${describe(notBelowNext)}. A client re-watching from that bookmark RV would miss that change.`,
          evidence: { stream: stream.id, rule: 'next-event-rv-not-above-bookmark', count: notBelowNext.length, examples: notBelowNext.slice(0, MAX_EXAMPLES).map((v) => example(stream, v)) },
        });
      }
      if (uncomparable > 0) {
        findings.push({
          severity: 'info',
          stream: stream.id,
          message: `${stream.id}: ${uncomparable} bookmark RV comparison(s) skipped because an RV is not a decimal integer (RVs are opaque to clients).`,
          evidence: { stream: stream.id, uncomparable },
        });
      }
    }
    if (bookmarksChecked === 0) return skipped(ID, 'no BOOKMARK with a resourceVersion was recorded');
    return resultOf(ID, findings, `${bookmarksChecked} bookmark RV(s) in order with the surrounding events`, 'bookmark RVs out of order');
  },
};
