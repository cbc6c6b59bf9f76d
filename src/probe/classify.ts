/**
 * What a recorded watch-list probe says about a resource: does the server support watch-list for
 * it, reject it cleanly (client-go falls back to LIST+WATCH), or accept it and ignore it (client-go
 * hangs)? Pure: a probe record in, a class out, following the reflector's own decisions
 * (tools/cache/reflector.go v0.35.0 watchList/handleAnyWatch via walkWatch; spec 1.3, 1.6, 1.7).
 * Built-in resources are judged as a typed informer takes them (client-go's informer factory),
 * others as a dynamic informer does (client-go has no typed informer for them); the two differ only
 * on objects of another kind/apiVersion (reflector/decoder.ts objectAcceptance).
 */
import { closeOf, eventsOf, isChangeEvent, isInitialEventsEndBookmark, responseOf } from '../record/accessors.js';
import type { StreamRecord } from '../record/timeline.js';
import { classifyStatus, statusOfErrorObject } from '../record/status.js';
import { hasTypedInformer } from '../reflector/decoder.js';
import { walkWatch } from '../reflector/walk.js';

export const RESOURCE_CLASSES = ['supports', 'rejects-cleanly', 'accepts-and-ignores', 'inconclusive', 'forbidden', 'error'] as const;
export type ResourceClass = (typeof RESOURCE_CLASSES)[number];

/** What a client-go v0.35+ informer does on a resource of each class (one line each). */
export const CLIENT_GO_CONSEQUENCE: Record<ResourceClass, string> = {
  supports: 'syncs from the watch-list stream, without a LIST',
  'rejects-cleanly':
    'falls back to LIST+WATCH and syncs (each informer start costs a full LIST; V(4) log "Data couldn\'t be fetched in watchlist mode. Falling back to regular list.")',
  'accepts-and-ignores':
    'never syncs: HasSynced() stays false, "Warning: event bookmark expired" every 10 s, the watch-list re-issued at every timeout, no fallback (kubernetes/kubernetes#140890)',
  inconclusive: 'retries the watch-list instead of falling back (429: after backoff; 410 or too-large RV: with resourceVersion=""); probe again later',
  forbidden: 'not permitted: an informer with these credentials cannot list or watch it either (not a watch-list capability answer)',
  error: 'unknown: the probe failed before the server answered the question (not a watch-list capability answer)',
};

export interface ProbeClassification {
  classification: ResourceClass;
  /** HTTP status of the watch response; null when none arrived. */
  httpStatus: number | null;
  /** ADDED/MODIFIED/DELETED events before the end bookmark (or in the whole observed stream without one). */
  initialEvents: number;
  /** From sending the request to the initial-events-end bookmark; null without one. */
  endBookmarkAfterMs: number | null;
  /** Short evidence for a table cell, e.g. "end bookmark after 12 ms (3 initial events)". */
  evidence: string;
  /** The evidence and why it puts the resource in its class. */
  reason: string;
}

interface StatusFields {
  code?: number;
  reason?: string;
  message?: string;
  causes: Array<{ reason?: string; message?: string }>;
}

/** A non-200 body as client-go reads it: a Status when it is one (any apiVersion), else just the code. */
export function statusOfResponseBody(httpStatus: number, body: string | undefined): StatusFields {
  if (body !== undefined) {
    try {
      const parsed: unknown = JSON.parse(body);
      if (parsed !== null && typeof parsed === 'object' && (parsed as { kind?: unknown }).kind === 'Status') {
        const status = statusOfErrorObject({ ...(parsed as object), apiVersion: 'v1' });
        if (status) return { ...status, code: status.code ?? httpStatus };
      }
    } catch {
      // not JSON: the status code alone
    }
  }
  return { code: httpStatus, causes: [] };
}

/** "422 Invalid: <message>", "500: <message>", "503 ServiceUnavailable". */
function describe(status: StatusFields): string {
  const head = [status.code, status.reason].filter((part) => part !== undefined && part !== '').join(' ');
  if (!status.message) return head || 'an empty Status';
  return head ? `${head}: ${status.message}` : status.message;
}

