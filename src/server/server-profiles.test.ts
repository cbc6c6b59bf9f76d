/** Each misbehaviour profile, over real loopback HTTP: it does what PROFILES says, and only that. */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { PROFILES, SERVER_PROFILES } from './profiles.js';
import { startEmbeddedServer } from './server.js';
import { ApiClient, isInitialEventsEnd, rvOf, WatchStream } from './test-support.js';

const WATCH_LIST = 'watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true';

describe('PROFILES table', () => {
  it('describes every profile in one line', () => {
    expect(PROFILES.map((p) => p.name)).toEqual([
      'reference',
      'kinm',
      'slow-initial-events-end',
      'unrequested-bookmarks',
      'broken-bookmark-object',
      'end-bookmark-wrong-kind',
      'end-bookmark-wrong-api-version',
      'live-events-wrong-kind',
      'resume-off-by-one',
      'late-snapshot',
      'filtered-bookmarks',
      'broken-protobuf-framing',
    ]);
    expect(SERVER_PROFILES).toHaveLength(PROFILES.length);
    for (const p of PROFILES) expect(p.description).toMatch(/^[^\n]{10,200}$/);
  });
});

describe.concurrent('kinm profile', () => {
  it('never sends BOOKMARK, streams the state in RV order with MODIFIED for updated objects', async () => {
    await using server = await startEmbeddedServer({ profile: 'kinm', tls: false, bookmarkIntervalMs: 300 });
    expect(server.profile).toBe('kinm');
    const api = new ApiClient(server);
    await api.createNamespace('k');
    const first = (await api.createConfigMap('k', 'first')).json;
    await api.createConfigMap('k', 'second');
    await api.request('PUT', '/api/v1/namespaces/k/configmaps/first', { ...first, data: { changed: 'yes' } });

    const watch = await WatchStream.open(server, `/api/v1/namespaces/k/configmaps?${WATCH_LIST}&timeoutSeconds=3`);
    expect(watch.status).toBe(200);
    expect((await watch.next()).object.metadata?.name).toBe('second');
    await api.createConfigMap('default', 'advances-the-rv');
    await api.createConfigMap('k', 'live');
    const events = [watch.events[0]!, ...(await watch.untilEnd())];
    expect(events.map((e) => `${e.type} ${e.object.metadata?.name}`)).toEqual(['ADDED second', 'MODIFIED first', 'ADDED live']);
    expect(events.some((e) => e.type === 'BOOKMARK')).toBe(false);
    await api.close();
  });

  it('keeps stock validation (422) but does not 410 a watch from an expired RV', async () => {
    const clock = new FakeClock();
    await using server = await startEmbeddedServer({ profile: 'kinm', tls: false, historyWindowMs: 1_000 }, { clock });
    const api = new ApiClient(server);
    expect((await api.request('GET', '/api/v1/configmaps?watch=1&sendInitialEvents=true')).status).toBe(422);
    await api.createNamespace('old');
    await api.createConfigMap('old', 'gone-from-history');
    clock.advance(5_000);
    await api.createConfigMap('old', 'fresh');
    const watch = await WatchStream.open(server, '/api/v1/namespaces/old/configmaps?watch=1&resourceVersion=1');
    const event = await watch.next();
    expect([event.type, event.object.metadata?.name]).toEqual(['ADDED', 'fresh']);
    watch.close();
    await api.close();
  });
});

describe.concurrent('slow-initial-events-end profile', () => {
  it('sends the end bookmark after the delay and holds live events behind it', async () => {
    await using server = await startEmbeddedServer({ profile: 'slow-initial-events-end', tls: false, initialEventsEndDelayMs: 4_000 });
    const api = new ApiClient(server);
    await api.createNamespace('slow');
    await api.createConfigMap('slow', 'initial');
    const cutRv = server.currentResourceVersion();
    const watch = await WatchStream.open(server, `/api/v1/namespaces/slow/configmaps?${WATCH_LIST}`);
    expect((await watch.next()).object.metadata?.name).toBe('initial');
    const live = await api.createConfigMap('slow', 'live');
    // The live write is committed while the end bookmark is still pending.
    expect(watch.events).toHaveLength(1);
    const end = await watch.next(10_000);
    expect(isInitialEventsEnd(end)).toBe(true);
    expect(end.object.metadata?.resourceVersion).toBe(cutRv);
    const held = await watch.next();
    expect([held.type, held.object.metadata?.resourceVersion]).toEqual(['ADDED', live.json.metadata.resourceVersion]);
    expect(rvOf(held)).toBeGreaterThan(rvOf(end));
    watch.close();
    await api.close();
  });
});

describe.concurrent('unrequested-bookmarks profile', () => {
  it('sends the end bookmark and periodic bookmarks without allowWatchBookmarks', async () => {
    await using server = await startEmbeddedServer({ profile: 'unrequested-bookmarks', tls: false, bookmarkIntervalMs: 300 });
    const api = new ApiClient(server);
    await api.createNamespace('unasked');
    const watch = await WatchStream.open(server, '/api/v1/namespaces/unasked/configmaps?watch=1');
    expect(isInitialEventsEnd(await watch.next())).toBe(true);
    const write = await api.createConfigMap('default', 'unasked-writer');
    const bookmark = await watch.next();
    expect([bookmark.type, bookmark.object.metadata?.resourceVersion]).toEqual(['BOOKMARK', write.json.metadata.resourceVersion]);
    watch.close();
    await api.close();
  });
});

