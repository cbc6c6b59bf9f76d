import { formatGoDuration } from '../go-duration.js';
import { closeOf, msSinceRequest, responseOf, sinceRequest } from '../record/accessors.js';
import { VERY_SHORT_WATCH_MS, isVeryShortWatch, isWatchListRequest } from '../record/requests.js';
import { resultOf, skipped } from './check-result.js';
import { declareParams } from './parameters.js';
import type { Check, CheckParams, Finding } from './types.js';

const ID = 'watch.timeout';

/** This check's tunable parameters (CheckParams; flags, scenario fields and docs derive from them). */
export const watchTimeoutParams = declareParams(ID, {
  timeoutSlackMs: {
    kind: 'duration',
    default: 5_000,
    field: 'slack',
    description: 'slack past timeoutSeconds before a stream counts as outliving its deadline',
  },
});

/**
 * The server ends a watch at timeoutSeconds, and does not end it within a second with nothing sent.
 *
 * Upstream: apiserver v0.35.0 pkg/endpoints/handlers/get.go (timeoutSeconds bounds the watch)
 * and handlers/watch.go HandleHTTP (`case <-timeoutCh: return`, a clean end of body); client-go
 * v0.35.0 tools/cache/reflector.go sends timeoutSeconds "to avoid situations of hanging watchers".
 * A stream still open past response + timeoutSeconds + params.timeoutSlackMs is a fail.
 * A 200 stream the server closes (EOF or reset) less than 1 s after the request with no frame
 * at all is client-go's VeryShortWatchError ("very short watch: ...: Unexpected watch close -
 * watch lasted less than a second and no items received"): on an ordinary watch "Warning: watch
 * ended with error" and a relist, on a watch-list a fallback to LIST (spec 1.5): a warn.
 */
export const watchTimeout: Check = {
  id: ID,
  params: watchTimeoutParams,
  title: 'Watches end at timeoutSeconds, and not within a second with nothing sent',
  maxSeverity: 'fail',
  source: 'apiserver v0.35.0 pkg/endpoints/handlers/watch.go HandleHTTP; client-go v0.35.0 tools/cache/reflector.go VeryShortWatchError',
  meaning:
    'The server ends each watch at its `timeoutSeconds` with a clean end of the body, and does not end one within a second of ' +
    'the request without sending anything. client-go sets `timeoutSeconds` on every watch (300-600 s) to recycle its ' +
    'watches, and treats a watch that closes in under 1 s with no events as an error (`VeryShortWatchError`).',
  severities: {
    fail:
      'a stream still open more than 5 s after its response + `timeoutSeconds`: client-go relies on the timeout to recycle ' +
      'watches, and a watch that never ends can hang silently on a dead connection.',
    warn:
      'a 200 watch the server closed less than 1 s after the request with no event at all. client-go logs `Warning: watch ended ' +
      'with error` and relists; on a watch-list it falls back to LIST+WATCH.',
  },
  fix:
    'Honour `timeoutSeconds`: kube-apiserver bounds the watch with it and returns from the handler when it fires (apiserver ' +
    '`pkg/endpoints/handlers/get.go`; `handlers/watch.go` `HandleHTTP`, `case <-timeoutCh: return`), which ends the body ' +
    'cleanly; without it the watch lasts `--min-request-timeout` (1800 s) times a random factor in [1, 2). Keep an idle watch ' +
    'open until then instead of closing it when a poll finds nothing. If a watch cannot be served, answer with a non-200 ' +
    'Status or send an ERROR event rather than an empty 200.',
  run(record, params: CheckParams) {
    const findings: Finding[] = [];
    let withTimeout = 0;
    for (const stream of record.streams) {
      const response = responseOf(stream);
      if (response?.status !== 200) continue;
      const close = closeOf(stream);
      const timeoutSeconds = stream.request.options.timeoutSeconds;
      if (timeoutSeconds !== undefined && timeoutSeconds > 0) {
        withTimeout++;
        const deadlineMs = response.atMs + timeoutSeconds * 1000;
        const stillOpen = close === undefined || close.reason === 'client-abort';
        const openUntilMs = close?.atMs ?? record.endedAtMs;
        if (stillOpen && openUntilMs > deadlineMs + params.timeoutSlackMs) {
          findings.push({
            severity: 'fail',
            stream: stream.id,
            message:
              `${stream.id}: expected the server to end the watch at timeoutSeconds=${timeoutSeconds} (${sinceRequest(stream, deadlineMs)}, ${formatGoDuration(params.timeoutSlackMs)} slack allowed); ` +
              `observed it still open ${formatGoDuration(Math.round(openUntilMs - deadlineMs))} past the deadline, when watchmark ${close ? 'closed it' : 'stopped observing'} ${sinceRequest(stream, openUntilMs)}. ` +
              `client-go relies on timeoutSeconds to recycle watches; a watch that never ends can hang silently on a dead connection.`,
            evidence: {
              stream: stream.id,
              timeoutSeconds,
              deadlineMsSinceRequest: msSinceRequest(stream, deadlineMs),
              openUntilMsSinceRequest: msSinceRequest(stream, openUntilMs),
              slackMs: params.timeoutSlackMs,
              closeReason: close?.reason ?? null,
            },
          });
        }
      }
      if (isVeryShortWatch(stream)) {
        const watchList = isWatchListRequest(stream.request.options);
        findings.push({
          severity: 'warn',
          stream: stream.id,
          message:
            `${stream.id}: expected a 200 watch to stay open (until timeoutSeconds) or to send something; observed it closed by the server (${close!.reason}) ${sinceRequest(stream, close!.atMs)} with no events at all ` +
            `(less than ${formatGoDuration(VERY_SHORT_WATCH_MS)}). client-go reports VeryShortWatchError "very short watch: <reflector>: Unexpected watch close - watch lasted less than a second and no items received": ` +
            (watchList
              ? 'on this watch-list request the reflector falls back to LIST+WATCH.'
              : 'on an ordinary watch it logs "Warning: watch ended with error" and relists after backoff.'),
          evidence: {
            stream: stream.id,
            closeReason: close!.reason,
            closedAtMsSinceRequest: msSinceRequest(stream, close!.atMs),
            watchList,
          },
        });
      }
    }
    if (withTimeout === 0 && findings.length === 0) {
      return skipped(ID, 'no 200 stream requested timeoutSeconds, and none was closed by the server within 1 s without events');
    }
    return resultOf(ID, findings, `${withTimeout} stream(s) with timeoutSeconds ended in time; no very short watch`, 'watches outliving timeoutSeconds or closing too early');
  },
};
