/**
 * The probe I/O over real loopback HTTPS against the embedded server: each embedded behaviour is
 * classified as the class it stands for, watches are closed as soon as the answer is known, the
 * concurrency bound holds, and aborting stops everything.
 */
import { describe, expect, it, vi } from 'vitest';
import { systemClock } from '../clock.js';
import { listWatchableResources } from '../discovery/list-resources.js';
import type { ResolvedResource } from '../discovery/resolve-resource.js';
import type { StreamRecord } from '../record/timeline.js';
import { startEmbeddedServer, type EmbeddedServerOptions, type StartedEmbeddedServer } from '../server/index.js';
import { TargetClient, type WatchSpec } from '../transport/client.js';
import { matrixRow, probeResources } from './resource-matrix.js';
import { probeWatchList } from './watch-list-probe.js';

function clientFor(server: StartedEmbeddedServer): TargetClient {
  return new TargetClient(
    {
      server: server.url,
      tls: { insecureSkipTlsVerify: false, ...(server.caCertPem ? { caPem: server.caCertPem } : {}) },
      allowH2: true,
      authHeaders: async () => ({ authorization: `Bearer ${server.token}` }),
    },
    systemClock(),
  );
}

async function classes(options: EmbeddedServerOptions, probeTimeoutMs = 1_500): Promise<Record<string, string>> {
  await using server = await startEmbeddedServer(options);
  await using client = clientFor(server);
  const { resources } = await listWatchableResources(client);
  const probes = await probeResources(client, resources, { clock: systemClock(), probeTimeoutMs });
  return Object.fromEntries(probes.map((p) => [matrixRow(p).name, matrixRow(p).classification]));
}

describe.concurrent('watch-list probes against the embedded server', () => {
  it('reference: every resource supports watch-list, and each watch is closed at the end bookmark', async () => {
    await using server = await startEmbeddedServer({});
    await using client = clientFor(server);
    const { resources } = await listWatchableResources(client);
    expect(resources.map((r) => r.resource).sort()).toEqual(['configmaps', 'namespaces']);
    const probes = await probeResources(client, resources, { clock: systemClock(), probeTimeoutMs: 20_000 });
    for (const probe of probes) {
      expect(matrixRow(probe).classification).toBe('supports');
      const close = probe.stream.entries.at(-1)!;
      expect(close).toMatchObject({ kind: 'close', reason: 'client-abort' });
      // Closed by the answer, not by the 20 s wait.
      expect(close.atMs - probe.stream.request.sentAtMs).toBeLessThan(10_000);
    }
    expect(probes[0]!.stream.request.path).toBe(
      '/api/v1/configmaps?allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&sendInitialEvents=true&timeoutSeconds=25&watch=true',
    );
    // The server saw both watches end (the RST_STREAM reaches it asynchronously).
    await vi.waitFor(() => expect(server.stats().watchers).toBe(0), { timeout: 5_000 });
  });

  it('kinm: accepts-and-ignores', async () => {
    expect(await classes({ profile: 'kinm' })).toEqual({ configmaps: 'accepts-and-ignores', namespaces: 'accepts-and-ignores' });
  });

  it('WatchList gate off (kube-apiserver 1.33): rejects-cleanly', async () => {
    expect(await classes({ watchList: false })).toEqual({ configmaps: 'rejects-cleanly', namespaces: 'rejects-cleanly' });
  });

  it('one server, three classes: per-resource overrides', async () => {
    expect(await classes({ resourceOverrides: { configmaps: { profile: 'kinm' } } })).toEqual({ configmaps: 'accepts-and-ignores', namespaces: 'supports' });
    expect(await classes({ watchList: false, resourceOverrides: { namespaces: { watchList: true } } })).toEqual({ configmaps: 'rejects-cleanly', namespaces: 'supports' });
  });

  it('broken-bookmark-object: client-go cannot decode the end bookmark and falls back, so rejects-cleanly', async () => {
    expect(await classes({ profile: 'broken-bookmark-object' })).toEqual({ configmaps: 'rejects-cleanly', namespaces: 'rejects-cleanly' });
  });

  it('probes one namespace when asked', async () => {
    await using server = await startEmbeddedServer({});
    await using client = clientFor(server);
    const { resources } = await listWatchableResources(client);
    const configmaps = resources.find((r) => r.resource === 'configmaps')!;
    const probe = await probeWatchList(client, configmaps, { clock: systemClock(), probeTimeoutMs: 5_000, namespace: 'kube-system' });
    expect(probe.namespace).toBe('kube-system');
    expect(probe.stream.request.path).toMatch(/^\/api\/v1\/namespaces\/kube-system\/configmaps\?/);
    const namespaces = resources.find((r) => r.resource === 'namespaces')!;
    expect((await probeWatchList(client, namespaces, { clock: systemClock(), probeTimeoutMs: 5_000, namespace: 'kube-system' })).namespace).toBeNull();
  });

  it('aborting ends the open probes at once and starts no more', async () => {
    await using server = await startEmbeddedServer({ profile: 'kinm' });
    await using client = clientFor(server);
    const { resources } = await listWatchableResources(client);
    const many = Array.from({ length: 10 }, () => resources[0]!);
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 300);
    const probes = await probeResources(client, many, { clock: systemClock(), probeTimeoutMs: 30_000, concurrency: 2, signal: controller.signal });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(probes.filter(Boolean)).toHaveLength(2);
  });
});

describe('probeResources concurrency', () => {
  it('never has more than `concurrency` watches open and keeps the input order', async () => {
    let open = 0;
    let maxOpen = 0;
    const fake = {
      async watch(spec: WatchSpec): Promise<StreamRecord> {
        open++;
        maxOpen = Math.max(maxOpen, open);
        await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 10));
        open--;
        return { id: spec.id, scenario: spec.scenario, request: { method: 'GET', path: spec.basePath, watched: spec.watched, options: spec.options, sentAtMs: 0 }, entries: [] };
      },
    } as unknown as TargetClient;
    const resources: ResolvedResource[] = Array.from({ length: 20 }, (_, i) => ({
      group: '', version: 'v1', apiVersion: 'v1', kind: `K${i}`, resource: `r${i}`, namespaced: false, verbs: ['list', 'watch'], shortNames: [], singularName: `r${i}`,
    }));
    const probes = await probeResources(fake, resources, { clock: systemClock(), probeTimeoutMs: 1_000, concurrency: 3 });
    expect(maxOpen).toBe(3);
    expect(probes.map((p) => p.resource.resource)).toEqual(resources.map((r) => r.resource));
  });
});
