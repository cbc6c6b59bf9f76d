/**
 * What a client-go informer would do on the recorded streams, derived from the timelines only.
 *
 * Emulated code: kubernetes/client-go tools/cache/reflector.go v0.35.0 (watchList, handleAnyWatch,
 * watch, initialEventsEndBookmarkTicker), rest/watch/decoder.go v0.35.0, apimachinery
 * pkg/watch/streamwatcher.go and pkg/api/errors/errors.go v0.35.0; spec sections 1.3-1.7.
 *
 * Log lines use the literal `<reflector>` for the reflector name (the real one is the caller's
 * file:line) and `<type>` for its type description (e.g. "*v1.ConfigMap" for typed informers,
 * "*unstructured.Unstructured" for dynamic ones). Lines client-go prints only at V(4) carry a
 * "[V(4)] " prefix; everything else is printed at default verbosity.
 *
 * Typed and dynamic informers differ in how they take an event object whose kind/apiVersion is
 * not the watched one (reflector.go v0.37.2 handleAnyWatch expectedType/expectedGVK checks,
 * NewReflectorWithOptions getExpectedGVKFromObject; dynamic/scheme.go unstructuredCreater):
 * - typed (informers.NewSharedInformerFactory(...).Core().V1().ConfigMaps()): objects are decoded
 *   with client-go's typed scheme; an object of another registered type (e.g. a Pod on a ConfigMap
 *   watch) decodes to that Go type and the reflector skips it ("Unexpected watch event object
 *   type"); an unregistered kind/apiVersion cannot be decoded at all (StreamWatcher's synthetic
 *   InternalError: the watch ends with an error).
 * - dynamic (dynamicinformer): every object decodes to an Unstructured (only the meta.k8s.io
 *   kinds of dynamic's basicScheme, e.g. Status, decode to their Go types), and its example
 *   object is an Unstructured without apiVersion/kind, so there is no expected GVK: any kind is
 *   taken as it is (bookmarks included).
 * Both were run against the same streams (testbed/informer-probe --informer typed|dynamic).
 */
import { TRUNCATED_AT_END } from '../decode/watch-frames.js';
import { formatGoDuration } from '../go-duration.js';
import { INITIAL_EVENTS_END_ANNOTATION, closeOf, isInitialEventsEndBookmark, isKnownEventType, isPlainObject, observedUntilMs, responseOf, typeMetaOf } from '../record/accessors.js';
import { VERY_SHORT_WATCH_MS, isWatchListRequest, hasSelector, selectorText } from '../record/requests.js';
import type {
  CloseEntry,
  EventEntry,
  ListRecord,
  MalformedFrameEntry,
  RunRecord,
  StreamRecord,
  TimelineEntry,
} from '../record/timeline.js';
import { clientNodeVerdict } from './client-node.js';
import { CLIENT_GO_SCHEME_KINDS } from './client-go-scheme.js';
import type { ClientProfile, ClientVerdict } from './types.js';

/** The reflector's initial-events-end ticker interval (newInitialEventsEndBookmarkTicker, 10*time.Second). */
export const BOOKMARK_TICKER_INTERVAL_MS = 10_000;

const REFLECTOR = '<reflector>';
const TYPE = '<type>';
const V4 = '[V(4)] ';

export const WATCH_LIST_WORKAROUNDS =
  'Client-side workarounds: KUBE_FEATURE_WatchListClient=false (or --feature-gates=WatchListClient=false), ' +
  'or a ListerWatcher implementing IsWatchListSemanticsUnSupported() returning true. ' +
  'The server-side fix is to end the initial events with a BOOKMARK annotated ' +
  '"k8s.io/initial-events-end": "true" (RV = the list RV) whenever sendInitialEvents=true and allowWatchBookmarks=true.';

/** klog's quoting of a string value (strconv.Quote; JSON quoting matches it for these texts). */
function quote(text: string): string {
  return JSON.stringify(text);
}

function klogLine(message: string, keysAndValues: Array<[string, string | number]> = []): string {
  const pairs = keysAndValues.map(([key, value]) => ` ${key}=${typeof value === 'number' ? value : quote(value)}`);
  return `${quote(message)}${pairs.join('')}`;
}

/** The `"Warning: event bookmark expired" err="..."` line (reflector.go v0.35.0 warnIfExpired). */
export function bookmarkExpiredLine(err: string): string {
  return klogLine('Warning: event bookmark expired', [['err', err]]);
}

