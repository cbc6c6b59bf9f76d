import { eventsOf, initialEventsEndBookmark, isChangeEvent, msSinceRequest, resourceVersionOf, sinceRequest } from '../record/accessors.js';
import { compareResourceVersions } from '../record/resource-version.js';
import type { EventEntry, StreamRecord } from '../record/timeline.js';
import { MAX_EXAMPLES, listExamples, resultOf, skipped } from './check-result.js';
import type { Check, Finding } from './types.js';

const ID = 'initial-events-end.resource-version';

function example(stream: StreamRecord, event: EventEntry) {
  return { seq: event.seq, type: event.type, resourceVersion: resourceVersionOf(event) ?? null, atMsSinceRequest: msSinceRequest(stream, event.atMs) };
}

/**
 * The initial-events-end bookmark carries the RV the initial state is complete at: non-empty,
 * at least every initial event's RV, and below every later event's RV.
 *
 * Upstream: apiserver v0.35.0 pkg/storage/cacher/cacher.go sets its RV to the watch cache's
 * current RV when the initial interval is cut (≥ every initial object, may exceed them all: it is
 * resource-wide, RunWatchSemanticInitialEventsExtended), sent before any live event; client-go
 * v0.35.0 reflector.go watchList uses it for store.Replace and as the RV to re-watch from, so an
 * empty RV loses the position and a later event at or below it breaks "no repeat, no miss"
 * (apimachinery pkg/watch/watch.go Bookmark doc). Applies to every stream that carries the
 * bookmark. RVs that are not decimal integers are opaque: the comparison is skipped and reported
 * as info.
 */
