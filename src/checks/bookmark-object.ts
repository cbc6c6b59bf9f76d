import {
  bookmarksOf,
  isInitialEventsEndBookmark,
  isPlainObject,
  msSinceRequest,
  resourceVersionOf,
  sinceRequest,
  typeMetaProblemOf,
} from '../record/accessors.js';
import type { EventEntry, StreamRecord } from '../record/timeline.js';
import { MAX_EXAMPLES, resultOf, skipped } from './check-result.js';
import type { Check, Finding } from './types.js';

const ID = 'bookmark.object';

type Problem = 'object' | 'type-meta-missing' | 'type-meta-mismatch' | 'resource-version';

const CONSEQUENCE: Record<Problem, string> = {
  object:
    'client-go cannot decode it ("unable to decode watch event"): StreamWatcher sends a synthetic InternalError, the reflector relists (a watch-list falls back to LIST)',
  'type-meta-missing':
    'client-go decodes event objects without defaults, so a missing kind/apiVersion is a decode error: synthetic InternalError, relist (a watch-list falls back to LIST)',
  'type-meta-mismatch':
    'client-go skips the event ("Unexpected watch event object type"/"gvk") without updating its RV; an initial-events-end bookmark skipped this way means a watch-list never syncs',
  'resource-version':
    "client-go records the empty RV as its last sync RV (the position is lost, the next watch starts over); RetryWatcher aborts on it",
};

const EXPECTED: Record<Problem, string> = {
  object: 'a JSON object of the watched kind',
  'type-meta-missing': 'kind and apiVersion set',
  'type-meta-mismatch': 'the watched kind and apiVersion',
  'resource-version': 'a non-empty metadata.resourceVersion',
};

function problemsOf(stream: StreamRecord, bookmark: EventEntry): Array<{ problem: Problem; observed: string }> {
  const { watched } = stream.request;
  if (!isPlainObject(bookmark.object)) {
    return [{ problem: 'object', observed: bookmark.object === undefined ? 'no object' : JSON.stringify(bookmark.object) }];
  }
  const problems: Array<{ problem: Problem; observed: string }> = [];
  const typeMeta = typeMetaProblemOf(bookmark.object, watched);
  if (typeMeta !== undefined) problems.push(typeMeta);
  const rv = resourceVersionOf(bookmark);
  if (rv === undefined || rv === '') {
    problems.push({ problem: 'resource-version', observed: rv === undefined ? 'no metadata.resourceVersion' : 'metadata.resourceVersion ""' });
  }
  return problems;
}

/**
 * A BOOKMARK object is an object of the watched type with only metadata.resourceVersion set.
 *
 * Upstream: apiserver v0.35.0 pkg/storage/cacher/cacher.go dispatchEvents builds it from
 * `c.newFunc()` (the watched type, kind/apiVersion set by the encoder) with the RV set by
 * versioner.UpdateObject, and cache_watcher.go convertToWatchEvent deep-copies it (apimachinery
 * pkg/watch/watch.go: "the object (instance of a type being watched) where only ResourceVersion
 * field is set"). client-go v0.35.0: rest/watch/decoder.go decodes it without defaults (missing
 * kind/apiVersion → decode error), reflector.go handleAnyWatch skips objects of another type/GVK
 * and stores the RV it carries; tools/watch RetryWatcher aborts on an empty bookmark RV.
 * Reports per stream and problem, with at most a few examples and the counts.
 */
export const bookmarkObject: Check = {
  id: ID,
  title: 'BOOKMARK objects carry the watched kind/apiVersion and a resourceVersion',
  maxSeverity: 'fail',
  source: 'apiserver v0.35.0 pkg/storage/cacher/cacher.go dispatchEvents, cache_watcher.go convertToWatchEvent; client-go v0.35.0 rest/watch/decoder.go, tools/cache/reflector.go handleAnyWatch',
  meaning:
    "A BOOKMARK's object is an object of the watched type in which only `metadata.resourceVersion` is set (apimachinery " +
    '`watch.Event` docs). client-go decodes watch objects without defaulting, so `kind` and `apiVersion` must be present, ' +
    'skips objects whose type differs from what the informer watches, and takes the RV as its position.',
  severities: {
    fail:
      'a bookmark without an object, with an object that is not a JSON object, without `kind`/`apiVersion` (a decode error: ' +
      'client-go ends the watch and relists, a watch-list falls back to LIST), with another kind/apiVersion than the watched ' +
      'one (client-go silently skips it; if that was the end bookmark the informer never syncs), or with an empty or missing ' +
      '`metadata.resourceVersion` (client-go loses its position; `RetryWatcher` aborts).',
  },
  fix:
    'Build bookmarks as kube-apiserver does: a new empty object of the watched type (`c.newFunc()` in apiserver ' +
    '`pkg/storage/cacher/cacher.go` `dispatchEvents`) with only the RV set (`versioner.UpdateObject`), encoded like any other ' +
    'object of the resource, with the `kind` and `apiVersion` (group/version) the client requested, e.g. ' +
    '`{"type":"BOOKMARK","object":{"kind":"Widget","apiVersion":"example.com/v1","metadata":{"resourceVersion":"12750"}}}`. ' +
    'Never send `"object": null` or a generic object; a storage layer that emits nil-object bookmarks (kinm) must fill them ' +
    'in before they reach the encoder.',
  run(record) {
    const findings: Finding[] = [];
    let total = 0;
    for (const stream of record.streams) {
      const byProblem = new Map<Problem, Array<{ bookmark: EventEntry; observed: string }>>();
      for (const bookmark of bookmarksOf(stream)) {
        total++;
        for (const { problem, observed } of problemsOf(stream, bookmark)) {
          const list = byProblem.get(problem) ?? [];
          list.push({ bookmark, observed });
          byProblem.set(problem, list);
        }
      }
      for (const [problem, hits] of byProblem) {
        const endBookmarks = hits.filter(({ bookmark }) => isInitialEventsEndBookmark(bookmark)).length;
        findings.push({
          severity: 'fail',
          stream: stream.id,
          message:
            `${stream.id}: expected BOOKMARK objects with ${EXPECTED[problem]}; observed ${hits.length} bookmark(s) that do not comply` +
            `${endBookmarks > 0 ? ` (including the initial-events-end bookmark)` : ''}, e.g. ${hits
              .slice(0, MAX_EXAMPLES)
              .map(({ bookmark, observed }) => `#${bookmark.seq} ${sinceRequest(stream, bookmark.atMs)}: ${observed}`)
              .join('; ')}. ${CONSEQUENCE[problem]}.`,
          evidence: {
            stream: stream.id,
            problem,
            count: hits.length,
            initialEventsEndBookmarks: endBookmarks,
            watched: { apiVersion: stream.request.watched.apiVersion, kind: stream.request.watched.kind },
            examples: hits.slice(0, MAX_EXAMPLES).map(({ bookmark, observed }) => ({
              seq: bookmark.seq,
              atMsSinceRequest: msSinceRequest(stream, bookmark.atMs),
              observed,
              object: bookmark.object ?? null,
            })),
          },
        });
      }
    }
    if (total === 0) return skipped(ID, 'no BOOKMARK events were recorded');
    return resultOf(ID, findings, `${total} BOOKMARK object(s), all of the watched kind with a resourceVersion`, 'malformed BOOKMARK objects');
  },
};
