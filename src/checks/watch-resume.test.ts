import { describe, expect, it } from 'vitest';
import { notOpenedStream, withRole } from '../../test/support/role-streams.js';
import { plainWatchStream, run } from '../../test/support/timeline-builder.js';
import type { StreamRecord, StreamStartedFrom, WorkloadWrite } from '../record/timeline.js';
import { ALL_CHECKS, runChecks } from './index.js';
import { DEFAULT_CHECK_PARAMS } from './types.js';
import { watchResume } from './watch-resume.js';

type Write = Partial<WorkloadWrite> & { atMs: number; resource: string; name: string };

/**
 * watch#1 saw ADDED b@102 at 1.51 s; the writes at 2.5 s and 3.0 s happen while the resumed
 * watch is "closed"; it opens at 3.2 s from RV 102 and the write at 3.5 s is live.
 */
const WRITES: Write[] = [
  { atMs: 1_000, sentAtMs: 995, resource: 'configmaps', verb: 'create', name: 'a', resourceVersion: '101' },
  { atMs: 1_500, sentAtMs: 1_495, resource: 'configmaps', verb: 'create', name: 'b', resourceVersion: '102' },
  { atMs: 2_500, sentAtMs: 2_495, resource: 'configmaps', verb: 'update', name: 'a', resourceVersion: '103' },
  { atMs: 3_000, sentAtMs: 2_995, resource: 'configmaps', verb: 'delete', name: 'b', resourceVersion: '104' },
  { atMs: 3_500, sentAtMs: 3_495, resource: 'configmaps', verb: 'update', name: 'a', resourceVersion: '105' },
];

const FROM_EVENT: StreamStartedFrom = { kind: 'from-stream', stream: 'watch#1', of: 'event', resourceVersion: '102', eventSeq: 1, eventType: 'ADDED', eventAtMs: 1_510 };

function resumed(id = 'resume-from-event#1', rv = '102') {
  return plainWatchStream(id, rv, { timeoutSeconds: 10 }).scenario('watch-resume').sentAt(3_200).response(3_205);
}

function recordOf(streams: StreamRecord[], writes: Write[] = WRITES, endedAtMs = 16_000) {
  const builder = run();
  for (const s of streams) builder.stream(s);
  for (const w of writes) builder.write(w);
  return builder.endedAt(endedAtMs).build();
}

const healthy = () => resumed().modified(3_206, 'a', '103').deleted(3_206, 'b', '104').modified(3_505, 'a', '105').bookmark(11_200, '105').close(13_205);

