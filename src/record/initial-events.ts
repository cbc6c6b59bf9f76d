/**
 * Initial state versus live events on a stream: the exact split at the initial-events-end
 * bookmark, or a conservative one from snapshot evidence when there is no marker.
 */
import {
  eventsOf,
  firstEventOf,
  initialEventsEndBookmark,
  isChangeEvent,
  objectKeyOf,
  resourceVersionOf,
  responseOf,
  sinceRequest,
} from './accessors.js';
import { initialStateModeOf, type InitialStateMode } from './requests.js';
import type { EventEntry, StreamRecord, WorkloadWrite } from './timeline.js';

/** Writes that can produce events on this stream: same resource, and same namespace when both are known. */
export function writesVisibleTo(stream: StreamRecord, writes: WorkloadWrite[]): WorkloadWrite[] {
  const { watched, namespace } = stream.request;
  return writes.filter(
    (write) =>
      write.resource === watched.resource &&
      (namespace === undefined || write.namespace === undefined || write.namespace === namespace),
  );
}

/**
 * Why an event cannot belong to the initial state a server took as a snapshot (the first such
 * event starts the live part of a stream without an initial-events-end bookmark):
 * - `deleted`: a snapshot holds existing objects only, so it has no DELETED event;
 * - `repeated-object`: a snapshot has one event per object, so a second event for an object is a change;
 * - `write-after-first-frame`: the event carries the RV of a workload write sent after the stream's
 *   first frame arrived; the server had taken its snapshot before it sent that frame, so the write
 *   came later.
 */
export type LiveEvidence = 'deleted' | 'repeated-object' | 'write-after-first-frame';

export interface InitialEventsSplit {
  mode: InitialStateMode;
  /**
   * How initial and live events were told apart: `end-bookmark` (the annotated bookmark: exact),
   * `snapshot` (no marker: the initial part is every event up to the first one that cannot belong
   * to a snapshot, see LiveEvidence), `stream-end` (no marker and no such event: every event may
   * be initial), `none` (the watch has no initial state: everything is live).
   */
  boundary: 'end-bookmark' | 'snapshot' | 'stream-end' | 'none';
  endBookmark?: EventEntry;
  /** Boundary `snapshot`: the first event that cannot belong to the initial state, and why. */
  liveFrom?: { event: EventEntry; evidence: LiveEvidence; write?: WorkloadWrite };
  /**
   * ADDED/MODIFIED/DELETED events of the initial state (BOOKMARK/ERROR/unknown types excluded).
   * Without the end bookmark these are the events that *may* belong to it: live events can hide
   * among them, so checks must not judge them as live.
   */
  initial: EventEntry[];
  /** ADDED/MODIFIED/DELETED events certainly after the initial state. */
  live: EventEntry[];
}

/**
 * Splits a stream's change events into initial-state and live events.
 *
 * With the annotated bookmark the split is exact. Without it (not requested, kinm, servers that
 * ignore sendInitialEvents, 1.33 servers on legacy RV ""/"0" watches) it is derived
 * conservatively. `resourceVersionMatch=NotOlderThan` (and RV ""/"0") lets a server take its
 * snapshot at any RV at or after the request (apiserver v0.35.0 cacher.go
 * waitUntilWatchCacheFreshAndForceAllEvents; a slow server takes it seconds later), so writes
 * made after the request can be part of it, and the snapshot comes in the store's key order
 * with each object's own RV (watch cache lists by key), not in RV order. The snapshot is
 * delivered first, so the live part starts at the first event that cannot belong to it (see
 * LiveEvidence); everything before it may be initial.
 */
