/**
 * Server profiles: the reference behaviour (kube-apiserver >= 1.34, WatchList on, watch cache)
 * and deliberate misbehaviours, so that a client or a watchmark check can be shown to react to
 * each one. Every profile shares request validation and defaulting (stock k8s.io/apiserver);
 * they differ only in what the watch storage does.
 */

export type ServerProfile =
  | 'reference'
  | 'kinm'
  | 'slow-initial-events-end'
  | 'unrequested-bookmarks'
  | 'broken-bookmark-object'
  | 'end-bookmark-wrong-kind'
  | 'end-bookmark-wrong-api-version'
  | 'live-events-wrong-kind'
  | 'resume-off-by-one'
  | 'late-snapshot'
  | 'filtered-bookmarks'
  | 'broken-protobuf-framing';

export interface ProfileInfo {
  name: ServerProfile;
  /** One line for the README and `watchmark serve --help`. */
  description: string;
}

/**
 * - `reference`: kube-apiserver >= 1.34 (cacher, WatchList on): watch-list initial ADDED events end
 *   with one bookmark annotated `k8s.io/initial-events-end` when bookmarks are allowed; periodic
 *   bookmarks every interval and 2 s before the deadline, only once the RV moved past the start.
 * - `kinm`: obot-platform/kinm HEAD 5d68bef as predicted from its code (spec 4.1): sendInitialEvents
 *   and resourceVersionMatch are dropped after validation; RV ""/"0" streams the current state in
 *   RV order then tails; never any BOOKMARK; objects updated since creation arrive as MODIFIED in
 *   the initial state; selectors are a plain predicate on each event (no ADDED/DELETED when an
 *   update moves an object into or out of the selection); a watch from an RV older than the
 *   history silently skips what is gone instead of 410.
 * - `slow-initial-events-end`: reference, but the initial-events-end bookmark comes
 *   `initialEventsEndDelayMs` after the initial events; live events meanwhile are held back and
 *   sent after it, in RV order.
 * - `unrequested-bookmarks`: reference, but bookmarks (periodic, pre-deadline, and the end
 *   bookmark of watch-list requests) are sent even when allowWatchBookmarks is not true.
 * - `broken-bookmark-object`: reference, but bookmark objects lack `kind` and `apiVersion`
 *   (the end bookmark keeps its annotation and RV).
 * - `end-bookmark-wrong-kind`: reference, but the initial-events-end bookmark's object is of another
 *   registered kind (`Pod`, or `ConfigMap` on a pods watch; apiVersion `v1`). A typed client-go
 *   informer skips it and never syncs; a dynamic one has no expected GVK and syncs.
 * - `end-bookmark-wrong-api-version`: reference, but the initial-events-end bookmark's object has
 *   apiVersion `v1beta1` (kind unchanged), a version client-go's typed scheme does not have: a typed
 *   informer cannot decode it and falls back to LIST+WATCH; a dynamic one syncs.
 * - `live-events-wrong-kind`: reference, but every live ADDED/MODIFIED/DELETED event (not the
 *   initial state, not bookmarks) carries the other kind as above: a typed informer skips them (its
 *   cache misses every change), a dynamic one stores them as they are.
 * - `resume-off-by-one`: reference, but a watch from an explicit RV N also replays the event at
 *   N (`>=` where the cacher has `>`, cache_watcher.go process), so a client resuming from the
 *   RV of the last event it saw gets that event again.
 * - `late-snapshot`: reference, but a watch that starts with the initial state answers 200 at
 *   once and takes its snapshot `snapshotDelayMs` later (NotOlderThan allows any RV at or after
 *   the request: a server waiting for its cache to be fresh, or a slow store), so the snapshot
 *   includes writes made after the request, in key order. Healthy behaviour that a checker must
 *   not mistake for out-of-order live events.
 * - `filtered-bookmarks`: reference, but bookmarks go through the watch's label/field selector
 *   like events do; a bookmark object has no labels or fields, so a watch with a selector gets
 *   none, not even the initial-events-end bookmark (kube-apiserver's convertToWatchEvent returns
 *   bookmarks before it applies the filter). Informers with selectors never sync.
 * - `broken-protobuf-framing`: reference, but a protobuf watch stream's 4-byte length prefixes are
 *   written little-endian (apimachinery's LengthDelimitedFramer writes big-endian): a plausible fork
 *   bug that JSON clients never see. A protobuf client (kube-controller-manager, the scheduler, a
 *   client-go clientset with ContentType protobuf) reads a length in the gigabytes from the first
 *   frame and fails or waits for bytes that never come. JSON watches and all REST answers are unchanged.
 */
