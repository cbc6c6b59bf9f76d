import { answerOfStream } from '../record/answers.js';
import { formatGoDuration } from '../go-duration.js';
import { closeOf } from '../record/accessors.js';
import type { RunRecord, StreamRecord } from '../record/timeline.js';
import { listExamples, plural, resultOf, skipped } from './check-result.js';
import type { Check, Finding, Severity } from './types.js';

const ID = 'watch.answered';

/**
 * How long a watch must have waited for its response head before its silence is judged.
 * kube-apiserver writes and flushes the head before the first event (apiserver v0.35.0
 * pkg/endpoints/handlers/watch.go serveWatch: `w.WriteHeader(200)`, then `flusher.Flush()`), so a
 * healthy server answers within milliseconds; 5 s leaves room for a loaded machine.
 */
export const UNANSWERED_JUDGED_AFTER_MS = 5_000;

/**
 * Watches open at once (this one included) up to which an unanswered watch is the server's doing:
 * RFC 9113 section 6.5.2 recommends every HTTP/2 server allow at least 100 concurrent streams
 * (SETTINGS_MAX_CONCURRENT_STREAMS "no smaller than 100"), and one client-go process multiplexes
 * all its informers' watches over one connection. Above it, watchmark's own load (its HTTP client,
 * its machine, the embedded server sharing its process) may be what kept the answer back.
 */
export const OWN_LOAD_WATCHES = 100;

/** Stream ids quoted in a finding's evidence before it only counts. */
const EVIDENCE_IDS = 50;

interface Unanswered {
  stream: StreamRecord;
  waitedMs: number;
  /** Watches of the record sent and not yet closed when this one was sent, this one included. */
  openAtSend: number;
  /** A transport failure before any response head (code: message), or null when still waiting at the end. */
  failure: string | null;
}

/**
 * Every watch watchmark sent gets a response head (status and headers). A watch without one is
 * untested (its checks cannot run; the report lists it and the run is INCONCLUSIVE unless
 * something fails), and on a real informer it is worse than an error: client-go's Request.Watch
 * blocks in `client.Do` until the head arrives (client-go v0.35.0 rest/request.go watchInternal,
 * no header timeout; the reflector's timeoutSeconds only bounds a started watch), so the informer
 * never syncs on it (watch-list) or never sees a change (watch), without any log line.
 *
 * Severity: a watch still waiting after UNANSWERED_JUDGED_AFTER_MS while at most OWN_LOAD_WATCHES
 * watches were open is the server's fault (fail). With more open, watchmark cannot tell the server
 * from its own load (warn, said so). A shorter wait is too short to judge (info). A transport
 * failure before the head (reset, refused, TLS) is a warn: client-go retries the watch after
 * backoff. Counts are within the scenario the check runs on (checks run per scenario).
 */
