/**
 * Accessors over recorded streams: their response, close, events and the fields of event objects,
 * and times on a stream relative to its request. Pure: every answer is a function of the record.
 */
import { formatGoDuration } from '../go-duration.js';
import type { CloseEntry, DroppedEntry, EventEntry, MalformedFrameEntry, ResponseEntry, StreamRecord } from './timeline.js';
import { WATCH_EVENT_TYPES } from './timeline.js';

/** apimachinery metav1.InitialEventsAnnotationKey. */
export const INITIAL_EVENTS_END_ANNOTATION = 'k8s.io/initial-events-end';

/**
 * A real annotation of kube-apiserver 1.32-1.33 on the initial-events-end bookmark (PR #127587,
 * removed in 1.34 by PR #132326); clients must ignore it. Not a misspelling of the marker key.
 */
export const INITIAL_EVENTS_LIST_BLUEPRINT_ANNOTATION = 'kubernetes.io/initial-events-list-blueprint';

export type ChangeEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export function responseOf(stream: StreamRecord): ResponseEntry | undefined {
  for (const entry of stream.entries) if (entry.kind === 'response') return entry;
  return undefined;
}

export function closeOf(stream: StreamRecord): CloseEntry | undefined {
  for (const entry of stream.entries) if (entry.kind === 'close') return entry;
  return undefined;
}

export function eventsOf(stream: StreamRecord): EventEntry[] {
  return stream.entries.filter((entry): entry is EventEntry => entry.kind === 'event');
}

export function malformedFramesOf(stream: StreamRecord): MalformedFrameEntry[] {
  return stream.entries.filter((entry): entry is MalformedFrameEntry => entry.kind === 'malformed');
}

/** What the decoder counted without keeping (at most one entry per stream), if anything. */
export function droppedOf(stream: StreamRecord): DroppedEntry | undefined {
  for (const entry of stream.entries) if (entry.kind === 'dropped') return entry;
  return undefined;
}

export function bookmarksOf(stream: StreamRecord): EventEntry[] {
  return eventsOf(stream).filter((event) => event.type === 'BOOKMARK');
}

export function isKnownEventType(type: string): boolean {
  return (WATCH_EVENT_TYPES as readonly string[]).includes(type);
}

export function isChangeEvent(event: EventEntry): event is EventEntry & { type: ChangeEventType } {
  return event.type === 'ADDED' || event.type === 'MODIFIED' || event.type === 'DELETED';
}

/** A JSON object (not null, not an array). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function metadataOf(object: unknown): Record<string, unknown> | undefined {
  if (!isPlainObject(object)) return undefined;
  const metadata = object['metadata'];
  return isPlainObject(metadata) ? metadata : undefined;
}

/** `object.metadata.resourceVersion` when it is a string (possibly empty); undefined otherwise. */
export function resourceVersionOfObject(object: unknown): string | undefined {
  const rv = metadataOf(object)?.['resourceVersion'];
  return typeof rv === 'string' ? rv : undefined;
}

/** The event object's `metadata.resourceVersion`, as sent (RVs are opaque strings to clients). */
export function resourceVersionOf(event: EventEntry): string | undefined {
  return resourceVersionOfObject(event.object);
}

/** The event object's `metadata.annotations`, when it is an object. Values are kept as sent. */
export function annotationsOf(event: EventEntry): Record<string, unknown> | undefined {
  const annotations = metadataOf(event.object)?.['annotations'];
  return isPlainObject(annotations) ? annotations : undefined;
}

/** `kind` and `apiVersion` of an event object, when they are strings. */
export function typeMetaOf(object: unknown): { kind?: string; apiVersion?: string } {
  if (!isPlainObject(object)) return {};
  const kind = object['kind'];
  const apiVersion = object['apiVersion'];
  return {
    ...(typeof kind === 'string' ? { kind } : {}),
    ...(typeof apiVersion === 'string' ? { apiVersion } : {}),
  };
}

/**
 * Whether a watch event object carries the watched kind and apiVersion: `type-meta-missing` (kind
 * or apiVersion absent or empty: client-go decodes watch objects without defaults, so a decode
 * error), `type-meta-mismatch` (another kind/apiVersion: skipped or undecodable for typed
 * informers), or undefined when it does; with what was observed, for messages.
 */
export function typeMetaProblemOf(
  object: Record<string, unknown>,
  watched: { kind: string; apiVersion: string },
): { problem: 'type-meta-missing' | 'type-meta-mismatch'; observed: string } | undefined {
  const { kind, apiVersion } = typeMetaOf(object);
  if (kind === undefined || kind === '' || apiVersion === undefined || apiVersion === '') {
    return { problem: 'type-meta-missing', observed: `kind ${JSON.stringify(object['kind'] ?? null)}, apiVersion ${JSON.stringify(object['apiVersion'] ?? null)}` };
  }
  if (kind !== watched.kind || apiVersion !== watched.apiVersion) return { problem: 'type-meta-mismatch', observed: `${apiVersion} ${kind} instead of ${watched.apiVersion} ${watched.kind}` };
  return undefined;
}

/**
 * A BOOKMARK whose `metadata.annotations["k8s.io/initial-events-end"]` is exactly "true": the
 * test client-go applies (tools/cache/reflector.go v0.35.0 handleAnyWatch: `== "true"`).
 */
export function isInitialEventsEndBookmark(event: EventEntry): boolean {
  return event.type === 'BOOKMARK' && annotationsOf(event)?.[INITIAL_EVENTS_END_ANNOTATION] === 'true';
}

/** The first initial-events-end bookmark of the stream (see isInitialEventsEndBookmark). */
export function initialEventsEndBookmark(stream: StreamRecord): EventEntry | undefined {
  return eventsOf(stream).find(isInitialEventsEndBookmark);
}

/** The first event frame of a stream (any type): the server had taken its initial snapshot before it sent it. */
export function firstEventOf(stream: StreamRecord): EventEntry | undefined {
  return stream.entries.find((entry): entry is EventEntry => entry.kind === 'event');
}

/** `metadata.namespace/metadata.name` (or just the name) of an event object, for matching and messages. */
export function objectKeyOf(object: unknown): string | undefined {
  const metadata = metadataOf(object);
  const name = metadata?.['name'];
  if (typeof name !== 'string') return undefined;
  const namespace = metadata?.['namespace'];
  return typeof namespace === 'string' && namespace !== '' ? `${namespace}/${name}` : name;
}

/** When watchmark stopped seeing the stream: its close, or the end of observation. */
export function observedUntilMs(stream: StreamRecord, endedAtMs: number): number {
  return closeOf(stream)?.atMs ?? endedAtMs;
}

/** "+1.234s after the request": a time on the stream, rounded to the millisecond, for messages. */
export function sinceRequest(stream: StreamRecord, atMs: number): string {
  return `+${formatGoDuration(Math.round(atMs - stream.request.sentAtMs))} after the request`;
}

/** atMs relative to the stream's request, rounded to 0.001 ms, for evidence. */
export function msSinceRequest(stream: StreamRecord, atMs: number): number {
  return Math.round((atMs - stream.request.sentAtMs) * 1000) / 1000;
}
