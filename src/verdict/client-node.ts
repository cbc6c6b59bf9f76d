/**
 * What an @kubernetes/client-node informer would do on the recorded streams, derived from the
 * timelines only.
 *
 * Emulated code: @kubernetes/client-node 1.4.0 (the version watchmark depends on; upstream tag
 * 1.4.0, commit 19a7ced6, src/cache.ts and src/watch.ts), line numbers from its published
 * dist/*.js:
 * - informer.js l.12-15 `makeInformer(kc, path, listFn, labelSelector)` = `new ListWatch(path, new
 *   Watch(kc), listFn, false, labelSelector)`.
 * - cache.js l.90-129 `ListWatch.doneHandler(err)`, run at start() and at every watch end:
 *   an error with `statusCode === 410` or `code === 410` clears the RV (l.92-95); any other error
 *   is handed to the 'error' callbacks and the informer STOPS: no retry, no backoff (l.96-99;
 *   upstream's example restarts it from its 'error' handler after 5 s). Otherwise it emits
 *   'connect' (l.104) and, only when its RV is empty, LISTs with the application's `listFn` (l.105-118;
 *   a rejection goes to 'error' and stops, l.111-114), replaces its cache, emits 'add'/'update'
 *   per item and keeps the list's metadata.resourceVersion (l.115-117). Then it WATCHes with
 *   `{ resourceVersion }` (+ label/field selector) and nothing else (l.119-128).
 * - watch.js l.19-25: the WATCH query is `watch=true&resourceVersion=<rv>`: no allowWatchBookmarks,
 *   no timeoutSeconds, no sendInitialEvents, so no watch-list and no initial-events-end bookmark
 *   to wait for. l.27-30 builds a 30 s AbortSignal.timeout and then overwrites the signal, so 1.4.0
 *   has no client-side watch timeout. (Upstream main after 1.4.0, package.json 2.0.0, untagged:
 *   3cf72af6 applies that timeout, so every watch is cut and re-watched after 30 s; 7a25b4f9 adds
 *   a growing reconnect delay; 2597986a moves from node-fetch to undici. Not modelled here.)
 *   1.4.0 speaks HTTP/1.1 through node-fetch 2.7.
 * - watch.js l.47-64: a 200 body is split into lines by node:readline and each line is
 *   `JSON.parse`d; a line that does not parse (or parses to null) is IGNORED: no error, no log
 *   (l.57-63, "ignore parse errors"). Body 'error' (a reset: node-fetch's "Premature close",
 *   ERR_STREAM_PREMATURE_CLOSE) ends the watch with that error, a clean end ('close') with null
 *   (l.49-55). l.66-71: a non-200 answer is `new Error(statusText)` with `statusCode`.
 * - cache.js l.138-158 `watchHandler(type, object)`: ERROR with `object.code === 410` clears the
 *   RV, any other ERROR is ignored; the watch is not ended (l.140-145). ADDED/MODIFIED/DELETED
 *   update the cache (l.146-152), BOOKMARK does nothing (l.153-155), and every non-ERROR event,
 *   of any type, sets the RV to `object.metadata.resourceVersion || ''` (l.157).
 * - watchHandler is async and watch.js l.59 drops its promise: when it throws (an ERROR without
 *   object; ADDED/MODIFIED/DELETED whose object or metadata is missing, cache.js l.206/l.235; any
 *   other type without object; a line that parses to a number, string, boolean or array) the
 *   rejection is unhandled and Node's default (>= 15, --unhandled-rejections=throw) ends the
 *   process with exit code 1.
 * test/client-node-behaviour.test.ts runs the real 1.4 informer against scripted servers and pins
 * each of these behaviours next to this emulation's verdict on the same timeline.
 * - Nothing in cache.js, watch.js or informer.js writes to the console.
 * - No HasSynced: the cache is filled when the LIST resolves (l.115-117); `await informer.start()`
 *   resolves once the first WATCH has its response head (l.128) or failed.
 *
 * Which recorded requests stand for it: the LIST is the application's `listFn`; the usual one
 * (`listNamespacedConfigMap({ namespace })`) sends no resourceVersion and no limit, while the
 * suite's `list#1` sends resourceVersion=0&limit=500 (client-go's first LIST). It is the closest
 * recorded LIST and answers the same collection; its status and timing stand for client-node's.
 * The WATCH is a stream with client-node's shape: from an explicit RV (the list's), no
 * allowWatchBookmarks, no sendInitialEvents/resourceVersionMatch, no selector and no role (the
 * suite's `watch-no-bookmarks#1`). Its timeoutSeconds=10 is not client-node's (it sends none, so
 * kube-apiserver picks 30-60 min from --min-request-timeout); client-node handles that server
 * deadline like any clean end: 'connect' and a new WATCH from its last RV. `watch#1` and the
 * watch-list streams are not used: they ask for bookmarks or for watch-list, which client-node
 * never does.
 *
 * Limits of the emulation: watchmark frames a stream by JSON value (as client-go does), client-node
 * by line; the record does not keep where newlines were, so events sharing one line (or a
 * pretty-printed event), which client-node would silently drop, are judged as delivered. A
 * malformed frame longer than 4 KiB is kept cut, so it is judged as unparsable.
 */