// ---------------------------------------------------------------------------------------------
// Status errors (apimachinery pkg/api/errors v0.35.0)

interface StatusInfo {
  code?: number;
  reason?: string;
  message?: string;
  causes: Array<{ reason?: string; message?: string }>;
}

/** apimachinery errors.go knownReasons (StatusReasonUnknown excluded). */
const KNOWN_REASONS = new Set([
  'Unauthorized', 'Forbidden', 'NotFound', 'AlreadyExists', 'Conflict', 'Gone', 'Invalid', 'ServerTimeout',
  'StoreReadError', 'Timeout', 'TooManyRequests', 'BadRequest', 'MethodNotAllowed', 'NotAcceptable',
  'RequestEntityTooLarge', 'UnsupportedMediaType', 'InternalError', 'Expired', 'ServiceUnavailable',
]);

/**
 * An ERROR event object as client-go's apierrors.FromObject sees it: a Status (kind Status,
 * apiVersion v1 or meta.k8s.io/v1) becomes a StatusError, anything else an UnexpectedObjectError (null).
 */
export function statusOfErrorObject(object: unknown): StatusInfo | null {
  if (!isPlainObject(object)) return null;
  const { kind, apiVersion } = typeMetaOf(object);
  if (kind !== 'Status' || (apiVersion !== 'v1' && apiVersion !== 'meta.k8s.io/v1')) return null;
  return statusFields(object);
}

function statusFields(object: Record<string, unknown>): StatusInfo {
  const details = object['details'];
  const rawCauses = isPlainObject(details) && Array.isArray(details['causes']) ? details['causes'] : [];
  const causes = rawCauses.filter(isPlainObject).map((cause) => ({
    ...(typeof cause['reason'] === 'string' ? { reason: cause['reason'] } : {}),
    ...(typeof cause['message'] === 'string' ? { message: cause['message'] } : {}),
  }));
  return {
    ...(typeof object['code'] === 'number' ? { code: object['code'] } : {}),
    ...(typeof object['reason'] === 'string' ? { reason: object['reason'] } : {}),
    ...(typeof object['message'] === 'string' ? { message: object['message'] } : {}),
    causes,
  };
}

/** A non-200 response as client-go's Request.Watch turns it into an error: the body's Status, else the code. */
function statusOfResponse(status: number, body: string | undefined): StatusInfo {
  if (body !== undefined) {
    try {
      const parsed: unknown = JSON.parse(body);
      if (isPlainObject(parsed) && parsed['kind'] === 'Status') return { code: status, ...statusFields(parsed) };
    } catch {
      // not a Status body: client-go falls back to a generic error with the HTTP code
    }
  }
  return { code: status, causes: [] };
}

export type StatusErrorClass = 'too-many-requests' | 'expired' | 'too-large' | 'internal' | 'other';

/**
 * How the reflector treats a Status error: IsTooManyRequests (reason or code 429), isExpiredError
 * (reason Expired/Gone, or 410 with an unknown reason), isTooLargeResourceVersionError (cause
 * ResourceVersionTooLarge, or a Timeout mentioning "Too large resource version").
 */
export function classifyStatus(status: StatusInfo): StatusErrorClass {
  const reason = status.reason ?? '';
  if (reason === 'TooManyRequests' || status.code === 429) return 'too-many-requests';
  if (reason === 'Expired' || reason === 'Gone' || (!KNOWN_REASONS.has(reason) && status.code === 410)) return 'expired';
  if (status.causes.some((cause) => cause.reason === 'ResourceVersionTooLarge')) return 'too-large';
  const isTimeout = reason === 'Timeout' || (!KNOWN_REASONS.has(reason) && status.code === 504);
  if (
    isTimeout &&
    (status.causes.some((cause) => cause.message === 'Too large resource version') ||
      (status.message ?? '').includes('Too large resource version'))
  ) {
    return 'too-large';
  }
  if (reason === 'InternalError' || (!KNOWN_REASONS.has(reason) && status.code === 500)) return 'internal';
  return 'other';
}

function describeStatus(status: StatusInfo | null): string {
  if (status === null) return 'an object that is not a metav1.Status';
  const parts = [status.code !== undefined ? `${status.code}` : undefined, status.reason, status.message ? `"${status.message}"` : undefined];
  return parts.filter((part) => part !== undefined && part !== '').join(' ') || 'an empty Status';
}

