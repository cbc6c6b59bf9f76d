import { describe, expect, it } from 'vitest';
import { WIDGETS, plainWatchStream, run, runOf, stream, watchListStream } from '../../test/support/timeline-builder.js';
import { TRUNCATED_AT_END } from '../decode/watch-frames.js';
import { deriveClientVerdicts } from './index.js';
import type { ClientVerdict } from './types.js';

const lastEvent = (d: string) =>
  `"Warning: event bookmark expired" err="<reflector>: hasn't received required bookmark event marking the end of initial events stream, received last event ${d} ago"`;

function verdict(verdicts: ClientVerdict[], profile: ClientVerdict['profile']): ClientVerdict {
  const found = verdicts.find((v) => v.profile === profile);
  if (!found) throw new Error(`no ${profile} verdict`);
  return found;
}

describe('deriveClientVerdicts: client-go>=0.35 (watch-list)', () => {
  it('syncs at the end bookmark, with the expired warnings logged meanwhile', () => {
    const s = watchListStream().response(0).added(0, 'a', '1').added(0, 'b', '2').added(0, 'c', '3').endBookmark(25_000, '10');
    const v = verdict(deriveClientVerdicts(runOf(s)), 'client-go>=0.35');
    expect(v.outcome).toBe('syncs');
    expect(v.syncedAfterMs).toBe(25_000);
    expect(v.warnings).toBe(2);
    expect(v.logLines.filter((l) => !l.line.startsWith('[V('))).toEqual([
      { atMs: 10_000, line: lastEvent('10s') },
      { atMs: 20_000, line: lastEvent('20s') },
    ]);
    expect(v.logLines.find((l) => l.line.startsWith('[V(4)]'))?.line).toContain('Exiting watch because received the bookmark');
    expect(v.basedOn).toEqual(['watch-list#1']);
  });

  it('never syncs on "True" instead of "true", and says why', () => {
    const s = watchListStream().response(0).added(5, 'a', '1').endBookmark(10, '10', 'True').close(300_000, 'server-eof');
    const v = verdict(deriveClientVerdicts(runOf(s)), 'client-go>=0.35');
    expect(v.outcome).toBe('never-syncs');
    expect(v.syncedAfterMs).toBeNull();
    // ticks at 10 s ... 290 s; the "True" bookmark (10 ms) is processed as an ordinary event, so the 10 s tick is 9.99 s after it: 28 lines.
    expect(v.warnings).toBe(28);
    expect(v.explanation).toContain('#140890');
    expect(v.explanation).toContain('KUBE_FEATURE_WatchListClient=false');
    expect(v.explanation).toContain('IsWatchListSemanticsUnSupported()');
  });

  it('kinm-like: MODIFIED initial events, no bookmarks: v0.35 never syncs, v0.34 syncs', () => {
    const record = run()
      .list({ sentAtMs: 0, atMs: 40, itemCount: 3, resourceVersion: '12' })
      .stream(
        watchListStream('watch-list#1', { timeoutSeconds: 60 })
          .watched(WIDGETS)
          .sentAt(50)
          .response(60)
          .modified(60, 'a', '10')
          .added(60, 'b', '11')
          .modified(60, 'c', '12')
          .close(16_050, 'client-abort'),
      )
      .stream(plainWatchStream('watch#1', '12', { timeoutSeconds: 10 }).watched(WIDGETS).sentAt(50).response(60).modified(1_600, 'a', '13').close(10_070, 'server-eof'))
      .endedAt(16_050)
      .build();
    const verdicts = deriveClientVerdicts(record);
    const v35 = verdict(verdicts, 'client-go>=0.35');
    expect(v35.outcome).toBe('never-syncs');
    expect(v35.warnings).toBe(1);
    expect(v35.logLines).toEqual([{ atMs: 10_010, line: lastEvent('10s') }]);
    const v34 = verdict(verdicts, 'client-go<=0.34');
    expect(v34).toMatchObject({ outcome: 'syncs', syncedAfterMs: 40, warnings: 0, basedOn: ['list#1', 'watch#1'] });
    expect(v34.explanation).toContain('re-watches from its last RV');
  });

  it('falls back on 422 and times the sync with the recorded LIST', () => {
    const record = run()
      .stream(
        watchListStream()
          .sentAt(100)
          .response(130, { status: 422, body: JSON.stringify({ kind: 'Status', apiVersion: 'v1', code: 422, reason: 'Invalid', message: 'sendInitialEvents is forbidden' }) })
          .close(131),
      )
      .list({ sentAtMs: 200, atMs: 250, itemCount: 2 })
      .build();
    const v = verdict(deriveClientVerdicts(record), 'client-go>=0.35');
    expect(v).toMatchObject({ outcome: 'falls-back', syncedAfterMs: 80, basedOn: ['watch-list#1', 'list#1'] });
    expect(v.logLines).toEqual([
      {
        atMs: 30,
        line: `[V(4)] "Data couldn't be fetched in watchlist mode. Falling back to regular list. This is expected if watchlist is not supported or disabled in kube-apiserver." err="sendInitialEvents is forbidden"`,
      },
    ]);
  });

  it('falls back with syncedAfterMs null when no LIST succeeded', () => {
    const record = run().stream(watchListStream().response(10, { status: 403 })).list({ sentAtMs: 0, atMs: 5, status: 403 }).build();
    const v = verdict(deriveClientVerdicts(record), 'client-go>=0.35');
    expect(v.outcome).toBe('falls-back');
    expect(v.syncedAfterMs).toBeNull();
    expect(v.explanation).toContain('No successful LIST');
  });

  it('retries on 429 and on 410 / too-large RV (never-syncs on this record), falls back on other ERROR events', () => {
    const v429 = verdict(deriveClientVerdicts(runOf(watchListStream().response(10, { status: 429 }))), 'client-go>=0.35');
    expect(v429.outcome).toBe('never-syncs');
    expect(v429.explanation).toContain('429');

    const expired = watchListStream().response(10).error(20, { code: 410, reason: 'Expired', message: 'too old resource version: 1 (2)' }).close(21);
    expect(verdict(deriveClientVerdicts(runOf(expired)), 'client-go>=0.35').outcome).toBe('never-syncs');

    const tooLarge = watchListStream('watch-list#1', { resourceVersion: '999' })
      .response(10)
      .error(3_010, { code: 504, reason: 'Timeout', message: 'Timeout: Too large resource version: 999, current: 5', causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }] })
      .close(3_011);
    const vLarge = verdict(deriveClientVerdicts(runOf(tooLarge)), 'client-go>=0.35');
    expect(vLarge.outcome).toBe('never-syncs');
    expect(vLarge.explanation).toContain('resourceVersion=""');

    const internal = watchListStream()
      .response(10)
      .error(20, { code: 500, reason: 'InternalError', message: 'a watch stream was requested by the client but the required storage feature RequestWatchProgress is disabled' })
      .close(21);
    expect(verdict(deriveClientVerdicts(runOf(internal)), 'client-go>=0.35').outcome).toBe('falls-back');
  });

  it('falls back on a very short watch', () => {
    const v = verdict(deriveClientVerdicts(runOf(watchListStream().response(10).close(200, 'server-eof'))), 'client-go>=0.35');
    expect(v.outcome).toBe('falls-back');
    expect(v.logLines[0]?.line).toContain('very short watch: <reflector>: Unexpected watch close - watch lasted less than a second and no items received');
  });

  it('falls back on a decode error before the end bookmark (malformed frame, unknown type, missing kind)', () => {
    const malformed = watchListStream().response(0).added(5, 'a', '1').malformed(6, '{"type":"ADDED",', 'Unexpected token').endBookmark(7, '2');
    const unknown = watchListStream().response(0).event(5, 'SYNC', { kind: 'ConfigMap', apiVersion: 'v1', metadata: {} }).endBookmark(7, '2');
    const noKind = watchListStream().response(0).added(5, 'a', '1').endBookmark(7, '2', 'true', { kind: null });
    for (const s of [malformed, unknown, noKind]) {
      expect(verdict(deriveClientVerdicts(runOf(s)), 'client-go>=0.35').outcome).toBe('falls-back');
    }
  });

  it('treats a truncated last frame as a normal close (io.ErrUnexpectedEOF), not as a decode error', () => {
    const truncated = watchListStream().response(0).added(5, 'a', '1').malformed(6, '{"type":"BOOK', TRUNCATED_AT_END).close(6, 'server-eof');
    const v = verdict(deriveClientVerdicts(runOf(truncated)), 'client-go>=0.35');
    expect(v.outcome).toBe('never-syncs'); // closed without the end bookmark: retried, no fallback
    // the same bytes in the middle of the stream are a decode error: fallback to LIST
    const midStream = watchListStream().response(0).added(5, 'a', '1').malformed(6, '{"type":"BOOK', TRUNCATED_AT_END).endBookmark(7, '2');
    expect(verdict(deriveClientVerdicts(runOf(midStream)), 'client-go>=0.35').outcome).toBe('falls-back');
  });

  // As the real typed protobuf informer shows it against serve --profile broken-protobuf-framing
  // (test/real/oracle-protobuf.test.ts): a length prefix claiming more than the stream carries
  // leaves client-go blocked in the framer, so the end bookmark after it is never seen.
  it('a protobuf length prefix claiming bytes that never came: client-go is stuck reading, never a decode error or a fallback', () => {
    const build = (undecodedBytes: number, close: 'client-abort' | 'server-eof') => {
      const record = runOf(watchListStream().response(0).added(5, 'a', '1').malformed(6, 'AAAA', 'length prefix claims 3137404928 bytes').dropped(25_000, { undecodedBytes }).close(25_000, close));
      const frame = record.streams[0]!.entries.find((e) => e.kind === 'malformed')!;
      if (frame.kind === 'malformed') frame.claimedBytes = 3_137_404_928;
      return verdict(deriveClientVerdicts(record), 'client-go>=0.35');
    };
    const open = build(400, 'client-abort');
    expect(open.outcome).toBe('never-syncs');
    expect(open.explanation).toMatch(/length prefix claiming 3137404928 bytes that the stream never carried/);
    expect(open.logLines?.some((l) => /Falling back to regular list/.test(l.line))).toBe(false);
    // Ended by the server before the frame completed: io.ErrUnexpectedEOF, a normal close, retried.
    expect(build(400, 'server-eof').outcome).toBe('never-syncs');
    // 16 MiB arrived after the prefix: client-go's streaming decoder gives up (ErrObjectTooLarge), a decode error: fallback.
    expect(build(16 * 1024 * 1024 + 4, 'client-abort').outcome).toBe('falls-back');
  });

  // Both outcomes as the real client-go v0.37.2 informers show them (testbed/informer-probe
  // TestWrongKindEndBookmarkTypedNeverSyncsDynamicSyncs): the typed one skips the Pod-kind end
  // bookmark, the dynamic one has no expected GVK and syncs on it.
  it('an end bookmark of another registered kind: the typed informer skips it and never syncs, the dynamic one syncs', () => {
    const s = watchListStream().response(0).added(5, 'a', '1').endBookmark(7, '2', 'true', { kind: 'Pod' }).close(25_000, 'client-abort');
    const verdicts = deriveClientVerdicts(runOf(s));
    expect(verdicts.map((v) => [v.profile, v.outcome, v.skippedEvents])).toEqual([
      ['client-go>=0.35 typed', 'never-syncs', 1],
      ['client-go>=0.35 dynamic', 'syncs', undefined],
    ]);
    const [typed, dynamic] = verdicts as [ClientVerdict, ClientVerdict];
    expect(typed.explanation).toMatch(/^Typed informer \(/);
    expect(typed.explanation).toContain('a typed informer decodes it to that Go type and the reflector skips it ("Unexpected watch event object type", expected type *v1.ConfigMap)');
    // the skipped bookmark does not count as an event: at the 20 s tick the ADDED at 5 ms is >= 10 s old
    expect(typed.warnings).toBe(1);
    expect(dynamic.explanation).toMatch(/^Dynamic informer \(/);
    expect(dynamic.explanation).toContain('That bookmark carried kind "Pod" / apiVersion "v1" instead of ConfigMap / v1; a dynamic informer has no expected GVK');
    expect(dynamic.syncedAfterMs).toBe(7);
    expect(dynamic.warnings).toBe(0);
  });

  it('an end bookmark of an apiVersion the typed scheme lacks: the typed informer cannot decode it and falls back, the dynamic one syncs', () => {
    const s = watchListStream().response(0).added(5, 'a', '1').endBookmark(7, '2', 'true', { apiVersion: 'v1beta1' }).close(20_000, 'client-abort');
    const verdicts = deriveClientVerdicts(run().stream(s).list({ sentAtMs: 30, atMs: 40, status: 200, itemCount: 1 }).build());
    expect(verdicts.filter((v) => v.profile.startsWith('client-go>=0.35')).map((v) => [v.profile, v.outcome])).toEqual([
      ['client-go>=0.35 typed', 'falls-back'],
      ['client-go>=0.35 dynamic', 'syncs'],
    ]);
    const typed = verdicts[0]!;
    expect(typed.explanation).toContain('(unable to decode watch event: no kind "ConfigMap" is registered for version "v1beta1" in scheme "<client-go typed scheme>")');
    expect(typed.explanation).toContain("A typed informer decodes with client-go's typed scheme, which has no such kind/apiVersion");
    // LIST then WATCH never sees the end bookmark: both kinds agree, one verdict
    expect(verdicts.filter((v) => v.profile.startsWith('client-go<=0.34')).map((v) => v.profile)).toEqual(['client-go<=0.34']);
  });

  // Section "coin toss": a real v0.37.2 informer logged 2 warnings where the exact timeline gives 1.
  it('a tick within TICK_RACE_MS of the 10 s threshold makes the warning count a range, and says why', () => {
    const s = watchListStream().response(0).added(3, 'a', '1').endBookmark(21_000, '2').close(21_001, 'client-abort');
    const v = verdict(deriveClientVerdicts(runOf(s)), 'client-go>=0.35');
    expect(v).toMatchObject({ outcome: 'syncs', warnings: 1, warningsRange: { min: 1, max: 2 } });
    expect(v.explanation).toContain(
      'The number of "Warning: event bookmark expired" lines is a coin toss, 1–2: at the 10s tick the last event was 9.997s old, 3ms from the 10 s threshold (under 50 ms)',
    );
  });

  it('an end bookmark arriving at a tick makes that tick a coin toss; ticks far from any boundary do not', () => {
    const racing = watchListStream().response(0).endBookmark(10_020, '2').close(10_021, 'client-abort');
    const v = verdict(deriveClientVerdicts(runOf(racing)), 'client-go>=0.35');
    expect(v).toMatchObject({ warnings: 1, warningsRange: { min: 0, max: 1 } });
    expect(v.explanation).toContain('coin toss, 0–1: the 10s tick and the stream\'s end bookmark arrived 20ms apart');
    const certain = watchListStream().response(0).added(3_000, 'a', '1').endBookmark(25_000, '2').close(25_001, 'client-abort');
    const c = verdict(deriveClientVerdicts(runOf(certain)), 'client-go>=0.35');
    expect(c.warnings).toBe(1);
    expect(c.warningsRange).toBeUndefined();
    expect(c.explanation).not.toContain('coin toss');
  });

  it('a custom resource has no typed client-go informer: one verdict, the dynamic informer\'s', () => {
    const s = watchListStream().watched(WIDGETS).response(0).added(5, 'a', '1').endBookmark(7, '2', 'true', { kind: 'Gadget' }).close(20_000, 'client-abort');
    const verdicts = deriveClientVerdicts(runOf(s));
    expect(verdicts.map((v) => [v.profile, v.outcome])).toEqual([['client-go>=0.35', 'syncs']]);
    expect(verdicts[0]!.explanation).toContain('That bookmark carried kind "Gadget" / apiVersion "kinm.test/v1" instead of Widget / kinm.test/v1');
  });

  it('live events of another kind: skipped by a typed informer, taken into the cache by a dynamic one', () => {
    const s = watchListStream()
      .response(0)
      .added(5, 'a', '1')
      .endBookmark(7, '2')
      .event(100, 'ADDED', { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'b', namespace: 'watchmark', resourceVersion: '3' } })
      .close(20_000, 'client-abort');
    const verdicts = deriveClientVerdicts(runOf(s));
    expect(verdicts.map((v) => [v.profile, v.outcome, v.skippedEvents])).toEqual([
      ['client-go>=0.35 typed', 'syncs', 1],
      ['client-go>=0.35 dynamic', 'syncs', undefined],
    ]);
    expect(verdicts[0]!.explanation).toContain('It skipped 1 event(s) of another registered type (v1 Pod, not v1 ConfigMap)');
    expect(verdicts[1]!.explanation).toContain('It took 1 event(s) of kind v1 Pod instead of v1 ConfigMap as they are');
  });

  it('after sync, a server close within 1 s with nothing more is a very short watch of the regular watch loop', () => {
    const s = watchListStream().response(0).added(5, 'a', '1').endBookmark(10, '2').close(500, 'server-eof');
    const v = verdict(deriveClientVerdicts(runOf(s)), 'client-go>=0.35');
    expect(v.outcome).toBe('syncs');
    expect(v.logLines.at(-1)).toEqual({
      atMs: 500,
      line: '"Warning: watch ended with error" reflector="<reflector>" type="<type>" err="very short watch: <reflector>: Unexpected watch close - watch lasted less than a second and no items received"',
    });
  });

  it('prefers the watch-list scenario stream and omits profiles the record cannot support', () => {
    const record = run()
      .stream(watchListStream('other#1').scenario('other').response(0).close(20_000, 'client-abort'))
      .stream(watchListStream('watch-list#1').response(0).endBookmark(5, '1'))
      .build();
    const verdicts = deriveClientVerdicts(record);
    expect(verdicts.map((v) => v.profile)).toEqual(['client-go>=0.35']);
    expect(verdicts[0]!.basedOn).toEqual(['watch-list#1']);
    expect(deriveClientVerdicts(runOf(plainWatchStream().response(0)))).toEqual([]);
  });
});

