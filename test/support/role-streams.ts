/**
 * Hand-built streams for the role-based checks (watch.resume, watch.expired): a built stream with
 * its role and RV source, and a stream watchmark did not open, as run-suite.ts records them.
 */
import type { StreamRecord, StreamRole, StreamStartedFrom } from '../../src/record/timeline.js';
import { stream, type StreamBuilder } from './timeline-builder.js';

export function withRole(builder: StreamBuilder, role: StreamRole, startedFrom?: StreamStartedFrom): StreamRecord {
  return { ...builder.build(), role, ...(startedFrom ? { startedFrom } : {}) };
}

export function notOpenedStream(id: string, role: StreamRole, message: string, atMs = 3_200): StreamRecord {
  return {
    ...stream(id, { allowWatchBookmarks: true, timeoutSeconds: 10 }, role === 'resume' ? 'watch-resume' : 'watch-expired').sentAt(atMs).build(),
    role,
    entries: [{ kind: 'close', atMs, reason: 'not-opened', error: { code: 'WM_NOT_OPENED', message } }],
  };
}
