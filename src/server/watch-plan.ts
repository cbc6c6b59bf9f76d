/**
 * How a watch starts: which initial events, whether an initial-events-end bookmark follows, the
 * RV the watch counts as its start, or an error event. Pure: it reads a store view and decides.
 *
 * Reference (kube-apiserver >= 1.34 cacher, spec 2.3):
 *   sendInitialEvents=true (explicit, or defaulted for RV ""/"0"):
 *     ADDED for the current state in key order (namespace/name, not RV), then iff bookmarks are
 *     wanted one bookmark annotated k8s.io/initial-events-end with RV = the current RV. RV N
 *     newer than the store: wait up to 3 s (watch_cache.go blockTimeout), else a 504 ERROR event.
 *   sendInitialEvents=false with RV ""/"0": nothing initial, start at the current RV.
 *   no sendInitialEvents with RV ""/"0" (WatchList gate off only): ADDED for the current state, no
 *     end bookmark.
 *   RV N otherwise: replay history events with RV > N, or a 410 ERROR event if N is older than
 *     the history. A future N is accepted and simply waits for events. (resume-off-by-one: RV >= N.)
 * kinm (spec 4.1): see profiles.ts.
 */
import type { ProfileBehaviour } from './profiles.js';
import { resourceVersionOf, type ResourceDef } from './resources.js';
import { resourceExpired, tooLargeResourceVersion, type KubeStatus } from './status.js';
import type { HistoryResult, StoredRecord } from './store.js';
import { cacherWatchEvent, objectMatches, predicateWatchEvent, type WatchEventOut } from './watch-filter.js';
import type { WatchRequest } from './watch-request.js';

/** kube-apiserver's watch cache `blockTimeout`. */
export const TOO_LARGE_RV_WAIT_MS = 3_000;

export interface WatchStoreView {
  currentRv(): number;
  list(resource: ResourceDef['resource'], namespace?: string): readonly StoredRecord[];
  historySince(rv: number): HistoryResult;
}

export type WatchStartPlan =
  | { kind: 'error'; status: KubeStatus }
  /** Come back when the store reached `untilRv`, or after `timeoutMs` (then plan with `waited`). */
  | { kind: 'wait'; untilRv: number; timeoutMs: number }
  | {
      kind: 'stream';
      initialEvents: WatchEventOut[];
      /** RV of the initial-events-end bookmark, or null when none is sent. */
      endBookmarkRv: number | null;
      /** Live events need RV > startRv; periodic bookmarks need current RV > startRv. */
      startRv: number;
      /** initialEvents are changes replayed from history after the requested RV, not a synthetic initial state. */
      replayed?: true;
    };

/** Does this watch get BOOKMARK events (end, periodic, pre-deadline) under this profile? */
export function wantsBookmarks(request: Pick<WatchRequest, 'allowWatchBookmarks' | 'filter'>, behaviour: ProfileBehaviour): boolean {
  // filtered-bookmarks: an empty bookmark object never matches a selector.
  if (behaviour.bookmarksFilteredBySelector && (request.filter.labels.requirements.length > 0 || request.filter.fields.requirements.length > 0)) return false;
  switch (behaviour.bookmarks) {
    case 'always':
      return true;
    case 'never':
      return false;
    case 'requested':
      return request.allowWatchBookmarks;
  }
}

