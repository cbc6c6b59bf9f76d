import { describe, expect, it } from 'vitest';
import { WIDGETS, plainWatchStream, run, stream, watchListStream } from '../../test/support/timeline-builder.js';
import { deriveClientVerdicts } from '../verdict/index.js';
import { ALL_CHECKS, runChecks } from './index.js';
import { DEFAULT_CHECK_PARAMS } from './types.js';

/** kube-apiserver's 422 for an invalid watch-list combination (apiserver get.go errors.NewInvalid). */
function invalidStatus(fieldError: string): string {
  return JSON.stringify({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `ListOptions.meta.k8s.io "" is invalid: ${fieldError}`,
    reason: 'Invalid',
    details: { group: 'meta.k8s.io', kind: 'ListOptions', causes: [{ reason: 'FieldValueForbidden', field: 'resourceVersionMatch' }] },
    code: 422,
  });
}

/**
 * What kube-apiserver >= 1.34 (watch cache, WatchList on) sends for watchmark's default suite:
 * watch-list with unordered initial ADDED and the end bookmark at the resource-wide RV, plain
 * watches from the LIST RV with ordered live events, a bookmark ~2 s before each 10 s deadline
 * (the RV advanced by writes), a periodic bookmark ~60 s into a 70 s watch, no bookmark on the
 * watch that did not ask for them, bookmarks on a selector watch that sees no object, 422 for the
 * two invalid watch-list combinations, and the initial state without any bookmark for
 * sendInitialEvents without allowWatchBookmarks. Every watch gets each write ~5 ms after its response.
 */
function healthyKubeApiserverRun() {
  const writes = [
    { atMs: 1_020, sentAtMs: 1_000, verb: 'create' as const, name: 'd', resourceVersion: '106' },
    { atMs: 1_520, sentAtMs: 1_500, verb: 'update' as const, name: 'a', resourceVersion: '107' },
    { atMs: 2_020, sentAtMs: 2_000, verb: 'delete' as const, name: 'b', resourceVersion: '108' },
  ];
  const live = <T extends ReturnType<typeof plainWatchStream>>(s: T, offsetMs = 5): T =>
    s.added(1_020 + offsetMs, 'd', '106').modified(1_520 + offsetMs, 'a', '107').deleted(2_020 + offsetMs, 'b', '108');
  const builder = run()
    .list({ sentAtMs: 0, atMs: 18, itemCount: 3, resourceVersion: '105' })
    .stream(
      live(
        watchListStream('watch-list#1', { timeoutSeconds: 60 })
          .sentAt(30)
          .response(34)
          .added(36, 'b', '98')
          .added(36, 'a', '97')
          .added(36, 'c', '100')
          .endBookmark(37, '105'),
      ).close(16_100, 'client-abort'),
    )
    .stream(live(plainWatchStream('watch#1', '105', { timeoutSeconds: 10 }).sentAt(30).response(33)).bookmark(8_040, '108').close(10_034, 'server-eof'))
    .stream(
      live(plainWatchStream('watch-no-bookmarks#1', '105', { timeoutSeconds: 10, allowWatchBookmarks: undefined }).sentAt(30).response(33)).close(
        10_035,
        'server-eof',
      ),
    )
    .stream(
      live(
        stream('legacy-watch#1', { resourceVersion: '0', allowWatchBookmarks: true, timeoutSeconds: 10 }, 'legacy-watch')
          .sentAt(30)
          .response(33)
          .added(35, 'c', '100')
          .added(35, 'a', '97')
          .added(35, 'b', '98')
          .endBookmark(36, '105'),
      )
        .bookmark(8_020, '108')
        .close(10_033, 'server-eof'),
    )
    .stream(
      plainWatchStream('selector-watch#1', '105', { timeoutSeconds: 10, labelSelector: 'watchmark.io/no-such-label=true' })
        .scenario('selector-watch')
        .sentAt(30)
        .response(33)
        .bookmark(8_530, '108')
        .close(10_034, 'server-eof'),
    )
    .stream(
      live(plainWatchStream('long-watch#1', '105', { timeoutSeconds: 70 }).scenario('long-watch').sentAt(30).response(33))
        .bookmark(61_200, '108')
        .bookmark(68_100, '108')
        .close(70_034, 'server-eof'),
    )
    .stream(
      stream('validation-no-rvm#1', { sendInitialEvents: true, allowWatchBookmarks: true, timeoutSeconds: 5 }, 'validation-no-rvm')
        .sentAt(30)
        .response(32, { status: 422, body: invalidStatus('resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan') })
        .close(32, 'server-eof'),
    )
    .stream(
      stream('validation-rvm-only#1', { resourceVersionMatch: 'NotOlderThan', allowWatchBookmarks: true, timeoutSeconds: 5 }, 'validation-rvm-only')
        .sentAt(30)
        .response(32, { status: 422, body: invalidStatus('resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided') })
        .close(32, 'server-eof'),
    )
    .stream(
      live(
        stream('watch-list-no-bookmarks#1', { sendInitialEvents: true, resourceVersionMatch: 'NotOlderThan', timeoutSeconds: 5 }, 'watch-list-no-bookmarks')
          .sentAt(30)
          .response(34)
          .added(36, 'a', '97')
          .added(36, 'c', '100')
          .added(36, 'b', '98'),
      ).close(5_035, 'server-eof'),
    );
  for (const write of writes) builder.write({ ...write, resource: 'configmaps' });
  return builder.endedAt(70_100).build();
}