export function splitInitialEvents(stream: StreamRecord, writes: WorkloadWrite[]): InitialEventsSplit {
  const mode = initialStateModeOf(stream.request.options);
  const changes = eventsOf(stream).filter(isChangeEvent);
  if (mode === 'none') return { mode, boundary: 'none', initial: [], live: changes };
  const endBookmark = initialEventsEndBookmark(stream);
  if (endBookmark !== undefined) {
    return {
      mode,
      boundary: 'end-bookmark',
      endBookmark,
      initial: changes.filter((event) => event.seq < endBookmark.seq),
      live: changes.filter((event) => event.seq > endBookmark.seq),
    };
  }
  const firstFrameAtMs = firstEventOf(stream)?.atMs;
  const laterWrites = firstFrameAtMs === undefined ? new Map<string, WorkloadWrite>() : writesSentAfterByRv(stream, writes, firstFrameAtMs);
  const seen = new Set<string>();
  for (const [index, event] of changes.entries()) {
    let liveFrom: InitialEventsSplit['liveFrom'];
    const key = objectKeyOf(event.object);
    const write = laterWrites.get(resourceVersionOf(event) ?? '');
    if (event.type === 'DELETED') liveFrom = { event, evidence: 'deleted' };
    else if (key !== undefined && seen.has(key)) liveFrom = { event, evidence: 'repeated-object' };
    else if (write !== undefined) liveFrom = { event, evidence: 'write-after-first-frame', write };
    if (liveFrom !== undefined) return { mode, boundary: 'snapshot', liveFrom, initial: changes.slice(0, index), live: changes.slice(index) };
    if (key !== undefined) seen.add(key);
  }
  return { mode, boundary: 'stream-end', initial: changes, live: [] };
}

/**
 * From when a write is certainly live for this stream (a change event, not part of its initial
 * state): the response for a watch without an initial state; else the first frame, because the
 * server may take its snapshot after answering 200 (NotOlderThan), and a write made before the
 * snapshot shows up in it, not as its own event.
 */
export function writesLiveAfterMs(stream: StreamRecord): number | undefined {
  const response = responseOf(stream);
  if (response === undefined) return undefined;
  if (initialStateModeOf(stream.request.options) === 'none') return response.atMs;
  return Math.max(response.atMs, firstEventOf(stream)?.atMs ?? response.atMs);
}

/** Workload writes to the watched resource sent after `afterMs`, by the RV they were acknowledged with. */
function writesSentAfterByRv(stream: StreamRecord, writes: WorkloadWrite[], afterMs: number): Map<string, WorkloadWrite> {
  const byRv = new Map<string, WorkloadWrite>();
  for (const write of writesVisibleTo(stream, writes)) {
    if (write.sentAtMs > afterMs && write.resourceVersion !== undefined) byRv.set(write.resourceVersion, write);
  }
  return byRv;
}

/**
 * The initial events no workload write sent after the request explains: objects as they were
 * before the watch was asked for, which only the server's snapshot can deliver. A server that
 * ignores sendInitialEvents delivers none of them (its first events are live changes).
 */
export function snapshotOnlyEvents(stream: StreamRecord, writes: WorkloadWrite[], split: InitialEventsSplit): EventEntry[] {
  if (split.boundary === 'end-bookmark') return split.initial;
  const afterRequest = writesSentAfterByRv(stream, writes, stream.request.sentAtMs);
  return split.initial.filter((event) => !afterRequest.has(resourceVersionOf(event) ?? ''));
}

/** "a DELETED event" / "a second event for configmaps/a" / "the RV of a create sent after the first frame", for messages. */
export function describeLiveEvidence(stream: StreamRecord, liveFrom: NonNullable<InitialEventsSplit['liveFrom']>): string {
  const { event, evidence, write } = liveFrom;
  const at = `#${event.seq} ${event.type} RV ${resourceVersionOf(event) ?? 'none'}`;
  switch (evidence) {
    case 'deleted':
      return `${at} (a snapshot has no DELETED events)`;
    case 'repeated-object':
      return `${at} (a second event for ${objectKeyOf(event.object)}: a snapshot has one per object)`;
    case 'write-after-first-frame':
      return `${at} (the RV of a workload ${write!.verb} of ${write!.name} sent ${sinceRequest(stream, write!.sentAtMs)}, after the stream's first frame, so after the server's snapshot)`;
  }
}
