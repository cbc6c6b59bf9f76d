import { describe, expect, it } from 'vitest';
import { notOpenedStream, withRole } from '../../test/support/role-streams.js';
import { plainWatchStream, run } from '../../test/support/timeline-builder.js';
import type { StreamRecord, WorkloadWrite } from '../record/timeline.js';
import { DEFAULT_CHECK_PARAMS } from './types.js';
import { watchExpired } from './watch-expired.js';

type Write = Partial<WorkloadWrite> & { atMs: number; resource: string; name: string };

/** Seeds written before the streams open (RV 3..6), then live writes. */
const WRITES: Write[] = [
  { atMs: -60, sentAtMs: -62, resource: 'configmaps', verb: 'create', name: 'a', resourceVersion: '3' },
  { atMs: -50, sentAtMs: -52, resource: 'configmaps', verb: 'create', name: 'b', resourceVersion: '4' },
  { atMs: -40, sentAtMs: -42, resource: 'configmaps', verb: 'create', name: 'c', resourceVersion: '5' },
  { atMs: -30, sentAtMs: -32, resource: 'configmaps', verb: 'update', name: 'a', resourceVersion: '6' },
  { atMs: 1_000, sentAtMs: 995, resource: 'configmaps', verb: 'create', name: 'd', resourceVersion: '7' },
];

function fromRv1() {
  return plainWatchStream('expired-rv#1', '1', { timeoutSeconds: 5 }).scenario('watch-expired').sentAt(0).response(3);
}

function check(...streams: StreamRecord[]) {
  const builder = run();
  for (const s of streams) builder.stream(s);
  for (const w of WRITES) builder.write(w);
  return watchExpired.run(builder.endedAt(16_000).build(), DEFAULT_CHECK_PARAMS);
}

const TOO_OLD = { code: 410, reason: 'Expired', message: 'too old resource version: 1 (2)' };

describe('watch.expired', () => {
  it('passes on the ERROR event 410 Expired kube-apiserver sends, and on an HTTP 410 Gone', () => {
    const result = check(withRole(fromRv1().error(4, TOO_OLD).close(5), 'expired'));
    expect(result.status).toBe('pass');
    expect(result.summary).toBe('1 watch(es) from an RV the server no longer serves got 410 Expired');
    expect(result.findings[0]!.message).toContain('an ERROR event 410 Expired "too old resource version: 1 (2)"');

    const gone = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'gone', reason: 'Gone', code: 410 });
    const http = plainWatchStream('expired-rv#1', '1').sentAt(0).response(3, { status: 410, body: gone }).close(4);
    expect(check(withRole(http, 'expired')).status).toBe('pass');
  });

  it('warns on a 410 with a reason client-go does not take as expired, and on any other error', () => {
    const notFound = check(withRole(fromRv1().error(4, { code: 410, reason: 'NotFound', message: 'no such RV' }).close(5), 'expired'));
    expect(notFound.status).toBe('warn');
    expect(notFound.findings[0]!.message).toContain("client-go's isExpiredError (apierrors.IsResourceExpired || IsGone) does not recognise a 410 with reason NotFound");

    const internal = check(withRole(fromRv1().error(4, { code: 500, reason: 'InternalError', message: 'boom' }).close(5), 'expired'));
    expect(internal.status).toBe('warn');
    expect(internal.findings[0]!.message).toContain('observed an ERROR event 500 InternalError "boom"');
    expect(internal.findings[0]!.message).toContain('not its "expired" path');

    const http500 = plainWatchStream('expired-rv#1', '1').sentAt(0).response(3, { status: 500, body: 'oops' }).close(4);
    expect(check(withRole(http500, 'expired')).findings[0]!.message).toContain('observed HTTP 500');
  });

  it('does not judge a 403: it answers for the credentials, not the RV (skip, naming the status)', () => {
    const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Forbidden', message: 'denied', code: 403 });
    const forbidden = plainWatchStream('expired-rv#1', '1').sentAt(0).response(3, { status: 403, body }).close(4);
    const result = check(withRole(forbidden, 'expired'));
    expect(result.status).toBe('skip');
    expect(result.findings).toEqual([]);
    expect(result.summary).toBe('expired-rv#1 answered HTTP 403 Forbidden: denied: says nothing about expiry');
  });

  it('fails when the server starts later in silence: writes above the RV missing, later events delivered', () => {
    const silent = fromRv1().added(1_005, 'd', '7').close(5_003);
    const result = check(withRole(silent, 'expired'));
    expect(result.status).toBe('fail');
    expect(result.findings).toHaveLength(1);
    const [finding] = result.findings;
    expect(finding!.message).toContain('missing 4 of the 4 write(s) acknowledged before it opened: create of watchmark/a (RV 3) acknowledged 60ms before the request');
    expect(finding!.message).toContain('would silently miss these events and never notice');
    expect(finding!.evidence).toMatchObject({ expected: 4, missing: 4, changeEvents: 1 });

    // A server that replays only part of what is gone is no better.
    const partial = fromRv1().modified(4, 'a', '6').added(1_005, 'd', '7').close(5_003);
    expect(check(withRole(partial, 'expired')).findings[0]!.message).toContain('missing 3 of the 4');
  });

  it('skips, saying so, when the server still serves the RV (every write above it replayed)', () => {
    const served = fromRv1().added(4, 'a', '3').added(4, 'b', '4').added(4, 'c', '5').modified(4, 'a', '6').added(1_005, 'd', '7').close(5_003);
    const result = check(withRole(served, 'expired'));
    expect(result.status).toBe('skip');
    expect(result.summary).toBe('the server still serves 1 from its history (expired-rv#1 replayed all 4 workload write(s) above it), so it could not be made old enough here');
    // Next to one that did get 410, the check passes and says what it could not judge.
    const both = check(withRole(served, 'expired'), withRole(fromRv1().error(4, TOO_OLD).close(5), 'expired'));
    expect(both.status).toBe('pass');
    expect(both.summary).toContain('(not judged: the server still serves 1');
  });

  it('warns on a 200 stream ended at once without any event: a very short watch, not the expired path', () => {
    const result = check(withRole(fromRv1().close(6), 'expired'));
    expect(result.status).toBe('warn');
    expect(result.findings[0]!.message).toContain('very short watch');
  });

  it('skips with the reason when not opened, without workload writes, or without a comparable RV', () => {
    expect(check(notOpenedStream('expired-aged#1', 'expired', 'expired-aged#1 was not opened: this run has no workload'))).toMatchObject({
      status: 'skip',
      summary: 'expired-aged#1 was not opened: this run has no workload',
    });
    expect(check(fromRv1().error(4, TOO_OLD).close(5).build()).summary).toBe('no stream watches from an RV the server should no longer serve (role expired)');
    expect(watchExpired.run(run().stream(withRole(fromRv1().close(5_003), 'expired')).build(), DEFAULT_CHECK_PARAMS)).toMatchObject({ status: 'skip' });
    const opaque = plainWatchStream('expired-rv#1', 'abc').sentAt(0).response(3).close(5_003);
    expect(check(withRole(opaque, 'expired')).summary).toContain('not a decimal integer');
  });
});
