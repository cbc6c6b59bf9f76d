/**
 * The client-go >= v0.35 verdict: an informer that starts with a watch-list request (reflector.go
 * v0.35.0 watchList, handleAnyWatch; spec 1.3-1.7), derived from the timelines only.
 */
import { formatGoDuration } from '../go-duration.js';
import { INITIAL_EVENTS_END_ANNOTATION, closeOf, isInitialEventsEndBookmark, observedUntilMs, responseOf } from '../record/accessors.js';
import { hasSelector, isWatchListRequest } from '../record/requests.js';
import { classifyStatus, describeStatus, statusOfResponse } from '../record/status.js';
import type { MalformedFrameEntry, RunRecord, StreamRecord } from '../record/timeline.js';
import { syntheticDecodeErrorMessage, type InformerKind } from '../reflector/decoder.js';
import { REFLECTOR, V4, klogLine } from '../reflector/klog.js';
import { TICK_RACE_MS, reflectorWarningAccount, type WarningRange } from '../reflector/ticker.js';
import { WATCH_LIST_WORKAROUNDS, walkWatch } from '../reflector/walk.js';
import { pickList, relative } from './client-go-list-watch.js';
import { UNEXPECTED_OBJECT_ERROR, followPlainWatch, otherKindNote, veryShortWatchMessage } from './plain-watch.js';
import type { ClientVerdict } from './types.js';

/** The informer-start stream: scenario `watch-list`'s, else the first watch-list without a selector, else any watch-list. */
export function pickWatchListStream(record: RunRecord): StreamRecord | undefined {
  const watchLists = record.streams.filter((stream) => isWatchListRequest(stream.request.options));
  return (
    watchLists.find((stream) => stream.scenario === 'watch-list' && !hasSelector(stream.request.options)) ??
    watchLists.find((stream) => !hasSelector(stream.request.options)) ??
    watchLists[0]
  );
}

function fallbackLine(err: string): string {
  return (
    V4 +
    klogLine(
      "Data couldn't be fetched in watchlist mode. Falling back to regular list. This is expected if watchlist is not supported or disabled in kube-apiserver.",
      [['err', err]],
    )
  );
}

/**
 * client-go >= v0.35 (WatchListClient on by default, client-go/features/known_features.go):
 * watchList() then, on error only, LIST+WATCH (spec 1.3, 1.6, 1.7).
 */
