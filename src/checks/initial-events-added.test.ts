import { describe, expect, it } from 'vitest';
import { plainWatchStream, run, runOf, stream, watchListStream } from '../../test/support/timeline-builder.js';
import { initialEventsAdded } from './initial-events-added.js';
import { DEFAULT_CHECK_PARAMS } from './types.js';

describe('initial-events.added', () => {
  it('passes ADDED initial events; MODIFIED/DELETED after the end bookmark are live', () => {
    const record = runOf(watchListStream().response(5).added(6, 'a', '1').added(6, 'b', '2').endBookmark(7, '3').modified(50, 'a', '4').deleted(60, 'b', '5'));
    const result = initialEventsAdded.run(record, DEFAULT_CHECK_PARAMS);
    expect(result.status).toBe('pass');
    expect(result.summary).toContain('2 initial event(s)');
  });

  it('warns on MODIFIED initial events before the end bookmark', () => {
    const record = runOf(watchListStream().response(5).modified(6, 'a', '1').added(6, 'b', '2').endBookmark(7, '3'));
    const result = initialEventsAdded.run(record, DEFAULT_CHECK_PARAMS);
    expect(result.status).toBe('warn');
    expect(result.findings[0]?.evidence).toMatchObject({ boundary: 'end-bookmark', counts: { MODIFIED: 1 }, initialEvents: 2 });
    expect(result.findings[0]?.message).toContain('client-go tolerates it');
  });

  it('without a marker, counts only events before the first one that cannot be initial (kinm-like legacy RV "0" watch)', () => {
    const record = run()
      .stream(stream('legacy-watch#1', { resourceVersion: '0', allowWatchBookmarks: true }).response(10).modified(12, 'a', '5').added(12, 'b', '6').modified(1_300, 'b', '7'))
      .write({ atMs: 1_250, sentAtMs: 1_200, resource: 'configmaps', name: 'b', resourceVersion: '7' })
      .build();
    const result = initialEventsAdded.run(record, DEFAULT_CHECK_PARAMS);
    expect(result.status).toBe('warn');
    expect(result.findings[0]?.evidence).toMatchObject({ boundary: 'snapshot', counts: { MODIFIED: 1 }, initialEvents: 2 });
  });

  it('skips when no stream carries an initial state', () => {
    expect(initialEventsAdded.run(runOf(plainWatchStream().response(5).modified(6, 'a', '101')), DEFAULT_CHECK_PARAMS).status).toBe('skip');
  });
});
