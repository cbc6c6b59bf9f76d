import { describe, expect, it } from 'vitest';
import { plainWatchStream, run, stream, watchListStream } from '../../test/support/timeline-builder.js';
import { resourceVersionMonotonic } from './resource-version-monotonic.js';
import { DEFAULT_CHECK_PARAMS } from './types.js';

const check = (record: ReturnType<ReturnType<typeof run>['build']>) => resourceVersionMonotonic.run(record, DEFAULT_CHECK_PARAMS);

/**
 * What kube-apiserver does: an RV=0 LIST from the watch cache, a consistent watch-list whose
 * initial events carry old RVs in key order and whose end bookmark is the current RV, writes
 * acknowledged with ever higher revisions, and events that arrive after later writes were
 * already acknowledged (lag), with a lower RV than those.
 */
function healthy() {
  return run()
    .list({ sentAtMs: 0, atMs: 18, resourceVersion: '105' })
    .stream(
      watchListStream('watch-list#1')
        .sentAt(30)
        .response(34)
        .added(36, 'b', '98')
        .added(36, 'a', '97')
        .added(36, 'c', '100')
        .endBookmark(37, '105')
        // The create (RV 106) and the update (RV 107) are both acknowledged before either event arrives.
        .added(1_600, 'd', '106')
        .modified(1_610, 'a', '107')
        .deleted(2_030, 'b', '108'),
    )
    .stream(plainWatchStream('watch#1', '105').sentAt(30).response(33).added(1_601, 'd', '106').bookmark(8_000, '108'))
    .write({ sentAtMs: 1_000, atMs: 1_020, verb: 'create', resource: 'configmaps', name: 'd', resourceVersion: '106' })
    .write({ sentAtMs: 1_500, atMs: 1_520, verb: 'update', resource: 'configmaps', name: 'a', resourceVersion: '107' })
    // kube-apiserver answers a delete with the object as it was: its old RV, not the deletion's.
    .write({ sentAtMs: 2_000, atMs: 2_020, verb: 'delete', resource: 'configmaps', name: 'b', resourceVersion: '98' });
}

