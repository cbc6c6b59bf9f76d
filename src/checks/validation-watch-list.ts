import {
  INITIAL_EVENTS_END_ANNOTATION,
  bookmarksOf,
  closeOf,
  eventsOf,
  isInitialEventsEndBookmark,
  msSinceRequest,
  observedUntilMs,
  resourceVersionOf,
  responseOf,
  sinceRequest,
} from '../record/accessors.js';
import { splitInitialEvents, describeLiveEvidence, snapshotOnlyEvents } from '../record/initial-events.js';
import {
  collectionKeyOf,
  hasSelector,
  isWatchListRequest,
  listsOfCollection,
  unfilteredWatchListWithEndBookmark,
} from '../record/requests.js';
import { answerKindOfStatus, answerOfStream, describeAnswer } from '../record/answers.js';
import type { ResponseEntry, RunRecord, StreamRecord, WatchOptions } from '../record/timeline.js';
import { statusOfErrorObject } from '../record/status.js';
import { listExamples, resultOf, skipped } from './check-result.js';
import type { Check, Finding } from './types.js';

const ID = 'validation.watch-list';

/**
 * The three option combinations the rule knows, told apart by what was sent (not by scenario
 * name, so a plan that drifts is judged by its real request):
 * - `initial-events-without-rvm`: sendInitialEvents set, resourceVersionMatch not NotOlderThan -> 422;
 * - `rvm-without-initial-events`: resourceVersionMatch set, no sendInitialEvents -> 422;
 * - `initial-events-without-bookmarks`: sendInitialEvents=true, NotOlderThan, no allowWatchBookmarks
 *   -> accepted, initial state, no bookmark.
 */
type ValidationCase = 'initial-events-without-rvm' | 'rvm-without-initial-events' | 'initial-events-without-bookmarks';

export function validationCaseOf(options: WatchOptions): ValidationCase | undefined {
  const rvm = options.resourceVersionMatch ?? '';
  if (options.sendInitialEvents !== undefined && rvm !== 'NotOlderThan') return 'initial-events-without-rvm';
  if (rvm !== '' && options.sendInitialEvents === undefined) return 'rvm-without-initial-events';
  if (options.sendInitialEvents === true && rvm === 'NotOlderThan' && options.allowWatchBookmarks !== true) return 'initial-events-without-bookmarks';
  return undefined;
}

/** The validateWatchOptions field error kube-apiserver answers each invalid case with (apimachinery validation.go, HEAD). */
const RULES: Record<Exclude<ValidationCase, 'initial-events-without-bookmarks'>, string> = {
  'initial-events-without-rvm': 'resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan',
  'rvm-without-initial-events': 'resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided',
};

/** The watch-list-relevant query parameters as sent, for messages. */
function queryOf(options: WatchOptions): string {
  const parts: string[] = [];
  if (options.resourceVersion !== undefined) parts.push(`resourceVersion=${options.resourceVersion}`);
  if (options.sendInitialEvents !== undefined) parts.push(`sendInitialEvents=${options.sendInitialEvents}`);
  if (options.resourceVersionMatch !== undefined) parts.push(`resourceVersionMatch=${options.resourceVersionMatch}`);
  if (options.allowWatchBookmarks !== undefined) parts.push(`allowWatchBookmarks=${options.allowWatchBookmarks}`);
  return parts.join('&') || '(no watch-list options)';
}

/** The non-200 body as a Status, when it is one. */
function bodyStatus(response: ResponseEntry): { isStatus: boolean; reason?: string; message?: string; code?: number } {
  if (response.body === undefined) return { isStatus: false };
  let parsed: unknown;
  try {
    parsed = JSON.parse(response.body);
  } catch {
    return { isStatus: false };
  }
  const status = statusOfErrorObject(parsed);
  if (status === null) return { isStatus: false };
  return {
    isStatus: true,
    ...(status.reason !== undefined ? { reason: status.reason } : {}),
    ...(status.message !== undefined ? { message: status.message } : {}),
    ...(status.code !== undefined ? { code: status.code } : {}),
  };
}

