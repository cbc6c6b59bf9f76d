/**
 * How an @kubernetes/client-node 1.4.0 informer consumes one recorded watch: the request shape it
 * sends (cache.js l.119-128, watch.js l.19-25), what its line handler (watch.js l.47-64) and
 * watchHandler (cache.js l.138-158) do with each frame, and where the watch ends. The file
 * comment of client-node.ts lists the emulated code; its verdict walks each watch with this.
 */
import { isPlainObject } from '../record/accessors.js';
import type { EventEntry, MalformedFrameEntry, StreamRecord, WatchOptions } from '../record/timeline.js';

/** client-node's WATCH request shape (cache.js l.119-128, watch.js l.19-25), timeoutSeconds aside. */
export function isClientNodeWatchShape(options: WatchOptions): boolean {
  const rv = options.resourceVersion;
  return (
    options.sendInitialEvents === undefined &&
    (options.resourceVersionMatch === undefined || options.resourceVersionMatch === '') &&
    options.allowWatchBookmarks !== true &&
    rv !== undefined &&
    rv !== '' &&
    rv !== '0' &&
    options.labelSelector === undefined &&
    options.fieldSelector === undefined
  );
}

/** `Cannot read properties of undefined (reading 'x')`, as V8 words a TypeError on null/undefined. */
function typeError(value: null | undefined, property: string): string {
  return `TypeError: Cannot read properties of ${value === null ? 'null' : 'undefined'} (reading '${property}')`;
}

/** cache.js l.157: `obj.metadata ? obj.metadata.resourceVersion || '' : ''` (obj not null/undefined). */
function resourceVersionAfter(object: unknown): string {
  const metadata = isPlainObject(object) ? object['metadata'] : undefined;
  if (metadata === null || typeof metadata !== 'object') return '';
  const rv = (metadata as Record<string, unknown>)['resourceVersion'];
  return rv ? String(rv) : '';
}

/** What client-node does with one frame of a 200 watch. */
export type FrameEffect =
  /** The informer would throw in watchHandler: unhandled rejection, process exit. */
  | { kind: 'crash'; error: string }
  /** Ignored without a trace. */
  | { kind: 'dropped'; what: string }
  /** ERROR 410: RV cleared, the next end relists. */
  | { kind: 'expired' }
  /** Accepted: the RV becomes `rv` ('' when the object has none, which also makes the next end relist). */
  | { kind: 'accepted'; rv: string };

/** What watch.js l.56-64 + cache.js l.138-158 do with a frame watchmark could not decode as a JSON object. */
export function clientNodeMalformedEffect(frame: MalformedFrameEntry): FrameEffect {
  let value: unknown;
  try {
    value = JSON.parse(frame.raw);
  } catch {
    return { kind: 'dropped', what: `an unparsable line (${frame.error})` };
  }
  // `null.type` throws inside the try of watch.js l.57-63: ignored.
  if (value === null) return { kind: 'dropped', what: 'a line that is JSON null' };
  // A number, string, boolean or array: data.type and data.object are undefined, and watchHandler
  // reads `obj.metadata` on undefined (cache.js l.157).
  return { kind: 'crash', error: typeError(undefined, 'metadata') };
}