export const initialEventsEndResourceVersion: Check = {
  id: ID,
  title: 'The initial-events-end bookmark RV covers the initial events and precedes every later event',
  maxSeverity: 'fail',
  source: 'apiserver v0.35.0 pkg/storage/cacher/cacher.go (initial-events-end bookmark RV); client-go v0.35.0 tools/cache/reflector.go watchList',
  meaning:
    "The end bookmark's `metadata.resourceVersion` is where a client-go informer stands after its initial sync: the reflector" +
    ' passes it to `store.Replace` and re-watches from it when the stream ends. So it must be non-empty, at least the RV of ' +
    'every initial event (the state it declares complete) and below the RV of every event after it. It may be higher than ' +
    'every object returned: kube-apiserver uses the resource-wide RV. Checked on every stream that carries the end bookmark; ' +
    'RVs that are not decimal integers are opaque and not compared.',
  severities: {
    fail:
      'the RV is missing or empty (client-go syncs with no position and its next watch starts from `""`, the whole state ' +
      "again), lower than an initial event's RV (it would re-watch from before objects it already holds), or not lower than a " +
      "later event's RV (a re-watch from the bookmark would miss or repeat that change).",
    info: 'some RVs are not decimal integers, so those comparisons were skipped.',
  },
  fix:
    "Set the end bookmark's RV to the revision the initial state was read at, and afterwards send only changes with a greater " +
    "RV, in order. kube-apiserver uses the watch cache's current RV at the moment it cuts the initial events (apiserver " +
    '`pkg/storage/cacher/cacher.go`, `RunWatchSemanticInitialEventsExtended`) and, for uncached resources, the etcd header ' +
    'revision of the consistent range read (`pkg/storage/etcd3/watcher.go` `sync`), then watches from that revision + 1. A ' +
    "server reading its initial state from a database should take the RV of that same read (kinm's list `ListID`), not the " +
    'highest object RV and not a value read separately afterwards.',
  run(record) {
    const findings: Finding[] = [];
    let checked = 0;
    for (const stream of record.streams) {
      const endBookmark = initialEventsEndBookmark(stream);
      if (endBookmark === undefined) continue;
      checked++;
      const bookmarkRv = resourceVersionOf(endBookmark);
      const at = sinceRequest(stream, endBookmark.atMs);
      const base = { stream: stream.id, bookmarkSeq: endBookmark.seq, bookmarkAtMsSinceRequest: msSinceRequest(stream, endBookmark.atMs) };
      if (bookmarkRv === undefined || bookmarkRv === '') {
        findings.push({
          severity: 'fail',
          stream: stream.id,
          message:
            `${stream.id}: expected the initial-events-end bookmark to carry metadata.resourceVersion (kube-apiserver: the watch cache RV when the initial events were cut); ` +
            `observed ${bookmarkRv === undefined ? 'none' : 'an empty string'} on the bookmark ${at}. client-go v0.35+ would sync with an empty last-sync RV and re-watch with resourceVersion="" (full initial state again) at the next watch end.`,
          evidence: { ...base, bookmarkResourceVersion: bookmarkRv ?? null },
        });
        continue;
      }
      const changes = eventsOf(stream).filter(isChangeEvent);
      const initial = changes.filter((event) => event.seq < endBookmark.seq);
      const later = changes.filter((event) => event.seq > endBookmark.seq);
      let uncomparable = 0;

      const above = initial.filter((event) => {
        const order = compareResourceVersions(resourceVersionOf(event), bookmarkRv);
        if (order === null) uncomparable++;
        return order !== null && order > 0;
      });
      if (above.length > 0) {
        const highest = above.reduce((max, event) => (compareResourceVersions(resourceVersionOf(event), resourceVersionOf(max))! > 0 ? event : max));
        findings.push({
          severity: 'fail',
          stream: stream.id,
          message:
            `${stream.id}: expected the initial-events-end bookmark RV to be ≥ every initial event's RV (the state it marks as complete); ` +
            `observed bookmark RV ${bookmarkRv} ${at} below ${above.length} initial event(s), up to RV ${resourceVersionOf(highest)} ` +
            `(${listExamples(above.map((event) => `#${event.seq} ${event.type} RV ${resourceVersionOf(event)}`))}). ` +
            `client-go records the bookmark RV as its last sync RV and would re-watch from before objects it already holds.`,
          evidence: { ...base, bookmarkResourceVersion: bookmarkRv, count: above.length, examples: above.slice(0, MAX_EXAMPLES).map((event) => example(stream, event)) },
        });
      }

      const notAfter = later.filter((event) => {
        const order = compareResourceVersions(resourceVersionOf(event), bookmarkRv);
        if (order === null) uncomparable++;
        return order !== null && order <= 0;
      });
      if (notAfter.length > 0) {
        findings.push({
          severity: 'fail',
          stream: stream.id,
          message:
            `${stream.id}: expected every event after the initial-events-end bookmark (RV ${bookmarkRv}, ${at}) to have an RV greater than it; ` +
            `observed ${notAfter.length} later event(s) at or below it (${listExamples(notAfter.map((event) => `#${event.seq} ${event.type} RV ${resourceVersionOf(event) ?? 'none'} ${sinceRequest(stream, event.atMs)}`))}). ` +
            `A client re-watching from the bookmark RV would miss or repeat these changes.`,
          evidence: { ...base, bookmarkResourceVersion: bookmarkRv, count: notAfter.length, examples: notAfter.slice(0, MAX_EXAMPLES).map((event) => example(stream, event)) },
        });
      }
      if (uncomparable > 0) {
        findings.push({
          severity: 'info',
          stream: stream.id,
          message: `${stream.id}: ${uncomparable} event RV(s) or the bookmark RV ${JSON.stringify(bookmarkRv)} are not decimal integers; RVs are opaque to clients, so those comparisons were skipped.`,
          evidence: { ...base, bookmarkResourceVersion: bookmarkRv, uncomparable },
        });
      }
    }
    if (checked === 0) return skipped(ID, 'no stream carried a BOOKMARK annotated k8s.io/initial-events-end: "true"');
    return resultOf(
      ID,
      findings,
      `${checked} initial-events-end bookmark(s) with a non-empty RV ≥ the initial events and < every later event`,
      'initial-events-end bookmark RV empty or out of order',
    );
  },
};
