import { eventsOf, isChangeEvent, msSinceRequest, observedUntilMs, responseOf, sinceRequest } from '../record/accessors.js';
import { collectionKeyOf, initialStateModeOf, selectorsOf } from '../record/requests.js';
import type { EventEntry, StreamRecord } from '../record/timeline.js';
import { describeEvent, eventEvidence, eventKey, resultOf, skipped } from './check-result.js';
import type { Check, Finding } from './types.js';

const ID = 'watch.concurrent-order';

/**
 * An event one stream got near its end may be missing from the other only if the other had
 * closed (or observation ended) less than this after it arrived: events of one RV reach every
 * watcher within milliseconds (single ordered dispatch), but a close can race a delivery.
 */
export const CLOSE_RACE_TOLERANCE_MS = 1_000;

/** The group two streams must share to be compared: same collection, selectors, explicit start RV and sendInitialEvents. */
function groupKeyOf(stream: StreamRecord): string | undefined {
  const { options } = stream.request;
  const rv = options.resourceVersion;
  // RV ""/"0" (and sendInitialEvents=false from them) start wherever the server is when each
  // request arrives, and initial events are ordered by key: only an explicit RV pins the sequence.
  if (rv === undefined || rv === '' || rv === '0' || initialStateModeOf(options) !== 'none') return undefined;
  if (responseOf(stream)?.status !== 200) return undefined;
  return JSON.stringify([collectionKeyOf(stream), selectorsOf(options), rv, options.sendInitialEvents ?? null]);
}

interface Divergence {
  index: number;
  /** The event of each side at that index; undefined where the side had none. */
  first?: EventEntry;
  second?: EventEntry;
}

/**
 * Walks both change-event sequences. The first index where both have an event and they differ is
 * a divergence; once one side runs out, the other's next event is one only if it arrived while the
 * side that ran out was still observed (more than CLOSE_RACE_TOLERANCE_MS before its end).
 */
function firstDivergence(first: EventEntry[], firstUntilMs: number, second: EventEntry[], secondUntilMs: number): Divergence | undefined {
  const common = Math.min(first.length, second.length);
  for (let index = 0; index < common; index++) {
    if (eventKey(first[index]!) !== eventKey(second[index]!)) return { index, first: first[index]!, second: second[index]! };
  }
  const extraFirst = first[common];
  if (extraFirst !== undefined && extraFirst.atMs <= secondUntilMs - CLOSE_RACE_TOLERANCE_MS) return { index: common, first: extraFirst };
  const extraSecond = second[common];
  if (extraSecond !== undefined && extraSecond.atMs <= firstUntilMs - CLOSE_RACE_TOLERANCE_MS) return { index: common, second: extraSecond };
  return undefined;
}

/**
 * Concurrent watches of the same collection with the same selectors from the same RV see the
 * same ADDED/MODIFIED/DELETED events (type, namespace/name, RV) in the same order.
 *
 * Upstream: kubernetes test/e2e/apimachinery/watch.go "should receive events on concurrent
 * watches in same order" (Conformance, v1.15): watchers started at successive RVs all observe
 * identical RV sequences; apiserver v0.35.0 pkg/storage/cacher/cacher.go dispatchEvents sends
 * every event to every matching watcher in one order. The watch.Event contract ("On successful
 * restart of watch from a bookmark resourceVersion, client is guaranteed to not get repeat event
 * nor miss any events", apimachinery pkg/watch/watch.go) only holds if every watcher sees the
 * same history; otherwise two informers of one resource build different caches and client-go's
 * re-watch from its last RV repeats or misses events.
 *
 * Pairs: 200 streams with the same collection path, selectors, sendInitialEvents and explicit
 * resourceVersion (not ""/"0": those start wherever the server is). Compared up to the earlier
 * end: the stream observed longer may have extra events at the end, but not events that arrived
 * while the other was still open (1 s tolerance for a close racing a delivery). The first
 * divergence of each pair is reported.
 */