/** What cache.js watchHandler (l.138-158) does with one decoded event. */
export function clientNodeEventEffect(event: EventEntry): FrameEffect {
  const object = event.object;
  const missing = object === null ? null : undefined;
  switch (event.type) {
    case 'ERROR':
      if (object === null || object === undefined) return { kind: 'crash', error: typeError(missing, 'code') };
      if (isPlainObject(object) && object['code'] === 410) return { kind: 'expired' };
      return { kind: 'dropped', what: `an ERROR event${isPlainObject(object) && typeof object['message'] === 'string' ? ` ("${object['message']}")` : ''}` };
    case 'ADDED':
    case 'MODIFIED':
    case 'DELETED': {
      // addOrUpdateObject / deleteObject read obj.metadata.namespace first (l.206, l.235).
      if (object === null || object === undefined) return { kind: 'crash', error: typeError(missing, 'metadata') };
      const metadata = isPlainObject(object) ? object['metadata'] : undefined;
      if (metadata === null || metadata === undefined) return { kind: 'crash', error: typeError(metadata, 'namespace') };
      return { kind: 'accepted', rv: resourceVersionAfter(object) };
    }
    default:
      // BOOKMARK and any other type fall through the switch to l.157.
      if (object === null || object === undefined) return { kind: 'crash', error: typeError(missing, 'metadata') };
      return { kind: 'accepted', rv: resourceVersionAfter(object) };
  }
}

export interface NodeWatchWalk {
  /** Events that reached the cache or moved the RV. */
  accepted: number;
  dropped: Array<{ atMs: number; what: string }>;
  /** The RV client-node holds at the end ('' = it relists next). */
  resourceVersion: string;
  /** When the RV was cleared (410 or an RV-less object) before any event advanced it; undefined otherwise. */
  clearedBeforeProgressAtMs: number | undefined;
  /** An ERROR event was seen (ignored or 410). */
  sawError: boolean;
  end:
    | { kind: 'crash'; atMs: number; error: string }
    | { kind: 'clean-end'; atMs: number }
    | { kind: 'transport-error'; atMs: number; error: string }
    | { kind: 'open'; atMs: number | undefined }
    | { kind: 'not-opened'; atMs: number; why: string };
}

export function walkNodeWatch(stream: StreamRecord, fromIndex: number, startRv: string): NodeWatchWalk {
  const dropped: NodeWatchWalk['dropped'] = [];
  let rv = startRv;
  let accepted = 0;
  let progressed = false;
  let clearedBeforeProgressAtMs: number | undefined;
  let sawError = false;
  const result = (end: NodeWatchWalk['end']): NodeWatchWalk => ({ accepted, dropped, resourceVersion: rv, clearedBeforeProgressAtMs, sawError, end });
  for (let index = fromIndex; index < stream.entries.length; index++) {
    const entry = stream.entries[index]!;
    if (entry.kind === 'malformed' || entry.kind === 'event') {
      const effect = entry.kind === 'malformed' ? clientNodeMalformedEffect(entry) : clientNodeEventEffect(entry);
      if (entry.kind === 'event' && entry.type === 'ERROR') sawError = true;
      if (effect.kind === 'crash') return result({ kind: 'crash', atMs: entry.atMs, error: effect.error });
      if (effect.kind === 'dropped') dropped.push({ atMs: entry.atMs, what: effect.what });
      if (effect.kind === 'expired') {
        rv = '';
        if (!progressed) clearedBeforeProgressAtMs ??= entry.atMs;
      }
      if (effect.kind === 'accepted') {
        accepted++;
        rv = effect.rv;
        if (rv === '' && !progressed) clearedBeforeProgressAtMs ??= entry.atMs;
        if (rv !== '' && rv !== startRv) progressed = true;
      }
      continue;
    }
    if (entry.kind !== 'close') continue;
    if (entry.reason === 'server-eof') return result({ kind: 'clean-end', atMs: entry.atMs });
    if (entry.reason === 'client-abort') return result({ kind: 'open', atMs: entry.atMs });
    if (entry.reason === 'reset') return result({ kind: 'transport-error', atMs: entry.atMs, error: 'Error: Premature close (code ERR_STREAM_PREMATURE_CLOSE)' });
    if (entry.reason === 'error') return result({ kind: 'transport-error', atMs: entry.atMs, error: `Error: ${entry.error?.message ?? entry.error?.code ?? 'transport error'}` });
    return result({ kind: 'not-opened', atMs: entry.atMs, why: entry.error?.message ?? entry.reason });
  }
  return result({ kind: 'open', atMs: undefined });
}
