import { describe, expect, it } from 'vitest';
import { watchListStream, WIDGETS } from '../../test/support/timeline-builder.js';
import type { ResolvedResource } from '../discovery/resolve-resource.js';
import type { StreamRecord } from '../record/timeline.js';
import { TOOL } from '../version.js';
import { buildResourceMatrix, exitCodeForMatrix, renderMatrix } from './matrix-model.js';
import { matrixRow } from './resource-matrix.js';
import { CONFIGMAPS as CONFIGMAPS_RESOURCE, FLAGS_TARGET } from '../../test/support/fixtures.js';

const CONFIGMAPS: ResolvedResource = { ...CONFIGMAPS_RESOURCE, verbs: ['list', 'watch'] };
const NAMESPACES: ResolvedResource = { ...CONFIGMAPS, kind: 'Namespace', resource: 'namespaces', namespaced: false, shortNames: ['ns'], singularName: 'namespace' };
const WIDGET_RESOURCE: ResolvedResource = { ...CONFIGMAPS, group: 'kinm.test', apiVersion: 'kinm.test/v1', kind: 'Widget', resource: 'widgets', shortNames: [], singularName: 'widget' };

function row(resource: ResolvedResource, stream: StreamRecord) {
  return matrixRow({ resource, namespace: null, probeTimeoutMs: 10_000, stream, endedAtMs: 10_000 });
}

const TARGET = FLAGS_TARGET;

function matrix(rows: ReturnType<typeof row>[]) {
  return buildResourceMatrix({
    target: TARGET,
    rows,
    discoveryProblems: [{ groupVersion: 'metrics.k8s.io/v1beta1', status: 503, message: 'the server is currently unable to handle the request' }],
    probeTimeoutMs: 10_000,
    concurrency: 6,
    namespace: null,
    startedAtWallMs: Date.UTC(2026, 0, 1),
    durationMs: 10_123.4,
  });
}

const supports = row(CONFIGMAPS, watchListStream().response(3).added(4, 'a', '10').endBookmark(12, '12').close(13, 'client-abort').build());
const rejects = row(
  NAMESPACES,
  watchListStream()
    .response(2, { status: 422, body: JSON.stringify({ kind: 'Status', apiVersion: 'v1', code: 422, reason: 'Invalid', message: 'sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled' }) })
    .close(3)
    .build(),
);
const ignores = row(WIDGET_RESOURCE, watchListStream().watched(WIDGETS).response(2).added(3, 'w', '5').close(10_000, 'client-abort').build());

describe('resource matrix model', () => {
  it('counts classes and derives the allow and deny lists from kubectl names', () => {
    const m = matrix([supports, rejects, ignores]);
    expect(m).toMatchObject({
      schemaVersion: 1,
      kind: 'resource-matrix',
      target: TARGET,
      probe: { query: 'allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&sendInitialEvents=true&timeoutSeconds=15&watch=true', timeoutMs: 10_000, concurrency: 6, namespace: null },
      startedAt: '2026-01-01T00:00:00.000Z',
      allowList: ['configmaps'],
      denyList: ['widgets.kinm.test'],
      counts: { supports: 1, 'rejects-cleanly': 1, 'accepts-and-ignores': 1, inconclusive: 0, forbidden: 0, error: 0 },
    });
    expect(m.resources[2]).toMatchObject({
      name: 'widgets.kinm.test', resource: 'widgets', group: 'kinm.test', version: 'v1', kind: 'Widget', namespaced: true,
      classification: 'accepts-and-ignores', httpStatus: 200, initialEvents: 1, endBookmarkAfterMs: null,
    });
    expect(JSON.parse(JSON.stringify(m))).toEqual(m); // plain data
  });

  it('exits 1 only when some resource would hang a client-go informer', () => {
    expect(exitCodeForMatrix(matrix([supports, rejects, ignores]))).toBe(1);
    expect(exitCodeForMatrix(matrix([supports, rejects]))).toBe(0);
    expect(exitCodeForMatrix(matrix([]))).toBe(0);
  });

  it('renders the table, the client-go consequence per class present, discovery problems and the result', () => {
    const text = renderMatrix(matrix([supports, rejects, ignores]), { color: false });
    expect(text.split('\n')).toEqual([
      `watchmark ${TOOL.version} — server https://127.0.0.1:6443 (flags), server v1.34.0`,
      'watch-list probe of 3 listable and watchable resources (all namespaces, ?allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&sendInitialEvents=true&timeoutSeconds=15&watch=true, wait up to 10 s each); 10.1 s',
      '',
      'RESOURCE           GROUP/VERSION  NAMESPACED  CLASS                EVIDENCE',
      'configmaps         v1             yes         supports             end bookmark after 12 ms (1 initial event)',
      'namespaces         v1             no          rejects-cleanly      422 Invalid: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled',
      'widgets.kinm.test  kinm.test/v1   yes         accepts-and-ignores  200, 1 initial event, no end bookmark in 10 s',
      '',
      'What a client-go v0.35+ informer does',
      '  supports (1): syncs from the watch-list stream, without a LIST',
      '  rejects-cleanly (1): falls back to LIST+WATCH and syncs (each informer start costs a full LIST; V(4) log "Data couldn\'t be fetched in watchlist mode. Falling back to regular list.")',
      '  accepts-and-ignores (1): never syncs: HasSynced() stays false, "Warning: event bookmark expired" every 10 s, the watch-list re-issued at every timeout, no fallback (kubernetes/kubernetes#140890)',
      '',
      'Not probed (discovery failed)',
      '  metrics.k8s.io/v1beta1: HTTP 503: the server is currently unable to handle the request',
      '',
      'Result: HANGS on widgets.kinm.test (1 supports, 1 rejects-cleanly, 1 accepts-and-ignores)',
      'Run `watchmark explain RESOURCE` for the path client-go takes and the fixes.',
      '',
    ]);
    expect(renderMatrix(matrix([supports]), { color: false })).toMatch(/Result: no hang \(1 supports\)\n$/);
  });
});