const ms = (value: number) => `${Math.round(value)} ms`;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function seconds(valueMs: number): string {
  const s = valueMs / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

function retryClass(status: StatusFields): 'too-many-requests' | 'expired' | 'too-large' | null {
  const cls = classifyStatus(status);
  return cls === 'too-many-requests' || cls === 'expired' || cls === 'too-large' ? cls : null;
}

const RETRY_REASON = {
  'too-many-requests': 'client-go backs off and retries the watch-list (no fallback)',
  expired: 'client-go retries the watch-list with resourceVersion="" (no fallback)',
  'too-large': 'client-go retries the watch-list with resourceVersion="" (no fallback)',
} as const;

/**
 * Classifies one recorded watch-list probe. `probeTimeoutMs` is how long watchmark waited; a
 * stream still open then is one that went quiet without the end bookmark.
 */
export function classifyWatchListProbe(stream: StreamRecord, probeTimeoutMs: number): ProbeClassification {
  const sentAtMs = stream.request.sentAtMs;
  const response = responseOf(stream);
  if (response === undefined) {
    const close = closeOf(stream);
    if (close === undefined || close.reason === 'client-abort') {
      return result('error', null, 0, null, `no response in ${seconds(probeTimeoutMs)}`, `the server sent no response headers within the probe wait of ${seconds(probeTimeoutMs)}`);
    }
    const what = close.error ? `${close.error.code}: ${close.error.message}` : close.reason;
    return result('error', null, 0, null, `no response (${what})`, `the watch-list request got no HTTP response (${what})`);
  }

  if (response.status !== 200) {
    const status = statusOfResponseBody(response.status, response.body);
    const text = describe(status);
    if (response.status === 401 || response.status === 403) {
      return result('forbidden', response.status, 0, null, text, `the watch-list request was answered ${text}: not permitted with these credentials`);
    }
    const retry = retryClass(status);
    if (retry) return result('inconclusive', response.status, 0, null, text, `answered ${text} at watch start: ${RETRY_REASON[retry]}`);
    if (response.status === 404 || response.status >= 502) {
      return result('error', response.status, 0, null, text, `answered ${text}: the collection is not served right now (not a watch-list capability answer)`);
    }
    return result('rejects-cleanly', response.status, 0, null, text, `answered ${text} at watch start: client-go's watchList() returns the error and the reflector falls back to LIST+WATCH`);
  }

  const informer = hasTypedInformer(stream.request.watched) ? 'typed' : 'dynamic';
  const walk = walkWatch(stream, { watchList: true, fromIndex: stream.entries.indexOf(response) + 1, startMs: sentAtMs, informer });
  const end = walk.end;
  const changesBefore = (atIndex: number) => eventsOf(stream).filter((e) => isChangeEvent(e) && stream.entries.indexOf(e) < atIndex).length;
  const allChanges = eventsOf(stream).filter(isChangeEvent).length;

  switch (end.kind) {
    case 'synced': {
      const initial = changesBefore(stream.entries.indexOf(end.event));
      const afterMs = end.atMs - sentAtMs;
      return result(
        'supports',
        200,
        initial,
        round(afterMs),
        `end bookmark after ${ms(afterMs)} (${plural(initial, 'initial event')})`,
        `200, ${plural(initial, 'initial event')}, then the BOOKMARK annotated "k8s.io/initial-events-end": "true" ${ms(afterMs)} after the request`,
      );
    }
    case 'error-event': {
      const initial = changesBefore(stream.entries.indexOf(end.event));
      const status = end.status;
      const text = status ? describe(status) : 'an object that is not a metav1.Status';
      const retry = status ? retryClass(status) : null;
      if (retry) {
        return result('inconclusive', 200, initial, null, `200, ERROR ${text}`, `200, then an ERROR event (${text}): ${RETRY_REASON[retry]}`);
      }
      return result(
        'rejects-cleanly',
        200,
        initial,
        null,
        `200, ERROR ${text}`,
        `200, then an ERROR event (${text}) after ${plural(initial, 'event')} and ${ms(end.atMs - sentAtMs)}: client-go's watchList() returns it as an error and the reflector falls back to LIST+WATCH`,
      );
    }
    case 'decode-error': {
      const initial = changesBefore(stream.entries.indexOf(end.entry));
      return result(
        'rejects-cleanly',
        200,
        initial,
        null,
        `200, undecodable frame: ${end.error}`,
        `200, then a frame client-go cannot decode (${end.error}) before the end bookmark: StreamWatcher turns it into an error and the reflector falls back to LIST+WATCH (not a clean rejection, but the same outcome)`,
      );
    }
    case 'closed': {
      const afterMs = end.atMs - sentAtMs;
      if (end.veryShort) {
        return result(
          'rejects-cleanly',
          200,
          0,
          null,
          `200, closed after ${ms(afterMs)} with no events`,
          `200, but the server ended the watch ${ms(afterMs)} after the request with no events: client-go's VeryShortWatchError, and the reflector falls back to LIST+WATCH`,
        );
      }
      const how = end.close ? `${end.close.reason}${end.close.error ? ` ${end.close.error.code}` : ''}` : 'truncated final frame';
      return result(
        'accepts-and-ignores',
        200,
        allChanges,
        null,
        `200, ${plural(allChanges, 'initial event')}, closed after ${seconds(afterMs)} (${how}) without end bookmark`,
        `200, ${plural(allChanges, 'initial event')}, and the server ended the watch after ${seconds(afterMs)} (${how}) without the BOOKMARK annotated "k8s.io/initial-events-end": "true": client-go re-issues the watch-list and never falls back`,
      );
    }
    case 'open': {
      const skippedEnd = walk.skipped.find(({ event }) => isInitialEventsEndBookmark(event));
      if (skippedEnd) {
        const found = `${skippedEnd.kind ?? '<no kind>'} ${skippedEnd.apiVersion ?? '<no apiVersion>'}`;
        return result(
          'accepts-and-ignores',
          200,
          allChanges,
          null,
          `200, end bookmark of the wrong type (${found})`,
          `200, ${plural(allChanges, 'initial event')}, and an annotated BOOKMARK whose object is ${found} instead of ${stream.request.watched.kind} ${stream.request.watched.apiVersion}: a ${informer} informer skips it ("Unexpected watch event object type") and waits forever`,
        );
      }
      const bookmarks = eventsOf(stream).filter((e) => e.type === 'BOOKMARK').length;
      const seen = bookmarks > 0 ? `, ${plural(bookmarks, 'BOOKMARK')} without the annotation` : '';
      return result(
        'accepts-and-ignores',
        200,
        allChanges,
        null,
        `200, ${plural(allChanges, 'initial event')}${seen}, no end bookmark in ${seconds(probeTimeoutMs)}`,
        `200, ${plural(allChanges, 'initial event')}${seen}, and no BOOKMARK annotated "k8s.io/initial-events-end": "true" within ${seconds(probeTimeoutMs)}: client-go keeps waiting and never falls back`,
      );
    }
  }
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function result(
  classification: ResourceClass,
  httpStatus: number | null,
  initialEvents: number,
  endBookmarkAfterMs: number | null,
  evidence: string,
  reason: string,
): ProbeClassification {
  return { classification, httpStatus, initialEvents, endBookmarkAfterMs, evidence, reason };
}