import { STATUS_CODES } from 'node:http';
import { closeOf, responseOf } from '../record/accessors.js';
import { VERY_SHORT_WATCH_MS } from '../record/requests.js';
import type { ListRecord, RunRecord, StreamRecord } from '../record/timeline.js';
import { isClientNodeWatchShape, walkNodeWatch } from './client-node-watch.js';
import type { ClientVerdict } from './types.js';

type Line = { atMs: number; line: string };

/** How long after its request a watch that advanced nothing must end for client-node's re-watch to be a loop (watchmark's very-short-watch threshold). */
export const CLIENT_NODE_QUICK_END_MS = VERY_SHORT_WATCH_MS;

const RESTART_HINT =
  "Upstream's informer example restarts it from its 'error' handler (setTimeout(() => informer.start(), 5000)); an application that does so relists every 5 s while this persists.";

function pickWatch(record: RunRecord): StreamRecord | undefined {
  const candidates = record.streams.filter((stream) => stream.role === undefined && isClientNodeWatchShape(stream.request.options));
  return candidates.find((stream) => stream.id === 'watch-no-bookmarks#1') ?? candidates[0];
}

function pickList(record: RunRecord): ListRecord | undefined {
  return record.lists.find((list) => list.scenario === 'list') ?? record.lists[0];
}

function ms(value: number): string {
  const rounded = Math.round(value);
  return rounded < 1000 ? `${rounded} ms` : `${(rounded / 1000).toFixed(rounded < 10_000 ? 2 : 1)} s`;
}

function rel(lines: Line[], originMs: number): Line[] {
  return lines.map(({ atMs, line }) => ({ atMs: Math.round((atMs - originMs) * 1000) / 1000, line }));
}

const CONNECT = "emit 'connect'";

function errorLine(error: string): string {
  return `emit 'error': ${error}`;
}

function crashLine(typeError: string): string {
  return `process exits (code 1): unhandled rejection ${typeError} (at ListWatch.watchHandler)`;
}

/**
 * client-node 1.4 informer (makeInformer / ListWatch): LIST, then WATCH from the list RV without
 * bookmarks; see the file comment. Needs a LIST in the record; without one the profile is omitted.
 * `logLines[].atMs` are ms since the LIST was sent.
 */
