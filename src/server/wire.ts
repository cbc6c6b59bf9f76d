/**
 * Watch framing as kube-apiserver writes it: JSON (spec 3.2), each event one compact
 * `{"type":...,"object":...}` followed by `\n`; or protobuf, each event a 4-byte big-endian length
 * and a WatchEvent around the object's full protobuf body (apimachinery LengthDelimitedFramer).
 * Frames are built once per distinct wire form and shared by every watcher of that encoding: per
 * object snapshot and event type, and per bookmark RV. The watch logic (watch-session.ts) decides
 * the events once; only this file knows the encoding.
 */
import { PROTOBUF_WATCH_MEDIA_TYPE } from '../protobuf/k8s-codec.js';
import { protobufWatchFrame } from './protobuf-bodies.js';
import type { KubeObject } from './resources.js';
import { internalError, type KubeStatus } from './status.js';
import type { StoreEventType } from './store.js';
import type { WatchEventOut } from './watch-filter.js';

/** `storage.AnnotateInitialEventsEndBookmark` (k8s.io/apiserver `pkg/storage/util.go`). */
export const INITIAL_EVENTS_END_ANNOTATION = 'k8s.io/initial-events-end';

export const WATCH_CONTENT_TYPE = 'application/json';

/**
 * A watch stream's encoding. `protobuf-little-endian` is the broken-protobuf-framing profile's: the
 * length prefix written little-endian, a plausible fork bug a JSON client never sees.
 */
export type WatchWireFormat = 'json' | 'protobuf' | 'protobuf-little-endian';

/**
 * The Content-Type of a watch response: `application/json` as-is (kube-apiserver adds
 * `;stream=watch` only to non-JSON types), `application/vnd.kubernetes.protobuf;stream=watch`.
 */
export function watchContentType(format: WatchWireFormat): string {
  return format === 'json' ? WATCH_CONTENT_TYPE : PROTOBUF_WATCH_MEDIA_TYPE;
}

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

/**
 * One event in a format. An object protobuf cannot carry (a stored field of an unexpected type) is
 * an ERROR event with an InternalError Status in its place, so one bad object never throws into
 * the store's fan-out.
 */
export function encodeWatchFrame(format: WatchWireFormat, type: string, object: Record<string, unknown>): Buffer {
  if (format === 'json') return encodeFrame(type, object);
  const order = format === 'protobuf' ? 'big-endian' : 'little-endian';
  try {
    return protobufWatchFrame(type, object, order);
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    return protobufWatchFrame('ERROR', internalError(err.message) as unknown as Record<string, unknown>, order);
  }
}

export class WatchFrameCache {
  private readonly objectFrames = new WeakMap<KubeObject, Partial<Record<StoreEventType, Buffer>>>();
  private readonly bookmarks = new Map<string, { rv: number; frame: Buffer }>();
  /** Counts serializations, so tests can see that fan-out does not re-encode per watcher. */
  encodedFrames = 0;

  constructor(readonly format: WatchWireFormat = 'json') {}

  event(out: WatchEventOut): Buffer {
    let frames = this.objectFrames.get(out.object);
    if (!frames) {
      frames = {};
      this.objectFrames.set(out.object, frames);
    }
    let frame = frames[out.type];
    if (!frame) {
      frame = encodeWatchFrame(this.format, out.type, out.object);
      this.encodedFrames++;
      frames[out.type] = frame;
    }
    return frame;
  }

  bookmark(kind: string, rv: number, shape: BookmarkShape): Buffer {
    const key = `${kind}|${shape.apiVersion ?? 'v1'}|${shape.initialEventsEnd ? 1 : 0}|${shape.withoutTypeMeta ? 1 : 0}`;
    const cached = this.bookmarks.get(key);
    if (cached && cached.rv === rv) return cached.frame;
    const frame = encodeWatchFrame(this.format, 'BOOKMARK', bookmarkObject(kind, rv, shape));
    this.encodedFrames++;
    this.bookmarks.set(key, { rv, frame });
    return frame;
  }

  /** live-events-wrong-kind profile: the event with the object's kind replaced (not cached: a test profile). */
  eventAsKind(out: WatchEventOut, kind: string): Buffer {
    this.encodedFrames++;
    return encodeWatchFrame(this.format, out.type, { ...out.object, kind });
  }

  error(status: KubeStatus): Buffer {
    return encodeWatchFrame(this.format, 'ERROR', status as unknown as Record<string, unknown>);
  }
}