describe('watch.resume', () => {
  it('passes when the resumed stream replays exactly the writes above its RV, with extra events of other writers', () => {
    const result = watchResume.run(recordOf([withRole(healthy(), 'resume', FROM_EVENT)]), DEFAULT_CHECK_PARAMS);
    expect(result.status).toBe('pass');
    expect(result.summary).toBe('1 resumed stream(s) delivered all 3 workload write(s) above their start RV, none at or below it, none twice');
    const withController = resumed().added(3_206, 'kube-root-ca.crt', '103').modified(3_206, 'a', '103').deleted(3_206, 'b', '104').modified(3_505, 'a', '105').close(13_205);
    expect(watchResume.run(recordOf([withRole(withController, 'resume', FROM_EVENT)]), DEFAULT_CHECK_PARAMS).status).toBe('pass');
  });

  it('fails on a write above the start RV the resumed stream never delivered', () => {
    const gap = resumed().modified(3_206, 'a', '103').modified(3_505, 'a', '105').close(13_205);
    const result = watchResume.run(recordOf([withRole(gap, 'resume', FROM_EVENT)]), DEFAULT_CHECK_PARAMS);
    expect(result.status).toBe('fail');
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]!.message).toContain('observed none for 1 of 3: delete of watchmark/b (RV 104) acknowledged 200ms before the request');
    expect(result.findings[0]!.message).toContain('RV 102 (the last ADDED event watch#1 delivered by then, #1)');
    expect(result.findings[0]!.message).toContain('silently miss');
    expect(result.findings[0]!.evidence).toMatchObject({ expected: 3, missing: 1, startResourceVersion: '102' });
  });

  it('fails on the event at the start RV replayed (an off-by-one resume) and on an event delivered twice', () => {
    const offByOne = resumed().added(3_206, 'b', '102').modified(3_206, 'a', '103').deleted(3_206, 'b', '104').modified(3_505, 'a', '105').close(13_205);
    const repeated = watchResume.run(recordOf([withRole(offByOne, 'resume', FROM_EVENT)]), DEFAULT_CHECK_PARAMS);
    expect(repeated.status).toBe('fail');
    expect(repeated.findings.map((f) => f.message)).toEqual([expect.stringContaining('observed 1 at or below it: ADDED watchmark/b RV 102 (#0, +6ms after the request)')]);

    const twice = resumed().modified(3_206, 'a', '103').deleted(3_206, 'b', '104').modified(3_505, 'a', '105').modified(3_506, 'a', '105').close(13_205);
    const duplicated = watchResume.run(recordOf([withRole(twice, 'resume', FROM_EVENT)]), DEFAULT_CHECK_PARAMS);
    expect(duplicated.status).toBe('fail');
    expect(duplicated.findings[0]!.message).toContain('observed 1 delivered again: MODIFIED watchmark/a RV 105 (#2 and #3)');
  });

  it('matches a delete acknowledged without an RV (a Status answer) by its DELETED event, when sent after the start RV was observed', () => {
    const writes = WRITES.map((w) => (w.verb === 'delete' ? { ...w, resourceVersion: undefined } : w));
    expect(watchResume.run(recordOf([withRole(healthy(), 'resume', FROM_EVENT)], writes), DEFAULT_CHECK_PARAMS).status).toBe('pass');
    const gap = resumed().modified(3_206, 'a', '103').modified(3_505, 'a', '105').close(13_205);
    const result = watchResume.run(recordOf([withRole(gap, 'resume', FROM_EVENT)], writes), DEFAULT_CHECK_PARAMS);
    expect(result.status).toBe('fail');
    expect(result.findings[0]!.message).toContain('delete of watchmark/b acknowledged');
  });

  it('does not expect a write acknowledged less than 1 s before observation ended (a close can race a delivery)', () => {
    const late: Write = { atMs: 12_800, sentAtMs: 12_790, resource: 'configmaps', verb: 'update', name: 'a', resourceVersion: '106' };
    const result = watchResume.run(recordOf([withRole(healthy(), 'resume', FROM_EVENT)], [...WRITES, late]), DEFAULT_CHECK_PARAMS);
    expect(result.status).toBe('pass');
    const early: Write = { ...late, atMs: 9_000, sentAtMs: 8_990 };
    expect(watchResume.run(recordOf([withRole(healthy(), 'resume', FROM_EVENT)], [...WRITES, early]), DEFAULT_CHECK_PARAMS).status).toBe('fail');
  });

  it('ignores writes to other namespaces and resources', () => {
    const other: Write[] = [
      { atMs: 4_000, resource: 'configmaps', namespace: 'elsewhere', verb: 'create', name: 'x', resourceVersion: '106' },
      { atMs: 4_100, resource: 'secrets', verb: 'create', name: 'y', resourceVersion: '107' },
    ];
    expect(watchResume.run(recordOf([withRole(healthy(), 'resume', FROM_EVENT)], [...WRITES, ...other]), DEFAULT_CHECK_PARAMS).status).toBe('pass');
  });

  it('judges a resume from a bookmark RV the same way', () => {
    const fromBookmark: StreamStartedFrom = { kind: 'from-stream', stream: 'watch-list#1', of: 'bookmark', resourceVersion: '100', eventSeq: 3, eventType: 'BOOKMARK', eventAtMs: 40 };
    const good = plainWatchStream('resume-from-bookmark#1', '100', { timeoutSeconds: 10 })
      .sentAt(1_200)
      .response(1_203)
      .added(1_204, 'a', '101')
      .added(1_502, 'b', '102')
      .modified(2_503, 'a', '103')
      .deleted(3_003, 'b', '104')
      .modified(3_503, 'a', '105')
      .close(11_203);
    expect(watchResume.run(recordOf([withRole(good, 'resume', fromBookmark)]), DEFAULT_CHECK_PARAMS).summary).toMatch(/delivered all 5 workload write/);
  });

  it('warns when the server refuses to resume from an RV just observed (client-go relists instead)', () => {
    const refused = resumed().error(3_206, { code: 410, reason: 'Expired', message: 'too old resource version: 102 (104)' }).close(3_207);
    const result = watchResume.run(recordOf([withRole(refused, 'resume', FROM_EVENT)]), DEFAULT_CHECK_PARAMS);
    expect(result.status).toBe('warn');
    expect(result.findings[0]!.message).toContain('an ERROR event 410 Expired "too old resource version: 102 (104)"');
  });

  it('skips, with the reason, when no resume stream exists, it was not opened or rejected, or there is no workload', () => {
    expect(watchResume.run(recordOf([plainWatchStream().response(3).close(10_000).build()]), DEFAULT_CHECK_PARAMS)).toMatchObject({
      status: 'skip',
      summary: 'no stream re-watches from an observed RV (role resume)',
    });
    const notOpened = notOpenedStream('resume-from-bookmark#1', 'resume', 'resume-from-bookmark#1 was not opened: watch-list#1 delivered no BOOKMARK by then');
    expect(watchResume.run(recordOf([notOpened]), DEFAULT_CHECK_PARAMS)).toMatchObject({
      status: 'skip',
      summary: 'resume-from-bookmark#1 was not opened: watch-list#1 delivered no BOOKMARK by then',
    });
    const forbidden = withRole(plainWatchStream('resume-from-event#1', '102').sentAt(3_200).response(3_204, { status: 403 }).close(3_205), 'resume');
    expect(watchResume.run(recordOf([forbidden]), DEFAULT_CHECK_PARAMS).summary).toBe('resume-from-event#1 was rejected with HTTP 403 (not this check\'s subject)');
    expect(watchResume.run(recordOf([withRole(healthy(), 'resume', FROM_EVENT)], []), DEFAULT_CHECK_PARAMS)).toMatchObject({
      status: 'skip',
      summary: 'no workload writes (read-only run): nothing to compare the resumed streams with',
    });
    // A judged stream next to an unjudged one: the summary says what was not judged.
    const mixed = watchResume.run(recordOf([withRole(healthy(), 'resume', FROM_EVENT), notOpened]), DEFAULT_CHECK_PARAMS);
    expect(mixed.status).toBe('pass');
    expect(mixed.summary).toContain('(not judged: resume-from-bookmark#1 was not opened');
  });

  it('a stream watchmark did not open trips no other check', () => {
    const record = recordOf([notOpenedStream('resume-from-bookmark#1', 'resume', 'not opened'), notOpenedStream('expired-aged#1', 'expired', 'not opened')]);
    const problems = runChecks(record, DEFAULT_CHECK_PARAMS).filter((r) => r.status === 'fail' || r.status === 'warn');
    expect(problems).toEqual([]);
    expect(ALL_CHECKS.map((c) => c.id)).toContain('watch.resume');
  });
});
