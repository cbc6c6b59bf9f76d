import { describe, expect, it } from 'vitest';
import { run, stream, watchListStream } from '../../test/support/timeline-builder.js';
import { DEFAULT_CHECK_PARAMS } from './types.js';
import { validationCaseOf, validationWatchList } from './validation-watch-list.js';

const invalid = (message: string) =>
  JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `ListOptions.meta.k8s.io "" is invalid: ${message}`, reason: 'Invalid', code: 422 });
const NO_RVM = invalid('resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan');
const RVM_ONLY = invalid('resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided');

const noRvm = () => stream('validation-no-rvm#1', { sendInitialEvents: true, allowWatchBookmarks: true, timeoutSeconds: 5 }, 'validation-no-rvm').sentAt(30);
const rvmOnly = () => stream('validation-rvm-only#1', { resourceVersionMatch: 'NotOlderThan', allowWatchBookmarks: true, timeoutSeconds: 5 }, 'validation-rvm-only').sentAt(30);
const noBookmarks = () =>
  stream('watch-list-no-bookmarks#1', { sendInitialEvents: true, resourceVersionMatch: 'NotOlderThan', timeoutSeconds: 5 }, 'watch-list-no-bookmarks').sentAt(30);

/** The valid stream as kube-apiserver serves it: initial ADDED (key order), a live event, no bookmark, closed at 5 s. */
const streamedState = () => noBookmarks().response(34).added(36, 'a', '97').added(36, 'b', '98').added(36, 'c', '100').added(1_025, 'd', '106').close(5_035);
const seededList = { sentAtMs: 0, atMs: 18, itemCount: 3, resourceVersion: '105' };
const writeD = { atMs: 1_020, sentAtMs: 1_000, resource: 'configmaps', name: 'd', verb: 'create' as const, resourceVersion: '106' };

const check = (builder: ReturnType<typeof run>) => validationWatchList.run(builder.build(), DEFAULT_CHECK_PARAMS);

