import type { EventEntry } from '../record/timeline.js';
import { eventsOf, isChangeEvent, isPlainObject, msSinceRequest, sinceRequest, typeMetaProblemOf } from '../record/accessors.js';
import { MAX_EXAMPLES, resultOf, skipped } from './check-result.js';
import type { Check, Finding } from './types.js';

const ID = 'event.object-kind';

type Problem = NonNullable<ReturnType<typeof typeMetaProblemOf>>['problem'];

const CONSEQUENCE: Record<Problem, string> = {
  'type-meta-missing':
    'client-go decodes watch objects without defaults, so a missing kind/apiVersion is a decode error ("unable to decode watch event"): ' +
    'StreamWatcher sends a synthetic InternalError and the reflector relists, at every such event',
  'type-meta-mismatch':
    'a typed informer (the clientset\'s informer factory) skips such events ("Unexpected watch event object type", or cannot decode an ' +
    'apiVersion its scheme lacks and relists), so its cache misses these changes; a dynamic informer stores the object as it came, ' +
    'with the wrong kind',
};

const EXPECTED: Record<Problem, string> = {
  'type-meta-missing': 'kind and apiVersion set',
  'type-meta-mismatch': 'the watched kind and apiVersion',
};

/**
 * ADDED/MODIFIED/DELETED objects are objects of the watched kind and apiVersion.
 *
 * Upstream: kube-apiserver encodes every watch event object as the type of the resource requested
 * (apiserver v0.35.0 pkg/endpoints/handlers/watch.go, the watch encoder converting to the request's
 * group/version). client-go v0.35.0 rest/watch/decoder.go decodes event objects without defaults
 * (a missing kind/apiVersion is a decode error), and tools/cache/reflector.go handleAnyWatch skips
 * an object whose Go type (typed informers) or GVK differs from the expected one, without updating
 * its RV (spec 1.5). bookmark.object judges BOOKMARK objects; stream.framing events without a JSON
 * object.
 */
export const eventObjectKind: Check = {
  id: ID,
  title: 'ADDED/MODIFIED/DELETED objects carry the watched kind and apiVersion',
  maxSeverity: 'fail',
  source: 'apiserver v0.35.0 pkg/endpoints/handlers/watch.go; client-go v0.35.0 rest/watch/decoder.go, tools/cache/reflector.go handleAnyWatch',
  meaning:
    'Every ADDED, MODIFIED and DELETED object on a watch is an object of the resource watched, with its `kind` and ' +
    '`apiVersion` set: client-go decodes watch objects without defaulting, and its typed informers skip objects of another ' +
    'type. Bookmark objects are `bookmark.object`\'s, events without an object `stream.framing`\'s.',
  severities: {
    fail:
      'change events whose object has no `kind`/`apiVersion` (a decode error each time: client-go relists) or another kind or ' +
      'apiVersion than the watched one (typed informers skip them and miss the change; dynamic informers store the wrong kind).',
  },
  fix:
    'Encode every watch event object as the requested resource, with `kind` and `apiVersion` (group/version) set, as ' +
    "kube-apiserver's watch handler does (apiserver `pkg/endpoints/handlers/watch.go`). A server that serves several " +
    'versions or kinds from one table must convert each object to the version the client asked for before it encodes it.',
  run(record) {
    const findings: Finding[] = [];
    let total = 0;
    for (const stream of record.streams) {
      const byProblem = new Map<Problem, Array<{ event: EventEntry; observed: string }>>();
      for (const event of eventsOf(stream).filter(isChangeEvent)) {
        if (!isPlainObject(event.object)) continue; // stream.framing reports events without a JSON object
        total++;
        const found = typeMetaProblemOf(event.object, stream.request.watched);
        if (found === undefined) continue;
        const list = byProblem.get(found.problem) ?? [];
        list.push({ event, observed: found.observed });
        byProblem.set(found.problem, list);
      }
      for (const [problem, hits] of byProblem) {
        findings.push({
          severity: 'fail',
          stream: stream.id,
          message:
            `${stream.id}: expected ADDED/MODIFIED/DELETED objects with ${EXPECTED[problem]}; observed ${hits.length} event(s) that do not comply, e.g. ${hits
              .slice(0, MAX_EXAMPLES)
              .map(({ event, observed }) => `${event.type} #${event.seq} ${sinceRequest(stream, event.atMs)}: ${observed}`)
              .join('; ')}. ${CONSEQUENCE[problem]}.`,
          evidence: {
            stream: stream.id,
            problem,
            count: hits.length,
            watched: { apiVersion: stream.request.watched.apiVersion, kind: stream.request.watched.kind },
            examples: hits.slice(0, MAX_EXAMPLES).map(({ event, observed }) => ({ seq: event.seq, type: event.type, atMsSinceRequest: msSinceRequest(stream, event.atMs), observed })),
          },
        });
      }
    }
    if (total === 0) return skipped(ID, 'no ADDED/MODIFIED/DELETED event was recorded');
    return resultOf(ID, findings, `${total} ADDED/MODIFIED/DELETED object(s), all of the watched kind and apiVersion`, 'change events with objects of another or no kind');
  },
};
