/**
 * 1,000 concurrent watches on one server (1,000 HTTP/1.1 connections): every watcher gets every
 * event of a small workload, in order, and the server serializes each event once.
 */
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { startEmbeddedServer } from './server.js';
import { ApiClient, WatchStream } from './test-support.js';

const WATCHERS = 1_000;

describe('fan-out', () => {
  it(`delivers every event to ${WATCHERS} concurrent watchers`, { timeout: 120_000 }, async () => {
    await using server = await startEmbeddedServer({ tls: false });
    const api = new ApiClient(server);
    const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
    await api.createNamespace('fanout');
    const startRv = server.currentResourceVersion();

    const watches: WatchStream[] = [];
    for (let i = 0; i < WATCHERS; i += 100) {
      const batch = Array.from({ length: Math.min(100, WATCHERS - i) }, () =>
        WatchStream.open(server, `/api/v1/namespaces/fanout/configmaps?watch=1&resourceVersion=${startRv}&allowWatchBookmarks=true`, { agent }),
      );
      watches.push(...(await Promise.all(batch)));
    }
    expect(watches.every((w) => w.status === 200)).toBe(true);
    expect(server.stats().watchers).toBe(WATCHERS);

    const expected: string[] = [];
    for (let i = 0; i < 10; i++) {
      const created = (await api.createConfigMap('fanout', `cm-${i}`, { data: { i: String(i) } })).json;
      expected.push(`ADDED cm-${i}@${created.metadata.resourceVersion}`);
    }
    for (let i = 0; i < 5; i++) {
      const current = (await api.request('GET', `/api/v1/namespaces/fanout/configmaps/cm-${i}`)).json;
      const updated = (await api.request('PUT', `/api/v1/namespaces/fanout/configmaps/cm-${i}`, { ...current, data: { i: 'updated' } })).json;
      expected.push(`MODIFIED cm-${i}@${updated.metadata.resourceVersion}`);
    }
    for (let i = 5; i < 10; i++) {
      await api.request('DELETE', `/api/v1/namespaces/fanout/configmaps/cm-${i}`);
      expected.push(`DELETED cm-${i}@${server.currentResourceVersion()}`);
    }

    const received = await Promise.all(
      watches.map(async (w) => {
        const events: string[] = [];
        while (events.length < expected.length) {
          const e = await w.next(30_000);
          if (e.type !== 'BOOKMARK') events.push(`${e.type} ${e.object.metadata?.name}@${e.object.metadata?.resourceVersion}`);
        }
        return events.join('|');
      }),
    );
    const wanted = expected.join('|');
    expect(received.filter((r) => r !== wanted)).toEqual([]);

    for (const w of watches) w.close();
    agent.destroy();
    await api.close();
  });
});
