import {
  eventsOf,
  isChangeEvent,
  msSinceRequest,
  observedUntilMs,
  resourceVersionOf,
  responseOf,
  sinceRequest,
} from '../record/accessors.js';
import { writesVisibleTo } from '../record/initial-events.js';
import { parseResourceVersion } from '../record/resource-version.js';
import type { EventEntry, RunRecord, StreamRecord, WorkloadWrite } from '../record/timeline.js';
import { MAX_EXAMPLES, describeEvent, eventEvidence, eventKey, listExamples, resultOf, skipped } from './check-result.js';
import {
  describeAnswer,
  describeStart,
  describeWrite,
  eventOfWrite,
  notOpenedReason,
  startResourceVersionOf,
  streamsWithRole,
  watchErrorAnswer,
  writeAbove,
  writeEvidence,
} from './replay.js';
import type { Check, Finding } from './types.js';
import { CLOSE_RACE_TOLERANCE_MS } from './watch-concurrent-order.js';

const ID = 'watch.resume';

/**
 * When a write without an RV (a delete answered with a Status) certainly came after the start
 * RV: it was sent after the RV was observed (the source event arrived, the source write was
 * acknowledged) or, without that evidence, after this stream's request.
 */
function startObservedAtMs(stream: StreamRecord): number {
  const from = stream.startedFrom;
  if (from?.kind === 'from-stream') return from.eventAtMs;
  if (from?.kind === 'from-write') return from.writeAtMs;
  return stream.request.sentAtMs;
}

type Judged = { kind: 'judged'; expected: number; findings: Finding[] } | { kind: 'unjudged'; reason: string };

