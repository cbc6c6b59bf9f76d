import { closeOf, eventsOf, isChangeEvent, msSinceRequest, observedUntilMs, responseOf, sinceRequest } from '../record/accessors.js';
import { writesVisibleTo } from '../record/initial-events.js';
import { isVeryShortWatch } from '../record/requests.js';
import { answerKindOfStatus, answerOfStream, describeAnswer as describeRequestAnswer } from '../record/answers.js';
import type { RunRecord, StreamRecord, WorkloadWrite } from '../record/timeline.js';
import { classifyStatus } from '../record/status.js';
import { MAX_EXAMPLES, listExamples, resultOf, skipped } from './check-result.js';
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
  type WatchErrorAnswer,
} from './replay.js';
import type { Check, Finding } from './types.js';
import { CLOSE_RACE_TOLERANCE_MS } from './watch-concurrent-order.js';

const ID = 'watch.expired';

type Judged = { kind: 'expired'; findings: Finding[] } | { kind: 'judged'; findings: Finding[] } | { kind: 'unjudged'; reason: string };

function answerEvidence(stream: StreamRecord, answer: WatchErrorAnswer): Record<string, unknown> {
  return {
    stream: stream.id,
    startResourceVersion: stream.request.options.resourceVersion ?? null,
    startedFrom: stream.startedFrom ?? null,
    where: answer.where,
    code: answer.code ?? null,
    reason: answer.reason ?? null,
    message: answer.message ?? null,
    atMsSinceRequest: msSinceRequest(stream, answer.atMs),
  };
}

/** The server refused the watch: 410 Expired/Gone is the contract; anything else is a warn. */
function judgeAnswer(stream: StreamRecord, answer: WatchErrorAnswer): Judged {
  const startText = describeStart(stream);
  const observed = `${describeAnswer(answer)} ${sinceRequest(stream, answer.atMs)}`;
  const expected = `expected 410 with reason Expired or Gone (kube-apiserver: ERROR event 410 Expired "too old resource version: N (M)")`;
  const status = { ...(answer.code !== undefined ? { code: answer.code } : {}), ...(answer.reason !== undefined ? { reason: answer.reason } : {}), causes: [] };
  const recognised = !answer.notAStatus && classifyStatus(status) === 'expired';
  if (answer.code === 410 && recognised) {
    return {
      kind: 'expired',
      findings: [
        {
          severity: 'info',
          stream: stream.id,
          message: `${stream.id} watched from ${startText}: ${observed}. client-go's reflector takes its "expired" path and relists.`,
          evidence: answerEvidence(stream, answer),
        },
      ],
    };
  }
  const consequence =
    answer.code === 410
      ? `client-go's isExpiredError (apierrors.IsResourceExpired || IsGone) does not recognise a 410 with reason ${answer.reason ?? '(none)'}: it still ends the watch and relists, but through its generic error path ("Warning: watch ended with error") with the same RV.`
      : recognised
        ? `client-go recognises it by its reason, but kube-apiserver answers it with code 410.`
        : `client-go ends the watch and relists with the same RV through its generic error path ("Warning: watch ended with error"), not its "expired" path.`;
  return {
    kind: 'judged',
    findings: [
      {
        severity: 'warn',
        stream: stream.id,
        message: `${stream.id} watched from ${startText}, an RV the server no longer serves; ${expected}; observed ${observed}. ${consequence}`,
        evidence: answerEvidence(stream, answer),
      },
    ],
  };
}