// ---------------------------------------------------------------------------------------------
// Walking a stream the way handleAnyWatch consumes it

/** A malformed frame that is the stream's last frame and was cut off (the decoder's TRUNCATED_AT_END): Go's json.Decoder reports io.ErrUnexpectedEOF, which StreamWatcher treats as a normal close (V(1) log only). */
export function isTruncatedFinalFrame(stream: StreamRecord, frame: MalformedFrameEntry): boolean {
  const index = stream.entries.indexOf(frame);
  const later = stream.entries.slice(index + 1);
  if (later.some((entry) => entry.kind === 'event' || entry.kind === 'malformed')) return false;
  return frame.error === TRUNCATED_AT_END;
}

/** The client-side decode error (rest/watch/decoder.go) for an event frame, or undefined when it decodes. */
export function decodeErrorOf(event: EventEntry): string | undefined {
  if (!isKnownEventType(event.type)) return `got invalid watch event type: ${event.type}`;
  if (event.object === undefined) return 'unable to decode watch event: <empty object>';
  const raw = JSON.stringify(event.object);
  if (!isPlainObject(event.object)) return `unable to decode watch event: Object 'Kind' is missing in '${raw}'`;
  const { kind, apiVersion } = typeMetaOf(event.object);
  // JSON serializer (apimachinery runtime/serializer/json): missing kind / version -> decode error.
  if (kind === undefined || kind === '') return `unable to decode watch event: Object 'Kind' is missing in '${raw}'`;
  if (apiVersion === undefined || apiVersion === '') return `unable to decode watch event: Object 'apiVersion' is missing in '${raw}'`;
  return undefined;
}

/** The message of the synthetic ERROR StreamWatcher sends on a decode error (ClientWatchDecoding, code 500). */
export function syntheticDecodeErrorMessage(decodeError: string): string {
  return `an error on the server (${quote(`unable to decode an event from the watch stream: ${decodeError}`)}) has prevented the request from succeeding`;
}

/** Which client-go informer consumes the stream (see the file comment). */
export type InformerKind = 'typed' | 'dynamic';

/** Kinds dynamic's basicScheme registers in v1 (metav1.AddToGroupVersion): they decode to their Go types, not Unstructured. */
const DYNAMIC_BASIC_SCHEME_V1_KINDS = new Set([
  'WatchEvent', 'ListOptions', 'GetOptions', 'DeleteOptions', 'CreateOptions', 'UpdateOptions', 'PatchOptions',
  'Status', 'APIVersions', 'APIGroupList', 'APIGroup', 'APIResourceList',
]);

/** The placeholder for the scheme name in client-go's "no kind ... is registered" error (the real one is the scheme's register.go:line). */
const TYPED_SCHEME = '<client-go typed scheme>';

function registeredInTypedScheme(apiVersion: string, kind: string): boolean {
  return CLIENT_GO_SCHEME_KINDS[apiVersion]?.includes(kind) ?? false;
}

/** Whether client-go has a typed informer for the watched kind (a built-in type of its typed scheme). */
export function hasTypedInformer(watched: { apiVersion: string; kind: string }): boolean {
  return registeredInTypedScheme(watched.apiVersion, watched.kind);
}

/**
 * How an informer of `informer` kind takes a decodable event object (kind and apiVersion present):
 * `accept` it (it reaches handleAnyWatch's switch), `skip` it (wrong Go type or GVK: "Unexpected
 * watch event object type"; the Table check skips meta.k8s.io Tables too) or fail to decode it.
 * ERROR objects are never skipped (handleAnyWatch returns on them before the type checks) but
 * must decode like any other object.
 */
export function objectAcceptance(
  informer: InformerKind,
  watched: { apiVersion: string; kind: string },
  type: string,
  kind: string,
  apiVersion: string,
): { verdict: 'accept' | 'skip' } | { verdict: 'decode-error'; error: string } {
  const isWatched = kind === watched.kind && apiVersion === watched.apiVersion;
  if (informer === 'typed') {
    if (!isWatched && !registeredInTypedScheme(apiVersion, kind)) {
      const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
      return {
        verdict: 'decode-error',
        error: `unable to decode watch event: no kind ${quote(kind)} is registered for version ${quote(group ? `${group}/${version}` : version!)} in scheme ${quote(TYPED_SCHEME)}`,
      };
    }
    return { verdict: type === 'ERROR' || isWatched ? 'accept' : 'skip' };
  }
  if (type === 'ERROR') return { verdict: 'accept' };
  if (apiVersion === 'v1' && DYNAMIC_BASIC_SCHEME_V1_KINDS.has(kind)) return { verdict: 'skip' };
  if (kind === 'Table' && (apiVersion === 'meta.k8s.io/v1' || apiVersion === 'meta.k8s.io/v1beta1')) return { verdict: 'skip' };
  return { verdict: 'accept' };
}