describe('deriveClientVerdicts: client-go<=0.34 (LIST then WATCH)', () => {
  it('never syncs while the LIST fails', () => {
    const v = verdict(deriveClientVerdicts(run().list({ sentAtMs: 0, atMs: 10, status: 500, error: 'boom' }).build()), 'client-go<=0.34');
    expect(v.outcome).toBe('never-syncs');
    expect(v.explanation).toContain('800 ms');
  });

  it('syncs on the LIST and reports the relist loop a malformed plain watch causes', () => {
    const record = run()
      .list({ sentAtMs: 0, atMs: 30, itemCount: 1, resourceVersion: '5' })
      .stream(plainWatchStream('watch#1', '5').sentAt(40).response(50).added(60, 'a', '6').event(70, 'WEIRD', {}).close(71))
      .build();
    const v = verdict(deriveClientVerdicts(record), 'client-go<=0.34');
    expect(v.outcome).toBe('syncs');
    expect(v.explanation).toContain('relist loop');
    expect(v.logLines).toEqual([
      {
        atMs: 70,
        line: '"Warning: watch ended with error" reflector="<reflector>" type="<type>" err="an error on the server (\\"unable to decode an event from the watch stream: got invalid watch event type: WEIRD\\") has prevented the request from succeeding"',
      },
    ]);
  });

  it('reports a very short plain watch', () => {
    const record = run().list({ sentAtMs: 0, atMs: 30, itemCount: 1 }).stream(plainWatchStream('watch#1').sentAt(40).response(50).close(300)).build();
    const v = verdict(deriveClientVerdicts(record), 'client-go<=0.34');
    expect(v.explanation).toContain('VeryShortWatchError');
    expect(v.logLines[0]?.line).toContain('Warning: watch ended with error');
  });
});

describe('stream() helper sanity', () => {
  it('builds requests with the given options', () => {
    expect(stream('x', { resourceVersion: '1' }).build().request.options).toEqual({ resourceVersion: '1' });
  });
});
