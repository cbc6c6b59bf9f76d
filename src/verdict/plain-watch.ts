/**
 * The reflector's ordinary watch loop (client-go tools/cache/reflector.go v0.35.0 watch +
 * handleWatch) on the rest of a recorded stream: after a LIST, or on the same watch-list stream
 * after sync. Part of the client-go verdicts.
 */
import { formatGoDuration } from '../go-duration.js';
import { classifyStatus, describeStatus } from '../record/status.js';
import type { StreamRecord } from '../record/timeline.js';
import { syntheticDecodeErrorMessage, type InformerKind } from '../reflector/decoder.js';
import { REFLECTOR, TYPE, V4, klogLine } from '../reflector/klog.js';
import { walkWatch, type WatchWalk } from '../reflector/walk.js';

export interface PlainWatchAccount {
  explanation: string;
  logLines: Array<{ atMs: number; line: string }>;
  /** Events the reflector skipped ("Unexpected watch event object type/gvk"). */
  skipped: number;
}

/** What an informer did with events whose kind/apiVersion is not the watched one, or '' when there were none. */
export function otherKindNote(walk: WatchWalk, stream: StreamRecord, informer: InformerKind): string {
  const watched = `${stream.request.watched.apiVersion} ${stream.request.watched.kind}`;
  const kinds = (list: WatchWalk['skipped']) => [...new Set(list.map(({ kind, apiVersion }) => `${apiVersion ?? '<no apiVersion>'} ${kind ?? '<no kind>'}`))].join(', ');
  const notes: string[] = [];
  if (walk.skipped.length > 0) {
    notes.push(
      informer === 'typed'
        ? ` It skipped ${walk.skipped.length} event(s) of another registered type (${kinds(walk.skipped)}, not ${watched}): the typed informer decodes them to that Go type and the reflector drops them ("Unexpected watch event object type"), so its cache misses those changes and their RVs were never recorded.`
        : ` It skipped ${walk.skipped.length} event(s) (${kinds(walk.skipped)}) that dynamic's scheme decodes to a Go type other than Unstructured ("Unexpected watch event object type"), so their RVs were never recorded.`,
    );
  }
  if (walk.foreign.length > 0) {
    notes.push(
      ` It took ${walk.foreign.length} event(s) of kind ${kinds(walk.foreign)} instead of ${watched} as they are: a dynamic informer has no expected GVK (its example object is an Unstructured without apiVersion/kind), so such objects land in its cache.`,
    );
  }
  return notes.join('');
}

export function veryShortWatchMessage(): string {
  return `very short watch: ${REFLECTOR}: Unexpected watch close - watch lasted less than a second and no items received`;
}

export function watchEndedWithErrorLine(err: string): string {
  return klogLine('Warning: watch ended with error', [['reflector', REFLECTOR], ['type', TYPE], ['err', err]]);
}

/** Go's %v of an UnexpectedObjectError object cannot be reproduced; the placeholder says so. */
export const UNEXPECTED_OBJECT_ERROR = 'unexpected object: <the ERROR event object, Go %v formatted>';

/**
 * What the reflector's ordinary watch loop does with the rest of a stream (after a LIST, or the
 * same watch-list stream after sync): decode errors and non-410/429 ERROR events end with
 * "Warning: watch ended with error" and a relist after backoff; 410 ends quietly ("Watch closed",
 * V(4)) with a relist; a very short watch is an error too; a normal close re-watches from the last RV.
 */
export function followPlainWatch(stream: StreamRecord, fromIndex: number, startMs: number, relist: string, informer: InformerKind): PlainWatchAccount {
  const walk = walkWatch(stream, { watchList: false, fromIndex, startMs, informer });
  const end = walk.end;
  const at = (atMs: number) => `+${formatGoDuration(Math.round(atMs - stream.request.sentAtMs))}`;
  const skippedNote = otherKindNote(walk, stream, informer);
  const skipped = walk.skipped.length;
  switch (end.kind) {
    case 'decode-error': {
      const err = syntheticDecodeErrorMessage(end.error);
      return {
        explanation: `On ${stream.id} the watch hit an undecodable frame at ${at(end.atMs)} (${end.error}); StreamWatcher turns it into a synthetic InternalError, the watch ends with "Warning: watch ended with error" and the reflector ${relist} after backoff (800 ms doubling to 30 s): a relist loop if every watch does this.${skippedNote}`,
        logLines: [{ atMs: end.atMs, line: watchEndedWithErrorLine(err) }],
        skipped,
      };
    }
    case 'error-event': {
      const cls = end.status === null ? 'other' : classifyStatus(end.status);
      if (cls === 'expired') {
        return {
          explanation: `On ${stream.id} an ERROR event (${describeStatus(end.status)}) at ${at(end.atMs)} ends the watch quietly ("Watch closed", V(4)) and the reflector ${relist} from its last RV.${skippedNote}`,
          logLines: [{ atMs: end.atMs, line: V4 + klogLine('Watch closed', [['reflector', REFLECTOR], ['type', TYPE], ['err', end.status?.message ?? '']]) }],
          skipped,
        };
      }
      if (cls === 'too-many-requests') {
        return {
          explanation: `On ${stream.id} an ERROR event 429 at ${at(end.atMs)} makes the reflector back off and re-watch (no relist).${skippedNote}`,
          logLines: [{ atMs: end.atMs, line: '[V(2)] ' + klogLine('Watch returned 429 - backing off', [['reflector', REFLECTOR], ['type', TYPE]]) }],
          skipped,
        };
      }
      const err = end.status === null ? UNEXPECTED_OBJECT_ERROR : (end.status.message ?? '');
      return {
        explanation: `On ${stream.id} an ERROR event (${describeStatus(end.status)}) at ${at(end.atMs)} ends the watch with "Warning: watch ended with error"; the reflector ${relist} after backoff.${skippedNote}`,
        logLines: [{ atMs: end.atMs, line: watchEndedWithErrorLine(err) }],
        skipped,
      };
    }
    case 'closed':
      if (end.veryShort) {
        return {
          explanation: `${stream.id} closed at ${at(end.atMs)}, less than 1 s after the watch started, with no events: VeryShortWatchError, "Warning: watch ended with error", and the reflector ${relist} after backoff.`,
          logLines: [{ atMs: end.atMs, line: watchEndedWithErrorLine(veryShortWatchMessage()) }],
          skipped,
        };
      }
      return {
        explanation: `${stream.id} ended normally at ${at(end.atMs)} (${end.close?.reason ?? 'truncated final frame, io.ErrUnexpectedEOF'}); the reflector re-watches from its last RV without relisting.${skippedNote}`,
        logLines: [],
        skipped,
      };
    case 'open':
    case 'synced':
      return { explanation: `${stream.id} was still delivering events when observation ended; nothing went wrong on it.${skippedNote}`, logLines: [], skipped };
  }
}