export const watchAnswered: Check = {
  id: ID,
  title: 'Every watch gets a response (status and headers)',
  maxSeverity: 'fail',
  source:
    'apiserver v0.35.0 pkg/endpoints/handlers/watch.go serveWatch (head written and flushed before any event); client-go v0.35.0 rest/request.go watchInternal (no deadline for the response head); RFC 9113 section 6.5.2',
  meaning:
    'Every watch watchmark sent got its response head (HTTP status and headers) before observation ended. kube-apiserver ' +
    'writes and flushes the head of a watch at once, before any event. A watch that never gets one tests nothing (its checks ' +
    'cannot run, the run is INCONCLUSIVE), and a real client-go informer blocks on it indefinitely: `Request.Watch` has no ' +
    'timeout for the head, so the informer never syncs (watch-list) or never sees a change (watch), without a log line. The ' +
    'finding names the watches, how many, and how long each waited.',
  severities: {
    fail:
      'a watch still without a response after 5 s while at most 100 watches were open (RFC 9113 recommends every HTTP/2 ' +
      'server allow 100 concurrent streams): the server, not watchmark, left it unanswered.',
    warn:
      'watches without a response while more than 100 were open: watchmark cannot tell the server from its own load (its ' +
      'HTTP client, the machine, or the embedded server sharing its process), and says so; or a transport failure before ' +
      'the response (reset, refused), which client-go retries after backoff.',
    info: 'a watch still waiting less than 5 s after it was sent when observation ended: too short to judge.',
  },
  fix:
    "Answer every watch at once: write the status and headers and flush them before waiting for events, as kube-apiserver's " +
    '`serveWatch` does (`w.WriteHeader(http.StatusOK)`, then `flusher.Flush()`), and never queue a watch behind others ' +
    'without answering it; a server that cannot take another watch answers 429 with a `Retry-After` header (client-go backs ' +
    'off and retries). Allow at least 100 concurrent HTTP/2 streams per connection (`--http2-max-streams-per-connection`; ' +
    "k8s.io/apiserver's `RecommendedOptions` set 1000 because one proxy connection multiplexes many watches). If watchmark " +
    'itself is the bottleneck (thousands of watches in one scenario), spread them over scenarios or runs.',
  run(record) {
    const sent = record.streams.filter((stream) => closeOf(stream)?.reason !== 'not-opened');
    if (sent.length === 0) return skipped(ID, 'no watch was sent');
    const unanswered: Unanswered[] = [];
    for (const stream of sent) {
      const answer = answerOfStream(stream, record.endedAtMs);
      if (answer.kind !== 'no-response') continue;
      unanswered.push({
        stream,
        waitedMs: answer.waitedMs ?? 0,
        openAtSend: openWatchesAt(sent, stream.request.sentAtMs),
        failure: answer.message === null ? null : `${answer.reason ? `${answer.reason}: ` : ''}${answer.message}`,
      });
    }
    const findings: Finding[] = [];
    const failed = unanswered.filter((u) => u.failure !== null);
    const waiting = unanswered.filter((u) => u.failure === null);
    const serverFault = waiting.filter((u) => u.openAtSend <= OWN_LOAD_WATCHES && u.waitedMs >= UNANSWERED_JUDGED_AFTER_MS);
    const ownLoad = waiting.filter((u) => u.openAtSend > OWN_LOAD_WATCHES);
    const tooShort = waiting.filter((u) => u.openAtSend <= OWN_LOAD_WATCHES && u.waitedMs < UNANSWERED_JUDGED_AFTER_MS);
    const total = sent.length;
    if (serverFault.length > 0) {
      findings.push(
        finding('fail', serverFault, total,
          `never got a response head (status and headers) from the server; at most ${Math.max(...serverFault.map((u) => u.openAtSend))} watches were open when ${serverFault.length === 1 ? 'it was' : 'they were'} sent, ` +
            `within the ${OWN_LOAD_WATCHES} concurrent streams RFC 9113 asks every HTTP/2 server to allow, so the server, not watchmark's own load, left ${serverFault.length === 1 ? 'it' : 'them'} unanswered. ` +
            `kube-apiserver writes and flushes the head at once (watch.go serveWatch). A client-go informer blocks in Request.Watch until the head arrives (no timeout): it never syncs on such a watch-list and never sees a change on such a watch, without a log line.`,
        ),
      );
    }
    if (ownLoad.length > 0) {
      findings.push(
        finding('warn', ownLoad, total,
          `never got a response head (status and headers); ${Math.min(...ownLoad.map((u) => u.openAtSend))} to ${Math.max(...ownLoad.map((u) => u.openAtSend))} watches were open when ${ownLoad.length === 1 ? 'it was' : 'they were'} sent, ` +
            `more than the ${OWN_LOAD_WATCHES} concurrent streams RFC 9113 asks every HTTP/2 server to allow, so watchmark cannot tell whether the server or its own load (its HTTP client, this machine, or the embedded server sharing watchmark's process) held ${ownLoad.length === 1 ? 'it' : 'them'} back: ` +
            `a harness limitation as much as a possible server problem. ${ownLoad.length === 1 ? 'It was' : 'They were'} not tested. A server that really leaves watches unanswered hangs client-go informers (Request.Watch has no timeout for the head).`,
        ),
      );
    }
    if (failed.length > 0) {
      findings.push(
        finding('warn', failed, total,
          `failed before any response head (${listExamples([...new Set(failed.map((u) => u.failure!))], 2)}), so ${failed.length === 1 ? 'it was' : 'they were'} not tested. client-go's reflector retries such a watch after backoff.`,
        ),
      );
    }
    if (tooShort.length > 0) {
      findings.push(
        finding('info', tooShort, total,
          `had no response head yet when observation ended, less than ${formatGoDuration(UNANSWERED_JUDGED_AFTER_MS)} after ${tooShort.length === 1 ? 'it was' : 'they were'} sent: too short to judge, and not tested.`,
        ),
      );
    }
    return resultOf(
      ID,
      findings,
      unanswered.length === 0 ? `all ${plural(total, 'watch', 'watches')} got a response` : `${unanswered.length} of ${plural(total, 'watch', 'watches')} got no response (not tested)`,
      `${unanswered.length} of ${plural(total, 'watch', 'watches')} got no response`,
    );
  },
};

/** Watches sent at or before `atMs` and not closed by then (a watch never closed stays open). */
function openWatchesAt(streams: readonly StreamRecord[], atMs: number): number {
  let open = 0;
  for (const stream of streams) {
    if (stream.request.sentAtMs > atMs) continue;
    const close = closeOf(stream);
    if (close === undefined || close.atMs > atMs) open++;
  }
  return open;
}

function finding(severity: Severity, group: readonly Unanswered[], total: number, what: string): Finding {
  const ids = group.map((u) => u.stream.id);
  const waited = group.map((u) => u.waitedMs);
  const minWaited = Math.min(...waited);
  const maxWaited = Math.max(...waited);
  const waitedText = minWaited === maxWaited ? `after waiting ${formatGoDuration(Math.round(maxWaited))}` : `after waiting ${formatGoDuration(Math.round(minWaited))} to ${formatGoDuration(Math.round(maxWaited))}`;
  return {
    severity,
    ...(group.length === 1 ? { stream: ids[0]! } : {}),
    message: `${group.length === 1 ? ids[0]! : `${group.length} of ${total} watches (${listExamples(ids)})`}, ${waitedText}, ${what}`,
    evidence: {
      count: group.length,
      watches: total,
      streams: ids.slice(0, EVIDENCE_IDS),
      waitedMs: { min: Math.round(minWaited), max: Math.round(maxWaited) },
      openWatchesAtSend: { min: Math.min(...group.map((u) => u.openAtSend)), max: Math.max(...group.map((u) => u.openAtSend)) },
      ...(group.some((u) => u.failure !== null) ? { failures: [...new Set(group.map((u) => u.failure).filter((f) => f !== null))].slice(0, 5) } : {}),
    },
  };
}
