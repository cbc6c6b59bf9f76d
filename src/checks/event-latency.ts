import { formatGoDuration } from '../go-duration.js';
import {
  eventsOf,
  isChangeEvent,
  metadataOf,
  msSinceRequest,
  observedUntilMs,
  resourceVersionOf,
  responseOf,
  sinceRequest,
} from '../record/accessors.js';
import { writesLiveAfterMs, writesVisibleTo } from '../record/initial-events.js';
import { hasSelector } from '../record/requests.js';
import type { EventEntry, StreamRecord, WorkloadWrite } from '../record/timeline.js';
import { MAX_EXAMPLES, listExamples, resultOf, skipped } from './check-result.js';
import { describeWrite, eventOfWrite } from './replay.js';
import { declareParams } from './parameters.js';
import type { Check, CheckParams, Finding } from './types.js';

const ID = 'event.latency';

/** This check's tunable parameters (CheckParams; flags, scenario fields and docs derive from them). */
export const eventLatencyParams = declareParams(ID, {
  /** User threshold; over it is a warn. null = timings are only recorded (info): no upstream latency bound exists. */
  maxEventLatencyMs: {
    kind: 'duration',
    default: null,
    field: 'max',
    flag: '--max-event-latency',
    description: 'warn when an event arrives later than this after its write was acknowledged',
  },
});

/** A write with no event is only judged when the stream was still observed this long after the write was acknowledged. */
export const MISSING_EVENT_GRACE_MS = 2_000;

const round = (ms: number) => Math.round(ms * 1000) / 1000;
const fmt = (ms: number) => formatGoDuration(round(ms));

/** Nearest-rank percentile (p in (0, 100]) of ascending-sorted values. */
export function nearestRank(sortedAscending: number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sortedAscending.length));
  return sortedAscending[rank - 1]!;
}

