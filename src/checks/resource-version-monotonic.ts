import { formatGoDuration } from '../go-duration.js';
import { eventsOf, initialEventsEndBookmark, objectKeyOf, resourceVersionOf } from '../record/accessors.js';
import { collectionPathOf } from '../record/requests.js';
import { parseResourceVersion } from '../record/resource-version.js';
import type { ListRecord, RunRecord, StreamRecord, WorkloadWrite } from '../record/timeline.js';
import { listExamples, plural, resultOf, skipped } from './check-result.js';
import type { Check, Finding } from './types.js';

const ID = 'resource-version.monotonic';

/**
 * An RV the server sent, and when watchmark had it in hand. Every RV a server sends names a
 * revision that existed when it was sent, so it is a lower bound for every revision created or
 * read consistently after it arrived.
 */
interface Observation {
  rv: bigint;
  text: string;
  atMs: number;
  /** "the create of demo/a acknowledged", "LIST list#1", "watch#1 MODIFIED demo/a (#4)". */
  where: string;
  /** Shared by every scenario (LISTs and workload writes), as opposed to one stream's events. */
  shared: boolean;
  evidence: Record<string, unknown>;
}

/** An RV that must be above (`strict`) or at least (`!strict`) every RV observed before `sentAtMs`. */
interface Subject {
  rvText: string;
  atMs: number;
  sentAtMs: number;
  strict: boolean;
  /** "the create of demo/a", "the consistent LIST list#2", "watch-list#1's initial-events-end bookmark". */
  what: string;
  evidence: Record<string, unknown>;
}

function runTime(atMs: number): string {
  return `+${formatGoDuration(Math.round(atMs))} into the run`;
}

function roundMs(atMs: number): number {
  return Math.round(atMs * 1000) / 1000;
}

/** The plural resource a LIST addresses: the last segment of its collection path. */
function resourceOfList(list: ListRecord): string {
  const segments = collectionPathOf(list.path).split('/').filter((s) => s !== '');
  return segments[segments.length - 1] ?? '';
}

/** resourceVersion unset or "": a consistent ("most recent") read (API concepts, "Semantics for get and list"). */
function isConsistentRead(resourceVersion: string | null | undefined): boolean {
  return resourceVersion === undefined || resourceVersion === null || resourceVersion === '';
}

function listQueryResourceVersion(list: ListRecord): string | null {
  const query = list.path.includes('?') ? list.path.slice(list.path.indexOf('?') + 1) : '';
  return new URLSearchParams(query).get('resourceVersion');
}

function writeWhat(write: WorkloadWrite): string {
  return `the ${write.verb} of ${write.namespace ? `${write.namespace}/` : ''}${write.name}`;
}

function writeEvidence(write: WorkloadWrite): Record<string, unknown> {
  return {
    source: 'write',
    verb: write.verb,
    resource: write.resource,
    object: `${write.namespace ? `${write.namespace}/` : ''}${write.name}`,
    resourceVersion: write.resourceVersion ?? null,
    sentAtMs: roundMs(write.sentAtMs),
    atMs: roundMs(write.atMs),
  };
}