function judgeStream(stream: StreamRecord, record: RunRecord): Judged {
  const notOpened = notOpenedReason(stream);
  if (notOpened !== undefined) return { kind: 'unjudged', reason: notOpened };
  const response = responseOf(stream);
  if (response === undefined) return { kind: 'unjudged', reason: `${stream.id} got no response` };
  if (response.status !== 200) return { kind: 'unjudged', reason: `${stream.id} was rejected with HTTP ${response.status} (not this check's subject)` };
  const start = startResourceVersionOf(stream);
  if (start === null) {
    return { kind: 'unjudged', reason: `${stream.id} starts from RV ${JSON.stringify(stream.request.options.resourceVersion ?? null)}, not a decimal integer: RVs cannot be ordered` };
  }
  const startText = describeStart(stream);
  const findings: Finding[] = [];
  const errorEvent = eventsOf(stream).find((event) => event.type === 'ERROR');
  const untilMs = Math.min(observedUntilMs(stream, record.endedAtMs), errorEvent?.atMs ?? Infinity);
  const changes = eventsOf(stream).filter((event) => isChangeEvent(event) && event.atMs <= untilMs);

  // Repeats: events at or below the start RV, and the same event twice.
  const repeats = changes.filter((event) => {
    const rv = parseResourceVersion(resourceVersionOf(event));
    return rv !== null && rv <= start;
  });
  if (repeats.length > 0) {
    findings.push({
      severity: 'fail',
      stream: stream.id,
      message:
        `${stream.id} re-watched from ${startText}; expected only events with a higher RV ("On successful restart of watch from a bookmark resourceVersion, client is guaranteed to not get repeat event nor miss any events", apimachinery pkg/watch/watch.go); ` +
        `observed ${repeats.length} at or below it: ${listExamples(repeats.map((event) => describeEvent(stream, event)))}. ` +
        `A client-go informer resuming from this RV (as its reflector does after every watch ends) would hand these changes to its event handlers a second time.`,
      evidence: { stream: stream.id, startResourceVersion: stream.request.options.resourceVersion, count: repeats.length, examples: repeats.slice(0, MAX_EXAMPLES).map((e) => eventEvidence(stream, e)) },
    });
  }
  const seen = new Map<string, EventEntry>();
  const duplicates: Array<{ first: EventEntry; again: EventEntry }> = [];
  for (const event of changes) {
    const key = eventKey(event);
    const first = seen.get(key);
    if (first !== undefined) duplicates.push({ first, again: event });
    else seen.set(key, event);
  }
  if (duplicates.length > 0) {
    findings.push({
      severity: 'fail',
      stream: stream.id,
      message:
        `${stream.id} re-watched from ${startText}; expected each event once; observed ${duplicates.length} delivered again: ` +
        `${listExamples(duplicates.map(({ first, again }) => `${eventKey(again)} (#${first.seq} and #${again.seq})`))}. A client-go informer would process these changes twice.`,
      evidence: {
        stream: stream.id,
        count: duplicates.length,
        examples: duplicates.slice(0, MAX_EXAMPLES).map(({ first, again }) => ({ first: eventEvidence(stream, first), again: eventEvidence(stream, again) })),
      },
    });
  }

  if (errorEvent !== undefined) {
    const answer = watchErrorAnswer(stream, errorEvent)!;
    findings.push({
      severity: 'warn',
      stream: stream.id,
      message:
        `${stream.id} re-watched from ${startText}, an RV this run had just observed; expected the events after it (kube-apiserver serves recent RVs from its watch cache, e2e watch.go "should be able to restart watching from the last resource version observed by the previous watch"); ` +
        `observed ${describeAnswer(answer)} ${sinceRequest(stream, errorEvent.atMs)}. client-go ends the watch and relists instead of resuming: correct, but a full LIST where a resume was due.`,
      evidence: { stream: stream.id, startResourceVersion: stream.request.options.resourceVersion, error: { code: answer.code ?? null, reason: answer.reason ?? null, message: answer.message ?? null }, atMsSinceRequest: msSinceRequest(stream, errorEvent.atMs) },
    });
    return { kind: 'judged', expected: 0, findings };
  }

  // Missing: every workload write to the watched collection above the start RV, acknowledged
  // while the stream was observed (a close may race the last delivery: 1 s tolerance).
  const certainAfterMs = startObservedAtMs(stream);
  const expected = writesVisibleTo(stream, record.writes).filter((write) => {
    if (write.atMs > untilMs - CLOSE_RACE_TOLERANCE_MS) return false;
    const above = writeAbove(write, start);
    return above ?? (write.sentAtMs > certainAfterMs);
  });
  const used = new Set<number>();
  const missing: WorkloadWrite[] = [];
  for (const write of expected) {
    const event = changes.find((candidate) => !used.has(candidate.seq) && eventOfWrite(candidate, write));
    if (event === undefined) missing.push(write);
    else used.add(event.seq);
  }
  if (missing.length > 0) {
    findings.push({
      severity: 'fail',
      stream: stream.id,
      message:
        `${stream.id} re-watched from ${startText}; expected an event for every workload write with a higher RV to ${stream.request.watched.resource}${stream.request.namespace ? ` in ${stream.request.namespace}` : ''} ` +
        `(e2e watch.go "should be able to restart watching from the last resource version observed by the previous watch"); observed none for ${missing.length} of ${expected.length}: ` +
        `${listExamples(missing.map((write) => describeWrite(stream, write)))}, though the stream was observed until ${sinceRequest(stream, untilMs)}. ` +
        `A client-go informer resuming from this RV would silently miss these changes until its next relist.`,
      evidence: {
        stream: stream.id,
        startResourceVersion: stream.request.options.resourceVersion,
        startedFrom: stream.startedFrom ?? null,
        expected: expected.length,
        missing: missing.length,
        observedUntilMsSinceRequest: msSinceRequest(stream, untilMs),
        examples: missing.slice(0, MAX_EXAMPLES).map((write) => writeEvidence(stream, write)),
      },
    });
  }
  if (expected.length === 0 && changes.length === 0) {
    return { kind: 'unjudged', reason: `${stream.id}: no workload write above ${startText} while it was observed, and no event: nothing to compare` };
  }
  if (findings.length === 0) {
    findings.push({
      severity: 'info',
      stream: stream.id,
      message: `${stream.id} re-watched from ${startText}: all ${expected.length} workload write(s) above it arrived, none at or below it, none twice (${changes.length} change event(s)).`,
      evidence: { stream: stream.id, startResourceVersion: stream.request.options.resourceVersion, startedFrom: stream.startedFrom ?? null, expected: expected.length, changeEvents: changes.length },
    });
  }
  return { kind: 'judged', expected: expected.length, findings };
}

/**
 * Re-watching from any RV the client observed (an event's or a bookmark's) neither misses nor
 * repeats events: the resumed stream delivers every workload write to the watched collection
 * with a higher RV, nothing at or below the start RV, and nothing twice.
 *
 * Upstream: kubernetes test/e2e/apimachinery/watch.go "should be able to restart watching from
 * the last resource version observed by the previous watch" (Conformance, v1.11): stop after
 * ADDED+MODIFIED, update while closed, re-watch from the last RV -> exactly the later MODIFIED and
 * DELETED; apimachinery pkg/watch/watch.go Bookmark doc ("On successful restart of watch from a
 * bookmark resourceVersion, client is guaranteed to not get repeat event nor miss any events");
 * apiserver v0.35.0 pkg/storage/cacher/cache_watcher.go process (`event.ResourceVersion >
 * resourceVersion`). client-go v0.35.0 tools/cache/reflector.go watch() re-watches from
 * LastSyncResourceVersion after every clean watch end, so a miss or a repeat there reaches every
 * informer.
 *
 * Judges the streams with role `resume` that were opened and answered 200. Expected: workload
 * writes to the same resource and namespace with an RV above the start RV (a write without an RV
 * counts when it was sent after the start RV was observed), acknowledged while the stream was
 * observed minus 1 s (a close may race a delivery). Extra events not written by the workload are
 * fine when above the start RV; event order is event.resource-version-order's job. An ERROR
 * event instead of the replay is a warn: client-go relists, nothing is lost.
 */
export const watchResume: Check = {
  id: ID,
  title: 'Re-watching from an observed RV neither misses nor repeats events',
  maxSeverity: 'fail',
  source:
    'e2e test/e2e/apimachinery/watch.go "should be able to restart watching from the last resource version observed by the previous watch"; apimachinery pkg/watch/watch.go Bookmark; apiserver v0.35.0 pkg/storage/cacher/cache_watcher.go process',
  meaning:
    'A watch re-opened from an RV the client observed earlier (the last change event of another watch, or the ' +
    "watch-list's initial-events-end bookmark) delivers every write watchmark made to the collection with a higher RV, " +
    'including those made while no watch was open, nothing at or below that RV, and nothing twice. This is what client-go\'s ' +
    'reflector does after every watch ends, and the conformance test "should be able to restart watching from the last ' +
    'resource version observed by the previous watch". Events from other writers are fine; their order is ' +
    '`event.resource-version-order`\'s job.',
  severities: {
    fail:
      'a write above the start RV never arrived (an informer resuming there silently misses it until its next relist), or an ' +
      'event at or below the start RV, or the same event twice, arrived (its handlers would see that change again).',
    warn: 'the server refused to resume from an RV it had just sent (an ERROR event): client-go relists, nothing is lost, but a LIST replaces a cheap resume.',
    info: 'what was verified per resumed stream.',
  },
  fix:
    'Serve a watch from resourceVersion N with exactly the events whose RV is greater than N: kube-apiserver replays them ' +
    'from its watch cache and delivers only `event.ResourceVersion > resourceVersion` (apiserver ' +
    '`pkg/storage/cacher/cache_watcher.go` `process`). Keep enough history (a log or revision table) to cover the RVs clients ' +
    'have just seen; when a requested RV is no longer covered, answer 410 Expired instead (see `watch.expired`).',
  run(record) {
    const streams = streamsWithRole(record.streams, 'resume');
    if (streams.length === 0) return skipped(ID, 'no stream re-watches from an observed RV (role resume)');
    if (record.writes.length === 0) return skipped(ID, 'no workload writes (read-only run): nothing to compare the resumed streams with');
    const findings: Finding[] = [];
    const unjudged: string[] = [];
    let judged = 0;
    let verified = 0;
    for (const stream of streams) {
      const result = judgeStream(stream, record);
      if (result.kind === 'unjudged') {
        unjudged.push(result.reason);
        continue;
      }
      judged++;
      verified += result.expected;
      findings.push(...result.findings);
    }
    if (judged === 0) return skipped(ID, unjudged.join('; '));
    const notJudged = unjudged.length > 0 ? ` (not judged: ${unjudged.join('; ')})` : '';
    return resultOf(
      ID,
      findings,
      `${judged} resumed stream(s) delivered all ${verified} workload write(s) above their start RV, none at or below it, none twice${notJudged}`,
      'a re-watch from an observed RV missed or repeated events',
    );
  },
};