export const watchConcurrentOrder: Check = {
  id: ID,
  title: 'Concurrent watches from the same RV see the same events in the same order',
  maxSeverity: 'fail',
  source: 'e2e test/e2e/apimachinery/watch.go "should receive events on concurrent watches in same order"; apiserver v0.35.0 pkg/storage/cacher/cacher.go dispatchEvents',
  meaning:
    'Watches of the same collection, with the same selectors, started from the same explicit RV, see the same ' +
    'ADDED/MODIFIED/DELETED events (type, namespace/name, RV) in the same order, up to where the shorter one ends (1 s of ' +
    'tolerance for a close racing a delivery). This is the conformance test "should receive events on concurrent watches in ' +
    'same order".',
  severities: {
    fail:
      'the first divergence of each such pair: two informers of the resource would build different caches, and a re-watch from ' +
      'the last RV seen would repeat or miss events.',
  },
  fix:
    "Serve all watches of a resource from one ordered change feed: kube-apiserver's cacher hands each change to every " +
    'matching watcher in the same order (apiserver `pkg/storage/cacher/cacher.go` `dispatchEvents`), and a watch from RV N ' +
    'first replays exactly the history after N. If each watcher polls storage with its own cursor, every poll must return all ' +
    'rows up to a committed revision in RV order, with no gaps left by transactions that commit late.',
  run(record) {
    const groups = new Map<string, StreamRecord[]>();
    for (const stream of record.streams) {
      const key = groupKeyOf(stream);
      if (key === undefined) continue;
      const members = groups.get(key);
      if (members) members.push(stream);
      else groups.set(key, [stream]);
    }
    let pairCount = 0;
    for (const members of groups.values()) pairCount += (members.length * (members.length - 1)) / 2;
    if (pairCount === 0) {
      return skipped(ID, 'no two 200 streams watch the same collection with the same selectors from the same explicit resourceVersion');
    }
    const findings: Finding[] = [];
    let comparedPairs = 0;
    let comparedEvents = 0;
    for (const members of groups.values()) {
      // Each stream's change events once, and a class per distinct event sequence: two streams of
      // one class never diverge, so a scale run (10,000 watches, one class) compares each stream
      // once, not each pair.
      const infos = members.map((stream) => ({ stream, events: eventsOf(stream).filter(isChangeEvent), untilMs: observedUntilMs(stream, record.endedAtMs) }));
      const classes = new Map<string, number>();
      const classOf = infos.map(({ events }) => {
        const signature = events.map(eventKey).join('\n');
        let id = classes.get(signature);
        if (id === undefined) classes.set(signature, (id = classes.size));
        return id;
      });
      for (let i = 0; i < infos.length; i++) {
        const { stream: a, events: aEvents, untilMs: aUntilMs } = infos[i]!;
        for (let j = i + 1; j < infos.length; j++) {
          const { stream: b, events: bEvents, untilMs: bUntilMs } = infos[j]!;
          if (aEvents.length === 0 && bEvents.length === 0) continue;
          comparedPairs++;
          const divergence = classOf[i] === classOf[j] ? undefined : firstDivergence(aEvents, aUntilMs, bEvents, bUntilMs);
          if (divergence === undefined) {
            comparedEvents += Math.min(aEvents.length, bEvents.length);
            continue;
          }
          const side = (stream: StreamRecord, event: EventEntry | undefined, untilMs: number) =>
            event !== undefined ? `${stream.id} got ${describeEvent(stream, event)}` : `${stream.id} got nothing there (observed until ${sinceRequest(stream, untilMs)})`;
          findings.push({
            severity: 'fail',
            message:
              `${a.id} and ${b.id} both watch ${collectionKeyOf(a)} from RV ${a.request.options.resourceVersion} with the same selectors; expected the same ADDED/MODIFIED/DELETED events in the same order while both were open ` +
              `(e2e watch.go "should receive events on concurrent watches in same order"); observed a divergence at change event ${divergence.index + 1} (the first ${divergence.index} match): ` +
              `${side(a, divergence.first, aUntilMs)}, while ${side(b, divergence.second, bUntilMs)}. ` +
              `Two client-go informers of this resource would build different caches, and a re-watch from the last RV seen would repeat or miss events.`,
            evidence: {
              streams: [a.id, b.id],
              resourceVersion: a.request.options.resourceVersion ?? null,
              selectors: selectorsOf(a.request.options),
              matchingBefore: divergence.index,
              sides: [
                { stream: a.id, event: divergence.first ? eventEvidence(a, divergence.first) : null, changeEvents: aEvents.length, observedUntilMsSinceRequest: msSinceRequest(a, aUntilMs) },
                { stream: b.id, event: divergence.second ? eventEvidence(b, divergence.second) : null, changeEvents: bEvents.length, observedUntilMsSinceRequest: msSinceRequest(b, bUntilMs) },
              ],
            },
          });
        }
      }
    }
    if (comparedPairs === 0) {
      return skipped(ID, `${pairCount} pair(s) of streams from the same RV saw no ADDED/MODIFIED/DELETED event to compare`);
    }
    return resultOf(
      ID,
      findings,
      `${comparedPairs} pair(s) of concurrent watches from the same RV saw the same events in the same order (${comparedEvents} event(s) compared)`,
      'concurrent watches from the same RV disagree on events or their order',
    );
  },
};
