/**
 * Watch behaviour of the reference profile over real loopback HTTPS, with HTTP/1.1 and HTTP/2
 * clients. Waits are bounded waits on received data (or on the server ending the stream).
 */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { startEmbeddedServer, type StartedEmbeddedServer } from './server.js';
import { ApiClient, isInitialEventsEnd, rvOf, WatchStream, type WatchTransport } from './test-support.js';

const WATCH_LIST = 'watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true';

/** Each test gets its own server, so the tests can run concurrently without sharing an RV. */
async function withServer(transport: WatchTransport, test: (ctx: { server: StartedEmbeddedServer; api: ApiClient; open: (path: string) => Promise<WatchStream> }) => Promise<void>) {
  const server = await startEmbeddedServer({ bookmarkIntervalMs: 300 });
  const api = new ApiClient(server);
  try {
    await test({ server, api, open: (path) => WatchStream.open(server, path, { transport }) });
  } finally {
    await api.close();
    await server.stop();
  }
}

describe.concurrent.each<WatchTransport>(['h1', 'h2'])('reference watches over HTTPS (%s)', (transport) => {

  it('watch-list: ADDED in name order, one annotated bookmark at the current RV, then live events after it', () =>
    withServer(transport, async ({ server, api, open }) => {
      const ns = `wl-${transport}`;
      await api.createNamespace(ns);
      for (const name of ['c', 'a', 'b']) await api.createConfigMap(ns, name);
      await api.createNamespace(`${ns}-later`); // the resource-wide RV moves past every object
      const currentRv = Number(server.currentResourceVersion());

      const watch = await open(`/api/v1/namespaces/${ns}/configmaps?${WATCH_LIST}`);
      expect(watch.status).toBe(200);
      expect(watch.headers['content-type']).toBe('application/json');
      const initial = [await watch.next(), await watch.next(), await watch.next()];
      expect(initial.map((e) => `${e.type} ${e.object.metadata?.name}`)).toEqual(['ADDED a', 'ADDED b', 'ADDED c']);
      const end = await watch.next();
      expect(end).toEqual({
        type: 'BOOKMARK',
        object: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { resourceVersion: String(currentRv), annotations: { 'k8s.io/initial-events-end': 'true' } } },
      });

      await api.createConfigMap(ns, 'live');
      const live = await watch.nextMatching((e) => e.type !== 'BOOKMARK');
      expect(live.type).toBe('ADDED');
      expect(live.object.metadata?.name).toBe('live');
      expect(rvOf(live)).toBeGreaterThan(rvOf(end));
      // Wire form: compact JSON objects, each terminated by a newline.
      for (const line of watch.raw.split('\n').filter(Boolean)) expect(JSON.stringify(JSON.parse(line))).toBe(line);
      expect(watch.raw.endsWith('\n')).toBe(true);
      expect(watch.events.filter(isInitialEventsEnd)).toHaveLength(1);
      watch.close();
    }));

  it('ends the initial burst of a legacy RV "" watch with the annotated bookmark too', () =>
    withServer(transport, async ({ server, api, open }) => {
      const ns = `legacy-${transport}`;
      await api.createNamespace(ns);
      await api.createConfigMap(ns, 'x');
      const watch = await open(`/api/v1/namespaces/${ns}/configmaps?watch=1&allowWatchBookmarks=true&resourceVersion=`);
      expect((await watch.next()).type).toBe('ADDED');
      expect(isInitialEventsEnd(await watch.next())).toBe(true);
      watch.close();
    }));

  it('sends no BOOKMARK at all without allowWatchBookmarks, even after writes', () =>
    withServer(transport, async ({ server, api, open }) => {
      const ns = `nobm-${transport}`;
      await api.createNamespace(ns);
      await api.createConfigMap(ns, 'x');
      const watch = await open(`/api/v1/namespaces/${ns}/configmaps?watch=1&timeoutSeconds=3`);
      expect((await watch.next()).type).toBe('ADDED');
      await api.createConfigMap(ns, 'y');
      await api.createConfigMap('default', `elsewhere-${transport}`);
      const rest = await watch.untilEnd();
      expect(rest.map((e) => `${e.type} ${e.object.metadata?.name}`)).toEqual(['ADDED y']);
    }));

  it('sends periodic bookmarks only once a write (in another namespace) moved the RV past the start', () =>
    withServer(transport, async ({ server, api, open }) => {
      const idleNs = `idle-${transport}`;
      await api.createNamespace(idleNs);
      await api.createConfigMap(idleNs, 'x');
      // ~9 bookmark intervals and a pre-deadline slot, all without any write: only the end bookmark.
      const idle = await open(`/api/v1/namespaces/${idleNs}/configmaps?${WATCH_LIST}&timeoutSeconds=3`);
      const idleEvents = await idle.untilEnd();
      expect(idleEvents.map((e) => e.type)).toEqual(['ADDED', 'BOOKMARK']);
      expect(isInitialEventsEnd(idleEvents[1]!)).toBe(true);

      const ns = `busy-${transport}`;
      await api.createNamespace(ns);
      const watch = await open(`/api/v1/namespaces/${ns}/configmaps?${WATCH_LIST}`);
      const end = await watch.next();
      expect(isInitialEventsEnd(end)).toBe(true);
      const write = await api.createConfigMap('default', `other-ns-${transport}`);
      const bookmark = await watch.next();
      expect(bookmark).toEqual({ type: 'BOOKMARK', object: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { resourceVersion: write.json.metadata.resourceVersion } } });
      expect(rvOf(bookmark)).toBeGreaterThan(rvOf(end));
      watch.close();
    }));

  it('delivers watch events for selector transitions as ADDED/DELETED', () =>
    withServer(transport, async ({ server, api, open }) => {
      const ns = `sel-${transport}`;
      await api.createNamespace(ns);
      const start = server.currentResourceVersion();
      const watch = await open(`/api/v1/namespaces/${ns}/configmaps?watch=1&resourceVersion=${start}&labelSelector=app%3Dx`);
      const created = (await api.createConfigMap(ns, 's', { labels: { app: 'x' } })).json;
      const moved = (await api.request('PUT', `/api/v1/namespaces/${ns}/configmaps/s`, { ...created, metadata: { ...created.metadata, labels: { app: 'y' } } })).json;
      const back = (await api.request('PUT', `/api/v1/namespaces/${ns}/configmaps/s`, { ...moved, metadata: { ...moved.metadata, labels: { app: 'x' } } })).json;
      await api.request('DELETE', `/api/v1/namespaces/${ns}/configmaps/s`);
      const deletedRv = server.currentResourceVersion();
      const events = [await watch.next(), await watch.next(), await watch.next(), await watch.next()];
      expect(events.map((e) => [e.type, e.object.metadata?.resourceVersion])).toEqual([
        ['ADDED', created.metadata.resourceVersion],
        ['DELETED', moved.metadata.resourceVersion],
        ['ADDED', back.metadata.resourceVersion],
        ['DELETED', deletedRv],
      ]);
      // The DELETED for leaving the selection carries the last matching state.
      expect(events[1]!.object.metadata?.labels).toEqual({ app: 'x' });
      watch.close();
    }));

  it('flushes status and headers before any event, and releases the watcher when the client disconnects', () =>
    withServer(transport, async ({ server, open }) => {
      // No initial events and nothing to send: the response head must still arrive.
      const watch = await open(`/api/v1/namespaces?watch=1&resourceVersion=${server.currentResourceVersion()}`);
      expect(watch.status).toBe(200);
      expect(watch.headers['content-type']).toBe('application/json');
      expect(watch.events).toEqual([]);
      expect(server.stats().watchers).toBe(1);
      watch.close();
      const deadline = Date.now() + 5_000;
      while (server.stats().watchers > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(server.stats().watchers).toBe(0);
    }));

  it('watches cluster-scoped namespaces with Namespace bookmarks, and single objects on the legacy /watch/ path', () =>
    withServer(transport, async ({ server, api, open }) => {
      const namespaces = await open('/api/v1/namespaces?watch=1&allowWatchBookmarks=true&labelSelector=kubernetes.io%2Fmetadata.name%3Dkube-system');
      expect((await namespaces.next()).object).toMatchObject({ kind: 'Namespace', metadata: { name: 'kube-system' } });
      const end = await namespaces.next();
      expect(end.object).toEqual({
        kind: 'Namespace',
        apiVersion: 'v1',
        metadata: { resourceVersion: server.currentResourceVersion(), annotations: { 'k8s.io/initial-events-end': 'true' } },
      });
      namespaces.close();

      await api.createNamespace('single');
      const single = await open(`/api/v1/watch/namespaces/single/configmaps/wanted?resourceVersion=${server.currentResourceVersion()}`);
      await api.createConfigMap('single', 'unwanted');
      await api.createConfigMap('single', 'wanted');
      const event = await single.next();
      expect([event.type, event.object.metadata?.name]).toEqual(['ADDED', 'wanted']);
      single.close();
    }));
});

