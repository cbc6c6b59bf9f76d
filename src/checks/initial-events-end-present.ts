import {
  INITIAL_EVENTS_END_ANNOTATION,
  annotationsOf,
  bookmarksOf,
  closeOf,
  eventsOf,
  initialEventsEndBookmark,
  msSinceRequest,
  observedUntilMs,
  responseOf,
  sinceRequest,
} from '../record/accessors.js';
import {
  isWatchListRequest,
  isVeryShortWatch,
  hasSelector,
  selectorText,
  selectorsOf,
  unfilteredWatchListWithEndBookmark,
} from '../record/requests.js';
import { WATCH_LIST_WORKAROUNDS, walkWatch } from '../reflector/walk.js';
import { resultOf, skipped } from './check-result.js';
import type { Check, Finding } from './types.js';

const ID = 'initial-events-end.present';

/**
 * Every 200 watch-list stream must end its initial events with a BOOKMARK annotated
 * `k8s.io/initial-events-end: "true"`.
 *
 * Upstream: client-go v0.35.0 tools/cache/reflector.go watchList/handleAnyWatch only calls
 * store.Replace (and so HasSynced) after that bookmark; a stream that ends without it and without
 * error makes watchList loop with a new watch-list request, with no fallback
 * (kubernetes/kubernetes#140890). kube-apiserver sends it (apiserver v0.35.0 cacher.go
 * setInitialEventsEndBookmarkIfRequested, etcd3 watcher.go sync) whenever sendInitialEvents and
 * allowWatchBookmarks are set.
 *
 * Not applicable, because client-go falls back to LIST+WATCH (or retries) instead (spec 1.7):
 * non-200 responses, streams with an ERROR event, very short watches (server close < 1 s after
 * the request, no frames), and streams client-go cannot decode before the marker (a malformed
 * frame, unknown type or kind-less object becomes a synthetic ERROR; those fail in
 * stream.framing / bookmark.object). Applicable whether the server ended the stream or watchmark's observation
 * window ended first (client-abort / never closed).
 */