function eventCounts(stream: StreamRecord): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const event of eventsOf(stream)) counts[event.type] = (counts[event.type] ?? 0) + 1;
  return counts;
}

function countsText(counts: Record<string, number>): string {
  const text = Object.entries(counts)
    .map(([type, count]) => `${count} ${type}`)
    .join(', ');
  return text === '' ? 'no events' : text;
}

function endingText(stream: StreamRecord, record: RunRecord): string {
  const close = closeOf(stream);
  if (close === undefined || close.reason === 'client-abort') return `still open when observation ended ${sinceRequest(stream, observedUntilMs(stream, record.endedAtMs))}`;
  return `closed (${close.reason}) ${sinceRequest(stream, close.atMs)}`;
}

/**
 * How many objects the initial state should hold: the initial events of a watch-list stream on
 * the same collection that ended them with the annotated bookmark (exact), else the item count of
 * a 200 LIST of the collection without selectors. Undefined when neither exists or the stream
 * has a selector (the reference would not apply).
 */
function referenceState(stream: StreamRecord, record: RunRecord): { count: number; source: string } | undefined {
  if (hasSelector(stream.request.options)) return undefined;
  const watchList = unfilteredWatchListWithEndBookmark(stream, record.streams);
  if (watchList !== undefined) {
    const count = splitInitialEvents(watchList.stream, record.writes).initial.length;
    return { count, source: `${watchList.stream.id} delivered ${count} initial event(s) before its end bookmark` };
  }
  const list = listsOfCollection(stream, record.lists).find(
    (candidate) => candidate.status === 200 && candidate.itemCount !== undefined && !/[?&](labelSelector|fieldSelector)=/.test(candidate.path),
  );
  if (list?.itemCount !== undefined) return { count: list.itemCount, source: `${list.id} returned ${list.itemCount} item(s)` };
  return undefined;
}

/** Watch-list requests (with bookmarks) on the same collection and their HTTP status. */
function watchListStatuses(stream: StreamRecord, record: RunRecord): Array<{ id: string; status: number | null }> {
  return record.streams
    .filter((other) => other !== stream && isWatchListRequest(other.request.options) && collectionKeyOf(other) === collectionKeyOf(stream))
    .map((other) => ({ id: other.id, status: responseOf(other)?.status ?? null }));
}

/**
 * Validation parity for the watch-list options (spec 6 "Validation parity (WARN)"):
 * sendInitialEvents without resourceVersionMatch=NotOlderThan, and resourceVersionMatch without
 * sendInitialEvents, are rejected with HTTP 422 Invalid; sendInitialEvents=true with NotOlderThan
 * but without allowWatchBookmarks is accepted, streams the initial state and sends no bookmark at
 * all (no initial-events-end marker either).
 *
 * Upstream: apimachinery pkg/apis/meta/internalversion/validation/validation.go
 * validateWatchOptions (HEAD; returned by apiserver v0.35.0 pkg/endpoints/handlers/get.go as
 * errors.NewInvalid, HTTP 422) — no rule involves allowWatchBookmarks; apiserver v0.35.0
 * pkg/storage/testing/watcher_tests.go RunSendInitialEventsBackwardCompatibility (sendInitialEvents
 * without bookmarks accepted) and RunWatchSemantics (annotated bookmark only when both
 * sendInitialEvents and allowWatchBookmarks are set); cacher.go setInitialEventsEndBookmarkIfRequested.
 *
 * A warn, never a fail: client-go never sends these combinations (its watch-list sets all three
 * options together). A server that accepts the invalid ones usually ignores sendInitialEvents
 * altogether, which is what makes client-go >= v0.35 watch-lists hang. A server with the WatchList
 * gate off (kube-apiserver 1.33 default) rejects every sendInitialEvents with 422; that is
 * recognised (message, or the watch-list stream rejected too) and only noted. A 422 body that is
 * not a Status is info. An invalid combination passes only on 422: a rejection with another 4xx or
 * an ERROR event in a 200 stream is a warn (named as observed). 401/403/407 and
 * 404/405/408/429/5xx say nothing about validation: not judged, named in the summary, and a skip
 * when nothing else was answered (record/answers.ts; the report lists them as untested).
 */
