/**
 * Server-wide WatchList gate and per-resource overrides, over real loopback HTTP: one server can
 * serve each resource like a different server would (an aggregated API behind kube-apiserver).
 */
import { describe, expect, it } from 'vitest';
import { startEmbeddedServer } from './server.js';
import { ApiClient, isInitialEventsEnd, WatchStream } from './test-support.js';

const WATCH_LIST = 'watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true';

describe.concurrent('embedded server options watchList and resourceOverrides', () => {
  it('watchList: false answers a watch-list with 422 and serves legacy RV "" watches as ADDED without an end bookmark', async () => {
    await using server = await startEmbeddedServer({ tls: false, watchList: false });
    const api = new ApiClient(server);
    const rejected = await api.request('GET', `/api/v1/namespaces?${WATCH_LIST}`);
    expect(rejected.status).toBe(422);
    expect(rejected.json.message).toBe(
      'ListOptions.meta.k8s.io "" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled',
    );
    const legacy = await WatchStream.open(server, '/api/v1/namespaces?watch=true&allowWatchBookmarks=true&timeoutSeconds=1');
    expect(legacy.status).toBe(200);
    const events = await legacy.untilEnd();
    expect(events.map((e) => `${e.type} ${e.object.metadata?.name}`)).toEqual(['ADDED default', 'ADDED kube-system']);
    expect(events.some(isInitialEventsEnd)).toBe(false);
    await api.close();
  });

  it('resourceOverrides give one resource another profile or gate, leaving the others alone', async () => {
    await using server = await startEmbeddedServer({ tls: false, resourceOverrides: { configmaps: { profile: 'kinm' } } });
    const namespaces = await WatchStream.open(server, `/api/v1/namespaces?${WATCH_LIST}&timeoutSeconds=1`);
    expect((await namespaces.untilEnd()).some(isInitialEventsEnd)).toBe(true);
    const configmaps = await WatchStream.open(server, `/api/v1/configmaps?${WATCH_LIST}&timeoutSeconds=1`);
    expect(configmaps.status).toBe(200);
    expect((await configmaps.untilEnd()).some((e) => e.type === 'BOOKMARK')).toBe(false);

    await using gated = await startEmbeddedServer({ tls: false, resourceOverrides: { configmaps: { watchList: false } } });
    const api = new ApiClient(gated);
    expect((await api.request('GET', `/api/v1/configmaps?${WATCH_LIST}`)).status).toBe(422);
    const ok = await WatchStream.open(gated, `/api/v1/namespaces?${WATCH_LIST}&timeoutSeconds=1`);
    expect((await ok.untilEnd()).some(isInitialEventsEnd)).toBe(true);
    await api.close();
  });

  it('rejects overrides for resources it does not serve and unknown profiles', async () => {
    await expect(startEmbeddedServer({ resourceOverrides: { pods: { profile: 'kinm' } } as never })).rejects.toThrow(/does not serve "pods"/);
    await expect(startEmbeddedServer({ resourceOverrides: { configmaps: { profile: 'nope' as never } } })).rejects.toThrow(/unknown server profile "nope"/);
  });
});