export function planWatchStart(
  def: ResourceDef,
  request: WatchRequest,
  store: WatchStoreView,
  behaviour: ProfileBehaviour,
  waited = false,
): WatchStartPlan {
  if (behaviour.storage === 'kinm') return planKinmWatch(def, request, store);
  const currentRv = store.currentRv();

  if (request.sendInitialEvents === undefined && request.rv === 0) {
    // Reachable only with the WatchList gate off (kube-apiserver 1.33's default; with it on, RV
    // ""/"0" is defaulted to a watch-list): the cacher's "legacy case" serves the current state as
    // ADDED events with no end bookmark (spec 2.3).
    const initialEvents: WatchEventOut[] = [];
    for (const record of store.list(def.resource, request.filter.namespace)) {
      if (objectMatches(def, request.filter, record.object)) initialEvents.push({ type: 'ADDED', object: record.object });
    }
    return { kind: 'stream', initialEvents, endBookmarkRv: null, startRv: currentRv };
  }

  if (request.sendInitialEvents === true) {
    if (request.rv > currentRv) {
      return waited
        ? { kind: 'error', status: tooLargeResourceVersion(request.rv, currentRv) }
        : { kind: 'wait', untilRv: request.rv, timeoutMs: TOO_LARGE_RV_WAIT_MS };
    }
    const initialEvents: WatchEventOut[] = [];
    for (const record of store.list(def.resource, request.filter.namespace)) {
      if (objectMatches(def, request.filter, record.object)) initialEvents.push({ type: 'ADDED', object: record.object });
    }
    return {
      kind: 'stream',
      initialEvents,
      endBookmarkRv: wantsBookmarks(request, behaviour) ? currentRv : null,
      startRv: currentRv,
    };
  }

  if (request.rv === 0) {
    // sendInitialEvents=false with RV ""/"0" (legacy RV ""/"0" watches were defaulted to true).
    return { kind: 'stream', initialEvents: [], endBookmarkRv: null, startRv: currentRv };
  }

  const history = store.historySince(request.rv);
  if (history.expired) {
    return {
      kind: 'error',
      status: resourceExpired(`too old resource version: ${request.rv} (${history.evictedThroughRv})`),
    };
  }
  // cache_watcher.go processInterval: the start RV follows every replayed event of the resource,
  // delivered or filtered out. resume-off-by-one replays from the event at the requested RV itself.
  let startRv = request.rv;
  const initialEvents: WatchEventOut[] = [];
  const replayed = behaviour.replayFromRvInclusive ? store.historySince(request.rv - 1).events : history.events;
  for (const event of replayed) {
    if (event.resource !== def.resource) continue;
    startRv = Math.max(startRv, event.rv);
    const out = cacherWatchEvent(def, request.filter, event);
    if (out) initialEvents.push(out);
  }
  return { kind: 'stream', initialEvents, endBookmarkRv: null, startRv, replayed: true };
}

/**
 * kinm `pkg/db/strategy.go` Watch: sendInitialEvents/resourceVersionMatch never reach it; RV "0"
 * is "", which lists the latest rows (list.sql: ORDER BY id, `created` is 1 only for rows never
 * updated) and then tails; an explicit RV lists rows with id > RV that are still there.
 */
function planKinmWatch(def: ResourceDef, request: WatchRequest, store: WatchStoreView): WatchStartPlan {
  const currentRv = store.currentRv();
  if (request.rv === 0) {
    const records = store
      .list(def.resource, request.filter.namespace)
      .filter((r) => objectMatches(def, request.filter, r.object))
      .sort((a, b) => resourceVersionOf(a.object) - resourceVersionOf(b.object));
    const initialEvents: WatchEventOut[] = records.map((r) => ({
      type: resourceVersionOf(r.object) === r.createdRv ? 'ADDED' : 'MODIFIED',
      object: r.object,
    }));
    return { kind: 'stream', initialEvents, endBookmarkRv: null, startRv: currentRv };
  }
  // No 410: kinm compares the table's max id, not the requested RV, with the compaction mark.
  const history = store.historySince(request.rv);
  let startRv = request.rv;
  const initialEvents: WatchEventOut[] = [];
  for (const event of history.events) {
    if (event.resource !== def.resource) continue;
    startRv = Math.max(startRv, event.rv);
    const out = predicateWatchEvent(def, request.filter, event);
    if (out) initialEvents.push(out);
  }
  return { kind: 'stream', initialEvents, endBookmarkRv: null, startRv, replayed: true };
}
