import {
  INITIAL_EVENTS_END_ANNOTATION,
  INITIAL_EVENTS_LIST_BLUEPRINT_ANNOTATION,
  annotationsOf,
  bookmarksOf,
  msSinceRequest,
  resourceVersionOf,
  sinceRequest,
} from '../record/accessors.js';
import { initialStateModeOf } from '../record/requests.js';
import type { EventEntry, StreamRecord } from '../record/timeline.js';
import { resultOf, skipped } from './check-result.js';
import type { Check, Finding, Severity } from './types.js';

const ID = 'initial-events-end.annotation';

function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0]!;
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j]!;
      previous[j] = Math.min(above + 1, previous[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return previous[b.length]!;
}

/**
 * A key that was probably meant to be `k8s.io/initial-events-end`: same key ignoring case or
 * `_`/`-`, the `kubernetes.io/` (or any other, or no) prefix in front of `initial-events-end`, or
 * within edit distance 2. `kubernetes.io/initial-events-list-blueprint` is a real annotation
 * (1.32-1.33), never a near miss.
 */
export function isNearMissInitialEventsEndKey(key: string): boolean {
  if (key === INITIAL_EVENTS_END_ANNOTATION || key === INITIAL_EVENTS_LIST_BLUEPRINT_ANNOTATION) return false;
  const normalized = key.toLowerCase().replaceAll('_', '-');
  if (normalized === INITIAL_EVENTS_END_ANNOTATION) return true;
  const name = normalized.slice(normalized.lastIndexOf('/') + 1);
  if (name === 'initial-events-end') return true;
  return editDistance(key, INITIAL_EVENTS_END_ANNOTATION) <= 2 || editDistance(normalized, INITIAL_EVENTS_END_ANNOTATION) <= 2;
}

interface Marked {
  bookmark: EventEntry;
  value: unknown;
}

function where(stream: StreamRecord, bookmark: EventEntry) {
  return {
    stream: stream.id,
    seq: bookmark.seq,
    resourceVersion: resourceVersionOf(bookmark) ?? null,
    atMsSinceRequest: msSinceRequest(stream, bookmark.atMs),
  };
}

/**
 * The initial-events-end annotation is exact: one bookmark, key `k8s.io/initial-events-end`,
 * value the string "true".
 *
 * Upstream: client-go v0.35.0 tools/cache/reflector.go handleAnyWatch compares
 * `meta.GetAnnotations()[metav1.InitialEventsAnnotationKey] == "true"` (test "prove that the
 * reflector is checking the value of the initialEventsEnd annotation"); apiserver v0.35.0
 * pkg/storage/util.go AnnotateInitialEventsEndBookmark sets exactly that, once per watch
 * (cache_watcher.go convertToWatchEvent, sent by processInterval). Near-miss keys and values such as "True"/"1" never sync.
 *
 * Severity: fail on watch-list streams (client-go v0.35+ never syncs); warn on legacy RV ""/"0"
 * watches (kube-apiserver may mark those, spec 0.8, but the reflector never reads the marker
 * there); warn for any annotated bookmark on a stream that has no initial state (explicit RV,
 * sendInitialEvents=false, sendInitialEvents without allowWatchBookmarks): kube-apiserver never
 * does that.
 */
export const initialEventsEndAnnotation: Check = {
  id: ID,
  title: 'The initial-events-end annotation is exact: one bookmark, exact key, value "true"',
  maxSeverity: 'fail',
  source: 'client-go v0.35.0 tools/cache/reflector.go handleAnyWatch; apiserver v0.35.0 pkg/storage/util.go AnnotateInitialEventsEndBookmark',
  meaning:
    'client-go recognises the end of the initial events by an exact lookup: ' +
    '`metadata.annotations["k8s.io/initial-events-end"] == "true"` (`metav1.InitialEventsAnnotationKey`). kube-apiserver sets ' +
    'that annotation on exactly one bookmark per watch, the one ending the initial events of a ' +
    '`sendInitialEvents=true&allowWatchBookmarks=true` watch. This check looks at every bookmark that carries the key, or a ' +
    'near miss of it (other case, `_` for `-`, another or no prefix such as `kubernetes.io/initial-events-end`, or a typo ' +
    'within two edits).',
  severities: {
    fail:
      'on a watch-list stream, a value other than the string `"true"` (`"True"`, `"1"`, a JSON `true`), a near-miss key, or ' +
      'more than one annotated bookmark. client-go never syncs on a wrong key or value; several markers mean the server ' +
      'annotates bookmarks it should not.',
    warn:
      'the same problems on a legacy `resourceVersion=""`/`"0"` watch (the reflector does not read the marker there, but ' +
      'kube-apiserver never does this), or a marker on a watch that has no initial state to end (explicit RV, ' +
      '`sendInitialEvents=false`, or `sendInitialEvents` without `allowWatchBookmarks`).',
  },
  fix:
    'Annotate only the single bookmark that ends the initial events, and only when the request had both ' +
    '`sendInitialEvents=true` and `allowWatchBookmarks=true`, with exactly `"k8s.io/initial-events-end": "true"` (a JSON ' +
    'string). kube-apiserver does it in `storage.AnnotateInitialEventsEndBookmark` (apiserver `pkg/storage/util.go`), called ' +
    'from `cache_watcher.go` `convertToWatchEvent` for the first bookmark at or above the initial-events RV only; periodic ' +
    'and pre-deadline bookmarks carry no annotation, so do not reuse the annotated object for them. The 1.32-1.33 annotation ' +
    '`kubernetes.io/initial-events-list-blueprint` is a different one (removed in 1.34), not a substitute.',
  run(record) {
    const findings: Finding[] = [];
    let annotatedStreams = 0;
    for (const stream of record.streams) {
      const mode = initialStateModeOf(stream.request.options);
      const exact: Marked[] = [];
      const nearMisses: Array<{ bookmark: EventEntry; key: string; value: unknown }> = [];
      for (const bookmark of bookmarksOf(stream)) {
        const annotations = annotationsOf(bookmark);
        if (annotations === undefined) continue;
        for (const [key, value] of Object.entries(annotations)) {
          if (key === INITIAL_EVENTS_END_ANNOTATION) exact.push({ bookmark, value });
          else if (isNearMissInitialEventsEndKey(key)) nearMisses.push({ bookmark, key, value });
        }
      }
      if (exact.length === 0 && nearMisses.length === 0) continue;
      annotatedStreams++;

      if (mode === 'none' || mode === 'initial-events-without-marker') {
        for (const { bookmark, value } of exact) {
          findings.push({
            severity: 'warn',
            stream: stream.id,
            message:
              `${stream.id}: expected no initial-events-end bookmark on a watch that ${mode === 'none' ? 'starts from an explicit RV or sendInitialEvents=false' : 'did not ask for bookmarks with sendInitialEvents'}; ` +
              `observed a BOOKMARK annotated "${INITIAL_EVENTS_END_ANNOTATION}": ${JSON.stringify(value)} (RV ${JSON.stringify(resourceVersionOf(bookmark) ?? null)}) ${sinceRequest(stream, bookmark.atMs)}. ` +
              `kube-apiserver marks only the bookmark that ends the initial events of a sendInitialEvents=true&allowWatchBookmarks=true watch; client-go's ordinary watch ignores the marker.`,
            evidence: { ...where(stream, bookmark), value, mode },
          });
        }
        continue;
      }

      const severity: Severity = mode === 'watch-list' ? 'fail' : 'warn';
      const consequence =
        mode === 'watch-list'
          ? 'client-go v0.35+ waits for exactly that and never syncs without it'
          : 'on a legacy RV ""/"0" watch the reflector never reads the marker, but it deviates from kube-apiserver';

      const truthy = exact.filter(({ value }) => value === 'true');
      if (truthy.length > 1) {
        findings.push({
          severity,
          stream: stream.id,
          message:
            `${stream.id}: expected exactly one BOOKMARK annotated "${INITIAL_EVENTS_END_ANNOTATION}": "true" (kube-apiserver marks only the bookmark that ends the initial events); ` +
            `observed ${truthy.length}, at ${truthy.map(({ bookmark }) => `${sinceRequest(stream, bookmark.atMs)} (RV ${JSON.stringify(resourceVersionOf(bookmark) ?? null)})`).join(', ')}. ` +
            `client-go acts on the first; later ones suggest the server marks periodic bookmarks.`,
          evidence: { stream: stream.id, bookmarks: truthy.map(({ bookmark }) => where(stream, bookmark)) },
        });
      }
      for (const { bookmark, value } of exact) {
        if (value === 'true') continue;
        findings.push({
          severity,
          stream: stream.id,
          message:
            `${stream.id}: expected the annotation value to be exactly the string "true"; observed ${JSON.stringify(value)}${typeof value === 'string' ? '' : ` (a JSON ${value === null ? 'null' : typeof value}, not a string: typed clients cannot even decode it into map[string]string)`} ` +
            `on the BOOKMARK ${sinceRequest(stream, bookmark.atMs)}. client-go compares the value to "true" exactly ("True", "1", "yes" do not count): ${consequence}.`,
          evidence: { ...where(stream, bookmark), value },
        });
      }
      for (const { bookmark, key, value } of nearMisses) {
        findings.push({
          severity,
          stream: stream.id,
          message:
            `${stream.id}: expected the annotation key "${INITIAL_EVENTS_END_ANNOTATION}"; observed the near miss ${JSON.stringify(key)}: ${JSON.stringify(value)} ` +
            `on the BOOKMARK ${sinceRequest(stream, bookmark.atMs)}. client-go looks the key up exactly (metav1.InitialEventsAnnotationKey): ${consequence}.`,
          evidence: { ...where(stream, bookmark), key, value },
        });
      }
    }
    if (annotatedStreams === 0) return skipped(ID, 'no BOOKMARK carried the initial-events-end annotation or a near miss of it');
    return resultOf(
      ID,
      findings,
      `${annotatedStreams} stream(s) carried the initial-events-end annotation, each exactly once, with key "${INITIAL_EVENTS_END_ANNOTATION}" and value "true"`,
      'malformed, repeated or misplaced initial-events-end annotations',
    );
  },
};
