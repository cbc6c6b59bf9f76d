/**
 * What a watch from an explicit resourceVersion owes the client, as the role-based checks
 * (watch.resume, watch.expired) judge it: the workload writes above the start RV, and whether
 * each one came back as an event. Pure helpers over the record.
 */
import { formatGoDuration } from '../go-duration.js';
import { closeOf, isPlainObject, metadataOf, msSinceRequest, resourceVersionOf, responseOf, sinceRequest } from '../record/accessors.js';
import { parseResourceVersion } from '../record/resource-version.js';
import type { EventEntry, StreamRecord, StreamRole, WorkloadWrite } from '../record/timeline.js';
import { statusOfErrorObject } from '../record/status.js';

export function streamsWithRole(streams: readonly StreamRecord[], role: StreamRole): StreamRecord[] {
  return streams.filter((stream) => stream.role === role);
}

/** Why watchmark did not open the stream (its `not-opened` close), or undefined when it did. */
export function notOpenedReason(stream: StreamRecord): string | undefined {
  const close = closeOf(stream);
  if (close?.reason !== 'not-opened') return undefined;
  return close.error?.message ?? `${stream.id} was not opened`;
}

/** The start RV as a number, or null when it is missing or not a decimal integer (RVs are opaque to clients). */
export function startResourceVersionOf(stream: StreamRecord): bigint | null {
  return parseResourceVersion(stream.request.options.resourceVersion);
}

/** "RV 105 (the last MODIFIED watch#1 delivered, +2.1s after its request)", for messages. */
export function describeStart(stream: StreamRecord): string {
  const rv = stream.request.options.resourceVersion ?? '(none)';
  const from = stream.startedFrom;
  if (from?.kind === 'from-stream') {
    const what = from.eventType === 'BOOKMARK' ? 'BOOKMARK' : `${from.eventType} event`;
    return `RV ${rv} (the last ${what} ${from.stream} delivered by then, #${from.eventSeq})`;
  }
  if (from?.kind === 'from-write') return `RV ${rv} (workload write ${from.index}: ${from.verb} of ${from.name})`;
  return `RV ${rv}`;
}

/** Is the event about the written object (namespace/name; a missing namespace on either side matches)? */
function sameObject(event: EventEntry, write: WorkloadWrite): boolean {
  const metadata = metadataOf(event.object);
  if (metadata?.['name'] !== write.name) return false;
  const namespace = metadata['namespace'];
  return write.namespace === undefined || typeof namespace !== 'string' || namespace === '' || namespace === write.namespace;
}

/**
 * The event a write produced: for a delete, the first DELETED of the object after the write was
 * sent (a delete answered with a Status carries no RV, and the DELETED event carries the deletion
 * RV, not the RV of an object a delete answers with, spec 3.2); for a create/update acknowledged
 * with an RV, the change event of that object with that RV; without an RV, an ADDED/MODIFIED of
 * the object after the write was sent. Shared by event.latency, watch.resume and watch.expired.
 */
export function eventOfWrite(event: EventEntry, write: WorkloadWrite): boolean {
  if (!sameObject(event, write)) return false;
  if (write.verb === 'delete') return event.type === 'DELETED' && event.atMs >= write.sentAtMs;
  if (write.resourceVersion !== undefined && write.resourceVersion !== '') return resourceVersionOf(event) === write.resourceVersion;
  return event.type !== 'DELETED' && event.atMs >= write.sentAtMs;
}

/** "+1.52s after the request", or "200ms before the request" for writes made before the stream opened. */
function relativeToRequest(stream: StreamRecord, atMs: number): string {
  const deltaMs = Math.round(atMs - stream.request.sentAtMs);
  return deltaMs >= 0 ? sinceRequest(stream, atMs) : `${formatGoDuration(-deltaMs)} before the request`;
}

/** "update of ns/name (RV 107) acknowledged +1.52s after the request", for messages. */
export function describeWrite(stream: StreamRecord, write: WorkloadWrite): string {
  return `${write.verb} of ${write.namespace ? `${write.namespace}/` : ''}${write.name}${write.resourceVersion ? ` (RV ${write.resourceVersion})` : ''} acknowledged ${relativeToRequest(stream, write.atMs)}`;
}

export function writeEvidence(stream: StreamRecord, write: WorkloadWrite): Record<string, unknown> {
  return {
    verb: write.verb,
    name: write.name,
    namespace: write.namespace ?? null,
    resourceVersion: write.resourceVersion ?? null,
    atMsSinceRequest: msSinceRequest(stream, write.atMs),
  };
}

/** Is the write's RV above `start`? null when the write has no decimal RV. */
export function writeAbove(write: WorkloadWrite, start: bigint): boolean | null {
  const rv = parseResourceVersion(write.resourceVersion);
  return rv === null ? null : rv > start;
}

/** The error a watch answered with, as client-go sees it: the non-200 response's Status, or the first ERROR event's. */
export interface WatchErrorAnswer {
  where: 'response' | 'event';
  atMs: number;
  /** HTTP status for a response; the Status code (if any) for an ERROR event. */
  code?: number;
  reason?: string;
  message?: string;
  /** The ERROR event object was not a metav1.Status. */
  notAStatus: boolean;
}

export function watchErrorAnswer(stream: StreamRecord, errorEvent: EventEntry | undefined): WatchErrorAnswer | undefined {
  const response = responseOf(stream);
  if (response !== undefined && response.status !== 200) {
    let parsed: unknown;
    try {
      parsed = response.body === undefined ? undefined : JSON.parse(response.body);
    } catch {
      parsed = undefined;
    }
    const status = isPlainObject(parsed) ? statusOfErrorObject(parsed) : null;
    return {
      where: 'response',
      atMs: response.atMs,
      code: response.status,
      ...(status?.reason !== undefined ? { reason: status.reason } : {}),
      ...(status?.message !== undefined ? { message: status.message } : {}),
      notAStatus: status === null,
    };
  }
  if (errorEvent === undefined) return undefined;
  const status = statusOfErrorObject(errorEvent.object);
  return {
    where: 'event',
    atMs: errorEvent.atMs,
    ...(status?.code !== undefined ? { code: status.code } : {}),
    ...(status?.reason !== undefined ? { reason: status.reason } : {}),
    ...(status?.message !== undefined ? { message: status.message } : {}),
    notAStatus: status === null,
  };
}

/** `HTTP 410 Expired "too old resource version: 1 (5)"` / `an ERROR event 410 Expired "..."`. */
export function describeAnswer(answer: WatchErrorAnswer): string {
  const parts = [answer.code !== undefined ? String(answer.code) : undefined, answer.reason, answer.message ? `"${answer.message}"` : undefined]
    .filter((part) => part !== undefined && part !== '')
    .join(' ');
  if (answer.where === 'response') return `HTTP ${parts}`;
  return answer.notAStatus ? 'an ERROR event whose object is not a Status' : `an ERROR event ${parts || 'with an empty Status'}`;
}
