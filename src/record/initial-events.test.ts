import { describe, expect, it } from 'vitest';
import { plainWatchStream, stream, watchListStream } from '../../test/support/timeline-builder.js';
import { initialEventsEndBookmark, resourceVersionOf } from './accessors.js';
import { splitInitialEvents } from './initial-events.js';

describe('initial events', () => {
  it('finds the end bookmark only with the value exactly "true"', () => {
    const s = watchListStream().response(1).added(2, 'a', '5').endBookmark(3, '9', 'True').endBookmark(4, '9').build();
    expect(initialEventsEndBookmark(s)?.seq).toBe(2);
  });

  it('splits at the end bookmark', () => {
    const s = watchListStream().response(1).added(2, 'a', '7').added(2, 'b', '5').endBookmark(3, '9').modified(50, 'a', '10').build();
    const split = splitInitialEvents(s, []);
    expect(split.boundary).toBe('end-bookmark');
    expect(split.initial.map(resourceVersionOf)).toEqual(['7', '5']);
    expect(split.live.map(resourceVersionOf)).toEqual(['10']);
  });

  it('without a marker, starts the live part at the first event that cannot belong to a snapshot', () => {
    const s = stream('legacy', { resourceVersion: '0' }).response(10).modified(11, 'a', '7').added(12, 'b', '5').added(2_100, 'c', '8').build();
    const writes = [
      { atMs: 1_000, sentAtMs: 995, verb: 'create' as const, resource: 'secrets', name: 'x', resourceVersion: '8' },
      { atMs: 2_050, sentAtMs: 2_000, verb: 'create' as const, resource: 'configmaps', namespace: 'watchmark', name: 'c', resourceVersion: '8' },
    ];
    const split = splitInitialEvents(s, writes);
    expect(split.boundary).toBe('snapshot');
    expect(split.liveFrom).toMatchObject({ evidence: 'write-after-first-frame', write: { name: 'c' } });
    expect(split.initial).toHaveLength(2);
    expect(split.live.map(resourceVersionOf)).toEqual(['8']);
    // Without the write, nothing proves c was not in the snapshot (the server may take it late).
    expect(splitInitialEvents(s, []).boundary).toBe('stream-end');
    // A write sent before the first frame may be in the snapshot, whatever its RV.
    expect(splitInitialEvents(s, [{ ...writes[1]!, sentAtMs: 5 }]).boundary).toBe('stream-end');
  });

  it('without a marker, a DELETED or a second event for an object starts the live part', () => {
    const deleted = stream('legacy', { resourceVersion: '0' }).response(10).added(11, 'b', '9').added(11, 'a', '5').deleted(12, 'b', '10').added(13, 'c', '11').build();
    expect(splitInitialEvents(deleted, [])).toMatchObject({ boundary: 'snapshot', liveFrom: { evidence: 'deleted' } });
    expect(splitInitialEvents(deleted, []).live.map(resourceVersionOf)).toEqual(['10', '11']);
    const repeated = stream('legacy', { resourceVersion: '0' }).response(10).added(11, 'b', '9').added(11, 'a', '5').modified(12, 'a', '10').build();
    expect(splitInitialEvents(repeated, [])).toMatchObject({ boundary: 'snapshot', liveFrom: { evidence: 'repeated-object' } });
    expect(splitInitialEvents(repeated, []).initial.map(resourceVersionOf)).toEqual(['9', '5']);
  });

  it('treats every event of a watch from an explicit RV as live', () => {
    const s = plainWatchStream('w', '100').response(1).added(2, 'a', '101').build();
    expect(splitInitialEvents(s, []).live).toHaveLength(1);
  });
});
