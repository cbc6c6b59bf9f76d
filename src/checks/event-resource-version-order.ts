import { msSinceRequest, resourceVersionOf, sinceRequest } from '../record/accessors.js';
import { describeLiveEvidence, splitInitialEvents } from '../record/initial-events.js';
import { parseResourceVersion } from '../record/resource-version.js';
import type { InitialEventsSplit } from '../record/initial-events.js';
import type { EventEntry, StreamRecord } from '../record/timeline.js';
import { MAX_EXAMPLES, listExamples, resultOf, skipped } from './check-result.js';
import type { Check, Finding } from './types.js';

const ID = 'event.resource-version-order';

function example(stream: StreamRecord, previous: EventEntry, event: EventEntry) {
  return {
    previousSeq: previous.seq,
    previousType: previous.type,
    previousResourceVersion: resourceVersionOf(previous) ?? null,
    seq: event.seq,
    type: event.type,
    resourceVersion: resourceVersionOf(event) ?? null,
    atMsSinceRequest: msSinceRequest(stream, event.atMs),
  };
}

/** Info: events of a stream without the end bookmark that may be its initial state, not compared. */
function uncertainInitial(stream: StreamRecord, split: InitialEventsSplit): Finding {
  const first = split.initial[0]!;
  const last = split.initial[split.initial.length - 1]!;
  const range = first === last ? `#${first.seq}` : `#${first.seq}..#${last.seq}`;
  return {
    severity: 'info',
    stream: stream.id,
    message:
      `${stream.id}: no initial-events-end bookmark marks where the initial state ends, so the ${split.initial.length} leading event(s) (${range}) that may belong to it ` +
      `were not compared (the initial state comes in key order, each object with its own RV, and the server may take its snapshot after the request); ` +
      (split.liveFrom !== undefined
        ? `${split.live.length} event(s) from ${describeLiveEvidence(stream, split.liveFrom)} on are live and were compared.`
        : 'no later event is certainly live.'),
    evidence: {
      stream: stream.id,
      boundary: split.boundary,
      mayBeInitial: split.initial.length,
      firstLiveSeq: split.liveFrom?.event.seq ?? null,
      liveEvidence: split.liveFrom?.evidence ?? null,
    },
  };
}

/**
 * Live ADDED/MODIFIED/DELETED events arrive in strictly increasing RV order.
 *
 * Upstream: apiserver v0.35.0 pkg/storage/cacher/cache_watcher.go (single ordered dispatch from
 * the watch cache), etcd3 watcher.go (revision order); e2e test/e2e/apimachinery/watch.go
 * "should receive events on concurrent watches in same order" and "should be able to restart
 * watching from the last resource version observed by the previous watch": client-go re-watches
 * from the last RV it saw, so an out-of-order RV makes it repeat or miss events.
 *
 * Live events are: events after the initial-events-end bookmark (watch-list, or legacy RV ""/"0"
 * watches the server marked); every event of a watch from an explicit RV or with
 * sendInitialEvents=false; and, without the marker, the events from the first one that cannot
 * belong to the server's snapshot on (derive.ts splitInitialEvents). The initial state comes in
 * the store's key order with each object's own RV (the watch cache lists by key), and with
 * NotOlderThan the snapshot may include writes made after the request, so events that may be
 * initial are never compared (info says how many). RVs that are not decimal integers are skipped (info).
 */
