/**
 * kube-apiserver's deadline bookmark as the bookmark checks judge it (bookmark.before-deadline,
 * bookmark.periodic, bookmark.selectors; the HTML timeline draws the same window): when a stream
 * ran to its timeoutSeconds, the bookmark shortly before that close, and how the resource-RV
 * advance that makes it due is described in messages and evidence.
 */
import { bookmarksOf, closeOf, msSinceRequest, resourceVersionOf, responseOf, sinceRequest } from '../record/accessors.js';
import type { ResourceVersionAdvance } from '../record/resource-version.js';
import type { CloseEntry, EventEntry, StreamRecord } from '../record/timeline.js';

/**
 * For the deadline bookmark to be due, the RV must have advanced at least this long before the
 * deadline (it is scheduled 2 s before it, dispatched up to 1.25 s late).
 */
export const ADVANCE_BEFORE_DEADLINE_MS = 4_000;

/** A stream counts as having run to its deadline when the server closed it at most this long before it. */
export const DEADLINE_CLOSE_TOLERANCE_MS = 1_500;

/**
 * For a 200 stream with timeoutSeconds that the server ended cleanly (server-eof) no earlier than
 * 1.5 s before response + timeoutSeconds: the deadline and the close. Undefined otherwise
 * (watchmark closed it, it broke, or the server ended it early).
 */
export function serverDeadlineClose(stream: StreamRecord): { deadlineMs: number; close: CloseEntry } | undefined {
  const response = responseOf(stream);
  const timeoutSeconds = stream.request.options.timeoutSeconds ?? 0;
  if (response?.status !== 200 || timeoutSeconds <= 0) return undefined;
  const close = closeOf(stream);
  const deadlineMs = response.atMs + timeoutSeconds * 1000;
  if (close?.reason !== 'server-eof' || close.atMs < deadlineMs - DEADLINE_CLOSE_TOLERANCE_MS) return undefined;
  return { deadlineMs, close };
}

/**
 * The bookmark kube-apiserver sends shortly before closing a watch at its deadline: a BOOKMARK
 * within `windowMs` before a server close at the deadline (cache_watcher.go v0.35.0
 * nextBookmarkTime, "2s before the deadline").
 */
export function deadlineBookmarkOf(stream: StreamRecord, windowMs: number): EventEntry | undefined {
  return deadlineBookmarksOf(stream, windowMs)[0];
}

/**
 * Every BOOKMARK within `windowMs` before a server close at the deadline. kube-apiserver sends
 * one or two: its bookmark queue pops whole 1 s buckets (seconds since the queue was made), so the
 * watcher due at deadline-2s can be popped up to 1 s early; it is then re-queued for the same time, still ahead,
 * and popped again at the next dispatch, 1-1.25 s later (cache_watcher.go v0.37.2
 * nextBookmarkTime; cacher.go dispatchEvents and finishDispatching re-adding expired bookmark
 * watchers). Neither is a periodic (about every minute) bookmark.
 */
export function deadlineBookmarksOf(stream: StreamRecord, windowMs: number): EventEntry[] {
  const deadline = serverDeadlineClose(stream);
  if (deadline === undefined) return [];
  const windowStartMs = deadline.close.atMs - windowMs;
  return bookmarksOf(stream).filter((bookmark) => bookmark.atMs >= windowStartMs && bookmark.atMs <= deadline.close.atMs);
}

/** "a workload create of configmaps/a (RV 101) +1s after the request", for messages. */
export function describeAdvance(stream: StreamRecord, advance: ResourceVersionAdvance): string {
  if (advance.kind === 'write') {
    const { write } = advance;
    return `a workload ${write.verb} of ${write.resource}/${write.name}${write.resourceVersion ? ` (RV ${write.resourceVersion})` : ''} ${sinceRequest(stream, write.atMs)}`;
  }
  return `an ${advance.event.type} event with RV ${resourceVersionOf(advance.event) ?? 'none'} ${sinceRequest(stream, advance.event.atMs)}`;
}

/** The advance as plain evidence data. */
export function advanceEvidence(stream: StreamRecord, advance: ResourceVersionAdvance): Record<string, unknown> {
  return advance.kind === 'write'
    ? {
        write: advance.write.name,
        verb: advance.write.verb,
        resource: advance.write.resource,
        resourceVersion: advance.write.resourceVersion ?? null,
        atMsSinceRequest: msSinceRequest(stream, advance.write.atMs),
      }
    : {
        eventSeq: advance.event.seq,
        type: advance.event.type,
        resourceVersion: resourceVersionOf(advance.event) ?? null,
        atMsSinceRequest: msSinceRequest(stream, advance.event.atMs),
      };
}
