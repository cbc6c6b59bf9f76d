import { eventsOf, msSinceRequest, sinceRequest, typeMetaOf } from '../record/accessors.js';
import type { EventEntry } from '../record/timeline.js';
import { statusOfErrorObject } from '../record/status.js';
import { MAX_EXAMPLES, listExamples, resultOf, skipped } from './check-result.js';
import type { Check, Finding } from './types.js';

const ID = 'stream.error-status';

/**
 * ERROR events carry a metav1.Status (kind Status, apiVersion v1 or meta.k8s.io/v1).
 *
 * Upstream: apimachinery pkg/watch/watch.go ("If Type is Error: *Status is recommended");
 * client-go v0.35.0 tools/cache/reflector.go handleAnyWatch returns apierrors.FromObject(object),
 * which (apimachinery pkg/api/errors v0.35.0) yields a StatusError only for a Status; anything
 * else is an UnexpectedObjectError, so 410/429/too-large-RV handling (re-watch, retry, RV reset)
 * cannot apply and the client relists or falls back (spec 1.5).
 */
export const streamErrorStatus: Check = {
  id: ID,
  title: 'ERROR events carry a metav1.Status',
  maxSeverity: 'fail',
  source: 'apimachinery v0.35.0 pkg/api/errors/errors.go FromObject; client-go v0.35.0 tools/cache/reflector.go handleAnyWatch',
  meaning:
    "An ERROR event's object is a `metav1.Status` (`kind: Status`, `apiVersion: v1`) with code, reason and message. client-go" +
    ' turns it into a `StatusError` and acts on it: 410 Expired means re-watch or relist from a fresh RV, 429 means back off, ' +
    'a too-large RV means retry.',
  severities: {
    fail:
      'an ERROR event whose object is not a Status. client-go gets an `UnexpectedObjectError` instead, cannot apply its ' +
      '410/429/too-large handling and relists; a watch-list falls back to LIST.',
  },
  fix:
    'Report errors inside a watch as ' +
    '`{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old ' +
    'resource version: 1000 (2000)","reason":"Expired","code":410}}` (in Go: the `ErrStatus` of an apimachinery ' +
    '`errors.NewResourceExpired(...)` and friends) and end the stream after it, as kube-apiserver does (apiserver ' +
    '`pkg/storage/cacher/cacher.go` `newErrWatcher`). Errors known before the stream starts (authorization, invalid options) ' +
    'go out as a non-200 response with a Status body.',
  run(record) {
    const findings: Finding[] = [];
    let total = 0;
    for (const stream of record.streams) {
      const errors = eventsOf(stream).filter((event) => event.type === 'ERROR');
      total += errors.length;
      const bad: EventEntry[] = errors.filter((event) => statusOfErrorObject(event.object) === null);
      if (bad.length === 0) continue;
      const describe = (event: EventEntry) => {
        const { kind, apiVersion } = typeMetaOf(event.object);
        return `#${event.seq} ${sinceRequest(stream, event.atMs)}: kind ${JSON.stringify(kind ?? null)}, apiVersion ${JSON.stringify(apiVersion ?? null)}`;
      };
      findings.push({
        severity: 'fail',
        stream: stream.id,
        message:
          `${stream.id}: expected ERROR events to carry a Status (kind "Status", apiVersion "v1"); observed ${bad.length} that do not (${listExamples(bad.map(describe))}). ` +
          `client-go gets an UnexpectedObjectError instead of a StatusError, so it cannot recognise 410 Expired (re-watch from a fresh RV), 429 (back off) or a too-large RV: it relists, or a watch-list falls back to LIST.`,
        evidence: {
          stream: stream.id,
          count: bad.length,
          examples: bad.slice(0, MAX_EXAMPLES).map((event) => ({ seq: event.seq, atMsSinceRequest: msSinceRequest(stream, event.atMs), object: event.object ?? '<absent>' })),
        },
      });
    }
    if (total === 0) return skipped(ID, 'no ERROR events were recorded');
    return resultOf(ID, findings, `${total} ERROR event(s), all metav1.Status`, 'ERROR events without a Status');
  },
};
