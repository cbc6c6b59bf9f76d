import { msSinceRequest, resourceVersionOf, responseOf, sinceRequest } from '../record/accessors.js';
import { describeLiveEvidence, splitInitialEvents } from '../record/initial-events.js';
import { initialStateModeOf } from '../record/requests.js';
import { MAX_EXAMPLES, listExamples, resultOf, skipped } from './check-result.js';
import type { Check, Finding } from './types.js';

const ID = 'initial-events.added';

/**
 * Initial-state events are synthetic ADDED events.
 *
 * Upstream: apiserver v0.35.0 pkg/storage/cacher (watch cache initial events) and etcd3
 * watcher.go sync emit ADDED for the current state (RunWatchSemantics); kinm sends MODIFIED for
 * objects updated since creation (pkg/db list.sql, spec 4.1). client-go v0.35.0 reflector.go
 * tolerates it (MODIFIED goes to store.Update of the temporary store), so this is a warn.
 *
 * Applies to watch-list streams and legacy RV ""/"0" watches. Initial events are those before the
 * initial-events-end bookmark; without it (kinm, 1.33 servers) those before the first event that
 * cannot belong to a snapshot: a DELETED, a second event for an object, or one carrying the RV of
 * a workload write sent after the stream's first frame (derive.ts splitInitialEvents).
 */
export const initialEventsAdded: Check = {
  id: ID,
  title: 'Initial-state events are ADDED',
  maxSeverity: 'warn',
  source: 'apiserver v0.35.0 pkg/storage/testing/watcher_tests.go RunWatchSemantics; client-go v0.35.0 tools/cache/reflector.go watchList',
  meaning:
    'On watch-list streams and legacy `resourceVersion=""`/`"0"` watches the server first replays the current state, and ' +
    "kube-apiserver sends it as synthetic ADDED events, one per existing object, whatever the object's history. Initial " +
    'events are those before the end bookmark; without one, those before the first event that cannot belong to a snapshot ' +
    "(a DELETED, a second event for an object, or the RV of a watchmark write sent after the stream's first frame).",
  severities: {
    warn:
      'initial events that are not ADDED, e.g. MODIFIED for objects updated since they were created (kinm). client-go tolerates ' +
      'them (an update of an object it does not know is stored like an add); other clients may not.',
  },
  fix:
    'Emit each object of the initial state as an `ADDED` event carrying its current state, and no events for objects that no ' +
    "longer exist. kube-apiserver's watch cache and `pkg/storage/etcd3/watcher.go` `sync` do so (`RunWatchSemantics` pins " +
    "it). A server that builds the initial state from its change log must not reuse the log's event types: kinm's `list.sql` " +
    'marks a row as created only if it was never updated, hence the MODIFIED events.',
  run(record) {
    const streams = record.streams.filter((stream) => {
      const mode = initialStateModeOf(stream.request.options);
      return (mode === 'watch-list' || mode === 'legacy-initial-state') && responseOf(stream)?.status === 200;
    });
    if (streams.length === 0) return skipped(ID, 'no 200 watch-list or legacy RV ""/"0" stream (nothing delivers an initial state)');
    const findings: Finding[] = [];
    let initialTotal = 0;
    for (const stream of streams) {
      const split = splitInitialEvents(stream, record.writes);
      initialTotal += split.initial.length;
      const notAdded = split.initial.filter((event) => event.type !== 'ADDED');
      if (notAdded.length === 0) continue;
      const counts: Record<string, number> = {};
      for (const event of notAdded) counts[event.type] = (counts[event.type] ?? 0) + 1;
      const howSplit =
        split.boundary === 'end-bookmark'
          ? 'before the initial-events-end bookmark'
          : split.liveFrom !== undefined
            ? `before ${describeLiveEvidence(stream, split.liveFrom)}, the first event that cannot belong to a snapshot (no initial-events-end bookmark to tell them apart)`
            : 'with no initial-events-end bookmark and no event that cannot belong to a snapshot, so every event counts as initial';
      findings.push({
        severity: 'warn',
        stream: stream.id,
        message:
          `${stream.id}: expected the initial state as ADDED events (kube-apiserver sends synthetic ADDED); observed ${notAdded.length} of ${split.initial.length} initial event(s) ${howSplit} ` +
          `that are not ADDED: ${Object.entries(counts).map(([type, count]) => `${count} ${type}`).join(', ')} ` +
          `(${listExamples(notAdded.map((event) => `#${event.seq} ${event.type} RV ${resourceVersionOf(event) ?? 'none'} ${sinceRequest(stream, event.atMs)}`))}). ` +
          `client-go tolerates it (an update of an unknown object is stored like an add), but other clients may not.`,
        evidence: {
          stream: stream.id,
          boundary: split.boundary,
          initialEvents: split.initial.length,
          counts,
          examples: notAdded.slice(0, MAX_EXAMPLES).map((event) => ({
            seq: event.seq,
            type: event.type,
            resourceVersion: resourceVersionOf(event) ?? null,
            atMsSinceRequest: msSinceRequest(stream, event.atMs),
          })),
        },
      });
    }
    return resultOf(ID, findings, `${initialTotal} initial event(s) on ${streams.length} stream(s), all ADDED`, 'initial events that are not ADDED (client-go tolerates them)');
  },
};