/** The last index in `observations` (sorted by atMs) with atMs < beforeMs, or -1. */
function lastBefore(observations: Observation[], beforeMs: number): number {
  let lo = 0;
  let hi = observations.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (observations[mid]!.atMs < beforeMs) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** Observations sorted by time with, for each prefix, the index of its highest RV (first seen wins). */
class ObservedSoFar {
  private readonly sorted: Observation[];
  private readonly maxIndex: number[] = [];

  constructor(observations: Observation[]) {
    this.sorted = [...observations].sort((a, b) => a.atMs - b.atMs);
    let best = -1;
    this.sorted.forEach((observation, i) => {
      if (best === -1 || observation.rv > this.sorted[best]!.rv) best = i;
      this.maxIndex.push(best);
    });
  }

  /** The highest RV observed strictly before `beforeMs`. */
  highestBefore(beforeMs: number): Observation | undefined {
    const i = lastBefore(this.sorted, beforeMs);
    return i < 0 ? undefined : this.sorted[this.maxIndex[i]!];
  }
}

/**
 * RVs never go backwards: a revision the server creates is above every RV it had handed out
 * before the request, and a consistent read is at or above every such RV.
 *
 * Upstream: kube-apiserver's resourceVersion is etcd's revision (apiserver v0.35.0
 * pkg/storage/etcd3/store.go: the object RV is the KV's ModRevision, a list's RV the response
 * header revision), a single counter etcd increments by one for every write transaction and never
 * decreases, not even on compaction (etcd server/storage/mvcc/kvstore.go currentRev, compaction
 * only drops history). Each create/update is one transaction (store.go Create, GuaranteedUpdate;
 * an update that changes nothing is not written, and the workload's updates always change an
 * annotation). A consistent read (resourceVersion unset: LIST, or a watch-list's initial state)
 * is served at a revision at least etcd's current one (API concepts "Semantics for get and list",
 * apiserver v0.35.0 pkg/storage/cacher/cacher.go waitUntilFreshAndBlock). What is *not* compared,
 * because it legitimately lags: events (delivered after the write that made them, possibly after
 * later writes were acknowledged), initial-state events (each object's own old RV) and
 * resourceVersion=0 reads ("any" freshness: the watch cache may trail etcd). Every RV the server
 * sent still counts as seen from the moment it arrived. RVs are compared within one resource:
 * servers other than kube-apiserver may keep one counter per resource.
 */
export const resourceVersionMonotonic: Check = {
  id: ID,
  title: 'A new or consistently read resourceVersion is never below one the server handed out earlier',
  maxSeverity: 'fail',
  source:
    'etcd server/storage/mvcc/kvstore.go (one revision counter, never decreasing, compaction keeps it); apiserver v0.35.0 pkg/storage/etcd3/store.go (RV = etcd revision); API concepts "Resource versions" / "Semantics for get and list"',
  meaning:
    'Everything the run saw is put on one time line: the RV of every workload write the server acknowledged, of every LIST, ' +
    'and of every event and bookmark on every stream, each at the moment it arrived. On kube-apiserver the RV is the etcd ' +
    'revision, one counter that only grows, so (per resource): each create or update must be acknowledged with an RV **above** ' +
    'every RV that had arrived before its request was sent, two writes never share an RV, and a consistent read ' +
    '(a LIST or watch-list end bookmark for `resourceVersion` unset) must be **at or above** every RV that had arrived before ' +
    'its request. Events are not held to this: they legitimately arrive after later writes were acknowledged, initial-state ' +
    'events carry old RVs, and `resourceVersion=0` reads may trail. A server that reuses RVs (kinm after its compaction deleted ' +
    'the newest rows) breaks every client that re-watches from the last RV it saw: the reused RVs are at or below it, so those ' +
    'changes never reach it.',
  severities: {
    fail:
      'a create or update was acknowledged with an RV at or below one already handed out, two writes share an RV, or a ' +
      'consistent read went back below an RV already handed out: a client-go informer re-watching from its last RV misses ' +
      'the changes at the reused RVs (or holds a state older than one it already had), silently.',
    info: 'some RVs are not decimal integers (RVs are opaque to clients), so they were not compared.',
  },
  fix:
    'Hand out RVs from one counter that only grows, also across restarts and compaction: kube-apiserver uses the etcd ' +
    'revision (etcd keeps `currentRev` when it compacts). A server on SQL should not derive the next RV from the highest row ' +
    "still present (SQLite's `rowid` without `AUTOINCREMENT` reuses the ids of deleted rows, and a compaction that deletes the " +
    'newest rows lowers it): use `AUTOINCREMENT` or a separate counter, and answer consistent LISTs at that counter, never at the ' +
    'highest surviving row.',
  run(record: RunRecord) {
    const observationsByResource = new Map<string, Observation[]>();
    const observe = (resource: string, observation: Observation) => {
      const list = observationsByResource.get(resource) ?? [];
      list.push(observation);
      observationsByResource.set(resource, list);
    };
    const subjectsByResource = new Map<string, Subject[]>();
    const subject = (resource: string, s: Subject) => {
      const list = subjectsByResource.get(resource) ?? [];
      list.push(s);
      subjectsByResource.set(resource, list);
    };
    const opaque: string[] = [];
    const decimal = (text: string | undefined, where: string): bigint | null => {
      if (text === undefined || text === '') return null;
      const rv = parseResourceVersion(text);
      if (rv === null) opaque.push(`${where} RV ${JSON.stringify(text)}`);
      return rv;
    };

    for (const write of record.writes) {
      const rv = decimal(write.resourceVersion, writeWhat(write));
      if (rv === null) continue;
      observe(write.resource, { rv, text: write.resourceVersion!, atMs: write.atMs, where: `${writeWhat(write)} acknowledged`, shared: true, evidence: writeEvidence(write) });
      // A delete answers with the object as it was (its old RV) or a Status: not a new revision.
      if (write.verb !== 'delete') {
        subject(write.resource, { rvText: write.resourceVersion!, atMs: write.atMs, sentAtMs: write.sentAtMs, strict: true, what: writeWhat(write), evidence: writeEvidence(write) });
      }
    }
    for (const list of record.lists) {
      if (list.status !== 200) continue;
      const rv = decimal(list.resourceVersion, `LIST ${list.id}`);
      if (rv === null) continue;
      const resource = resourceOfList(list);
      const evidence = { source: 'list', list: list.id, path: list.path, resourceVersion: list.resourceVersion, sentAtMs: roundMs(list.sentAtMs), atMs: roundMs(list.atMs) };
      observe(resource, { rv, text: list.resourceVersion!, atMs: list.atMs, where: `LIST ${list.id}`, shared: true, evidence });
      if (isConsistentRead(listQueryResourceVersion(list))) {
        subject(resource, { rvText: list.resourceVersion!, atMs: list.atMs, sentAtMs: list.sentAtMs, strict: false, what: `the consistent LIST ${list.id}`, evidence });
      }
    }
    for (const stream of record.streams) {
      const resource = stream.request.watched.resource;
      for (const event of eventsOf(stream)) {
        const text = resourceVersionOf(event);
        const where = `${stream.id} ${event.type}${objectKeyOf(event.object) ? ` ${objectKeyOf(event.object)}` : ''} (#${event.seq})`;
        const rv = decimal(text, where);
        if (rv === null) continue;
        const evidence = { source: 'event', stream: stream.id, seq: event.seq, type: event.type, object: objectKeyOf(event.object) ?? null, resourceVersion: text, atMs: roundMs(event.atMs) };
        observe(resource, { rv, text: text!, atMs: event.atMs, where, shared: false, evidence });
      }
      const endBookmark = initialEventsEndBookmark(stream);
      const endRv = endBookmark === undefined ? undefined : resourceVersionOf(endBookmark);
      if (endBookmark !== undefined && endRv !== undefined && isConsistentRead(stream.request.options.resourceVersion) && parseResourceVersion(endRv) !== null) {
        subject(resource, {
          rvText: endRv,
          atMs: endBookmark.atMs,
          sentAtMs: stream.request.sentAtMs,
          strict: false,
          what: `${stream.id}'s initial-events-end bookmark (a consistent read: resourceVersion unset)`,
          evidence: { source: 'end-bookmark', stream: stream.id, seq: endBookmark.seq, resourceVersion: endRv, sentAtMs: roundMs(stream.request.sentAtMs), atMs: roundMs(endBookmark.atMs) },
        });
      }
    }

    const findings: Finding[] = [];
    let compared = 0;
    let subjects = 0;
    for (const [resource, resourceSubjects] of subjectsByResource) {
      const observations = observationsByResource.get(resource) ?? [];
      const shared = new ObservedSoFar(observations.filter((o) => o.shared));
      const streamed = new ObservedSoFar(observations.filter((o) => !o.shared));
      for (const s of resourceSubjects) {
        subjects++;
        const rv = parseResourceVersion(s.rvText)!;
        const below = (o: Observation | undefined) => o !== undefined && (s.strict ? rv <= o.rv : rv < o.rv);
        // LISTs and writes first: they are the same in every scenario's view, so the finding is too.
        const candidates = [shared.highestBefore(s.sentAtMs), streamed.highestBefore(s.sentAtMs)];
        if (candidates.some((o) => o !== undefined)) compared++;
        const earlier = candidates.find(below);
        if (earlier === undefined) continue;
        const relation = s.strict ? (rv === earlier.rv ? 'equal to' : 'below') : 'below';
        findings.push({
          severity: 'fail',
          ...(earlier.evidence['stream'] !== undefined ? { stream: String(earlier.evidence['stream']) } : {}),
          message:
            `${resource}: ${s.what} got RV ${s.rvText} ${runTime(s.atMs)} (request sent ${runTime(s.sentAtMs)}), ${relation} RV ${earlier.text} ` +
            `that the server had already handed out: ${earlier.where} ${runTime(earlier.atMs)}. ` +
            (s.strict
              ? 'Expected a new revision above every RV seen before the request (kube-apiserver: the etcd revision, which only grows).'
              : 'Expected a consistent read at or above every RV seen before the request.') +
            (s.strict
              ? ` A client that re-watches from RV ${earlier.text} never receives the changes at the reused RVs.`
              : ` A client that syncs from this read holds a state older than one it had already seen.`),
          evidence: { resource, resourceVersion: s.rvText, subject: s.evidence, handedOutEarlier: earlier.evidence },
        });
      }
      // Two writes are two revisions, even when concurrent (each is its own etcd transaction).
      const byRv = new Map<string, Subject[]>();
      for (const s of resourceSubjects) {
        if (!s.strict) continue;
        const key = parseResourceVersion(s.rvText)!.toString();
        byRv.set(key, [...(byRv.get(key) ?? []), s]);
      }
      for (const [rvKey, same] of byRv) {
        if (same.length < 2) continue;
        // Sequential reuses were reported above; report only writes whose requests overlapped.
        const overlapping = same.some((a, i) => same.some((b, j) => i !== j && a.sentAtMs < b.atMs && b.sentAtMs < a.atMs));
        if (!overlapping) continue;
        findings.push({
          severity: 'fail',
          message: `${resource}: ${listExamples(same.map((s) => `${s.what} (acknowledged ${runTime(s.atMs)})`))} were acknowledged with the same RV ${rvKey}; every write is its own revision (kube-apiserver: one etcd transaction each).`,
          evidence: { resource, resourceVersion: rvKey, writes: same.map((s) => s.evidence) },
        });
      }
    }
    if (opaque.length > 0) {
      findings.push({
        severity: 'info',
        message: `${plural(opaque.length, 'RV')} not decimal integers (RVs are opaque to clients), not compared: ${listExamples(opaque)}.`,
        evidence: { notCompared: opaque.length, examples: opaque.slice(0, 3) },
      });
    }
    if (subjects === 0) {
      return skipped(
        ID,
        opaque.length > 0
          ? `no decimal RV to compare: ${plural(opaque.length, 'RV')} not decimal integers (RVs are opaque to clients)`
          : 'no create or update was acknowledged with an RV and no consistent read was made: nothing new to compare',
      );
    }
    return resultOf(
      ID,
      findings,
      `${plural(subjects, 'new or consistently read RV')} (${compared} with earlier RVs to compare) never went below an RV handed out before the request`,
      'the server handed out an RV at or below one it had already handed out',
    );
  },
};
