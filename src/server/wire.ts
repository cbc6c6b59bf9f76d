/**
 * JSON watch framing as kube-apiserver writes it (spec 3.2): each event one compact
 * `{"type":...,"object":...}` followed by `\n`. Frames are built once per distinct wire form and
 * shared by every watcher: per object snapshot and event type, and per bookmark RV.
 */
import type { KubeObject } from './resources.js';
import type { KubeStatus } from './status.js';
import type { StoreEventType } from './store.js';
import type { WatchEventOut } from './watch-filter.js';

/** `storage.AnnotateInitialEventsEndBookmark` (k8s.io/apiserver `pkg/storage/util.go`). */
export const INITIAL_EVENTS_END_ANNOTATION = 'k8s.io/initial-events-end';

export const WATCH_CONTENT_TYPE = 'application/json';

export interface BookmarkShape {
  /** The one bookmark that ends a watch-list's initial events. */
  initialEventsEnd: boolean;
  /** broken-bookmark-object profile: no kind/apiVersion. */
  withoutTypeMeta: boolean;
  /** end-bookmark-wrong-api-version profile: this apiVersion instead of v1. */
  apiVersion?: string;
}

/**
 * `{"kind":K,"apiVersion":"v1","metadata":{"resourceVersion":RV}}`: the empty object of the
 * watched type with only the RV set (cacher convertToWatchEvent). Real built-in types also carry
 * their zero-valued spec/status; clients must ignore those either way.
 */
export function bookmarkObject(kind: string, rv: number, shape: BookmarkShape): Record<string, unknown> {
  const metadata: Record<string, unknown> = { resourceVersion: String(rv) };
  if (shape.initialEventsEnd) metadata.annotations = { [INITIAL_EVENTS_END_ANNOTATION]: 'true' };
  return shape.withoutTypeMeta ? { metadata } : { kind, apiVersion: shape.apiVersion ?? 'v1', metadata };
}

export function encodeFrame(type: string, object: unknown): Buffer {
  return Buffer.from(`{"type":"${type}","object":${JSON.stringify(object)}}\n`);
}

export class WatchFrameCache {
  private readonly objectFrames = new WeakMap<KubeObject, Partial<Record<StoreEventType, Buffer>>>();
  private readonly bookmarks = new Map<string, { rv: number; frame: Buffer }>();
  /** Counts serializations, so tests can see that fan-out does not re-encode per watcher. */
  encodedFrames = 0;

  event(out: WatchEventOut): Buffer {
    let frames = this.objectFrames.get(out.object);
    if (!frames) {
      frames = {};
      this.objectFrames.set(out.object, frames);
    }
    let frame = frames[out.type];
    if (!frame) {
      frame = encodeFrame(out.type, out.object);
      this.encodedFrames++;
      frames[out.type] = frame;
    }
    return frame;
  }

  bookmark(kind: string, rv: number, shape: BookmarkShape): Buffer {
    const key = `${kind}|${shape.apiVersion ?? 'v1'}|${shape.initialEventsEnd ? 1 : 0}|${shape.withoutTypeMeta ? 1 : 0}`;
    const cached = this.bookmarks.get(key);
    if (cached && cached.rv === rv) return cached.frame;
    const frame = encodeFrame('BOOKMARK', bookmarkObject(kind, rv, shape));
    this.encodedFrames++;
    this.bookmarks.set(key, { rv, frame });
    return frame;
  }

  /** live-events-wrong-kind profile: the event with the object's kind replaced (not cached: a test profile). */
  eventAsKind(out: WatchEventOut, kind: string): Buffer {
    this.encodedFrames++;
    return encodeFrame(out.type, { ...out.object, kind });
  }

  error(status: KubeStatus): Buffer {
    return encodeFrame('ERROR', status);
  }
}