export const PROFILES: readonly ProfileInfo[] = [
  {
    name: 'reference',
    description: 'kube-apiserver >= 1.34 with WatchList on (watch cache): the behaviour client-go is written against',
  },
  {
    name: 'kinm',
    description:
      'kinm HEAD as predicted from its code: ignores sendInitialEvents, never sends BOOKMARK (client-go >= 0.35 informers never sync), MODIFIED initial events, no 410',
  },
  {
    name: 'slow-initial-events-end',
    description: 'reference, but the initial-events-end bookmark is delayed (initialEventsEndDelayMs, default 15 s); live events wait behind it',
  },
  {
    name: 'unrequested-bookmarks',
    description: 'reference, but sends BOOKMARK events even to watches without allowWatchBookmarks=true',
  },
  {
    name: 'broken-bookmark-object',
    description: 'reference, but bookmark objects lack kind and apiVersion',
  },
  {
    name: 'end-bookmark-wrong-kind',
    description: 'reference, but the initial-events-end bookmark has kind Pod (ConfigMap on pods): typed client-go informers never sync, dynamic ones do',
  },
  {
    name: 'end-bookmark-wrong-api-version',
    description: 'reference, but the initial-events-end bookmark has apiVersion v1beta1: typed client-go informers fall back to LIST, dynamic ones sync',
  },
  {
    name: 'live-events-wrong-kind',
    description: 'reference, but live events carry kind Pod (ConfigMap on pods): typed client-go informers skip them, dynamic ones store them',
  },
  {
    name: 'resume-off-by-one',
    description: 'reference, but a watch from resourceVersion N also replays the event at N, so a resumed watch repeats the last event seen',
  },
  {
    name: 'late-snapshot',
    description:
      'reference, but a watch that starts with the initial state takes its snapshot 1.5 s after answering 200, so it includes the writes made meanwhile (healthy: NotOlderThan allows it)',
  },
  {
    name: 'filtered-bookmarks',
    description:
      'reference, but bookmarks are filtered by label/field selectors like events, so watches with a selector get none, not even the initial-events-end bookmark',
  },
  {
    name: 'broken-protobuf-framing',
    description:
      'reference, but protobuf watch frames get little-endian length prefixes: protobuf clients (kube components, typed client-go) misread the stream; JSON watches are unchanged',
  },
];

export const SERVER_PROFILES: readonly ServerProfile[] = PROFILES.map((p) => p.name);

export function isServerProfile(value: string): value is ServerProfile {
  return (SERVER_PROFILES as readonly string[]).includes(value);
}

/** What a profile changes, as flags the pure watch logic reads. */
export interface ProfileBehaviour {
  /** 'cacher': kube-apiserver's watch cache. 'kinm': kinm's SQL storage (see PROFILES). */
  storage: 'cacher' | 'kinm';
  /** Who gets bookmarks: those that asked (allowWatchBookmarks), everyone, or nobody. */
  bookmarks: 'requested' | 'always' | 'never';
  /** Bookmark objects without kind/apiVersion. */
  bookmarkWithoutTypeMeta: boolean;
  /** The initial-events-end bookmark's kind/apiVersion: the watched ones, another kind, or another apiVersion. */
  endBookmarkTypeMeta: 'watched' | 'wrong-kind' | 'wrong-api-version';
  /** Live change events carry another kind (wrongKindFor). */
  liveEventsWrongKind: boolean;
  /** Delay before the initial-events-end bookmark, holding live events behind it. */
  delayInitialEventsEnd: boolean;
  /** A watch from an explicit RV N replays history from N itself (events with RV >= N), not after it. */
  replayFromRvInclusive: boolean;
  /** ms between answering 200 and taking the initial-state snapshot (0: at once, as the cacher does). */
  snapshotDelayMs: number;
  /** Bookmarks pass through the watch's selectors, so a watch with a selector gets none. */
  bookmarksFilteredBySelector: boolean;
  /** Byte order of a protobuf watch frame's length prefix (big-endian in kube-apiserver). */
  protobufLengthPrefix: 'big-endian' | 'little-endian';
}

/** late-snapshot's delay: long enough for the workload's first writes to land before the snapshot. */
export const LATE_SNAPSHOT_DELAY_MS = 1_500;

export function profileBehaviour(profile: ServerProfile): ProfileBehaviour {
  const reference: ProfileBehaviour = {
    storage: 'cacher',
    bookmarks: 'requested',
    bookmarkWithoutTypeMeta: false,
    endBookmarkTypeMeta: 'watched',
    liveEventsWrongKind: false,
    delayInitialEventsEnd: false,
    replayFromRvInclusive: false,
    snapshotDelayMs: 0,
    bookmarksFilteredBySelector: false,
    protobufLengthPrefix: 'big-endian',
  };
  switch (profile) {
    case 'reference':
      return reference;
    case 'kinm':
      return { ...reference, storage: 'kinm', bookmarks: 'never' };
    case 'slow-initial-events-end':
      return { ...reference, delayInitialEventsEnd: true };
    case 'unrequested-bookmarks':
      return { ...reference, bookmarks: 'always' };
    case 'broken-bookmark-object':
      return { ...reference, bookmarkWithoutTypeMeta: true };
    case 'end-bookmark-wrong-kind':
      return { ...reference, endBookmarkTypeMeta: 'wrong-kind' };
    case 'end-bookmark-wrong-api-version':
      return { ...reference, endBookmarkTypeMeta: 'wrong-api-version' };
    case 'live-events-wrong-kind':
      return { ...reference, liveEventsWrongKind: true };
    case 'resume-off-by-one':
      return { ...reference, replayFromRvInclusive: true };
    case 'late-snapshot':
      return { ...reference, snapshotDelayMs: LATE_SNAPSHOT_DELAY_MS };
    case 'filtered-bookmarks':
      return { ...reference, bookmarksFilteredBySelector: true };
    case 'broken-protobuf-framing':
      return { ...reference, protobufLengthPrefix: 'little-endian' };
  }
}

/** The other registered core/v1 kind the wrong-kind profiles put on the wire. */
export function wrongKindFor(kind: string): string {
  return kind === 'Pod' ? 'ConfigMap' : 'Pod';
}

/** The apiVersion end-bookmark-wrong-api-version puts on the wire (the embedded server serves core v1 only). */
export const WRONG_API_VERSION = 'v1beta1';