export function watchListVerdict(record: RunRecord, informer: InformerKind, stream = pickWatchListStream(record)): ClientVerdict | undefined {
  if (stream === undefined) return undefined;
  const sentAtMs = stream.request.sentAtMs;
  const at = (atMs: number) => `+${formatGoDuration(Math.round(atMs - sentAtMs))}`;
  const response = responseOf(stream);
  const basedOn = [stream.id];
  /** Events skipped on the watch-list stream before it ended or synced (set once walked). */
  let skippedEvents = 0;
  const skippedField = (extra = 0) => (skippedEvents + extra > 0 ? { skippedEvents: skippedEvents + extra } : {});
  /** Set once walked: the warning count's range when a tick is a coin toss. */
  let range: WarningRange | undefined;
  const rangeField = () => (range !== undefined ? { warningsRange: { min: range.min, max: range.max, why: range.races.join('; ') } } : {});
  const rangeNote = () =>
    range !== undefined
      ? ` The number of "Warning: event bookmark expired" lines is a coin toss, ${range.min}–${range.max}: ${range.races.join('; ')} (under ${TICK_RACE_MS} ms), and warnIfExpired logs only once the last event is at least 10 s old, so whether a real informer logs that line depends on when its ticker goroutine runs.`
      : '';

  const fallsBack = (giveUpAtMs: number, why: string, err: string, extraLines: Array<{ atMs: number; line: string }> = []): ClientVerdict => {
    const list = pickList(record, (candidate) => candidate.status === 200 && candidate.itemCount !== undefined);
    let syncedAfterMs: number | null = null;
    let listPart: string;
    if (list !== undefined) {
      basedOn.push(list.id);
      syncedAfterMs = Math.round((giveUpAtMs - sentAtMs + (list.atMs - list.sentAtMs)) * 1000) / 1000;
      listPart = `The fallback LIST (resourceVersion=0, limit=500) is taken from ${list.id}, which answered 200 with ${list.itemCount} item(s) in ${formatGoDuration(Math.round(list.atMs - list.sentAtMs))}, so the informer syncs about ${formatGoDuration(Math.round(syncedAfterMs))} after the watch-list request; then it watches from the list RV.`;
    } else {
      listPart = 'No successful LIST is in the record, so when the fallback LIST would complete is unknown (syncedAfterMs null).';
    }
    return {
      profile: 'client-go>=0.35',
      outcome: 'falls-back',
      syncedAfterMs,
      warnings: extraLines.filter((line) => line.line.includes('Warning: event bookmark expired')).length,
      explanation: `${why} watchList() returns the error and ListAndWatch falls back to LIST+WATCH (tools/cache/reflector.go v0.35.0; any error other than 429/connection refused/410/too-large RV forces the fallback). ${listPart}${rangeNote()}`,
      logLines: relative([...extraLines, { atMs: giveUpAtMs, line: fallbackLine(err) }], sentAtMs),
      basedOn,
      ...skippedField(),
      ...rangeField(),
    };
  };

  const neverSyncs = (explanation: string, warningLines: Array<{ atMs: number; line: string }>, extra: Array<{ atMs: number; line: string }> = []): ClientVerdict => ({
    profile: 'client-go>=0.35',
    outcome: 'never-syncs',
    syncedAfterMs: null,
    warnings: warningLines.length,
    ...rangeField(),
    explanation: explanation + rangeNote(),
    logLines: relative([...warningLines, ...extra].sort((a, b) => a.atMs - b.atMs), sentAtMs),
    basedOn,
    ...skippedField(),
  });

  if (response === undefined) {
    const close = closeOf(stream);
    const code = close?.error?.code ?? 'no response';
    const refused = /ECONNREFUSED/i.test(`${close?.error?.code ?? ''} ${close?.error?.message ?? ''}`);
    if (refused) {
      return neverSyncs(
        `${stream.id} got no HTTP response (connection refused): the reflector backs off and retries the watch-list (isWatchErrorRetriable), and never syncs while the server refuses connections.`,
        [],
      );
    }
    return fallsBack(
      close?.atMs ?? sentAtMs,
      `${stream.id} got no HTTP response (${code}${close?.error?.message ? `: ${close.error.message}` : ''}).`,
      close?.error?.message ?? code,
    );
  }

  if (response.status !== 200) {
    const status = statusOfResponse(response.status, response.body);
    const cls = classifyStatus(status);
    if (cls === 'too-many-requests') {
      return neverSyncs(
        `${stream.id} was answered 429 at ${at(response.atMs)}: the reflector backs off and retries the watch-list (isWatchErrorRetriable; no fallback), so it does not sync while the 429s persist; the record shows no later successful attempt.`,
        [],
      );
    }
    if (cls === 'expired' || cls === 'too-large') {
      return neverSyncs(
        `${stream.id} was answered ${describeStatus(status)} at ${at(response.atMs)}: client-go treats ${cls === 'expired' ? '410 Expired/Gone' : 'a too-large RV'} as "last sync RV unavailable" and retries the watch-list with resourceVersion="" (no fallback); the record shows no such retry succeeding, so this record alone never syncs.`,
        [],
      );
    }
    return fallsBack(response.atMs, `${stream.id} was answered ${describeStatus(status)} at ${at(response.atMs)}.`, status.message ?? `HTTP ${response.status}`);
  }

  const walk = walkWatch(stream, { watchList: true, fromIndex: stream.entries.indexOf(response) + 1, startMs: sentAtMs, informer });
  skippedEvents = walk.skipped.length;
  const end = walk.end;
  const untilMs = end.kind === 'synced' ? end.atMs : observedUntilMs(stream, record.endedAtMs);
  const account = reflectorWarningAccount(stream, untilMs, informer);
  const warningLines = account.lines;
  range = account.range;
  const skippedEndBookmarks = walk.skipped.filter(({ event }) => isInitialEventsEndBookmark(event));
  const foreignEnd = end.kind === 'synced' ? walk.foreign.find(({ event }) => event === end.event) : undefined;
  const otherKinds = otherKindNote({ ...walk, foreign: walk.foreign.filter((f) => f !== foreignEnd) }, stream, informer);
  const skippedNote =
    (skippedEndBookmarks.length > 0
      ? ` The annotated bookmark at ${at(skippedEndBookmarks[0]!.event.atMs)} carried kind ${JSON.stringify(skippedEndBookmarks[0]!.kind ?? null)} / apiVersion ${JSON.stringify(skippedEndBookmarks[0]!.apiVersion ?? null)} instead of ${stream.request.watched.kind} / ${stream.request.watched.apiVersion}: ` +
        (informer === 'typed'
          ? `a typed informer decodes it to that Go type and the reflector skips it ("Unexpected watch event object type", expected type *${stream.request.watched.apiVersion.split('/').pop()}.${stream.request.watched.kind}), as if it were absent.`
          : 'dynamic\'s scheme decodes it to a Go type other than Unstructured and the reflector skips it ("Unexpected watch event object type"), as if it were absent.')
      : '') + otherKinds;
  const decodeNote = (error: string) =>
    informer === 'typed' && /no kind ".*" is registered/.test(error)
      ? ` A typed informer decodes with client-go's typed scheme, which has no such kind/apiVersion (a dynamic informer decodes it into an Unstructured).`
      : '';

  switch (end.kind) {
    case 'synced': {
      const syncedAfterMs = Math.round((end.atMs - sentAtMs) * 1000) / 1000;
      const after = followPlainWatch(stream, stream.entries.indexOf(end.event) + 1, end.atMs, 'starts over with a new watch-list request', informer);
      const foreignEndNote =
        foreignEnd !== undefined
          ? ` That bookmark carried kind ${JSON.stringify(foreignEnd.kind)} / apiVersion ${JSON.stringify(foreignEnd.apiVersion)} instead of ${stream.request.watched.kind} / ${stream.request.watched.apiVersion}; a dynamic informer has no expected GVK (its example object is an Unstructured without apiVersion/kind) and takes it as the end bookmark all the same (a typed informer would skip it).`
          : '';
      const exitLine = {
        atMs: end.atMs,
        line:
          V4 +
          klogLine('Exiting watch because received the bookmark that marks the end of initial events stream', [
            ['reflector', REFLECTOR],
            ['totalItems', walk.processedAtMs.length],
            ['duration', formatGoDuration(end.atMs - sentAtMs)],
          ]),
      };
      return {
        profile: 'client-go>=0.35',
        outcome: 'syncs',
        syncedAfterMs,
        warnings: warningLines.length,
        explanation:
          `${stream.id} delivered ${walk.processedAtMs.length - 1} initial event(s) and the BOOKMARK annotated "${INITIAL_EVENTS_END_ANNOTATION}": "true" at ${at(end.atMs)}; the reflector replaces its store with them and HasSynced() becomes true ${formatGoDuration(Math.round(syncedAfterMs))} after the request` +
          (warningLines.length > 0
            ? `, after logging "Warning: event bookmark expired" ${warningLines.length} time(s) while waiting (it only logs; no retry, relist or fallback).`
            : '.') +
          `${rangeNote()}${foreignEndNote}${skippedNote} The same stream then continues as the regular watch. ${after.explanation}`,
        logLines: relative([...warningLines, exitLine, ...after.logLines], sentAtMs),
        basedOn,
        ...skippedField(after.skipped),
        ...rangeField(),
      };
    }
    case 'error-event': {
      const status = end.status;
      const cls = status === null ? 'other' : classifyStatus(status);
      if (status !== null && (cls === 'expired' || cls === 'too-large')) {
        return neverSyncs(
          `${stream.id} delivered an ERROR event (${describeStatus(status)}) at ${at(end.atMs)}, before the initial-events-end bookmark: client-go retries the watch-list with resourceVersion="" (no fallback); the record shows nothing after that, so it never syncs here.${skippedNote}`,
          warningLines,
        );
      }
      if (cls === 'too-many-requests') {
        return neverSyncs(
          `${stream.id} delivered an ERROR event 429 at ${at(end.atMs)}: the reflector backs off and retries the watch-list while 429s persist (no fallback).${skippedNote}`,
          warningLines,
        );
      }
      return fallsBack(
        end.atMs,
        `${stream.id} delivered an ERROR event (${describeStatus(status)}) at ${at(end.atMs)}, before the initial-events-end bookmark.${skippedNote}`,
        status === null ? UNEXPECTED_OBJECT_ERROR : (status.message ?? ''),
        warningLines,
      );
    }
    case 'decode-error':
      return fallsBack(
        end.atMs,
        `${stream.id} carried a frame client-go cannot decode at ${at(end.atMs)} (${end.error}), before the initial-events-end bookmark: StreamWatcher sends a synthetic InternalError (ClientWatchDecoding).${decodeNote(end.error)}${skippedNote}`,
        syntheticDecodeErrorMessage(end.error),
        warningLines,
      );
    case 'closed':
      if (end.veryShort) {
        return fallsBack(
          end.atMs,
          `${stream.id} closed at ${at(end.atMs)}, less than 1 s after the request, with no events: VeryShortWatchError.`,
          veryShortWatchMessage(),
          warningLines,
        );
      }
      return neverSyncs(
        stuckNote(stream.id, end.stuckOn) +
        `${stream.id} ended at ${at(end.atMs)} (${end.close?.reason ?? 'truncated final frame'}) without a BOOKMARK annotated "${INITIAL_EVENTS_END_ANNOTATION}": "true" after ${walk.processedAtMs.length} event(s).${skippedNote} ` +
          `The reflector keeps the events in a temporary store, never calls Replace, so HasSynced() stays false; it re-issues the watch-list immediately at every such end and never falls back to LIST (kubernetes/kubernetes#140890)` +
          (end.close?.reason === 'error' ? ' (unless client-go classifies this transport error as a decode error, which would make it fall back)' : '') +
          `, logging "Warning: event bookmark expired" every 10 s while waiting (${warningLines.length} time(s) in the observed window). ${WATCH_LIST_WORKAROUNDS}`,
        warningLines,
      );
    case 'open':
      return neverSyncs(
        stuckNote(stream.id, end.stuckOn) +
        `${stream.id} delivered ${walk.processedAtMs.length} event(s) and no BOOKMARK annotated "${INITIAL_EVENTS_END_ANNOTATION}": "true" by the end of observation at ${at(untilMs)}.${skippedNote} ` +
          `The reflector keeps waiting (HasSynced() false), logging "Warning: event bookmark expired" every 10 s (${warningLines.length} time(s) in the observed window); at the server's timeout it re-issues the watch-list and never falls back to LIST (kubernetes/kubernetes#140890). ${WATCH_LIST_WORKAROUNDS}`,
        warningLines,
      );
  }
}

/** Why client-go saw nothing more: it is still reading a protobuf frame whose length prefix claims bytes that never came. */
function stuckNote(streamId: string, frame: MalformedFrameEntry | undefined): string {
  if (frame?.claimedBytes === undefined) return '';
  return (
    `${streamId}'s protobuf frame ${frame.frame ?? '?'} (byte ${frame.offset ?? '?'}, +${Math.round(frame.atMs)}ms) has a length prefix claiming ${frame.claimedBytes} bytes that the stream never carried (stream.protobuf-framing): ` +
    `client-go's LengthDelimitedFrameReader blocks in io.ReadAtLeast for them (at most 16 MiB, streaming.go maxBytes), so it decodes nothing after that prefix, the initial-events-end bookmark included, whatever the server sent. `
  );
}
