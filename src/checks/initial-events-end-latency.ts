import { formatGoDuration } from '../go-duration.js';
import { eventsOf, initialEventsEndBookmark, isChangeEvent, msSinceRequest, observedUntilMs, responseOf } from '../record/accessors.js';
import { isWatchListRequest } from '../record/requests.js';
import { reflectorWarnings } from '../reflector/ticker.js';
import { resultOf, skipped } from './check-result.js';
import type { Check, Finding } from './types.js';

const ID = 'initial-events-end.latency';

const round = (ms: number) => Math.round(ms * 1000) / 1000;
const fmt = (ms: number) => formatGoDuration(Math.round(ms));

/**
 * How long the initial-events-end bookmark took, and what client-go's reflector logs meanwhile.
 *
 * Upstream: client-go v0.35.0 tools/cache/reflector.go initialEventsEndBookmarkTicker (same
 * v0.33-HEAD): in watch-list mode only, every 10 s after the watch started, it logs
 * "Warning: event bookmark expired" when no event was processed for ≥ 10 s (spec 1.4). It only
 * logs: no retry, no relist, no fallback. So this is at most a warn, and never a requirement
 * for periodic bookmarks (apimachinery types.go AllowWatchBookmarks: "Clients should not assume
 * bookmarks are returned at any specific interval"). Timings are info findings.
 */
export const initialEventsEndLatency: Check = {
  id: ID,
  title: 'Time to the initial-events-end bookmark, and the bookmark-expired warnings client-go would log',
  maxSeverity: 'warn',
  source: 'client-go v0.35.0 tools/cache/reflector.go initialEventsEndBookmarkTicker (10 s, log only)',
  meaning:
    'How long a watch-list takes to deliver its end bookmark: after the request, after the response and after the last ' +
    'initial event, and the longest silence before it. While a client-go v0.35+ reflector waits for that bookmark it ticks ' +
    'every 10 s and logs `Warning: event bookmark expired` whenever nothing arrived for 10 s; watchmark lists the exact lines ' +
    'it would log. The ticker only logs (no retry, relist or fallback) and runs only in this initial phase: it is not a ' +
    'demand for a bookmark every 10 s.',
  severities: {
    warn:
      'client-go would have logged at least one `Warning: event bookmark expired` line: the end bookmark came 10 s or more ' +
      'after the last event, or not at all (then `initial-events-end.present` fails too).',
    info: 'the timings, recorded for every watch-list stream answered with 200.',
  },
  fix:
    "Send the end bookmark right after the last initial event; kube-apiserver's `cache_watcher.go` `processInterval` sends it" +
    ' immediately after the initial events. Do not hold it back for a periodic bookmark timer, the next write or a poll ' +
    'interval. If reading the initial state takes long, stream the objects as they are read: each event resets the ' +
    "reflector's 10 s silence. If the server has to wait for fresh data, bound the wait and answer with an ERROR event rather" +
    ' than stay silent (kube-apiserver waits at most 3 s for its cache, then sends a 504 `Too large resource version` ERROR).',
  run(record) {
    const streams = record.streams.filter((stream) => isWatchListRequest(stream.request.options) && responseOf(stream)?.status === 200);
    if (streams.length === 0) return skipped(ID, 'no watch-list stream got a 200 response');
    const findings: Finding[] = [];
    for (const stream of streams) {
      const response = responseOf(stream)!;
      const endBookmark = initialEventsEndBookmark(stream);
      const untilMs = endBookmark?.atMs ?? observedUntilMs(stream, record.endedAtMs);
      const before = eventsOf(stream).filter((event) => event.atMs <= untilMs && (endBookmark === undefined || event.seq < endBookmark.seq));
      // Longest silence: between the response, each event and the end bookmark (or the end of observation).
      let longestSilenceMs = 0;
      let silenceEndsAtMs = response.atMs;
      let previousMs = response.atMs;
      for (const atMs of [...before.map((event) => event.atMs), untilMs]) {
        if (atMs - previousMs > longestSilenceMs) {
          longestSilenceMs = atMs - previousMs;
          silenceEndsAtMs = atMs;
        }
        previousMs = Math.max(previousMs, atMs);
      }
      const lastInitial = [...before].reverse().find(isChangeEvent);
      const warnings = reflectorWarnings(stream, observedUntilMs(stream, record.endedAtMs));
      const evidence = {
        stream: stream.id,
        endBookmarkSeq: endBookmark?.seq ?? null,
        requestToEndBookmarkMs: endBookmark ? round(endBookmark.atMs - stream.request.sentAtMs) : null,
        responseToEndBookmarkMs: endBookmark ? round(endBookmark.atMs - response.atMs) : null,
        lastInitialEventToEndBookmarkMs: endBookmark && lastInitial ? round(endBookmark.atMs - lastInitial.atMs) : null,
        initialEvents: before.filter(isChangeEvent).length,
        longestSilenceMs: round(longestSilenceMs),
        longestSilenceEndsAtMsSinceRequest: msSinceRequest(stream, silenceEndsAtMs),
        observedUntilMsSinceRequest: endBookmark ? null : msSinceRequest(stream, untilMs),
        warningLines: warnings.map(({ atMs, line }) => ({ atMsSinceRequest: msSinceRequest(stream, atMs), line })),
      };
      findings.push({
        severity: 'info',
        stream: stream.id,
        message: endBookmark
          ? `${stream.id}: initial-events-end bookmark ${fmt(endBookmark.atMs - stream.request.sentAtMs)} after the request (${fmt(endBookmark.atMs - response.atMs)} after the response` +
            `${lastInitial ? `, ${fmt(endBookmark.atMs - lastInitial.atMs)} after the last initial event` : ', no initial events'}); longest silence before it ${fmt(longestSilenceMs)}.`
          : `${stream.id}: no initial-events-end bookmark within the observed ${fmt(untilMs - stream.request.sentAtMs)} after the request; longest silence ${fmt(longestSilenceMs)}.`,
        evidence,
      });
      if (warnings.length > 0) {
        findings.push({
          severity: 'warn',
          stream: stream.id,
          message:
            `${stream.id}: expected the initial-events-end bookmark within 10 s of the last event while a client-go v0.35+ reflector waits for it; ` +
            `observed ${endBookmark ? `it only ${fmt(endBookmark.atMs - stream.request.sentAtMs)} after the request` : 'none'}, so the reflector would log ${warnings.length} line(s) like ${warnings[0]!.line}. ` +
            `client-go only logs this; it does not fail, relist or fall back; it is not a requirement for periodic bookmarks.`,
          evidence,
        });
      }
    }
    return resultOf(
      ID,
      findings,
      `${streams.length} watch-list stream(s) timed; no "Warning: event bookmark expired" line would be logged`,
      'client-go would log "Warning: event bookmark expired" (log only, no retry or fallback)',
    );
  },
};