export type WatchEnd =
  /** The initial-events-end bookmark was processed (watch-list mode only). */
  | { kind: 'synced'; atMs: number; event: EventEntry }
  /** An ERROR event: handleAnyWatch returns apierrors.FromObject(object). */
  | { kind: 'error-event'; atMs: number; event: EventEntry; status: StatusInfo | null }
  /** A frame client-go cannot decode: StreamWatcher sends a synthetic InternalError and closes. */
  | { kind: 'decode-error'; atMs: number; error: string; entry: TimelineEntry }
  /** The result channel closed: server EOF/reset/transport error, or a truncated final frame. */
  | { kind: 'closed'; atMs: number; close: CloseEntry | undefined; veryShort: boolean }
  /** Still open when watchmark stopped reading (client-abort or no close recorded). */
  | { kind: 'open'; atMs: number | undefined };

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
      return done({ kind: 'decode-error', atMs: entry.atMs, error: `<JSON syntax error: ${entry.error}>`, entry });
    }
    if (entry.kind === 'close') {
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

function closedEnd(stream: StreamRecord, atMs: number, startMs: number, eventCount: number): WatchEnd {
  const close = closeOf(stream);
  if (close !== undefined && close.reason === 'client-abort') return { kind: 'open', atMs: close.atMs };
  const serverClosed = close === undefined || close.reason === 'server-eof' || close.reason === 'reset';
  return { kind: 'closed', atMs, close, veryShort: serverClosed && eventCount === 0 && atMs - startMs < VERY_SHORT_WATCH_MS };
}

/**
 * How close (ms) a tick may come to a decision boundary before its outcome is a coin toss: the
 * reflector's ticker starts a moment after the response and its goroutine runs late under load,
 * and events are timestamped on arrival here, not when handleAnyWatch processes them. A real
 * v0.37.2 informer logged 2 warnings where the exact timeline gives 1 (the 10 s tick 9.99x s after
 * events that arrived within ms of the watch start).
 */
export const TICK_RACE_MS = 50;

/** One tick of the initial-events-end ticker: the line logged at exactly `atMs`, and whether that is a coin toss. */
interface TickAccount {
  atMs: number;
  line: string | null;
  /** null when the outcome is certain; else why it could go the other way. */
  race: string | null;
  /** The outcome with the tick handled TICK_RACE_MS earlier / later. */
  earlier: boolean;
  later: boolean;
}

function reflectorTicks(stream: StreamRecord, untilMs: number, informer: InformerKind): TickAccount[] {
  const response = responseOf(stream);
  if (!isWatchListRequest(stream.request.options) || response?.status !== 200) return [];
  const walk = walkWatch(stream, { watchList: true, fromIndex: stream.entries.indexOf(response) + 1, informer });
  // The stream's own end (synced, closed, error): ticks race with it. The end of observation
  // ('open': watchmark stopped reading) is no event the reflector sees, so nothing races with it.
  const endMs = walk.end.kind !== 'open' && walk.end.atMs <= untilMs ? walk.end.atMs : undefined;
  const observedUntil = walk.end.atMs === undefined ? untilMs : Math.min(untilMs, walk.end.atMs);
  const watchStartMs = stream.request.sentAtMs;
  const processed = walk.processedAtMs;
  // What a tick handled at tMs logs: nothing once the stream ended or synced, "awaiting" before any
  // event, "hasn't received" once the last event is at least 10 s old (warnIfExpired). An event
  // arriving exactly at a tick counts as processed before it.
  const decide = (tMs: number): { line: string | null; lastEventMs: number | undefined } => {
    if (endMs !== undefined && tMs >= endMs) return { line: null, lastEventMs: undefined };
    let lastEventMs: number | undefined;
    for (const atMs of processed) {
      if (atMs > tMs) break;
      lastEventMs = atMs;
    }
    if (lastEventMs === undefined) {
      return {
        line: bookmarkExpiredLine(`${REFLECTOR}: awaiting required bookmark event for initial events stream, no events received for ${formatGoDuration(tMs - watchStartMs)}`),
        lastEventMs,
      };
    }
    if (tMs - lastEventMs >= BOOKMARK_TICKER_INTERVAL_MS) {
      return {
        line: bookmarkExpiredLine(
          `${REFLECTOR}: hasn't received required bookmark event marking the end of initial events stream, received last event ${formatGoDuration(tMs - lastEventMs)} ago`,
        ),
        lastEventMs,
      };
    }
    return { line: null, lastEventMs };
  };
  const ticks: TickAccount[] = [];
  for (let tick = 1; ; tick++) {
    const tickMs = response.atMs + tick * BOOKMARK_TICKER_INTERVAL_MS;
    if (endMs === undefined ? !(tickMs < observedUntil) : tickMs >= endMs + TICK_RACE_MS) break;
    const exact = decide(tickMs);
    const earlier = decide(tickMs - TICK_RACE_MS).line !== null;
    const later = endMs !== undefined || tickMs + TICK_RACE_MS < observedUntil ? decide(tickMs + TICK_RACE_MS).line !== null : exact.line !== null;
    let race: string | null = null;
    if (earlier !== later || earlier !== (exact.line !== null)) {
      const label = `the ${formatGoDuration(tickMs - response.atMs)} tick`;
      if (endMs !== undefined && Math.abs(endMs - tickMs) < TICK_RACE_MS) {
        race = `${label} and the stream's ${walk.end.kind === 'synced' ? 'end bookmark' : 'end'} arrived ${formatGoDuration(Math.abs(endMs - tickMs))} apart`;
      } else {
        const near = processed.find((atMs) => Math.abs(atMs - tickMs) < TICK_RACE_MS);
        const last = exact.lastEventMs;
        race =
          near !== undefined || last === undefined
            ? `an event arrived ${formatGoDuration(Math.abs((near ?? tickMs) - tickMs))} from ${label}`
            : `at ${label} the last event was ${formatGoDuration(tickMs - last)} old, ${formatGoDuration(Math.abs(tickMs - last - BOOKMARK_TICKER_INTERVAL_MS))} from the 10 s threshold`;
      }
    }
    ticks.push({ atMs: tickMs, line: exact.line, race, earlier, later });
  }
  return ticks;
}

/**
 * The "Warning: event bookmark expired" lines a client-go v0.35+ reflector would log on this
 * stream (reflector.go v0.35.0 initialEventsEndBookmarkTicker; identical v0.33-HEAD, spec 1.4):
 * the ticker exists only in watch-list mode, is created when the response arrives and ticks every
 * 10 s; at each tick before the initial-events-end bookmark (and before the stream ended or
 * `untilMs`) it logs "awaiting ..., no events received for <since watchStart>" while no event has
 * been processed, else "hasn't received ..., received last event <elapsed> ago" once the last
 * event is at least 10 s old. watchStart is the request's sentAtMs. An event arriving exactly at
 * a tick counts as processed before it. Returns [] for anything but a 200 watch-list stream.
 * `atMs` is on the run clock (like the stream's entries). `informer` as in walkWatch (default typed).
 */
export function reflectorWarnings(stream: StreamRecord, untilMs: number, informer: InformerKind = 'typed'): Array<{ atMs: number; line: string }> {
  return reflectorWarningAccount(stream, untilMs, informer).lines;
}

/**
 * The range of warning counts a real reflector may log, when some tick is a coin toss (within
 * TICK_RACE_MS of a decision boundary), with why.
 */
type WarningRange = { min: number; max: number; races: string[] };

/** The warning lines on the exact timeline, and their range where a tick is a coin toss (undefined when the count is certain). */
function reflectorWarningAccount(
  stream: StreamRecord,
  untilMs: number,
  informer: InformerKind,
): { lines: Array<{ atMs: number; line: string }>; range: WarningRange | undefined } {
  const ticks = reflectorTicks(stream, untilMs, informer);
  const lines = ticks.flatMap((tick) => (tick.line === null ? [] : [{ atMs: tick.atMs, line: tick.line }]));
  const races = ticks.filter((tick) => tick.race !== null);
  if (races.length === 0) return { lines, range: undefined };
  const min = ticks.filter((tick) => tick.line !== null && tick.earlier && tick.later).length;
  const max = ticks.filter((tick) => tick.line !== null || tick.earlier || tick.later).length;
  return { lines, range: min === max ? undefined : { min, max, races: races.map((tick) => tick.race!) } };
}

// ---------------------------------------------------------------------------------------------
// The ordinary watch loop (reflector.go v0.35.0 watch + handleWatch)

interface PlainWatchAccount {
  explanation: string;
  logLines: Array<{ atMs: number; line: string }>;
  /** Events the reflector skipped ("Unexpected watch event object type/gvk"). */
  skipped: number;
}

/** What an informer did with events whose kind/apiVersion is not the watched one, or '' when there were none. */
function otherKindNote(walk: WatchWalk, stream: StreamRecord, informer: InformerKind): string {
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

function veryShortWatchMessage(): string {
  return `very short watch: ${REFLECTOR}: Unexpected watch close - watch lasted less than a second and no items received`;
}

function watchEndedWithErrorLine(err: string): string {
  return klogLine('Warning: watch ended with error', [['reflector', REFLECTOR], ['type', TYPE], ['err', err]]);
}

/** Go's %v of an UnexpectedObjectError object cannot be reproduced; the placeholder says so. */
const UNEXPECTED_OBJECT_ERROR = 'unexpected object: <the ERROR event object, Go %v formatted>';

/**
 * What the reflector's ordinary watch loop does with the rest of a stream (after a LIST, or the
 * same watch-list stream after sync): decode errors and non-410/429 ERROR events end with
 * "Warning: watch ended with error" and a relist after backoff; 410 ends quietly ("Watch closed",
 * V(4)) with a relist; a very short watch is an error too; a normal close re-watches from the last RV.
 */
function followPlainWatch(stream: StreamRecord, fromIndex: number, startMs: number, relist: string, informer: InformerKind): PlainWatchAccount {
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

// ---------------------------------------------------------------------------------------------
// Verdicts

/** The informer-start stream: scenario `watch-list`'s, else the first watch-list without a selector, else any watch-list. */
function pickWatchListStream(record: RunRecord): StreamRecord | undefined {
  const watchLists = record.streams.filter((stream) => isWatchListRequest(stream.request.options));
  return (
    watchLists.find((stream) => stream.scenario === 'watch-list' && !hasSelector(stream.request.options)) ??
    watchLists.find((stream) => !hasSelector(stream.request.options)) ??
    watchLists[0]
  );
}

function pickList(record: RunRecord, predicate: (list: ListRecord) => boolean = () => true): ListRecord | undefined {
  const lists = record.lists.filter(predicate);
  return lists.find((list) => list.scenario === 'list') ?? lists[0];
}

function relative(lines: Array<{ atMs: number; line: string }>, originMs: number): Array<{ atMs: number; line: string }> {
  return lines.map(({ atMs, line }) => ({ atMs: Math.round((atMs - originMs) * 1000) / 1000, line }));
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
function watchListVerdict(record: RunRecord, informer: InformerKind, stream = pickWatchListStream(record)): ClientVerdict | undefined {
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
        `${stream.id} ended at ${at(end.atMs)} (${end.close?.reason ?? 'truncated final frame'}) without a BOOKMARK annotated "${INITIAL_EVENTS_END_ANNOTATION}": "true" after ${walk.processedAtMs.length} event(s).${skippedNote} ` +
          `The reflector keeps the events in a temporary store, never calls Replace, so HasSynced() stays false; it re-issues the watch-list immediately at every such end and never falls back to LIST (kubernetes/kubernetes#140890)` +
          (end.close?.reason === 'error' ? ' (unless client-go classifies this transport error as a decode error, which would make it fall back)' : '') +
          `, logging "Warning: event bookmark expired" every 10 s while waiting (${warningLines.length} time(s) in the observed window). ${WATCH_LIST_WORKAROUNDS}`,
        warningLines,
      );
    case 'open':
      return neverSyncs(
        `${stream.id} delivered ${walk.processedAtMs.length} event(s) and no BOOKMARK annotated "${INITIAL_EVENTS_END_ANNOTATION}": "true" by the end of observation at ${at(untilMs)}.${skippedNote} ` +
          `The reflector keeps waiting (HasSynced() false), logging "Warning: event bookmark expired" every 10 s (${warningLines.length} time(s) in the observed window); at the server's timeout it re-issues the watch-list and never falls back to LIST (kubernetes/kubernetes#140890). ${WATCH_LIST_WORKAROUNDS}`,
        warningLines,
      );
  }
}

/** client-go <= v0.34 (WatchListClient off by default): LIST resourceVersion=0&limit=500, then WATCH from the list RV. */
function listWatchVerdict(record: RunRecord, informer: InformerKind): ClientVerdict | undefined {
  const list = pickList(record);
  if (list === undefined) return undefined;
  const basedOn = [list.id];
  const watchStream = record.streams.find((stream) => stream.scenario === 'watch');
  let watchPart = '';
  let watchLines: Array<{ atMs: number; line: string }> = [];
  let skippedEvents = 0;
  if (watchStream !== undefined) {
    basedOn.push(watchStream.id);
    const response = responseOf(watchStream);
    if (response === undefined) {
      watchPart = ` The following watch ${watchStream.id} got no HTTP response (${closeOf(watchStream)?.error?.code ?? 'unknown'}): the reflector relists after backoff (connection refused: re-watches after backoff).`;
    } else if (response.status !== 200) {
      const status = statusOfResponse(response.status, response.body);
      const cls = classifyStatus(status);
      if (cls === 'too-many-requests') {
        watchPart = ` The following watch ${watchStream.id} was answered 429: the reflector backs off and re-watches.`;
      } else if (cls === 'expired') {
        watchPart = ` The following watch ${watchStream.id} was answered 410: the reflector relists from its last RV ("Watch closed", V(4)).`;
      } else {
        watchPart = ` The following watch ${watchStream.id} was answered ${describeStatus(status)}: "Failed to watch" is logged and the reflector relists after backoff.`;
        watchLines = [
          {
            atMs: response.atMs,
            line: klogLine('Failed to watch', [['err', status.message ?? `HTTP ${response.status}`], ['reflector', REFLECTOR], ['type', TYPE]]),
          },
        ];
      }
    } else {
      const account = followPlainWatch(watchStream, watchStream.entries.indexOf(response) + 1, watchStream.request.sentAtMs, 'relists', informer);
      watchPart = ` The following plain watch: ${account.explanation}`;
      watchLines = account.logLines;
      skippedEvents = account.skipped;
    }
  }
  const logLines = relative(watchLines, list.sentAtMs);
  if (list.status === 200 && list.itemCount !== undefined) {
    const syncedAfterMs = Math.round((list.atMs - list.sentAtMs) * 1000) / 1000;
    return {
      profile: 'client-go<=0.34',
      outcome: 'syncs',
      syncedAfterMs,
      warnings: 0,
      explanation:
        `${list.id} answered 200 with ${list.itemCount} item(s) after ${formatGoDuration(Math.round(syncedAfterMs))}; the reflector replaces its store with them and HasSynced() becomes true` +
        (list.continueToken ? ' once the remaining pages are read (the list was paginated; only its first page is timed here)' : '') +
        `. It then watches from the list RV${list.resourceVersion !== undefined ? ` ${list.resourceVersion}` : ''} with allowWatchBookmarks=true; bookmarks are optional on that path and the 10 s bookmark ticker is not armed.${watchPart}`,
      logLines,
      basedOn,
      ...(skippedEvents > 0 ? { skippedEvents } : {}),
    };
  }
  return {
    profile: 'client-go<=0.34',
    outcome: 'never-syncs',
    syncedAfterMs: null,
    warnings: 0,
    explanation:
      `${list.id} failed (${list.status === 200 ? '200 but the body was not a list' : list.status > 0 ? `HTTP ${list.status}` : 'no response'}${list.error ? `: ${list.error}` : ''}): ListAndWatch returns the error and Run retries it with backoff (800 ms doubling to 30 s, jitter 1.0); HasSynced() stays false while the LIST keeps failing.${watchPart}`,
    logLines,
    basedOn,
    ...(skippedEvents > 0 ? { skippedEvents } : {}),
  };
}

/** The same verdict, field by field (profile aside). */
function sameVerdict(a: ClientVerdict, b: ClientVerdict): boolean {
  return JSON.stringify({ ...a, profile: '' }) === JSON.stringify({ ...b, profile: '' });
}

const INFORMER_INTRO: Record<InformerKind, string> = {
  typed:
    'Typed informer (the clientset\'s informer factory, e.g. informers.NewSharedInformerFactory(...).Core().V1().ConfigMaps(): objects decoded with client-go\'s typed scheme, expected Go type checked): ',
  dynamic:
    'Dynamic informer (dynamicinformer: every object decoded into an Unstructured, example object without apiVersion/kind, so no expected GVK): ',
};

/**
 * The verdict of one client-go version for both informer kinds: one verdict named `generic` when
 * typed and dynamic informers behave the same on this record (or client-go has no typed informer
 * for the watched kind: custom resources), else `<generic> typed` and `<generic> dynamic`, each
 * explanation starting with what that kind of informer is.
 */
function perInformer(
  generic: 'client-go>=0.35' | 'client-go<=0.34',
  watched: { apiVersion: string; kind: string } | undefined,
  derive: (informer: InformerKind) => ClientVerdict | undefined,
): ClientVerdict[] {
  const dynamic = derive('dynamic');
  if (dynamic === undefined) return [];
  const typed = watched !== undefined && hasTypedInformer(watched) ? derive('typed') : undefined;
  if (typed === undefined || sameVerdict(typed, dynamic)) return [{ ...(typed ?? dynamic), profile: generic }];
  return [
    { ...typed, profile: `${generic} typed` as ClientProfile, explanation: INFORMER_INTRO.typed + typed.explanation },
    { ...dynamic, profile: `${generic} dynamic` as ClientProfile, explanation: INFORMER_INTRO.dynamic + dynamic.explanation },
  ];
}

/**
 * client-go >= v0.35 informers with a label or field selector (what most controllers run): their
 * ListWatch adds the selector to every request (tools/cache/listwatch.go
 * NewFilteredListWatchFromClient), so they start with a watch-list carrying it. Judged on the
 * record's selector watch-list streams; a verdict is added only where it differs from the
 * unfiltered informer's (a server that filters the end bookmark by selector: selector informers
 * never sync while unfiltered ones do). The first such stream is the one judged.
 */
function selectorInformerVerdict(record: RunRecord, unfiltered: readonly ClientVerdict[]): ClientVerdict | undefined {
  if (unfiltered.length === 0) return undefined;
  const streams = record.streams.filter((stream) => isWatchListRequest(stream.request.options) && hasSelector(stream.request.options));
  for (const stream of streams) {
    const [verdict, ...others] = perInformer('client-go>=0.35', stream.request.watched, (informer) => watchListVerdict(record, informer, stream));
    // Per-kind splits on a selector stream differ only where the unfiltered ones already do.
    if (verdict === undefined || others.length > 0) continue;
    if (unfiltered.every((other) => other.outcome === verdict.outcome)) continue;
    const selector = selectorText(stream.request.options);
    const unfilteredText = unfiltered.map((other) => `${other.profile} ${other.outcome}`).join(', ');
    return {
      ...verdict,
      profile: 'client-go>=0.35 with selector',
      selector,
      explanation:
        `Informers with a selector (${selector} on ${stream.id}; most controllers watch with one) start with the same watch-list plus the selector, ` +
        `and differ from unfiltered informers here (${unfilteredText}): ${verdict.explanation}`,
    };
  }
  return undefined;
}

/**
 * One verdict per client profile the record has the requests for: `client-go>=0.35` needs a
 * watch-list stream (the first one of scenario `watch-list`, else the first), `client-go<=0.34`
 * needs a LIST (scenario `list` preferred), and `client-node` (@kubernetes/client-node 1.4's
 * informer, client-node.ts) needs a LIST and judges its watch on a stream of client-node's shape;
 * a profile without its requests is omitted, never invented. Order: client-go>=0.35,
 * client-go<=0.34, client-node. `logLines[].atMs` are ms since the profile's first request.
 */
export function deriveClientVerdicts(record: RunRecord): ClientVerdict[] {
  const verdicts: ClientVerdict[] = [];
  const watchList = perInformer('client-go>=0.35', pickWatchListStream(record)?.request.watched, (informer) => watchListVerdict(record, informer));
  verdicts.push(...watchList);
  const withSelector = selectorInformerVerdict(record, watchList);
  if (withSelector !== undefined) verdicts.push(withSelector);
  const watched = record.streams.find((stream) => stream.scenario === 'watch')?.request.watched ?? record.streams[0]?.request.watched;
  verdicts.push(...perInformer('client-go<=0.34', watched, (informer) => listWatchVerdict(record, informer)));
  const clientNode = clientNodeVerdict(record);
  if (clientNode !== undefined) verdicts.push(clientNode);
  return verdicts;
}