describe('resource-version.monotonic', () => {
  it('passes what kube-apiserver does: lagging events, old initial RVs, a delete answered with the old object', () => {
    const result = check(healthy().build());
    expect(result.status).toBe('pass');
    expect(result.findings).toEqual([]);
    expect(result.summary).toContain('3 new or consistently read RVs');
  });

  it('passes a resourceVersion=0 LIST that trails a write acknowledged before it ("any" freshness: the watch cache may lag etcd)', () => {
    const record = healthy().list({ sentAtMs: 1_530, atMs: 1_540, resourceVersion: '106' }).build();
    expect(check(record).status).toBe('pass');
  });

  it("fails kinm's reuse after compaction: a create acknowledged with RV 47 after RV 51 was handed out", () => {
    const builder = run();
    for (let i = 0; i < 4; i++) {
      builder.write({ sentAtMs: 100 * i, atMs: 100 * i + 10, verb: 'create', resource: 'widgets', name: `w${i}`, resourceVersion: String(48 + i) });
    }
    builder.list({ path: '/apis/kinm.test/v1/namespaces/demo/widgets?limit=500&resourceVersion=0', sentAtMs: 500, atMs: 510, resourceVersion: '51' });
    // The compaction deleted the newest rows; the next create gets an id already handed out.
    builder.write({ sentAtMs: 45_000, atMs: 45_012, verb: 'create', resource: 'widgets', name: 'w4', resourceVersion: '47' });
    builder.list({ path: '/apis/kinm.test/v1/namespaces/demo/widgets?limit=500&resourceVersion=0', sentAtMs: 45_100, atMs: 45_110, resourceVersion: '48' });
    const result = check(builder.build());
    expect(result.status).toBe('fail');
    expect(result.findings).toHaveLength(1);
    const [finding] = result.findings;
    expect(finding!.message).toContain('widgets: the create of watchmark/w4 got RV 47 +45.012s into the run');
    expect(finding!.message).toContain('below RV 51 that the server had already handed out: the create of watchmark/w3 acknowledged +310ms into the run');
    expect(finding!.evidence).toMatchObject({
      resource: 'widgets',
      resourceVersion: '47',
      subject: { source: 'write', verb: 'create', object: 'watchmark/w4', sentAtMs: 45_000, atMs: 45_012 },
      handedOutEarlier: { source: 'write', resourceVersion: '51', atMs: 310 },
    });
  });

  it('fails a write below an RV that only a stream delivered (a bookmark), naming the stream', () => {
    const record = run()
      .stream(plainWatchStream('watch#1', '50').sentAt(0).response(3).bookmark(1_000, '60'))
      .write({ sentAtMs: 2_000, atMs: 2_010, verb: 'update', resource: 'configmaps', name: 'a', resourceVersion: '55' })
      .build();
    const result = check(record);
    expect(result.status).toBe('fail');
    expect(result.findings[0]).toMatchObject({
      stream: 'watch#1',
      evidence: { resourceVersion: '55', handedOutEarlier: { source: 'event', stream: 'watch#1', type: 'BOOKMARK', resourceVersion: '60', atMs: 1_000 } },
    });
  });

  it('fails an update acknowledged with the RV of the previous write (equal is not new)', () => {
    const record = run()
      .write({ sentAtMs: 0, atMs: 10, verb: 'create', resource: 'configmaps', name: 'a', resourceVersion: '7' })
      .write({ sentAtMs: 20, atMs: 30, verb: 'update', resource: 'configmaps', name: 'a', resourceVersion: '7' })
      .build();
    const result = check(record);
    expect(result.status).toBe('fail');
    expect(result.findings[0]!.message).toContain('got RV 7 +30ms into the run (request sent +20ms into the run), equal to RV 7');
  });

  it('does not compare an event that arrives later with a lower RV than an earlier write (an older change delivered late)', () => {
    const record = run()
      .write({ sentAtMs: 0, atMs: 10, verb: 'create', resource: 'configmaps', name: 'a', resourceVersion: '7' })
      .write({ sentAtMs: 20, atMs: 30, verb: 'create', resource: 'configmaps', name: 'b', resourceVersion: '8' })
      .stream(plainWatchStream('watch#1', '6').sentAt(0).response(2).added(40, 'a', '7').added(41, 'b', '8'))
      .build();
    expect(check(record).status).toBe('pass');
  });

  it('fails a consistent LIST (resourceVersion unset) below a write acknowledged before it was sent, not one sent before the ack', () => {
    const consistent = '/api/v1/namespaces/watchmark/configmaps?limit=500';
    const before = run()
      .write({ sentAtMs: 0, atMs: 10, verb: 'create', resource: 'configmaps', name: 'a', resourceVersion: '9' })
      .list({ path: consistent, sentAtMs: 5, atMs: 15, resourceVersion: '8' })
      .build();
    expect(check(before).status).toBe('pass');
    const after = run()
      .write({ sentAtMs: 0, atMs: 10, verb: 'create', resource: 'configmaps', name: 'a', resourceVersion: '9' })
      .list({ path: consistent, sentAtMs: 11, atMs: 15, resourceVersion: '8' })
      .build();
    const result = check(after);
    expect(result.status).toBe('fail');
    expect(result.findings[0]!.message).toContain('the consistent LIST list#1 got RV 8');
    // Equal is fine for a read.
    const equal = run()
      .write({ sentAtMs: 0, atMs: 10, verb: 'create', resource: 'configmaps', name: 'a', resourceVersion: '9' })
      .list({ path: consistent, sentAtMs: 11, atMs: 15, resourceVersion: '9' })
      .build();
    expect(check(equal).status).toBe('pass');
  });

  it("fails a consistent watch-list's end bookmark below an RV handed out before the request, not an RV=0 watch's", () => {
    const write = { sentAtMs: 0, atMs: 10, verb: 'create' as const, resource: 'configmaps', name: 'a', resourceVersion: '20' };
    const consistent = run().write(write).stream(watchListStream().sentAt(50).response(52).added(53, 'a', '20').endBookmark(54, '19')).build();
    const result = check(consistent);
    expect(result.status).toBe('fail');
    expect(result.findings[0]!.message).toContain("watch-list#1's initial-events-end bookmark");
    const fromZero = run()
      .write(write)
      .stream(stream('legacy-watch#1', { resourceVersion: '0', allowWatchBookmarks: true }, 'legacy-watch').sentAt(50).response(52).endBookmark(54, '19'))
      .build();
    expect(check(fromZero).status).toBe('pass');
  });

  it('fails two concurrent writes acknowledged with the same RV', () => {
    const record = run()
      .write({ sentAtMs: 0, atMs: 30, verb: 'create', resource: 'configmaps', name: 'a', resourceVersion: '12' })
      .write({ sentAtMs: 5, atMs: 25, verb: 'create', resource: 'configmaps', name: 'b', resourceVersion: '12' })
      .build();
    const result = check(record);
    expect(result.status).toBe('fail');
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]!.message).toContain('were acknowledged with the same RV 12');
  });

  it('compares RVs only within one resource (other servers may count per resource)', () => {
    const record = run()
      .write({ sentAtMs: 0, atMs: 10, verb: 'create', resource: 'widgets', name: 'w', resourceVersion: '90' })
      .write({ sentAtMs: 20, atMs: 30, verb: 'create', resource: 'configmaps', name: 'a', resourceVersion: '5' })
      .build();
    expect(check(record).status).toBe('pass');
  });

  it('does not compare RVs that are not decimal integers: info, and skip when nothing is left', () => {
    const opaque = run()
      .write({ sentAtMs: 0, atMs: 10, verb: 'create', resource: 'configmaps', name: 'a', resourceVersion: 'abc' })
      .build();
    const skippedResult = check(opaque);
    expect(skippedResult.status).toBe('skip');
    expect(skippedResult.summary).toContain('1 RV not decimal integers');
    const mixed = healthy().write({ sentAtMs: 3_000, atMs: 3_010, verb: 'create', resource: 'configmaps', name: 'e', resourceVersion: 'x9' }).build();
    const result = check(mixed);
    expect(result.status).toBe('pass');
    expect(result.findings).toEqual([expect.objectContaining({ severity: 'info', message: expect.stringContaining('"x9"') })]);
  });

  it('skips a run with no write acknowledged and no consistent read', () => {
    const record = run().stream(plainWatchStream('watch#1', '5').sentAt(0).response(1).added(5, 'a', '6')).build();
    expect(check(record)).toMatchObject({ status: 'skip', summary: expect.stringContaining('nothing new to compare') });
  });
});