export const eventResourceVersionOrder: Check = {
  id: ID,
  title: 'Live events have strictly increasing RVs',
  maxSeverity: 'fail',
  source: 'apiserver v0.35.0 pkg/storage/cacher/cache_watcher.go; e2e test/e2e/apimachinery/watch.go (same order, restart from last RV)',
  meaning:
    'Live ADDED/MODIFIED/DELETED events on one stream have strictly increasing RVs, because clients resume from the last RV ' +
    'they saw. Live events are those after the end bookmark, every event of a watch from an explicit RV or with ' +
    '`sendInitialEvents=false`, and otherwise those from the first event that cannot belong to the initial snapshot on (a ' +
    "DELETED, a second event for an object, or the RV of a watchmark write sent after the stream's first frame). Initial " +
    'events come in key order with their own RVs, so they, and any event that may be one, are not compared.',
  severities: {
    fail:
      'a live event at or below the RV of the event before it: client-go re-watches from the last RV it saw, so it would repeat ' +
      'or miss events around it.',
    info:
      'some RVs are not decimal integers, so they were not compared; or a stream without the end bookmark had events that may ' +
      'belong to its initial state, which were not compared.',
  },
  fix:
    'Deliver changes in commit order, each with the RV of its own commit: kube-apiserver dispatches each change once, in RV ' +
    "order, from its watch cache (apiserver `pkg/storage/cacher/cache_watcher.go`) or from etcd's revision-ordered watch " +
    "(`pkg/storage/etcd3/watcher.go`), and a DELETED event carries the deletion's RV, not the object's last one. Take RVs " +
    "from one global, monotonic sequence (etcd's revision; an auto-increment row id, as kine does), never per-object counters" +
    ' or timestamps, and do not interleave several unsorted change feeds.',
  run(record) {
    const findings: Finding[] = [];
    let compared = 0;
    let streamsWithLive = 0;
    for (const stream of record.streams) {
      const split = splitInitialEvents(stream, record.writes);
      const { live } = split;
      if (split.boundary !== 'end-bookmark' && split.boundary !== 'none' && split.initial.length > 0) findings.push(uncertainInitial(stream, split));
      if (live.length < 2) continue;
      streamsWithLive++;
      const violations: Array<{ previous: EventEntry; event: EventEntry }> = [];
      let uncomparable = 0;
      let previous: { rv: bigint; event: EventEntry } | undefined;
      for (const event of live) {
        const rv = parseResourceVersion(resourceVersionOf(event));
        if (rv === null) {
          uncomparable++;
          continue;
        }
        if (previous !== undefined) {
          compared++;
          if (rv <= previous.rv) violations.push({ previous: previous.event, event });
        }
        previous = { rv, event };
      }
      if (violations.length > 0) {
        findings.push({
          severity: 'fail',
          stream: stream.id,
          message:
            `${stream.id}: expected live events with strictly increasing RVs; observed ${violations.length} event(s) at or below the RV before them: ` +
            `${listExamples(violations.map(({ previous, event }) => `${event.type} #${event.seq} RV ${resourceVersionOf(event)} after ${previous.type} #${previous.seq} RV ${resourceVersionOf(previous)} ${sinceRequest(stream, event.atMs)}`))}. ` +
            `client-go re-watches from the last RV it saw, so it would repeat or miss events around these.`,
          evidence: { stream: stream.id, count: violations.length, examples: violations.slice(0, MAX_EXAMPLES).map(({ previous, event }) => example(stream, previous, event)) },
        });
      }
      if (uncomparable > 0) {
        findings.push({
          severity: 'info',
          stream: stream.id,
          message: `${stream.id}: ${uncomparable} live event RV(s) are not decimal integers (RVs are opaque to clients); they were not compared.`,
          evidence: { stream: stream.id, uncomparable },
        });
      }
    }
    if (streamsWithLive === 0) {
      const uncertain = findings.filter((finding) => finding.evidence?.['mayBeInitial'] !== undefined).map((finding) => finding.stream);
      const why = uncertain.length > 0 ? ` (on ${listExamples(uncertain.map(String))} no end bookmark marks where the initial state ends, so events that may belong to it were not compared)` : '';
      return skipped(ID, `no stream had two or more certainly live events to compare${why}`);
    }
    return resultOf(ID, findings, `${compared} consecutive live event RV pair(s) on ${streamsWithLive} stream(s), all increasing`, 'live events out of RV order');
  },
};