describe.concurrent('reference watch deadlines and errors', () => {
  it('sends one bookmark 2 s before a timeoutSeconds=6 deadline after a write, then ends the stream cleanly', async () => {
    await using server = await startEmbeddedServer(); // default 60 s interval: only the pre-deadline bookmark can come
    const api = new ApiClient(server);
    await api.createNamespace('deadline');
    const watch = await WatchStream.open(server, `/api/v1/namespaces/deadline/configmaps?${WATCH_LIST}&timeoutSeconds=6`);
    const end = await watch.next();
    expect(isInitialEventsEnd(end)).toBe(true);
    const write = await api.createConfigMap('default', 'deadline-writer');
    const rest = await watch.untilEnd(10_000);
    expect(rest).toEqual([{ type: 'BOOKMARK', object: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { resourceVersion: write.json.metadata.resourceVersion } } }]);
    expect(watch.raw.endsWith('\n')).toBe(true);
    await api.close();
  });

  it('answers a watch from an RV older than the history with 200 and one 410 ERROR event', async () => {
    const clock = new FakeClock();
    await using server = await startEmbeddedServer({ tls: false, historyWindowMs: 1_000 }, { clock });
    const api = new ApiClient(server);
    await api.createNamespace('old'); // RV 3
    clock.advance(5_000);
    await api.createConfigMap('old', 'fresh'); // RV 4: the only event left in the history
    const ok = await WatchStream.open(server, '/api/v1/namespaces/old/configmaps?watch=1&resourceVersion=3');
    expect((await ok.next()).object.metadata?.name).toBe('fresh');
    ok.close();

    const watch = await WatchStream.open(server, '/api/v1/namespaces/old/configmaps?watch=1&resourceVersion=2&allowWatchBookmarks=true');
    expect(watch.status).toBe(200);
    expect(await watch.untilEnd()).toEqual([
      {
        type: 'ERROR',
        object: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'too old resource version: 2 (3)', reason: 'Expired', code: 410 },
      },
    ]);
    await api.close();
  });

  it('answers sendInitialEvents with a future RV by a 504 ERROR event after waiting', async () => {
    await using server = await startEmbeddedServer({ tls: false });
    const future = Number(server.currentResourceVersion()) + 100;
    const watch = await WatchStream.open(server, `/api/v1/configmaps?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&resourceVersion=${future}`);
    const events = await watch.untilEnd(10_000);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'ERROR',
      object: {
        code: 504,
        reason: 'Timeout',
        message: `Timeout: Too large resource version: ${future}, current: ${server.currentResourceVersion()}`,
        details: { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }], retryAfterSeconds: 1 },
      },
    });
  });

  it('accepts a plain watch from a future RV and delivers later events above it', async () => {
    await using server = await startEmbeddedServer({ tls: false });
    const api = new ApiClient(server);
    const current = Number(server.currentResourceVersion());
    const watch = await WatchStream.open(server, `/api/v1/namespaces?watch=1&resourceVersion=${current + 1}`);
    expect(watch.status).toBe(200);
    await api.createNamespace('skipped'); // RV current+1: not above the requested RV
    await api.createNamespace('seen');
    const event = await watch.next();
    expect([event.type, event.object.metadata?.name, rvOf(event)]).toEqual(['ADDED', 'seen', current + 2]);
    watch.close();
    await api.close();
  });
});