function judgeStream(stream: StreamRecord, record: RunRecord): Judged {
  const notOpened = notOpenedReason(stream);
  if (notOpened !== undefined) return { kind: 'unjudged', reason: notOpened };
  const response = responseOf(stream);
  if (response === undefined) return { kind: 'unjudged', reason: `${stream.id} got no response` };
  // 401/403/407 answer for the credentials, not for the RV: no evidence either way (the report
  // lists the stream as untested). Other errors stay judged: a server may answer an old RV so.
  if (answerKindOfStatus(response.status) === 'denied') {
    return { kind: 'unjudged', reason: `${stream.id} answered ${describeRequestAnswer(answerOfStream(stream, record.endedAtMs))}: says nothing about expiry` };
  }
  const errorEvent = eventsOf(stream).find((event) => event.type === 'ERROR');
  const answer = watchErrorAnswer(stream, errorEvent);
  if (answer !== undefined) return judgeAnswer(stream, answer);

  // Accepted, no error: did it replay every write after the start RV, or start later in silence?
  const start = startResourceVersionOf(stream);
  if (start === null) {
    return { kind: 'unjudged', reason: `${stream.id} starts from RV ${JSON.stringify(stream.request.options.resourceVersion ?? null)}, not a decimal integer: RVs cannot be ordered` };
  }
  const startText = describeStart(stream);
  const expected = writesVisibleTo(stream, record.writes).filter((write) => write.atMs <= stream.request.sentAtMs && writeAbove(write, start) === true);
  if (expected.length === 0) {
    return { kind: 'unjudged', reason: `${stream.id} (${startText}) was accepted, and no workload write above it was acknowledged before it opened: nothing it could miss` };
  }
  const untilMs = observedUntilMs(stream, record.endedAtMs);
  const changes = eventsOf(stream).filter(isChangeEvent);
  const used = new Set<number>();
  const missing: WorkloadWrite[] = [];
  for (const write of expected) {
    const event = changes.find((candidate) => !used.has(candidate.seq) && eventOfWrite(candidate, write));
    if (event === undefined) missing.push(write);
    else used.add(event.seq);
  }
  if (missing.length === 0) {
    return {
      kind: 'unjudged',
      reason: `the server still serves ${stream.request.options.resourceVersion} from its history (${stream.id} replayed all ${expected.length} workload write(s) above it), so it could not be made old enough here`,
    };
  }
  if (isVeryShortWatch(stream)) {
    return {
      kind: 'judged',
      findings: [
        {
          severity: 'warn',
          stream: stream.id,
          message:
            `${stream.id} watched from ${startText}, an RV the server no longer serves; expected 410 Expired; observed a 200 stream the server ended ${sinceRequest(stream, untilMs)} without any event. ` +
            `client-go treats it as a very short watch and relists: nothing is lost, but it is not the "expired" path.`,
          evidence: { stream: stream.id, startResourceVersion: stream.request.options.resourceVersion ?? null, expected: expected.length, missing: missing.length },
        },
      ],
    };
  }
  const close = closeOf(stream);
  if (untilMs - response.atMs < CLOSE_RACE_TOLERANCE_MS && (close === undefined || close.reason === 'client-abort')) {
    return { kind: 'unjudged', reason: `${stream.id} was observed for less than ${CLOSE_RACE_TOLERANCE_MS} ms after its response: too briefly to judge its replay` };
  }
  return {
    kind: 'judged',
    findings: [
      {
        severity: 'fail',
        stream: stream.id,
        message:
          `${stream.id} watched from ${startText}; expected either every workload write above it or 410 Expired (spec: "never a silent gap"; apiserver v0.35.0 watch_cache.go "too old resource version"); ` +
          `observed a 200 stream with ${changes.length} change event(s) and no error, missing ${missing.length} of the ${expected.length} write(s) acknowledged before it opened: ` +
          `${listExamples(missing.map((write) => describeWrite(stream, write)))}. A client-go informer resuming from this RV would silently miss these events and never notice.`,
        evidence: {
          stream: stream.id,
          startResourceVersion: stream.request.options.resourceVersion ?? null,
          startedFrom: stream.startedFrom ?? null,
          expected: expected.length,
          missing: missing.length,
          changeEvents: changes.length,
          observedUntilMsSinceRequest: msSinceRequest(stream, untilMs),
          examples: missing.slice(0, MAX_EXAMPLES).map((write) => writeEvidence(stream, write)),
        },
      },
    ],
  };
}