describe.concurrent('broken-bookmark-object profile', () => {
  it('sends bookmark objects without kind and apiVersion', async () => {
    await using server = await startEmbeddedServer({ profile: 'broken-bookmark-object', tls: false, bookmarkIntervalMs: 300 });
    const api = new ApiClient(server);
    await api.createNamespace('broken');
    const rv = server.currentResourceVersion();
    const watch = await WatchStream.open(server, `/api/v1/namespaces/broken/configmaps?${WATCH_LIST}`);
    expect(await watch.next()).toEqual({
      type: 'BOOKMARK',
      object: { metadata: { resourceVersion: rv, annotations: { 'k8s.io/initial-events-end': 'true' } } },
    });
    const write = await api.createConfigMap('default', 'broken-writer');
    expect(await watch.next()).toEqual({ type: 'BOOKMARK', object: { metadata: { resourceVersion: write.json.metadata.resourceVersion } } });
    // Ordinary events keep their type meta.
    await api.createConfigMap('broken', 'x');
    expect((await watch.nextMatching((e) => e.type === 'ADDED')).object).toMatchObject({ kind: 'ConfigMap', apiVersion: 'v1' });
    watch.close();
    await api.close();
  });
});

describe.concurrent('end-bookmark-wrong-kind and end-bookmark-wrong-api-version profiles', () => {
  it.each([
    ['end-bookmark-wrong-kind', { kind: 'Pod', apiVersion: 'v1' }],
    ['end-bookmark-wrong-api-version', { kind: 'ConfigMap', apiVersion: 'v1beta1' }],
  ] as const)('%s: only the initial-events-end bookmark carries %o', async (profile, typeMeta) => {
    await using server = await startEmbeddedServer({ profile, tls: false, bookmarkIntervalMs: 300 });
    const api = new ApiClient(server);
    await api.createNamespace('wrong');
    await api.createConfigMap('wrong', 'a');
    const rv = server.currentResourceVersion();
    const watch = await WatchStream.open(server, `/api/v1/namespaces/wrong/configmaps?${WATCH_LIST}`);
    expect((await watch.next()).object).toMatchObject({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'a' } });
    expect(await watch.next()).toEqual({
      type: 'BOOKMARK',
      object: { ...typeMeta, metadata: { resourceVersion: rv, annotations: { 'k8s.io/initial-events-end': 'true' } } },
    });
    // Live events and periodic bookmarks keep the watched kind.
    const write = await api.createConfigMap('wrong', 'live');
    expect(await watch.next()).toMatchObject({ type: 'ADDED', object: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'live' } } });
    expect(await watch.next()).toEqual({ type: 'BOOKMARK', object: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { resourceVersion: write.json.metadata.resourceVersion } } });
    watch.close();
    await api.close();
  });
});

describe.concurrent('live-events-wrong-kind profile', () => {
  it('live and replayed change events carry kind Pod; the initial state and bookmarks keep ConfigMap', async () => {
    await using server = await startEmbeddedServer({ profile: 'live-events-wrong-kind', tls: false });
    const api = new ApiClient(server);
    await api.createNamespace('live');
    const first = await api.createConfigMap('live', 'first');
    await api.createConfigMap('live', 'second');
    const watchList = await WatchStream.open(server, `/api/v1/namespaces/live/configmaps?${WATCH_LIST}`);
    const initial = [await watchList.next(), await watchList.next(), await watchList.next()];
    expect(initial.map((e) => [e.type, e.object.kind, e.object.apiVersion])).toEqual([
      ['ADDED', 'ConfigMap', 'v1'],
      ['ADDED', 'ConfigMap', 'v1'],
      ['BOOKMARK', 'ConfigMap', 'v1'],
    ]);
    // A watch from an RV replays history: those are changes, not a synthetic state.
    const resumed = await WatchStream.open(server, `/api/v1/namespaces/live/configmaps?watch=1&resourceVersion=${first.json.metadata.resourceVersion}`);
    expect(await resumed.next()).toMatchObject({ type: 'ADDED', object: { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'second' } } });
    await api.request('PUT', '/api/v1/namespaces/live/configmaps/first', { ...first.json, data: { changed: 'yes' } });
    for (const watch of [watchList, resumed]) {
      expect(await watch.next()).toMatchObject({ type: 'MODIFIED', object: { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'first' }, data: { changed: 'yes' } } });
    }
    watchList.close();
    resumed.close();
    await api.close();
  });
});

describe.concurrent('resume-off-by-one profile', () => {
  it('replays the event at the requested RV too; reference replays only the ones after it', async () => {
    for (const profile of ['resume-off-by-one', 'reference'] as const) {
      await using server = await startEmbeddedServer({ profile, tls: false });
      const api = new ApiClient(server);
      await api.createNamespace('resume');
      const first = await api.createConfigMap('resume', 'first');
      const second = await api.createConfigMap('resume', 'second');
      const resumeRv = first.json.metadata.resourceVersion;
      const watch = await WatchStream.open(server, `/api/v1/namespaces/resume/configmaps?watch=1&resourceVersion=${resumeRv}`);
      await watch.nextMatching((e) => e.object.metadata?.name === 'second');
      const seen = watch.events.map((e) => `${e.type} ${e.object.metadata?.name}@${e.object.metadata?.resourceVersion}`);
      const expected = [`ADDED second@${second.json.metadata.resourceVersion}`];
      expect(seen, profile).toEqual(profile === 'reference' ? expected : [`ADDED first@${resumeRv}`, ...expected]);
      // Live events after the replay are not repeated.
      const live = await api.createConfigMap('resume', 'live');
      expect((await watch.next()).object.metadata?.resourceVersion).toBe(live.json.metadata.resourceVersion);
      watch.close();
      await api.close();
    }
  });
});