export interface LatencyStats {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export function latencyStats(values: number[]): LatencyStats {
  const sorted = [...values].sort((a, b) => a - b);
  return { count: sorted.length, p50Ms: round(nearestRank(sorted, 50)), p99Ms: round(nearestRank(sorted, 99)), maxMs: round(sorted.at(-1)!) };
}

interface Matched {
  write: WorkloadWrite;
  event: EventEntry;
  /** event.atMs - write.atMs: from the write's response; negative when the event beat the response. */
  fromResponseMs: number;
  /** event.atMs - write.sentAtMs: from the write's request. */
  fromSentMs: number;
}

/**
 * How long workload writes take to show up on each watch, and writes a watch never delivered.
 *
 * Upstream: no latency bound exists (kube-apiserver dispatches through the watch cache, cacher.go
 * v0.35.0 dispatchEvents; etcd3 watcher.go for uncached resources), so timings are info, and a
 * warn only over the user's params.maxEventLatencyMs (measured from the write's response). Every
 * acknowledged write to the watched collection must produce its event: e2e
 * test/e2e/apimachinery/watch.go "should observe add, update, and delete watch notifications on
 * configmaps", apiserver pkg/storage/testing/watcher_tests.go RunTestWatch / RunTestDeleteTriggerWatch.
 * client-go trusts the watch and relists only on errors, so a lost event stays lost in an
 * informer's cache until its next relist: a missing event is a warn (only when the stream was
 * still observed 2 s after the write was acknowledged).
 *
 * Per 200 stream without label/field selector (matching selectors is out of scope), for each
 * workload write to the same resource and namespace sent while the stream was open and live for
 * it (after its response, and on a stream with an initial state after its first frame: the server
 * may take its snapshot after answering, and an earlier write is part of it): the matching event (eventOfWrite), and
 * `event.atMs - write.atMs` and `event.atMs - write.sentAtMs`. Count, p50, p99 (nearest rank) and
 * max per stream go in the evidence.
 */
export const eventLatency: Check = {
  id: ID,
  params: eventLatencyParams,
  title: 'Time from each workload write to its event on every watch, and writes never delivered',
  maxSeverity: 'warn',
  source: 'e2e test/e2e/apimachinery/watch.go "should observe add, update, and delete watch notifications on configmaps"; apiserver v0.35.0 pkg/storage/cacher/cacher.go dispatchEvents',
  meaning:
    'For each write watchmark makes while a watch without selectors is open: how long until its event arrives on that watch, ' +
    "from the write's response and from its request (p50, p99 and max per stream), and which writes a watch never delivered. " +
    'No upstream latency bound exists, so timings are recorded, not judged.',
  severities: {
    warn:
      'a write acknowledged at least 2 s before the stream ended never showed up on it (client-go relists only on errors, so an ' +
      'informer would miss that change until its next relist); or, only with `--max-event-latency D`, events slower than your ' +
      'policy D.',
    info: 'the timings.',
  },
  fix:
    'Deliver every committed write to every open watch it matches. kube-apiserver feeds each change from its etcd watch to ' +
    'all watchers through the watch cache (apiserver `pkg/storage/cacher/cacher.go` `dispatchEvents`), typically within ' +
    'milliseconds. A server that polls its storage should also wake its watchers on local writes (kinm does; otherwise its 2 ' +
    's poll interval shows here) and must not let its cursor skip rows that commit out of order: a missing event is usually ' +
    'such a skipped row or a filter that dropped the object.',
  run(record, params: CheckParams) {
    const streams = record.streams.filter((stream) => responseOf(stream)?.status === 200 && !hasSelector(stream.request.options));
    const findings: Finding[] = [];
    let streamsWithWrites = 0;
    let matchedTotal = 0;
    let missingTotal = 0;
    let slowTotal = 0;
    let maxFromResponse: { stream: string; ms: number } | undefined;
    for (const stream of streams) {
      const liveAfterMs = writesLiveAfterMs(stream)!;
      const untilMs = observedUntilMs(stream, record.endedAtMs);
      const writes = writesVisibleTo(stream, record.writes)
        .filter((write) => write.sentAtMs > liveAfterMs && write.sentAtMs < untilMs)
        .sort((a, b) => a.sentAtMs - b.sentAtMs);
      if (writes.length === 0) continue;
      streamsWithWrites++;
      const changes = eventsOf(stream).filter(isChangeEvent);
      const used = new Set<number>();
      const matched: Matched[] = [];
      const missing: WorkloadWrite[] = [];
      const unjudged: WorkloadWrite[] = [];
      for (const write of writes) {
        const event = changes.find((candidate) => !used.has(candidate.seq) && eventOfWrite(candidate, write));
        if (event !== undefined) {
          used.add(event.seq);
          matched.push({ write, event, fromResponseMs: event.atMs - write.atMs, fromSentMs: event.atMs - write.sentAtMs });
        } else if (untilMs >= write.atMs + MISSING_EVENT_GRACE_MS) {
          missing.push(write);
        } else {
          unjudged.push(write);
        }
      }
      matchedTotal += matched.length;
      missingTotal += missing.length;
      if (matched.length > 0) {
        const fromResponse = latencyStats(matched.map((m) => m.fromResponseMs));
        const fromSent = latencyStats(matched.map((m) => m.fromSentMs));
        if (maxFromResponse === undefined || fromResponse.maxMs > maxFromResponse.ms) maxFromResponse = { stream: stream.id, ms: fromResponse.maxMs };
        findings.push({
          severity: 'info',
          stream: stream.id,
          message:
            `${stream.id}: ${matched.length} of ${writes.length} workload write(s) seen; write acknowledged -> event p50 ${fmt(fromResponse.p50Ms)}, p99 ${fmt(fromResponse.p99Ms)}, max ${fmt(fromResponse.maxMs)}` +
            `${matched.some((m) => m.fromResponseMs < 0) ? ' (negative: the event arrived before the write\'s response)' : ''}; write sent -> event p50 ${fmt(fromSent.p50Ms)}, p99 ${fmt(fromSent.p99Ms)}, max ${fmt(fromSent.maxMs)}.` +
            (unjudged.length > 0 ? ` ${unjudged.length} write(s) without an event were acknowledged less than ${fmt(MISSING_EVENT_GRACE_MS)} before the stream ended (not judged).` : ''),
          evidence: {
            stream: stream.id,
            writes: writes.length,
            matched: matched.length,
            missing: missing.length,
            unjudged: unjudged.length,
            fromResponse,
            fromSent,
          },
        });
        if (params.maxEventLatencyMs !== null) {
          const limitMs = params.maxEventLatencyMs;
          const slow = matched.filter((m) => m.fromResponseMs > limitMs);
          slowTotal += slow.length;
          if (slow.length > 0) {
            findings.push({
              severity: 'warn',
              stream: stream.id,
              message:
                `${stream.id}: policy --max-event-latency ${fmt(limitMs)} (user-set, not an upstream bound): expected each write's event within ${fmt(limitMs)} of the write's response; ` +
                `observed ${slow.length} slower: ${listExamples(slow.map((m) => `${describeWrite(stream, m.write)} -> ${m.event.type} ${sinceRequest(stream, m.event.atMs)} (${fmt(m.fromResponseMs)})`))}. ` +
                `client-go has no timeout for this: its informer cache just lags behind the server by that much.`,
              evidence: {
                stream: stream.id,
                limitMs,
                count: slow.length,
                examples: slow.slice(0, MAX_EXAMPLES).map((m) => ({
                  write: m.write.name,
                  verb: m.write.verb,
                  resourceVersion: m.write.resourceVersion ?? null,
                  eventSeq: m.event.seq,
                  eventType: m.event.type,
                  fromResponseMs: round(m.fromResponseMs),
                  fromSentMs: round(m.fromSentMs),
                })),
              },
            });
          }
        }
      }
      if (missing.length > 0) {
        findings.push({
          severity: 'warn',
          stream: stream.id,
          message:
            `${stream.id}: expected an event for every acknowledged workload write to ${stream.request.watched.resource}${stream.request.namespace ? ` in ${stream.request.namespace}` : ''} while the stream was open ` +
            `(e2e watch.go "should observe add, update, and delete watch notifications"); observed none for ${missing.length} of ${writes.length}: ${listExamples(missing.map((write) => describeWrite(stream, write)))}, ` +
            `though the stream was observed until ${sinceRequest(stream, untilMs)}. client-go trusts the watch and relists only on errors, so an informer's cache would miss these changes until its next relist.`,
          evidence: {
            stream: stream.id,
            writes: writes.length,
            missing: missing.length,
            observedUntilMsSinceRequest: msSinceRequest(stream, untilMs),
            examples: missing.slice(0, MAX_EXAMPLES).map((write) => ({
              verb: write.verb,
              name: write.name,
              namespace: write.namespace ?? null,
              resourceVersion: write.resourceVersion ?? null,
              sentAtMsSinceRequest: msSinceRequest(stream, write.sentAtMs),
              atMsSinceRequest: msSinceRequest(stream, write.atMs),
            })),
          },
        });
      }
    }
    if (streamsWithWrites === 0) {
      return skipped(ID, 'no 200 stream without a selector was open while the workload wrote to its resource');
    }
    const maxText = maxFromResponse !== undefined ? `; slowest write acknowledged -> event ${fmt(maxFromResponse.ms)} on ${maxFromResponse.stream}` : '';
    return resultOf(
      ID,
      findings,
      `${matchedTotal} write(s) matched to their events on ${streamsWithWrites} stream(s)${missingTotal === 0 ? ', none missing' : ''}${maxText}`,
      [missingTotal > 0 ? 'workload writes the watch never delivered' : '', slowTotal > 0 ? 'events slower than the latency policy' : ''].filter(Boolean).join('; '),
    );
  },
};
