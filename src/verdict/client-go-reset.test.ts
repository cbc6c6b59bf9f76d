import { describe, expect, it } from 'vitest';
import { plainWatchStream, run, watchListStream } from '../../test/support/timeline-builder.js';
import { initialEventsEndPresent } from '../checks/initial-events-end-present.js';
import { DEFAULT_CHECK_PARAMS } from '../checks/types.js';
import { deriveClientVerdicts } from './index.js';
import type { ClientVerdict } from './types.js';

/**
 * A server that resets a watch: over HTTP/2 (client-go's default over TLS) an RST_STREAM is
 * http2.StreamError for client-go, which net.IsProbableEOF does not take for an end, so the
 * watch ends with an error (watch-list: fallback to LIST); a TCP reset is "connection reset by
 * peer", a normal end (watch-list: re-issued, never synced). Found by `watchmark proxy
 * --fault reset-after` against kube-apiserver with the real client-go informer
 * (test/real/proxy-stream-faults.test.ts).
 */
const H2_RESET = { code: 'WM_CONN_RESET', message: 'connection reset or closed by the server (ERR_HTTP2_STREAM_ERROR: Stream closed with error code NGHTTP2_INTERNAL_ERROR)' };
const TCP_RESET = { code: 'WM_CONN_RESET', message: 'connection reset or closed by the server (ECONNRESET: read ECONNRESET)' };

function verdict(verdicts: ClientVerdict[], profile: ClientVerdict['profile']): ClientVerdict {
  const found = verdicts.find((v) => v.profile === profile);
  if (!found) throw new Error(`no ${profile} verdict`);
  return found;
}

function resetWatchList(httpVersion: string, error: { code: string; message: string }) {
  return run()
    .list({ sentAtMs: 0, atMs: 20, itemCount: 2, resourceVersion: '12' })
    .stream(watchListStream().sentAt(0).response(10, { httpVersion }).added(15, 'a', '10').added(15, 'b', '11').close(2_010, 'reset', error))
    .endedAt(16_000)
    .build();
}

describe('client-go and a watch reset by the server', () => {
  it('HTTP/2 RST_STREAM before the end bookmark: client-go >= 0.35 falls back to LIST (a stream error, not an EOF)', () => {
    const v = verdict(deriveClientVerdicts(resetWatchList('2.0', H2_RESET)), 'client-go>=0.35');
    expect(v.outcome).toBe('falls-back');
    expect(v.logLines.map((l) => l.line).join('\n')).toContain('stream error: stream ID <id>; INTERNAL_ERROR; received from peer');
  });

  it('a TCP reset before the end bookmark (HTTP/1.1): "connection reset by peer" is a normal end: client-go >= 0.35 never syncs', () => {
    const v = verdict(deriveClientVerdicts(resetWatchList('1.1', TCP_RESET)), 'client-go>=0.35');
    expect(v.outcome).toBe('never-syncs');
  });

  it('initial-events-end.present fails either way: the server never sent the end bookmark', () => {
    for (const [httpVersion, error] of [['2.0', H2_RESET], ['1.1', TCP_RESET]] as const) {
      const result = initialEventsEndPresent.run(resetWatchList(httpVersion, error), DEFAULT_CHECK_PARAMS);
      expect(result.status, httpVersion).toBe('fail');
    }
  });

  it('HTTP/2 RST_STREAM on a plain watch after LIST: "watch ended with error" and a relist, not a quiet re-watch', () => {
    const record = run()
      .list({ sentAtMs: 0, atMs: 20, itemCount: 2, resourceVersion: '12' })
      .stream(plainWatchStream('watch#1', '12', { timeoutSeconds: 10 }).sentAt(30).response(40, { httpVersion: '2.0' }).modified(1_000, 'a', '13').close(2_040, 'reset', H2_RESET))
      .endedAt(16_000)
      .build();
    const v = verdict(deriveClientVerdicts(record), 'client-go<=0.34');
    expect(v.outcome).toBe('syncs');
    expect(v.logLines.map((l) => l.line).join('\n')).toContain('Warning: watch ended with error');
    expect(v.explanation).not.toContain('re-watches from its last RV without relisting');
  });
});
