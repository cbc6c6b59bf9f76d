import { responseBodyExcerpt } from '../errors.js';
import type { DroppedEntry, TimelineEntry } from '../record/timeline.js';

const INITIAL_EVENTS_END = 'k8s.io/initial-events-end';

/** State carried between lines of the live view (pure: the caller keeps it). */
export interface ObserveLineState {
  /** When the request was sent (ms on the run clock). */
  sentAtMs: number;
  /** Arrival of the previous event, for the gap column. */
  lastEventAtMs: number | null;
}

/**
 * One line of `watchmark observe` for a timeline entry, or null for entries not shown (chunks).
 * Format: `+12.345s  gap 1.002s  BOOKMARK  rv=123  [initial-events-end]`.
 */
export function formatObserveLine(entry: TimelineEntry, state: ObserveLineState): string | null {
  const since = `+${((entry.atMs - state.sentAtMs) / 1000).toFixed(3)}s`.padStart(10);
  switch (entry.kind) {
    case 'chunk':
      return null;
    case 'response':
      return `${since}  HTTP ${entry.status} (HTTP/${entry.httpVersion}, ${entry.contentType ?? 'no content-type'})${
        entry.body ? `: ${responseBodyExcerpt(undefined, entry.body)}` : ''
      }`;
    case 'malformed':
      if (entry.rawEncoding === 'base64') {
        // A protobuf frame: binary, so where it is and its first bytes in base64.
        return `${since}  MALFORMED FRAME #${entry.frame ?? '?'} at byte ${entry.offset ?? '?'}: ${entry.error}${entry.detail ? ` (${entry.detail})` : ''}: base64 ${entry.raw.slice(0, 120)}`;
      }
      return `${since}  MALFORMED FRAME: ${entry.error}: ${JSON.stringify(entry.raw.slice(0, 120))}`;
    case 'dropped':
      return `${since}  NOT KEPT: ${describeDropped(entry)}`;
    case 'close':
      return `${since}  stream closed: ${entry.reason}${entry.error ? ` (${entry.error.code}: ${entry.error.message})` : ''}`;
    case 'event': {
      const gapMs = entry.atMs - (state.lastEventAtMs ?? state.sentAtMs);
      state.lastEventAtMs = entry.atMs;
      const gap = `gap ${(gapMs / 1000).toFixed(3)}s`.padEnd(14);
      return `${since}  ${gap} ${entry.type.padEnd(8)}  ${describeObject(entry.type, entry.object)}`;
    }
  }
}

/** "12 more malformed frame(s) counted, not kept; 3145728 bytes after a frame over the frame limit not decoded". */
export function describeDropped(entry: DroppedEntry): string {
  const parts: string[] = [];
  if (entry.malformedFrames > 0) parts.push(`${entry.malformedFrames} more malformed frame(s) counted, not kept`);
  if (entry.undecodedBytes > 0) parts.push(`${entry.undecodedBytes} bytes from a frame over the frame limit to the end of the stream not decoded`);
  return parts.join('; ');
}

function describeObject(type: string, object: unknown): string {
  if (!object || typeof object !== 'object') return `(object ${object === undefined ? 'missing' : JSON.stringify(object)})`;
  const o = object as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown; resourceVersion?: unknown; annotations?: Record<string, unknown> }; message?: unknown; code?: unknown };
  if (type === 'ERROR') return `${String(o.code ?? '?')} ${String(o.message ?? '')}`;
  const md = o.metadata ?? {};
  const parts = [`rv=${md.resourceVersion === undefined ? '(none)' : JSON.stringify(md.resourceVersion).replace(/^"|"$/g, '')}`];
  if (md.name) parts.push(`${md.namespace ? `${String(md.namespace)}/` : ''}${String(md.name)}`);
  const end = md.annotations?.[INITIAL_EVENTS_END];
  if (end !== undefined) parts.push(end === 'true' ? '[initial-events-end]' : `[initial-events-end=${JSON.stringify(end)}]`);
  if (type === 'BOOKMARK' && typeof o.kind !== 'string') parts.push('[no kind]');
  return parts.join('  ');
}