/**
 * A watch from an RV the server can no longer serve yields 410 (HTTP status, or an ERROR event
 * whose Status has code 410 and reason Expired or Gone), never a silent gap.
 *
 * Upstream: apiserver v0.35.0 pkg/storage/cacher/watch_cache.go getAllEventsSinceLocked
 * (`errors.NewResourceExpired("too old resource version: %d (%d)")`, sent as an ERROR event) and
 * pkg/storage/etcd3/errors.go interpretWatchError (compacted -> 410 Expired); client-go v0.35.0
 * tools/cache/reflector.go isExpiredError (`apierrors.IsResourceExpired(err) || apierrors.IsGone(err)`)
 * relists on it. A server that starts such a watch from a later RV instead (kinm, spec 4.1)
 * leaves an informer that resumes from an old RV without the events in between, for good.
 *
 * Judges the streams with role `expired`: 410 recognised by client-go passes; a 410 with another
 * reason, or any other error, warns (client-go relists through its generic path); a 200 stream
 * without an error that lacks workload writes above the start RV acknowledged before it opened
 * fails. When every such write was replayed, the server still serves that RV: skip, it could not
 * be made old enough here.
 */
export const watchExpired: Check = {
  id: ID,
  title: 'A watch from an RV the server no longer serves gets 410 Expired, never a silent gap',
  maxSeverity: 'fail',
  source:
    'apiserver v0.35.0 pkg/storage/cacher/watch_cache.go getAllEventsSinceLocked, pkg/storage/etcd3/errors.go interpretWatchError; client-go v0.35.0 tools/cache/reflector.go isExpiredError',
  meaning:
    'A watch from an RV older than anything the server can replay must be refused with 410 (an HTTP 410, or an ERROR event ' +
    'whose Status has code 410 and reason Expired or Gone) so the client relists. The suite watches from RV 1 (older than ' +
    "kube-apiserver's watch cache, which starts at its initial LIST) and, in the full suite, from the first seed write's RV " +
    'after 80 s. A server that still serves the RV replays every write after it: then the RV could not be made old enough ' +
    'and the check skips, saying so.',
  severities: {
    fail:
      'the watch was accepted without an error but lacks writes above its RV made before it opened: a silent gap, an informer ' +
      'resuming from that RV would miss those events and never notice.',
    warn:
      "a 410 with a reason client-go's isExpiredError does not recognise, another error instead of 410, or a 200 stream ended " +
      'at once without events: client-go still relists, but through its generic error path.',
    info: 'the 410 each such watch got.',
  },
  fix:
    'When the requested resourceVersion is older than the oldest event the server can replay, answer 410 Gone with reason ' +
    'Expired, as kube-apiserver does: an ERROR event `too old resource version: N (M)` from the watch cache (apiserver ' +
    '`pkg/storage/cacher/watch_cache.go` `getAllEventsSinceLocked`) or from a compacted etcd (`pkg/storage/etcd3/errors.go` ' +
    '`interpretWatchError`). Never start such a watch from a later RV: compare the requested RV, not the newest one, with ' +
    'your compaction mark.',
  run(record) {
    const streams = streamsWithRole(record.streams, 'expired');
    if (streams.length === 0) return skipped(ID, 'no stream watches from an RV the server should no longer serve (role expired)');
    if (record.writes.length === 0) return skipped(ID, 'no workload writes (read-only run): the RV cannot be made old, and no gap could be seen');
    const findings: Finding[] = [];
    const unjudged: string[] = [];
    let expiredCount = 0;
    let judged = 0;
    for (const stream of streams) {
      const result = judgeStream(stream, record);
      if (result.kind === 'unjudged') {
        unjudged.push(result.reason);
        continue;
      }
      judged++;
      if (result.kind === 'expired') expiredCount++;
      findings.push(...result.findings);
    }
    if (judged === 0) return skipped(ID, unjudged.join('; '));
    const notJudged = unjudged.length > 0 ? ` (not judged: ${unjudged.join('; ')})` : '';
    return resultOf(
      ID,
      findings,
      `${expiredCount} watch(es) from an RV the server no longer serves got 410 Expired${notJudged}`,
      'a watch from an RV the server no longer serves did not get 410 Expired',
    );
  },
};