export const validationWatchList: Check = {
  id: ID,
  title: 'Invalid watch-list option combinations get 422; sendInitialEvents without bookmarks is accepted without a bookmark',
  maxSeverity: 'warn',
  source:
    'apimachinery pkg/apis/meta/internalversion/validation/validation.go validateWatchOptions (HEAD); apiserver v0.35.0 pkg/storage/testing/watcher_tests.go RunSendInitialEventsBackwardCompatibility, RunWatchSemantics',
  meaning:
    "Parity with kube-apiserver's validation of the watch-list options: `sendInitialEvents` without " +
    '`resourceVersionMatch=NotOlderThan`, and `resourceVersionMatch` without `sendInitialEvents`, are rejected with 422 ' +
    'Invalid; `sendInitialEvents=true&resourceVersionMatch=NotOlderThan` without `allowWatchBookmarks` is valid and gets the ' +
    'initial state with no bookmark at all. client-go never sends these combinations itself, but a server that accepts the ' +
    'invalid ones usually ignores the options altogether, which is what makes client-go v0.35+ watch-lists hang.',
  severities: {
    warn:
      'an invalid combination is answered with 200 and a stream, with an ERROR event inside a 200 stream, or rejected with ' +
      'another 4xx than 422 (e.g. 400); or `sendInitialEvents` without `allowWatchBookmarks` is rejected (422 while the real ' +
      'watch-list is accepted: the server requires bookmarks; or another 4xx); or it gets a bookmark, or no initial state ' +
      'although the collection has objects. The check passes an invalid combination only on 422.',
    info:
      'a 422 whose body is not a Status; or a server with its WatchList feature off (422 for every `sendInitialEvents`, ' +
      "kube-apiserver 1.33's default), which is recognised and only noted. Answers that say nothing about validation " +
      '(401/403/407, 404/405/408/429/5xx, no response) are not judged: the check names them as they are and skips when ' +
      'nothing else was answered, and the report lists those streams as untested (verdict INCONCLUSIVE).',
  },
  fix:
    'Validate watch options before starting the watch and reject with HTTP 422 and a Status (`reason: Invalid`, `details: ' +
    '{group: meta.k8s.io, kind: ListOptions}`), as apimachinery `validateWatchOptions` does: `sendInitialEvents` set requires ' +
    '`resourceVersionMatch=NotOlderThan` ("sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"), and ' +
    '`resourceVersionMatch` on a watch requires `sendInitialEvents` ("resourceVersionMatch is forbidden for watch unless ' +
    'sendInitialEvents is provided"). Servers built on `k8s.io/apiserver` get this from `ValidateListOptions` in the `get.go` ' +
    'handler. Add no rule for `allowWatchBookmarks`: honour `sendInitialEvents` without it by streaming the initial state ' +
    'and no end bookmark (`RunSendInitialEventsBackwardCompatibility`, `RunWatchSemantics`).',
  run(record) {
    const cases = record.streams
      .map((stream) => ({ stream, validationCase: validationCaseOf(stream.request.options) }))
      .filter((entry): entry is { stream: StreamRecord; validationCase: ValidationCase } => entry.validationCase !== undefined);
    if (cases.length === 0) {
      return skipped(
        ID,
        'no stream sent an invalid watch-list combination (sendInitialEvents without resourceVersionMatch=NotOlderThan, or resourceVersionMatch without sendInitialEvents) or sendInitialEvents=true without allowWatchBookmarks',
      );
    }
    const findings: Finding[] = [];
    const notes: string[] = [];
    let judged = 0;
    /** What the judged streams showed as kube-apiserver would, for the pass summary. */
    const outcomes = { rejected422: 0, acceptedWithoutBookmark: 0, gateOff: 0 };
    for (const { stream, validationCase } of cases) {
      const response = responseOf(stream);
      const query = queryOf(stream.request.options);
      if (response === undefined) {
        notes.push(`${stream.id}: no response (${closeOf(stream)?.error?.message ?? closeOf(stream)?.reason ?? 'never answered'})`);
        continue;
      }
      // 401/403/407 and 404/405/408/429/5xx are answers about the credentials or the server's
      // state, not about the options: no evidence either way (the report lists the stream as untested).
      const answerKind = answerKindOfStatus(response.status);
      if (answerKind === 'denied' || answerKind === 'error') {
        const expected = validationCase === 'initial-events-without-bookmarks' ? 'HTTP 200 and the initial state' : 'HTTP 422 Invalid';
        notes.push(`${stream.id} answered ${describeAnswer(answerOfStream(stream, record.endedAtMs))}, expected ${expected}: says nothing about validation`);
        continue;
      }
      judged++;
      if (validationCase === 'initial-events-without-bookmarks') {
        const judgedFindings = judgeWithoutBookmarks(stream, record, response, query);
        findings.push(...judgedFindings);
        if (response.status === 200 && judgedFindings.every((f) => f.severity === 'info')) outcomes.acceptedWithoutBookmark++;
        if (judgedFindings.some((f) => f.evidence['gateOff'] === true)) outcomes.gateOff++;
        continue;
      }
      const rule = RULES[validationCase];
      const ruleEvidence = { stream: stream.id, case: validationCase, query, expectedStatus: 422, status: response.status };
      if (response.status === 422) {
        outcomes.rejected422++;
        const status = bodyStatus(response);
        if (!status.isStatus) {
          findings.push({
            severity: 'info',
            stream: stream.id,
            message:
              `${stream.id}: ${query} was rejected with HTTP 422 as expected, but the body is not a Status (kind "Status", apiVersion "v1"; kube-apiserver sends errors.NewInvalid for ListOptions.meta.k8s.io). ` +
              `client-go's Request.Watch then reports only the HTTP code, without the reason and message.`,
            evidence: { ...ruleEvidence, body: response.body?.slice(0, 512) ?? null },
          });
        }
        continue;
      }
      if (response.status !== 200) {
        findings.push({
          severity: 'warn',
          stream: stream.id,
          message:
            `${stream.id}: expected HTTP 422 Invalid for ${query} (validateWatchOptions: "${rule}"); observed ${describeAnswer(answerOfStream(stream, record.endedAtMs))}. ` +
            `The combination is rejected, only with another code than kube-apiserver's; client-go treats any non-200 watch start as an error alike.`,
          evidence: { ...ruleEvidence, body: response.body?.slice(0, 512) ?? null },
        });
        continue;
      }
      const counts = eventCounts(stream);
      const firstError = eventsOf(stream).find((event) => event.type === 'ERROR');
      if (firstError !== undefined) {
        const status = statusOfErrorObject(firstError.object);
        findings.push({
          severity: 'warn',
          stream: stream.id,
          message:
            `${stream.id}: expected HTTP 422 Invalid for ${query} (validateWatchOptions: "${rule}"); observed HTTP 200 and an ERROR event ${sinceRequest(stream, firstError.atMs)}` +
            `${status?.code !== undefined ? ` (code ${status.code}${status.reason ? `, ${status.reason}` : ''})` : ''}: rejected inside the stream rather than with a status code. client-go treats both as a failed watch.`,
          evidence: { ...ruleEvidence, eventCounts: counts, errorSeq: firstError.seq, errorAtMsSinceRequest: msSinceRequest(stream, firstError.atMs), errorStatus: status },
        });
        continue;
      }
      const marker = bookmarksOf(stream).find(isInitialEventsEndBookmark);
      findings.push({
        severity: 'warn',
        stream: stream.id,
        message:
          `${stream.id}: expected HTTP 422 Invalid for ${query} (kube-apiserver validateWatchOptions: "${rule}"); ` +
          `observed HTTP 200 and a watch stream (${countsText(counts)}${marker ? ', including an initial-events-end bookmark' : ''}; ${endingText(stream, record)}): the server silently accepts an invalid combination. ` +
          `client-go never sends it (its watch-list sets sendInitialEvents=true, resourceVersionMatch=NotOlderThan and allowWatchBookmarks=true together), so nothing changes for client-go here; ` +
          `but servers that accept it usually ignore sendInitialEvents altogether, which is what makes a client-go >= v0.35 watch-list never get its initial-events-end bookmark and never sync (see initial-events-end.present).`,
        evidence: { ...ruleEvidence, eventCounts: counts, initialEventsEndBookmark: marker !== undefined },
      });
    }
    if (judged === 0) return skipped(ID, `no validation stream got an answer about validation (${listExamples(notes, 2)})`);
    const noteText = notes.length > 0 ? ` (not judged: ${listExamples(notes, 2)})` : '';
    const seen = [
      outcomes.rejected422 > 0 ? `${outcomes.rejected422} invalid combination(s) rejected with 422` : '',
      outcomes.acceptedWithoutBookmark > 0 ? 'sendInitialEvents without allowWatchBookmarks accepted with the initial state and no bookmark' : '',
      outcomes.gateOff > 0 ? 'sendInitialEvents rejected with 422 as by a server with the WatchList feature off' : '',
    ].filter((part) => part !== '');
    return resultOf(ID, findings, `${judged} stream(s): ${seen.join('; ')}${noteText}`, `watch-list option validation differs from kube-apiserver${noteText}`);
  },
};

