import { describe, expect, it } from 'vitest';
import { plainWatchStream, runOf, watchListStream } from '../../test/support/timeline-builder.js';
import { eventObjectKind } from './event-object-kind.js';
import { DEFAULT_CHECK_PARAMS } from './types.js';

const check = (...streams: Parameters<typeof runOf>) => eventObjectKind.run(runOf(...streams), DEFAULT_CHECK_PARAMS);

describe('event.object-kind', () => {
  it('passes change events of the watched kind; bookmarks and objectless events are other checks\' business', () => {
    const result = check(
      watchListStream().response(5).added(6, 'a', '100').endBookmark(7, '100', 'true').modified(50, 'a', '101').deleted(60, 'a', '102').bookmark(70, '102', { kind: 'Pod' }),
      plainWatchStream().response(5).event(10, 'ADDED', null),
    );
    expect(result.status).toBe('pass');
    expect(result.summary).toContain('3 ADDED/MODIFIED/DELETED object(s)');
  });

  it.each([
    ['another kind (live-events-wrong-kind)', { kind: 'Pod' }, 'type-meta-mismatch', 'v1 Pod instead of v1 ConfigMap'],
    ['another apiVersion', { apiVersion: 'v1beta1' }, 'type-meta-mismatch', 'v1beta1 ConfigMap instead of v1 ConfigMap'],
    ['no kind', { kind: null }, 'type-meta-missing', 'kind null'],
    ['no apiVersion', { apiVersion: null }, 'type-meta-missing', 'apiVersion null'],
  ] as const)('fails change events with %s', (_label, overrides, problem, observed) => {
    const result = check(plainWatchStream().response(5).added(10, 'a', '101').modified(20, 'a', '102', overrides).deleted(30, 'a', '103', overrides));
    expect(result.status).toBe('fail');
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]!.evidence).toMatchObject({ problem, count: 2 });
    expect(result.findings[0]!.message).toContain(observed);
  });

  it('skips without change events', () => {
    expect(check(plainWatchStream().response(5).bookmark(10, '101')).status).toBe('skip');
  });
});
