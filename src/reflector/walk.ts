/**
 * A recorded stream walked the way client-go's reflector consumes it: kubernetes/client-go
 * tools/cache/reflector.go v0.35.0 handleAnyWatch (decode errors and ERROR events end the watch,
 * wrong-GVK events are skipped, in watch-list mode the initial-events-end bookmark ends it) and
 * VeryShortWatchError; spec sections 1.3-1.7. Derived from the timeline only. The checks and the
 * client-go verdicts (verdict/) read the same walk.
 */
import { closeOf, isInitialEventsEndBookmark, responseOf, typeMetaOf } from '../record/accessors.js';
import { VERY_SHORT_WATCH_MS } from '../record/requests.js';
import { statusOfErrorObject, type StatusInfo } from '../record/status.js';
import type { CloseEntry, EventEntry, MalformedFrameEntry, StreamRecord, TimelineEntry } from '../record/timeline.js';
import { decodeErrorOf, isTruncatedFinalFrame, isUnfinishedFrame, objectAcceptance, type InformerKind } from './decoder.js';

/** What a client or server can do when a watch-list never ends its initial events (kubernetes/kubernetes#140890). */
export const WATCH_LIST_WORKAROUNDS =
  'Client-side workarounds: KUBE_FEATURE_WatchListClient=false (or --feature-gates=WatchListClient=false), ' +
  'or a ListerWatcher implementing IsWatchListSemanticsUnSupported() returning true. ' +
  'The server-side fix is to end the initial events with a BOOKMARK annotated ' +
  '"k8s.io/initial-events-end": "true" (RV = the list RV) whenever sendInitialEvents=true and allowWatchBookmarks=true.';

export type WatchEnd =
  /** The initial-events-end bookmark was processed (watch-list mode only). */
  | { kind: 'synced'; atMs: number; event: EventEntry }
  /** An ERROR event: handleAnyWatch returns apierrors.FromObject(object). */
  | { kind: 'error-event'; atMs: number; event: EventEntry; status: StatusInfo | null }
  /** A frame client-go cannot decode: StreamWatcher sends a synthetic InternalError and closes. */
  | { kind: 'decode-error'; atMs: number; error: string; entry: TimelineEntry }
  /** The result channel closed: server EOF/reset/transport error, or a truncated final frame. */
  | { kind: 'closed'; atMs: number; close: CloseEntry | undefined; veryShort: boolean; stuckOn?: MalformedFrameEntry }
  /**
   * Still open when watchmark stopped reading (client-abort or no close recorded). `stuckOn` (both
   * here and on `closed`): client-go was blocked reading a protobuf frame whose length prefix claims
   * bytes that never came (decoder.ts isUnfinishedFrame), so it saw nothing after it.
   */
  | { kind: 'open'; atMs: number | undefined; stuckOn?: MalformedFrameEntry };

export interface WatchWalk {
  /** Arrival times of the events that reached handleAnyWatch's switch (they reset the ticker's last-event time). */
  processedAtMs: number[];
  /** Events skipped before the switch: wrong kind/apiVersion ("Unexpected watch event object type/gvk"). */
  skipped: Array<{ event: EventEntry; kind?: string; apiVersion?: string }>;
  /** Events processed although their kind/apiVersion is not the watched one (dynamic informers: no expected GVK). */
  foreign: Array<{ event: EventEntry; kind?: string; apiVersion?: string }>;
  end: WatchEnd;
}

/**
 * Consumes the stream's entries from `fromIndex` like handleAnyWatch does (v0.35.0 l.895-985):
 * decode errors and ERROR events end it, wrong-GVK events are skipped, every other event counts;
 * in watch-list mode the initial-events-end bookmark ends it. `startMs` is the `start` the
 * reflector took before the request (VeryShortWatchError measures from it). `informer` (default
 * typed) decides which objects of another kind are skipped, undecodable or taken (objectAcceptance).
 */