describe('ALL_CHECKS', () => {
  it('lists the checks in their stable order, each documented', () => {
    expect(ALL_CHECKS.map((check) => check.id)).toEqual([
      'initial-events-end.present',
      'initial-events-end.annotation',
      'initial-events-end.resource-version',
      'initial-events-end.latency',
      'initial-events.added',
      'bookmark.unrequested',
      'bookmark.object',
      'event.object-kind',
      'bookmark.resource-version',
      'bookmark.before-deadline',
      'event.resource-version-order',
      'resource-version.monotonic',
      'stream.framing',
      'stream.protobuf-framing',
      'stream.error-status',
      'watch.timeout',
      'watch.answered',
      'validation.watch-list',
      'bookmark.periodic',
      'bookmark.selectors',
      'watch.concurrent-order',
      'event.latency',
      'watch.resume',
      'watch.expired',
    ]);
    for (const check of ALL_CHECKS) {
      expect(check.title.length).toBeGreaterThan(10);
      expect(check.source).toMatch(/v0\.\d+|test\/e2e/);
    }
  });

  it('skips every check, with a reason, on an empty record', () => {
    const results = runChecks(run().build());
    expect(results.map((r) => r.status)).toEqual(ALL_CHECKS.map(() => 'skip'));
    for (const result of results) expect(result.summary).not.toBe('');
  });
});

describe('a healthy kube-apiserver timeline', () => {
  const record = healthyKubeApiserverRun();

  it('gets no fail and no warn from any check', () => {
    const results = runChecks(record, DEFAULT_CHECK_PARAMS);
    const problems = results.flatMap((r) => r.findings.filter((f) => f.severity !== 'info').map((f) => `${r.id}: ${f.message}`));
    expect(problems).toEqual([]);
    expect(results.filter((r) => r.status === 'fail' || r.status === 'warn')).toEqual([]);
    // The interesting checks really ran (a skip would hide a broken timeline).
    const status = Object.fromEntries(results.map((r) => [r.id, r.status]));
    expect(status).toMatchObject({
      'initial-events-end.present': 'pass',
      'initial-events-end.annotation': 'pass',
      'initial-events-end.resource-version': 'pass',
      'initial-events-end.latency': 'pass',
      'initial-events.added': 'pass',
      'bookmark.unrequested': 'pass',
      'bookmark.object': 'pass',
      'bookmark.resource-version': 'pass',
      'bookmark.before-deadline': 'pass',
      'event.resource-version-order': 'pass',
      'stream.framing': 'pass',
      'watch.timeout': 'pass',
      'watch.answered': 'pass',
      'validation.watch-list': 'pass',
      'bookmark.periodic': 'pass',
      'bookmark.selectors': 'pass',
      'watch.concurrent-order': 'pass',
      'event.latency': 'pass',
    });
    expect(status['stream.error-status']).toBe('skip');
  });

  it('syncs both client-go profiles and client-node', () => {
    const verdicts = deriveClientVerdicts(record);
    expect(verdicts.map((v) => [v.profile, v.outcome, v.warnings])).toEqual([
      ['client-go>=0.35', 'syncs', 0],
      ['client-go<=0.34', 'syncs', 0],
      ['client-node', 'syncs', 0],
    ]);
    expect(verdicts[0]?.syncedAfterMs).toBe(7);
  });
});

describe('a kinm-like timeline (MODIFIED initial events, no bookmarks ever)', () => {
  const record = run()
    .list({ sentAtMs: 0, atMs: 25, itemCount: 3, resourceVersion: '12' })
    .stream(
      watchListStream('watch-list#1', { timeoutSeconds: 60 })
        .watched(WIDGETS)
        .sentAt(30)
        .response(34)
        .modified(34, 'a', '10')
        .added(34, 'b', '11')
        .modified(34, 'c', '12')
        .added(1_040, 'd', '13')
        .close(25_100, 'client-abort'),
    )
    .stream(plainWatchStream('watch#1', '12', { timeoutSeconds: 10 }).watched(WIDGETS).sentAt(30).response(33).added(1_040, 'd', '13').close(10_034, 'server-eof'))
    .write({ atMs: 1_030, sentAtMs: 1_000, resource: 'widgets', name: 'd', verb: 'create', resourceVersion: '13' })
    .endedAt(25_100)
    .build();

  it('fails initial-events-end.present, warns initial-events.added and bookmark.before-deadline', () => {
    const status = Object.fromEntries(runChecks(record).map((r) => [r.id, r.status]));
    expect(status).toMatchObject({
      'initial-events-end.present': 'fail',
      'initial-events.added': 'warn',
      'initial-events-end.latency': 'warn',
      'bookmark.before-deadline': 'warn',
      'initial-events-end.annotation': 'skip',
      'bookmark.object': 'skip',
      'stream.framing': 'pass',
      'watch.timeout': 'pass',
      // One 25 s watch-list without bookmarks: nothing shows a cadence; the writes were delivered.
      'bookmark.periodic': 'skip',
      'event.latency': 'pass',
    });
  });

  it('never syncs client-go >= v0.35 and syncs client-go <= v0.34 and client-node', () => {
    const verdicts = deriveClientVerdicts(record);
    expect(verdicts.map((v) => [v.profile, v.outcome])).toEqual([
      ['client-go>=0.35', 'never-syncs'],
      ['client-go<=0.34', 'syncs'],
      ['client-node', 'syncs'],
    ]);
    // The live ADDED at 1.04 s is processed too (the reflector cannot tell it from an initial event):
    // the 10 s tick is 8.994 s after it (no line), the 20 s tick 18.994 s.
    expect(verdicts[0]?.logLines).toEqual([
      {
        atMs: 20_004,
        line: `"Warning: event bookmark expired" err="<reflector>: hasn't received required bookmark event marking the end of initial events stream, received last event 18.994s ago"`,
      },
    ]);
  });
});