export const initialEventsEndPresent: Check = {
  id: ID,
  title: 'Watch-list streams end their initial events with the k8s.io/initial-events-end bookmark',
  maxSeverity: 'fail',
  source: 'client-go v0.35.0 tools/cache/reflector.go watchList/handleAnyWatch; apiserver v0.35.0 pkg/storage/cacher/cacher.go',
  meaning:
    'A client-go v0.35+ informer starts with a watch-list request ' +
    '(`sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan`) and keeps the objects it receives ' +
    'in a temporary store until a BOOKMARK annotated `k8s.io/initial-events-end: "true"` arrives; only then does it fill its ' +
    'cache and report `HasSynced()`. This check looks at every watch-list stream the server answered with HTTP 200 and ' +
    "requires that bookmark, whether the server closed the stream or watchmark's observation window ended first. Streams " +
    'client-go would abandon anyway are not judged: non-200 answers, streams with an ERROR event, very short watches (closed ' +
    'within 1 s with nothing sent) and streams with a frame client-go cannot decode before the marker (those fail in ' +
    '`stream.framing` or `bookmark.object`).',
  severities: {
    fail:
      'a 200 watch-list stream ended, or was still open when observation ended, without the annotated bookmark. A client-go ' +
      'v0.35+ informer never syncs: it logs `Warning: event bookmark expired` every 10 s and re-issues the watch-list at every ' +
      'timeout without falling back to LIST (kubernetes/kubernetes#140890).',
  },
  fix:
    'After the initial events of a watch with `sendInitialEvents=true` and `allowWatchBookmarks=true`, send one BOOKMARK ' +
    'whose object is an empty object of the watched kind (`kind`/`apiVersion` set) with `metadata.resourceVersion` = the RV ' +
    'the initial state was read at and `metadata.annotations: {"k8s.io/initial-events-end": "true"}`, before any live event ' +
    'and also when there are no objects. That is what kube-apiserver does: apiserver `pkg/storage/cacher/cacher.go` ' +
    '`setInitialEventsEndBookmarkIfRequested`, annotated and sent right after the initial events by `cache_watcher.go` ' +
    '(`convertToWatchEvent`, `processInterval`); `pkg/storage/etcd3/watcher.go` `sync` for uncached resources. A server built' +
    " on `k8s.io/apiserver` whose storage drops `SendInitialEvents` from the list options (kinm's watch adapter) must pass it" +
    ' through and honour it. If the server cannot send the marker, it must not answer 200 without it: a non-200 answer or an ' +
    'ERROR event makes client-go fall back to LIST+WATCH. For a `k8s.io/apiserver`-based server the clean way is to switch ' +
    "its `WatchList` feature gate off (kube-apiserver 1.33's default; `--feature-gates=WatchList=false` where the binary " +
    'exposes feature gates): the handler then ' +
    'answers `sendInitialEvents` with 422 and stops defaulting legacy watches. Do not reject `sendInitialEvents` in storage ' +
    'while the gate is on: the apiserver also defaults legacy `resourceVersion=""`/`"0"` watches to `sendInitialEvents=true`, ' +
    'and storage cannot tell them apart (spec 4.1), so ordinary watches would break; such servers (kinm) have to send the ' +
    'bookmark. Until the server is fixed, clients can opt out with `KUBE_FEATURE_WatchListClient=false` or a ListerWatcher ' +
    'implementing `IsWatchListSemanticsUnSupported()`.',
  run(record) {
    const watchLists = record.streams.filter((stream) => isWatchListRequest(stream.request.options));
    if (watchLists.length === 0) {
      return skipped(ID, 'no watch-list stream (sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan) was recorded');
    }
    const findings: Finding[] = [];
    const notes: string[] = [];
    let checked = 0;
    for (const stream of watchLists) {
      const response = responseOf(stream);
      if (response?.status !== 200) {
        notes.push(`${stream.id}: ${response === undefined ? 'no response' : `HTTP ${response.status}`} (client-go falls back or retries)`);
        continue;
      }
      if (eventsOf(stream).some((event) => event.type === 'ERROR')) {
        notes.push(`${stream.id}: ERROR event (client-go falls back or retries)`);
        continue;
      }
      if (isVeryShortWatch(stream)) {
        notes.push(`${stream.id}: very short watch (client-go falls back to LIST)`);
        continue;
      }
      const endBookmark = initialEventsEndBookmark(stream);
      if (endBookmark === undefined) {
        const walk = walkWatch(stream, { watchList: true, fromIndex: stream.entries.indexOf(response) + 1 });
        // A frame client-go cannot decode is stream.framing's; an HTTP/2 reset (which client-go also
        // reads as an error) still left the stream without its end bookmark, and is judged here.
        if (walk.end.kind === 'decode-error' && walk.end.entry.kind !== 'close') {
          notes.push(`${stream.id}: undecodable frame ${sinceRequest(stream, walk.end.atMs)} (client-go falls back to LIST; see stream.framing / bookmark.object)`);
          continue;
        }
      }
      checked++;
      if (endBookmark !== undefined) continue;

      const close = closeOf(stream);
      const untilMs = observedUntilMs(stream, record.endedAtMs);
      const events = eventsOf(stream);
      const typeCounts: Record<string, number> = {};
      for (const event of events) typeCounts[event.type] = (typeCounts[event.type] ?? 0) + 1;
      const nearMisses = bookmarksOf(stream)
        .map((bookmark) => ({ seq: bookmark.seq, annotations: annotationsOf(bookmark) }))
        .filter((bookmark) => bookmark.annotations !== undefined && Object.keys(bookmark.annotations).length > 0);
      const unfiltered = hasSelector(stream.request.options) ? unfilteredWatchListWithEndBookmark(stream, record.streams) : undefined;
      const ending =
        close === undefined || close.reason === 'client-abort'
          ? `was still open when observation ended ${sinceRequest(stream, untilMs)}`
          : `was closed (${close.reason}) ${sinceRequest(stream, close.atMs)}`;
      findings.push({
        severity: 'fail',
        stream: stream.id,
        message:
          `${stream.id}: expected a BOOKMARK with metadata.annotations["${INITIAL_EVENTS_END_ANNOTATION}"] == "true" after the initial events; ` +
          `observed ${events.length} event(s) (${Object.entries(typeCounts).map(([type, count]) => `${count} ${type}`).join(', ') || 'none'}) and no such bookmark; the stream ${ending}. ` +
          (nearMisses.length > 0 ? `Bookmarks carried other annotations (see initial-events-end.annotation). ` : '') +
          (unfiltered !== undefined
            ? `The same watch-list without a selector (${unfiltered.stream.id}) got its end bookmark ${sinceRequest(unfiltered.stream, unfiltered.endBookmark.atMs)}: the server filters the end bookmark by ${selectorText(stream.request.options)} (see bookmark.selectors). ` +
              `Verdict: client-go v0.35+ informers with this selector would never sync here, while unfiltered ones do: `
            : `Verdict: a client-go v0.35+ informer would never sync here: `) +
          `the reflector keeps the initial events in a temporary store until that bookmark, ` +
          `and re-issues the watch-list at every timeout without falling back to LIST (kubernetes/kubernetes#140890). ${WATCH_LIST_WORKAROUNDS}`,
        evidence: {
          stream: stream.id,
          eventCounts: typeCounts,
          observedUntilMsSinceRequest: msSinceRequest(stream, untilMs),
          closeReason: close?.reason ?? null,
          bookmarkAnnotations: nearMisses,
          selectors: selectorsOf(stream.request.options),
          unfilteredWithEndBookmark: unfiltered?.stream.id ?? null,
        },
      });
    }
    const noteText = notes.length > 0 ? ` (not applicable: ${notes.join('; ')})` : '';
    // Nothing checked is not a pass: a watch-list answered 403 (or 422 by a server with WatchList
    // off) says nothing about the end bookmark.
    if (checked === 0 && findings.length === 0) return skipped(ID, `no 200 watch-list stream without error to check${noteText}`);
    return resultOf(
      ID,
      findings,
      `${checked} watch-list stream(s) ended their initial events with the annotated bookmark${noteText}`,
      `watch-list stream(s) without the initial-events-end bookmark: client-go v0.35+ never syncs`,
    );
  },
};