export function walkWatch(
  stream: StreamRecord,
  options: { watchList: boolean; fromIndex?: number; startMs?: number; informer?: InformerKind },
): WatchWalk {
  const { watched } = stream.request;
  const informer = options.informer ?? 'typed';
  const startMs = options.startMs ?? stream.request.sentAtMs;
  const processedAtMs: number[] = [];
  const skipped: WatchWalk['skipped'] = [];
  const foreign: WatchWalk['foreign'] = [];
  const entries = stream.entries;
  const done = (end: WatchEnd): WatchWalk => ({ processedAtMs, skipped, foreign, end });
  for (let index = options.fromIndex ?? 0; index < entries.length; index++) {
    const entry = entries[index]!;
    if (entry.kind === 'malformed') {
      if (isTruncatedFinalFrame(stream, entry)) {
        return done(closedEnd(stream, entry.atMs, startMs, processedAtMs.length));
      }
      if (isUnfinishedFrame(stream, entry)) {
        // client-go is still reading this frame: nothing happens until the stream ends.
        const close = closeOf(stream);
        if (close === undefined) return done({ kind: 'open', atMs: undefined, stuckOn: entry });
        return done({ ...closedEnd(stream, close.atMs, startMs, processedAtMs.length), stuckOn: entry } as WatchEnd);
      }
      return done({ kind: 'decode-error', atMs: entry.atMs, error: `<JSON syntax error: ${entry.error}>`, entry });
    }
    if (entry.kind === 'close') {
      const streamError = http2StreamErrorOf(stream, entry);
      if (streamError !== undefined) return done({ kind: 'decode-error', atMs: entry.atMs, error: streamError, entry });
      return done(closedEnd(stream, entry.atMs, startMs, processedAtMs.length));
    }
    if (entry.kind !== 'event') continue;
    const decodeError = decodeErrorOf(entry);
    if (decodeError !== undefined) return done({ kind: 'decode-error', atMs: entry.atMs, error: decodeError, entry });
    // decodeErrorOf guarantees a non-empty kind and apiVersion.
    const { kind, apiVersion } = typeMetaOf(entry.object) as { kind: string; apiVersion: string };
    const acceptance = objectAcceptance(informer, watched, entry.type, kind, apiVersion);
    if (acceptance.verdict === 'decode-error') {
      return done({ kind: 'decode-error', atMs: entry.atMs, error: acceptance.error, entry });
    }
    if (entry.type === 'ERROR') {
      return done({ kind: 'error-event', atMs: entry.atMs, event: entry, status: statusOfErrorObject(entry.object) });
    }
    if (acceptance.verdict === 'skip') {
      skipped.push({ event: entry, kind, apiVersion });
      continue;
    }
    if (kind !== watched.kind || apiVersion !== watched.apiVersion) foreign.push({ event: entry, kind, apiVersion });
    processedAtMs.push(entry.atMs);
    if (options.watchList && isInitialEventsEndBookmark(entry)) {
      return done({ kind: 'synced', atMs: entry.atMs, event: entry });
    }
  }
  return done({ kind: 'open', atMs: undefined });
}

/**
 * A server's RST_STREAM on an HTTP/2 watch (client-go's default over TLS), as client-go reads it:
 * the body read fails with golang.org/x/net/http2 StreamError "stream error: stream ID N; CODE;
 * received from peer", which apimachinery's net.IsProbableEOF does not take for an end (io.EOF,
 * io.ErrUnexpectedEOF, GOAWAY, "connection reset by peer", closed connection only), so
 * StreamWatcher sends its synthetic InternalError (ClientWatchDecoding) and the watch ends with
 * an error: a relist, or on a watch-list the fallback to LIST (apimachinery pkg/watch/
 * streamwatcher.go, pkg/util/net/http.go). A TCP reset (HTTP/1.1, or a whole HTTP/2 connection)
 * is "connection reset by peer": a normal end. Undefined when the close is not a stream reset.
 */
function http2StreamErrorOf(stream: StreamRecord, close: CloseEntry): string | undefined {
  if (close.reason !== 'reset' || responseOf(stream)?.httpVersion !== '2.0') return undefined;
  const message = close.error?.message ?? '';
  if (message.includes('ERR_HTTP2_STREAM_CANCEL')) return 'stream error: stream ID <id>; CANCEL; received from peer';
  if (!message.includes('ERR_HTTP2_STREAM_ERROR')) return undefined;
  const code = /NGHTTP2_([A-Z_]+)/.exec(message)?.[1] ?? 'INTERNAL_ERROR';
  return `stream error: stream ID <id>; ${code}; received from peer`;
}

function closedEnd(stream: StreamRecord, atMs: number, startMs: number, eventCount: number): WatchEnd {
  const close = closeOf(stream);
  if (close !== undefined && close.reason === 'client-abort') return { kind: 'open', atMs: close.atMs };
  const serverClosed = close === undefined || close.reason === 'server-eof' || close.reason === 'reset';
  return { kind: 'closed', atMs, close, veryShort: serverClosed && eventCount === 0 && atMs - startMs < VERY_SHORT_WATCH_MS };
}
