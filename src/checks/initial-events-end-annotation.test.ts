import { describe, expect, it } from 'vitest';
import { plainWatchStream, runOf, stream, watchListStream } from '../../test/support/timeline-builder.js';
import { initialEventsEndAnnotation, isNearMissInitialEventsEndKey } from './initial-events-end-annotation.js';
import { DEFAULT_CHECK_PARAMS } from './types.js';

const check = (...streams: Parameters<typeof runOf>) => initialEventsEndAnnotation.run(runOf(...streams), DEFAULT_CHECK_PARAMS);

describe('initial-events-end.annotation', () => {
  it('passes one exact annotation, ignoring the real 1.32-1.33 blueprint annotation', () => {
    const result = check(
      watchListStream()
        .response(5)
        .endBookmark(7, '9', 'true', { annotations: { 'kubernetes.io/initial-events-list-blueprint': 'eyJraW5kIjoiQ29uZmlnTWFwTGlzdCJ9' } })
        .bookmark(60_000, '12'),
    );
    expect(result.status).toBe('pass');
    expect(result.findings).toEqual([]);
  });

  it('fails two annotated bookmarks on a watch-list stream', () => {
    const result = check(watchListStream().response(5).endBookmark(7, '9').modified(8, 'a', '10').endBookmark(60_000, '10'));
    expect(result.status).toBe('fail');
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]?.message).toContain('exactly one');
  });

  it.each(['True', '1', 'yes', true])('fails the value %j', (value) => {
    const result = check(watchListStream().response(5).endBookmark(7, '9', value));
    expect(result.status).toBe('fail');
    expect(result.findings[0]?.message).toContain('exactly the string "true"');
    expect(result.findings[0]?.evidence['value']).toBe(value);
  });

  it.each([
    'K8s.io/Initial-Events-End',
    'kubernetes.io/initial-events-end',
    'initial-events-end',
    'k8s.io/initial_events_end',
    'k8s.io/initial-event-end',
    'k8s.io/initialevents-end',
  ])('fails the near-miss key %s', (key) => {
    const result = check(watchListStream().response(5).bookmark(7, '9', { annotations: { [key]: 'true' } }));
    expect(result.status).toBe('fail');
    expect(result.findings[0]?.message).toContain('near miss');
    expect(result.findings[0]?.evidence['key']).toBe(key);
  });

  it('knows unrelated keys and the blueprint annotation are not near misses', () => {
    expect(isNearMissInitialEventsEndKey('kubernetes.io/initial-events-list-blueprint')).toBe(false);
    expect(isNearMissInitialEventsEndKey('k8s.io/initial-events-end')).toBe(false);
    expect(isNearMissInitialEventsEndKey('example.com/owner')).toBe(false);
    expect(isNearMissInitialEventsEndKey('k8s.io/last-applied')).toBe(false);
  });

  it('warns (not fails) on legacy RV "0" watches and on watches without initial state', () => {
    const legacy = stream('legacy#1', { resourceVersion: '0', allowWatchBookmarks: true }).response(5).endBookmark(7, '9', 'True');
    expect(check(legacy).status).toBe('warn');
    const fromRv = plainWatchStream('watch#1', '100').response(5).endBookmark(7, '101');
    const result = check(fromRv);
    expect(result.status).toBe('warn');
    expect(result.findings[0]?.message).toContain('kube-apiserver marks only the bookmark that ends the initial events');
  });

  it('accepts the marker on a legacy RV "" watch (kube-apiserver >= 1.34 defaults it to watch-list)', () => {
    expect(check(stream('legacy#1', { allowWatchBookmarks: true }).response(5).added(6, 'a', '3').endBookmark(7, '9')).status).toBe('pass');
  });

  it('skips when no bookmark carries the annotation', () => {
    expect(check(watchListStream().response(5).bookmark(7, '9')).status).toBe('skip');
  });
});