export function clientNodeVerdict(record: RunRecord): ClientVerdict | undefined {
  const list = pickList(record);
  if (list === undefined) return undefined;
  const originMs = list.sentAtMs;
  const basedOn = [list.id];
  const listShape =
    "client-node's LIST is the application's listFn (usually without resourceVersion and limit); " +
    `${list.id} (${list.path.includes('?') ? list.path.slice(list.path.indexOf('?') + 1) : 'no query'}) stands for it.`;
  const verdict = (outcome: ClientVerdict['outcome'], syncedAfterMs: number | null, explanation: string, lines: Line[], dropped = 0): ClientVerdict => ({
    profile: 'client-node',
    outcome,
    syncedAfterMs,
    warnings: 0,
    ...(dropped > 0 ? { silentlyDropped: dropped } : {}),
    explanation,
    logLines: rel(lines, originMs),
    basedOn,
  });

  if (list.status === 200 && list.itemCount === undefined) {
    return verdict(
      'never-syncs',
      null,
      `${list.id} answered 200 but the body was not a list: ListWatch reads list.items and list.metadata.resourceVersion (cache.js l.115-117), so its cache stays empty and its RV empty (it then watches with an empty resourceVersion), without an 'error'. ${listShape}`,
      [{ atMs: list.sentAtMs, line: CONNECT }],
    );
  }
  if (list.status !== 200) {
    const error = list.status > 0 ? `ApiException (code ${list.status})` : `FetchError: ${list.error ?? 'no response'}`;
    return verdict(
      'never-syncs',
      null,
      `${list.id} failed (${list.status > 0 ? `HTTP ${list.status}` : 'no response'}${list.error ? `: ${list.error}` : ''}): after 'connect' the informer's listFn rejects, it emits 'error' and stops without retrying (cache.js l.111-114); its cache stays empty. ${RESTART_HINT} ${listShape}`,
      [
        { atMs: list.sentAtMs, line: CONNECT },
        { atMs: list.atMs, line: errorLine(error) },
      ],
    );
  }

  const syncedAfterMs = Math.round((list.atMs - list.sentAtMs) * 1000) / 1000;
  const listPart = `${list.id} answered 200 with ${list.itemCount} item(s) after ${ms(syncedAfterMs)}: the informer fills its cache and emits 'add' per item (client-node has no HasSynced; this is when list() and get() see the objects). ${listShape}`;
  const lines: Line[] = [{ atMs: list.sentAtMs, line: CONNECT }];
  const startRv = list.resourceVersion ?? '';

  const stream = pickWatch(record);
  if (stream === undefined) {
    return verdict(
      'syncs',
      syncedAfterMs,
      `${listPart} No recorded watch has client-node's request shape (watch=true&resourceVersion=<list RV>, no allowWatchBookmarks, no watch-list), so its watch is not judged.`,
      lines,
    );
  }
  basedOn.push(stream.id);
  const sentAtMs = stream.request.sentAtMs;
  const at = (atMs: number) => `+${ms(atMs - sentAtMs)}`;
  const watchRv = stream.request.options.resourceVersion ?? '';
  const rvNote = startRv !== '' && watchRv !== startRv ? ` (recorded from RV ${watchRv}; the list said ${startRv})` : '';
  const response = responseOf(stream);

  if (response === undefined) {
    const close = closeOf(stream);
    if (close !== undefined && (close.reason === 'reset' || close.reason === 'error' || close.reason === 'server-eof')) {
      const error = `FetchError: ${close.error?.message ?? close.error?.code ?? close.reason}`;
      lines.push({ atMs: close.atMs, line: errorLine(error) });
      return verdict(
        'stops',
        syncedAfterMs,
        `${listPart} Its WATCH${rvNote}, here ${stream.id}, got no HTTP response (${close.error?.code ?? close.reason}): node-fetch rejects, the informer emits 'error' and stops watching (watch.js l.73-75, cache.js l.96-99); the cache keeps the listed objects but no longer changes. ${RESTART_HINT}`,
        lines,
      );
    }
    const why = close === undefined || close.reason === 'client-abort' ? 'no response head arrived before observation ended' : `it was never opened: ${close.error?.message ?? close.reason}`;
    return verdict('syncs', syncedAfterMs, `${listPart} ${stream.id}: ${why}, so its watch is not judged.`, lines);
  }

  if (response.status !== 200) {
    if (response.status === 410) {
      lines.push({ atMs: response.atMs, line: CONNECT });
      return verdict(
        'loops',
        syncedAfterMs,
        `${listPart} Its WATCH from the list RV${rvNote}, here ${stream.id}, was answered 410 at ${at(response.atMs)}: the informer clears its RV, emits 'connect' and relists at once (cache.js l.92-95, l.104-118), without backoff and without 'error'. The server just refused the RV of the LIST it had served, so every relist meets the same 410: a LIST+WATCH loop at network speed.`,
        lines,
      );
    }
    // watch.js l.67: response.statusText (the HTTP/1.1 reason phrase), else node:http's STATUS_CODES.
    const statusText = STATUS_CODES[response.status] ?? 'Internal Server Error';
    lines.push({ atMs: response.atMs, line: errorLine(`Error: ${statusText} (statusCode ${response.status})`) });
    return verdict(
      'stops',
      syncedAfterMs,
      `${listPart} Its WATCH${rvNote}, here ${stream.id}, was answered ${response.status} at ${at(response.atMs)}: client-node throws Error("${statusText}") with statusCode ${response.status} (watch.js l.66-71), the informer emits 'error' and stops watching (cache.js l.96-99); the cache keeps the listed objects but no longer changes. ${RESTART_HINT}`,
      lines,
    );
  }

  const walk = walkNodeWatch(stream, stream.entries.indexOf(response) + 1, watchRv);
  const dropped = walk.dropped.length;
  const droppedNote =
    dropped > 0
      ? ` It silently ignored ${dropped} frame(s) on ${stream.id} (first: ${walk.dropped[0]!.what} at ${at(walk.dropped[0]!.atMs)}): no 'error', no log (watch.js l.61-63, cache.js l.140-145); any change they carried is missing from its cache until its next relist, which only a 410 triggers.`
      : '';
  const delivered = `${stream.id} (watch=true&resourceVersion=${watchRv}, no bookmarks${rvNote}) delivered ${walk.accepted} event(s) client-node accepts`;
  const end = walk.end;
  switch (end.kind) {
    case 'crash':
      lines.push({ atMs: end.atMs, line: crashLine(end.error) });
      return verdict(
        'crashes',
        syncedAfterMs,
        `${listPart} ${delivered} before a frame at ${at(end.atMs)} that makes its async watchHandler throw ${end.error}; watch.js l.59 drops the promise, so the rejection is unhandled and Node (>= 15, default --unhandled-rejections=throw) ends the process with exit code 1 (an application with an 'unhandledRejection' handler survives, and the informer re-watches when the stream ends).${droppedNote}`,
        lines,
        dropped,
      );
    case 'transport-error':
      lines.push({ atMs: end.atMs, line: errorLine(end.error) });
      return verdict(
        'stops',
        syncedAfterMs,
        `${listPart} ${delivered}, then the stream broke at ${at(end.atMs)} (${closeOf(stream)?.reason}): the body emits 'error' (watch.js l.49), the informer emits 'error' and stops watching (cache.js l.96-99); the cache no longer changes. ${RESTART_HINT}${droppedNote}`,
        lines,
        dropped,
      );
    case 'clean-end': {
      lines.push({ atMs: end.atMs, line: CONNECT });
      const relist = walk.resourceVersion === '';
      // A loop: the next attempt starts from the same state and the server answered this one
      // without progress, at once (or with an ERROR client-node ignores).
      const quick = (atMs: number) => atMs - sentAtMs < CLIENT_NODE_QUICK_END_MS;
      const relistLoop = relist && walk.clearedBeforeProgressAtMs !== undefined && quick(walk.clearedBeforeProgressAtMs);
      const rewatchLoop = !relist && walk.resourceVersion === watchRv && walk.accepted === 0 && (quick(end.atMs) || walk.sawError);
      if (relistLoop || rewatchLoop) {
        const how = relist
          ? "its RV was cleared (an ERROR 410, or an object without metadata.resourceVersion) before anything advanced it, so it emits 'connect' and relists at once; the new WATCH from the new list RV meets the same answer"
          : `nothing advanced its RV${walk.sawError ? ' (the ERROR event is ignored, cache.js l.140-145)' : ''}, so it emits 'connect' and re-watches from the same RV ${watchRv} at once`;
        return verdict(
          'loops',
          syncedAfterMs,
          `${listPart} ${delivered}; the server ended it at ${at(end.atMs)}: ${how}. client-node 1.4 has no backoff (cache.js l.104-128), so this repeats as fast as the server answers (hundreds of requests per second when it answers at once on a local server), with a 'connect' each time and never an 'error'.${droppedNote}`,
          lines,
          dropped,
        );
      }
      const next = relist
        ? "its RV was cleared (an ERROR 410 or an object without metadata.resourceVersion), so it emits 'connect' and relists once, then watches from the new list RV"
        : `it emits 'connect' and re-watches from its last RV ${walk.resourceVersion} without relisting (cache.js l.104-105)`;
      return verdict(
        'syncs',
        syncedAfterMs,
        `${listPart} ${delivered}; the server ended it at ${at(end.atMs)} (a deadline; client-node itself sends no timeoutSeconds): ${next}. Bookmarks are neither requested nor needed.${droppedNote}`,
        lines,
        dropped,
      );
    }
    case 'not-opened':
      return verdict('syncs', syncedAfterMs, `${listPart} ${stream.id} was never opened (${end.why}), so its watch is not judged.`, lines);
    case 'open':
      return verdict(
        'syncs',
        syncedAfterMs,
        `${listPart} ${delivered} and was still open when observation ended${end.atMs !== undefined ? ` at ${at(end.atMs)}` : ''}; client-node keeps watching. Bookmarks are neither requested nor needed.${droppedNote}`,
        lines,
        dropped,
      );
  }
}
