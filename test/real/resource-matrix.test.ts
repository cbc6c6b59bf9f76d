import { describe, expect, it } from 'vitest';
import { runResourceMatrix } from '../../src/probe/resource-matrix.js';
import { shouldSkip } from './testbed-support.js';

/**
 * `run --all-resources` against a real kube-apiserver (v1.37, WatchList on, watch cache, plus the
 * uncached etcd-direct path of core events): it must serve watch-list, with the annotated end
 * bookmark, on every resource it lets us list and watch. A resource that did not would be a
 * finding to investigate before asserting anything else; the real server wins.
 */
describe('run --all-resources against kube-apiserver (testbed)', () => {
  const skip = shouldSkip(['kube-apiserver'], false);

  it.skipIf(skip)('classifies every listable and watchable resource as supports', async () => {
    const matrix = await runResourceMatrix({ target: 'kube-apiserver', profile: 'reference' });
    expect(matrix.target.serverVersion).toMatch(/^v1\.\d+\.\d+/);
    expect(matrix.discoveryProblems).toEqual([]);
    const byName = Object.fromEntries(matrix.resources.map((r) => [r.name, r]));
    expect(byName['configmaps']).toMatchObject({ classification: 'supports', httpStatus: 200 });
    // Core events are never cached (DefaultWatchCacheSizes): the etcd3 watcher ends its watch-list with the bookmark too.
    expect(byName['events']?.classification).toBe('supports');
    expect(Object.keys(byName)).toEqual(expect.arrayContaining(['namespaces', 'deployments.apps', 'customresourcedefinitions.apiextensions.k8s.io']));
    expect(matrix.denyList).toEqual([]);
    const notSupported = matrix.resources.filter((r) => r.classification !== 'supports').map((r) => `${r.name}: ${r.classification} (${r.reason})`);
    expect(notSupported).toEqual([]);
    expect(matrix.allowList).toHaveLength(matrix.resources.length);
  });
});