/** sendInitialEvents=true&resourceVersionMatch=NotOlderThan without allowWatchBookmarks: accepted, initial state, no bookmark. */
function judgeWithoutBookmarks(stream: StreamRecord, record: RunRecord, response: ResponseEntry, query: string): Finding[] {
  const evidence = { stream: stream.id, case: 'initial-events-without-bookmarks', query, expectedStatus: 200, status: response.status };
  if (response.status !== 200) {
    const status = bodyStatus(response);
    const watchLists = watchListStatuses(stream, record);
    const answered = watchLists.filter((w) => w.status !== null);
    const gateOff =
      response.status === 422 &&
      ((status.message ?? response.body ?? '').includes('WatchList feature gate') || (answered.length > 0 && answered.every((w) => w.status !== 200)));
    if (gateOff) {
      return [
        {
          severity: 'info',
          stream: stream.id,
          message:
            `${stream.id}: ${query} was rejected with HTTP 422, and so was every watch-list request${status.message ? ` ("${status.message}")` : ''}: the server has its WatchList feature off ` +
            `(kube-apiserver 1.33's default: "sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled"), so this combination cannot be judged. client-go falls back to LIST+WATCH.`,
          evidence: { ...evidence, gateOff: true, watchListStatuses: watchLists, body: response.body?.slice(0, 512) ?? null },
        },
      ];
    }
    if (response.status !== 422) {
      return [
        {
          severity: 'warn',
          stream: stream.id,
          message:
            `${stream.id}: expected ${query} to be accepted (HTTP 200): kube-apiserver's validateWatchOptions has no rule involving allowWatchBookmarks; ` +
            `observed ${describeAnswer(answerOfStream(stream, record.endedAtMs))}. client-go's watch-list always sends allowWatchBookmarks=true, so it is unaffected; clients that stream the initial state without bookmarks get an error instead.`,
          evidence: { ...evidence, body: response.body?.slice(0, 512) ?? null },
        },
      ];
    }
    const accepted = watchLists.filter((w) => w.status === 200).map((w) => w.id);
    return [
      {
        severity: 'warn',
        stream: stream.id,
        message:
          `${stream.id}: expected ${query} (sendInitialEvents without allowWatchBookmarks) to be accepted: kube-apiserver's validateWatchOptions has no rule involving allowWatchBookmarks ` +
          `(RunSendInitialEventsBackwardCompatibility); observed HTTP 422${status.message ? ` "${status.message}"` : ''}` +
          `${accepted.length > 0 ? ` while ${listExamples(accepted)} with allowWatchBookmarks=true got 200` : ''}: the server requires bookmarks for sendInitialEvents. ` +
          `client-go's watch-list always sends allowWatchBookmarks=true, so it is unaffected; clients that stream the initial state without bookmarks get an error instead.`,
        evidence: { ...evidence, watchListStatuses: watchLists, body: response.body?.slice(0, 512) ?? null },
      },
    ];
  }
  const firstError = eventsOf(stream).find((event) => event.type === 'ERROR');
  if (firstError !== undefined) {
    const status = statusOfErrorObject(firstError.object);
    return [
      {
        severity: 'info',
        stream: stream.id,
        message:
          `${stream.id}: ${query} was accepted, then ended with an ERROR event ${sinceRequest(stream, firstError.atMs)}${status?.message ? ` ("${status.message}")` : ''}; ` +
          `initial state and bookmarks were not judged (kube-apiserver answers watch-list requests so when etcd lacks RequestWatchProgress, cacher.go).`,
        evidence: { ...evidence, errorSeq: firstError.seq, errorStatus: status },
      },
    ];
  }
  const findings: Finding[] = [];
  const bookmarks = bookmarksOf(stream);
  if (bookmarks.length > 0) {
    const markers = bookmarks.filter(isInitialEventsEndBookmark);
    findings.push({
      severity: 'warn',
      stream: stream.id,
      message:
        `${stream.id}: expected no BOOKMARK at all on ${query} (kube-apiserver sends the initial-events-end bookmark only when sendInitialEvents and allowWatchBookmarks are both set, ` +
        `cacher.go setInitialEventsEndBookmarkIfRequested, RunWatchSemantics); observed ${bookmarks.length} ` +
        `(${listExamples(bookmarks.map((bookmark) => `${isInitialEventsEndBookmark(bookmark) ? `annotated ${INITIAL_EVENTS_END_ANNOTATION} ` : ''}RV ${JSON.stringify(resourceVersionOf(bookmark) ?? null)} ${sinceRequest(stream, bookmark.atMs)}`))}). ` +
        `client-go's watch-list always asks for bookmarks, so it is unaffected; a client that did not ask may not know the BOOKMARK type (bookmark.unrequested fails this too).`,
      evidence: {
        ...evidence,
        bookmarks: bookmarks.length,
        initialEventsEndBookmarks: markers.length,
        firstBookmark: { seq: bookmarks[0]!.seq, resourceVersion: resourceVersionOf(bookmarks[0]!) ?? null, atMsSinceRequest: msSinceRequest(stream, bookmarks[0]!.atMs) },
      },
    });
  }
  const split = splitInitialEvents(stream, record.writes);
  const reference = referenceState(stream, record);
  if (snapshotOnlyEvents(stream, record.writes, split).length === 0) {
    if (reference !== undefined && reference.count > 0) {
      findings.push({
        severity: 'warn',
        stream: stream.id,
        message:
          `${stream.id}: expected ${query} to stream the current state first (${reference.source}); observed no initial event ` +
          `(${split.initial.length > 0 ? `only ${split.initial.length} event(s) for objects written after the request` : split.liveFrom !== undefined ? `none before ${describeLiveEvidence(stream, split.liveFrom)}` : `${countsText(eventCounts(stream))} in the whole stream`}): ` +
          `the server ignores sendInitialEvents=true. A server doing the same to a client-go >= v0.35 watch-list would hang it unless it still sends the initial-events-end bookmark.`,
        evidence: { ...evidence, initialEvents: 0, boundary: split.boundary, reference },
      });
    } else {
      findings.push({
        severity: 'info',
        stream: stream.id,
        message: `${stream.id}: ${query} delivered no initial event; ${reference === undefined ? 'no watch-list stream or LIST of the same collection tells whether there was state to deliver' : `${reference.source}, so there was nothing to deliver`}.`,
        evidence: { ...evidence, initialEvents: 0, boundary: split.boundary, reference: reference ?? null },
      });
    }
  }
  return findings;
}