describe('validation.watch-list', () => {
  it('classifies requests by what was sent', () => {
    expect(validationCaseOf({ sendInitialEvents: true, allowWatchBookmarks: true })).toBe('initial-events-without-rvm');
    expect(validationCaseOf({ sendInitialEvents: false, resourceVersionMatch: 'Exact' })).toBe('initial-events-without-rvm');
    expect(validationCaseOf({ resourceVersionMatch: 'NotOlderThan', allowWatchBookmarks: true })).toBe('rvm-without-initial-events');
    expect(validationCaseOf({ sendInitialEvents: true, resourceVersionMatch: 'NotOlderThan' })).toBe('initial-events-without-bookmarks');
    expect(validationCaseOf({ sendInitialEvents: true, resourceVersionMatch: 'NotOlderThan', allowWatchBookmarks: true })).toBeUndefined();
    expect(validationCaseOf({ resourceVersion: '0', allowWatchBookmarks: true })).toBeUndefined();
  });

  it('passes kube-apiserver: 422 Status for both invalid combinations, the state without any bookmark for the valid one', () => {
    const result = check(
      run()
        .list(seededList)
        .stream(noRvm().response(32, { status: 422, body: NO_RVM }).close(32))
        .stream(rvmOnly().response(32, { status: 422, body: RVM_ONLY }).close(32))
        .stream(streamedState())
        .write(writeD),
    );
    expect(result.status).toBe('pass');
    expect(result.findings).toEqual([]);
    expect(result.summary).toContain('3 stream(s)');
  });

  it('warns when a server silently accepts the invalid combinations (and says client-go never sends them)', () => {
    const result = check(
      run()
        .stream(noRvm().response(33).added(35, 'a', '97').added(35, 'b', '98').close(5_033))
        .stream(rvmOnly().response(33).close(5_033))
        .stream(streamedState()),
    );
    expect(result.status).toBe('warn');
    expect(result.findings.map((f) => [f.stream, f.severity])).toEqual([
      ['validation-no-rvm#1', 'warn'],
      ['validation-rvm-only#1', 'warn'],
    ]);
    const [first, second] = result.findings;
    expect(first?.message).toContain('expected HTTP 422 Invalid for sendInitialEvents=true&allowWatchBookmarks=true');
    expect(first?.message).toContain('sendInitialEvents requires setting resourceVersionMatch to NotOlderThan');
    expect(first?.message).toContain('observed HTTP 200 and a watch stream (2 ADDED');
    expect(first?.message).toContain('client-go never sends it');
    expect(first?.message).toContain('ignore sendInitialEvents altogether');
    expect(second?.message).toContain('resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided');
    expect(second?.evidence).toMatchObject({ case: 'rvm-without-initial-events', expectedStatus: 422, status: 200, eventCounts: {} });
  });

  it('passes an invalid combination only on 422: a non-Status 422 body is noted, another 4xx or an in-stream ERROR is a warn named as observed', () => {
    const result = check(
      run()
        .stream(noRvm().response(32, { status: 422, body: 'invalid options' }).close(32))
        .stream(rvmOnly().response(32, { status: 400, body: JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'BadRequest', message: 'bad options', code: 400 }) }).close(32))
        .stream(noRvm().sentAt(40).response(42).error(43, { code: 400, reason: 'BadRequest' }).close(44)),
    );
    expect(result.status).toBe('warn');
    expect(result.findings.map((f) => f.severity)).toEqual(['info', 'warn', 'warn']);
    expect(result.findings[0]?.message).toContain('body is not a Status');
    expect(result.findings[1]?.message).toContain('observed HTTP 400 BadRequest: bad options');
    expect(result.findings[2]?.message).toContain('an ERROR event');
  });

  const FORBIDDEN = (verb: string) =>
    JSON.stringify({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `configmaps is forbidden: User "ci" cannot ${verb} resource "configmaps" in API group "" in the namespace "watchmark"`,
      reason: 'Forbidden',
      details: { kind: 'configmaps' },
      code: 403,
    });

  it('never claims a 422 when the server answered 403: skips, naming the status as it is', () => {
    const result = check(
      run()
        .stream(noRvm().response(32, { status: 403, body: FORBIDDEN('watch') }).close(32))
        .stream(rvmOnly().response(32, { status: 403, body: FORBIDDEN('watch') }).close(32))
        .stream(noBookmarks().response(32, { status: 403, body: FORBIDDEN('watch') }).close(32)),
    );
    expect(result.status).toBe('skip');
    expect(result.findings).toEqual([]);
    expect(result.summary).not.toContain('rejected with 422');
    expect(result.summary).toContain('validation-no-rvm#1 answered HTTP 403 Forbidden');
    expect(result.summary).toContain('expected HTTP 422 Invalid: says nothing about validation');
  });

  it('judges the streams that were answered and names the ones that were not (503), without claiming more than it saw', () => {
    const result = check(
      run()
        .stream(noRvm().response(32, { status: 422, body: NO_RVM }).close(32))
        .stream(rvmOnly().response(32, { status: 503, body: 'upstream unavailable' }).close(32)),
    );
    expect(result.status).toBe('pass');
    expect(result.summary).toContain('1 stream(s): 1 invalid combination(s) rejected with 422');
    expect(result.summary).toContain('validation-rvm-only#1 answered HTTP 503 Service Unavailable: upstream unavailable');
    expect(result.summary).not.toContain('accepted with the initial state');
  });

  it('warns when sendInitialEvents without allowWatchBookmarks sends the end bookmark, or any bookmark', () => {
    const marker = check(run().list(seededList).stream(noBookmarks().response(34).added(36, 'a', '97').endBookmark(37, '105').close(5_035)));
    expect(marker.status).toBe('warn');
    expect(marker.findings[0]?.message).toContain('expected no BOOKMARK at all');
    expect(marker.findings[0]?.message).toContain('annotated k8s.io/initial-events-end');
    expect(marker.findings[0]?.evidence).toMatchObject({ bookmarks: 1, initialEventsEndBookmarks: 1 });
    const plain = check(run().list(seededList).stream(noBookmarks().response(34).added(36, 'a', '97').bookmark(3_037, '106').close(5_035)));
    expect(plain.status).toBe('warn');
    expect(plain.findings[0]?.evidence).toMatchObject({ bookmarks: 1, initialEventsEndBookmarks: 0 });
  });

  it('warns when the valid combination streams no initial state although the LIST had items', () => {
    const result = check(run().list(seededList).stream(noBookmarks().response(34).added(1_025, 'd', '106').close(5_035)).write(writeD));
    expect(result.status).toBe('warn');
    expect(result.findings[0]?.message).toContain('the server ignores sendInitialEvents=true');
    expect(result.findings[0]?.evidence).toMatchObject({ initialEvents: 0, boundary: 'stream-end', reference: { count: 3 } });
  });

  it('takes the watch-list stream as the reference for the initial state, and only notes an empty state with nothing to deliver', () => {
    const watchList = watchListStream('watch-list#1', { timeoutSeconds: 60 }).sentAt(30).response(34).added(36, 'a', '97').endBookmark(37, '105').close(16_000, 'client-abort');
    const warned = check(run().stream(watchList).stream(noBookmarks().response(34).close(5_035)));
    expect(warned.status).toBe('warn');
    expect(warned.findings[0]?.message).toContain('watch-list#1 delivered 1 initial event(s)');
    const empty = check(run().list({ ...seededList, itemCount: 0 }).stream(noBookmarks().response(34).close(5_035)));
    expect(empty.status).toBe('pass');
    expect(empty.findings.map((f) => f.severity)).toEqual(['info']);
    expect(empty.findings[0]?.message).toContain('nothing to deliver');
    const unknown = check(run().stream(noBookmarks().response(34).close(5_035)));
    expect(unknown.status).toBe('pass');
    expect(unknown.findings[0]?.message).toContain('no watch-list stream or LIST of the same collection');
  });

  it('ignores a LIST of another collection as the reference', () => {
    const result = check(
      run()
        .list({ ...seededList, path: '/api/v1/namespaces/other/configmaps?limit=500&resourceVersion=0' })
        .stream(noBookmarks().response(34).close(5_035)),
    );
    expect(result.status).toBe('pass');
    expect(result.findings[0]?.severity).toBe('info');
  });

  it('warns when sendInitialEvents without allowWatchBookmarks is rejected while the watch-list is accepted', () => {
    const result = check(
      run()
        .stream(watchListStream('watch-list#1').sentAt(30).response(34).endBookmark(37, '105').close(16_000, 'client-abort'))
        .stream(noBookmarks().response(32, { status: 422, body: invalid('allowWatchBookmarks: Required value') }).close(32)),
    );
    expect(result.status).toBe('warn');
    expect(result.findings[0]?.message).toContain('no rule involving allowWatchBookmarks');
    expect(result.findings[0]?.message).toContain('while watch-list#1 with allowWatchBookmarks=true got 200');
  });

  it('only notes a 422 for every sendInitialEvents when the WatchList gate is off (kube-apiserver 1.33 default)', () => {
    const gateMessage = invalid('sendInitialEvents: Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled');
    const byMessage = check(run().stream(noBookmarks().response(32, { status: 422, body: gateMessage }).close(32)));
    expect(byMessage.status).toBe('pass');
    expect(byMessage.findings[0]?.message).toContain('WatchList feature off');
    const byWatchList = check(
      run()
        .stream(watchListStream('watch-list#1').sentAt(30).response(32, { status: 422, body: NO_RVM }).close(32))
        .stream(noBookmarks().response(32, { status: 422, body: NO_RVM }).close(32)),
    );
    expect(byWatchList.status).toBe('pass');
    expect(byWatchList.findings.map((f) => f.severity)).toEqual(['info']);
  });

  it('skips when no stream sent one of these combinations, or none got a response', () => {
    const none = check(run().stream(watchListStream().response(5).endBookmark(6, '10')));
    expect(none.status).toBe('skip');
    expect(none.summary).toContain('no stream sent an invalid watch-list combination');
    const unanswered = check(run().stream(noRvm().close(40, 'error', { code: 'WM_CONNECT', message: 'connection refused' })));
    expect(unanswered.status).toBe('skip');
    expect(unanswered.summary).toContain('connection refused');
  });
});
