/**
 * What a recorded request asked for: watch-list or legacy initial state, selectors, the collection
 * it addresses, its media type; and client-go's very-short-watch condition on its answer.
 */
import { closeOf, initialEventsEndBookmark, responseOf } from './accessors.js';
import type { EventEntry, ListRecord, StreamRecord, WatchOptions } from './timeline.js';
import { PROTOBUF_MEDIA_TYPE } from '../protobuf/k8s-codec.js';

/**
 * Exactly what client-go's reflector sends in watch-list mode (tools/cache/reflector.go v0.35.0
 * watchList): sendInitialEvents=true, allowWatchBookmarks=true, resourceVersionMatch=NotOlderThan.
 */
export function isWatchListRequest(options: WatchOptions): boolean {
  return (
    options.sendInitialEvents === true &&
    options.allowWatchBookmarks === true &&
    options.resourceVersionMatch === 'NotOlderThan'
  );
}

/**
 * A legacy watch that starts with the current state: no sendInitialEvents, no
 * resourceVersionMatch, resourceVersion "" / "0" / unset. kube-apiserver with WatchList on
 * defaults it to a watch-list (apimachinery internalversion SetListOptionsDefaults, spec 0.8/2.1),
 * so with allowWatchBookmarks it may also end its initial ADDED burst with the annotated bookmark.
 */
export function isLegacyInitialStateWatch(options: WatchOptions): boolean {
  const rv = options.resourceVersion;
  return (
    options.sendInitialEvents === undefined &&
    (options.resourceVersionMatch === undefined || options.resourceVersionMatch === '') &&
    (rv === undefined || rv === '' || rv === '0')
  );
}

/**
 * How a watch starts (spec 2.3):
 * - `watch-list`: explicit watch-list request (initial events, then the annotated bookmark);
 * - `legacy-initial-state`: RV ""/"0" legacy watch (initial ADDED events, marker only when the server defaults to watch-list);
 * - `initial-events-without-marker`: sendInitialEvents=true without the rest of the watch-list
 *   options (e.g. allowWatchBookmarks=false: initial events, and the server must not send the marker);
 * - `none`: explicit RV or sendInitialEvents=false: every event is live.
 */
export type InitialStateMode = 'watch-list' | 'legacy-initial-state' | 'initial-events-without-marker' | 'none';

export function initialStateModeOf(options: WatchOptions): InitialStateMode {
  if (isWatchListRequest(options)) return 'watch-list';
  if (isLegacyInitialStateWatch(options)) return 'legacy-initial-state';
  if (options.sendInitialEvents === true) return 'initial-events-without-marker';
  return 'none';
}

/** client-go's VeryShortWatchError threshold (tools/cache/reflector.go v0.35.0 handleAnyWatch). */
export const VERY_SHORT_WATCH_MS = 1_000;

/**
 * client-go's VeryShortWatchError condition as seen on the wire: a 200 stream the server ended
 * (clean EOF or reset, which client-go treats as a probable EOF) less than 1 s after the request
 * was sent, with no frame at all (bookmarks count as events). client-go measures from just before
 * sending the request (tools/cache/reflector.go v0.35.0 handleAnyWatch, `watchDuration < 1*time.Second && eventCount == 0`).
 */
export function isVeryShortWatch(stream: StreamRecord): boolean {
  const response = responseOf(stream);
  const close = closeOf(stream);
  if (response?.status !== 200 || close === undefined) return false;
  if (close.reason !== 'server-eof' && close.reason !== 'reset') return false;
  if (close.atMs - stream.request.sentAtMs >= VERY_SHORT_WATCH_MS) return false;
  return !stream.entries.some((entry) => entry.kind === 'event' || entry.kind === 'malformed');
}

/**
 * The media type of a Content-Type header, lower-cased, parameters dropped (what Go's
 * mime.ParseMediaType leaves for client-go's negotiator, spec 3.1). Null for an empty header.
 */
export function mediaTypeOf(contentType: string | null | undefined): string | null {
  if (contentType === null || contentType === undefined) return null;
  const mediaType = contentType.split(';', 1)[0]?.trim().toLowerCase() ?? '';
  return mediaType === '' ? null : mediaType;
}

export { PROTOBUF_MEDIA_TYPE };

/** The response is protobuf (parameters such as `;stream=watch` aside). */
export function isProtobufResponse(contentType: string | null | undefined): boolean {
  return mediaTypeOf(contentType) === PROTOBUF_MEDIA_TYPE;
}

/** The watch asked for protobuf (--encoding protobuf): its recorded Accept header names the protobuf media type. */
export function askedForProtobuf(request: { accept?: string }): boolean {
  return (request.accept ?? '').split(',').some((part) => mediaTypeOf(part) === PROTOBUF_MEDIA_TYPE);
}

/**
 * The collection a request addresses: its path without the query (the LIST and WATCH of one
 * informer share it). Hand-built records without a path fall back to resource and namespace.
 */
export function collectionPathOf(path: string): string {
  return path.split('?', 1)[0] ?? '';
}

/** A key equal for two streams exactly when they watch the same collection. */
export function collectionKeyOf(stream: StreamRecord): string {
  const path = collectionPathOf(stream.request.path);
  if (path !== '') return path;
  const { watched, namespace } = stream.request;
  return `${watched.apiVersion}|${watched.resource}|${namespace ?? ''}`;
}

/** The LIST requests of the stream's collection (same path without the query). */
export function listsOfCollection(stream: StreamRecord, lists: ListRecord[]): ListRecord[] {
  const path = collectionPathOf(stream.request.path);
  return path === '' ? [] : lists.filter((list) => collectionPathOf(list.path) === path);
}

/** The stream's label and field selectors, empty strings dropped. */
export function selectorsOf(options: WatchOptions): { labelSelector?: string; fieldSelector?: string } {
  return {
    ...(options.labelSelector ? { labelSelector: options.labelSelector } : {}),
    ...(options.fieldSelector ? { fieldSelector: options.fieldSelector } : {}),
  };
}

export function hasSelector(options: WatchOptions): boolean {
  return Boolean(options.labelSelector) || Boolean(options.fieldSelector);
}

/** "labelSelector=a=b&fieldSelector=…", for messages. */
export function selectorText(options: WatchOptions): string {
  return Object.entries(selectorsOf(options))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
}

/**
 * For a watch-list stream with a selector: a 200 watch-list stream on the same collection without
 * selectors that did get its initial-events-end bookmark. When one exists and the selector stream
 * got none, the server filters the end bookmark by selector (kube-apiserver never does:
 * cache_watcher.go convertToWatchEvent returns bookmarks before applying the filter).
 */
export function unfilteredWatchListWithEndBookmark(stream: StreamRecord, streams: readonly StreamRecord[]): { stream: StreamRecord; endBookmark: EventEntry } | undefined {
  for (const other of streams) {
    if (other === stream || !isWatchListRequest(other.request.options) || hasSelector(other.request.options)) continue;
    if (collectionKeyOf(other) !== collectionKeyOf(stream) || responseOf(other)?.status !== 200) continue;
    const endBookmark = initialEventsEndBookmark(other);
    if (endBookmark !== undefined) return { stream: other, endBookmark };
  }
  return undefined;
}
