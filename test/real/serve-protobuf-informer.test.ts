import { describe, expect, it } from 'vitest';
import { PROTOBUF_MEDIA_TYPE, PROTOBUF_WATCH_MEDIA_TYPE } from '../../src/protobuf/k8s-codec.js';
import { startEmbeddedServer, type ServerProfile } from '../../src/server/index.js';
import { SERVER_PROFILES } from '../../src/server/profiles.js';
import { ApiClient } from '../../src/server/test-support.js';
import { runProbe, shouldSkip } from './testbed-support.js';

/**
 * Typed client-go informers against the embedded server in each encoding (the testbed's
 * informer-probe `--content-type`): forced JSON; client-go's default, which for typed clients of
 * built-in types is protobuf with a JSON fallback since v0.32 (gentype.PrefersProtobuf); and
 * protobuf set explicitly, as kube-controller-manager and the scheduler do. The protobuf ones read
 * protobuf watch streams and get the JSON twin's verdict: reference syncs, kinm (no bookmark) never
 * syncs; broken-protobuf-framing syncs in JSON only.
 */
const skip = shouldSkip([]);

async function serverWithState(profile: ServerProfile) {
  // slow-initial-events-end: the end bookmark after 21 s, past client-go's 10 s warning tick, within the deadline.
  const server = await startEmbeddedServer({ profile, initialEventsEndDelayMs: profile === 'slow-initial-events-end' ? 21_000 : undefined });
  const api = new ApiClient(server);
  // One namespace per concurrent probe: a probe's write after sync must not land in another's cache.
  for (const namespace of ['pb-informer', 'pb-informer-json']) {
    await api.createNamespace(namespace);
    for (const name of ['a', 'b']) await api.createConfigMap(namespace, name);
  }
  await api.close();
  return server;
}

describe.skipIf(skip).concurrent('typed protobuf informer against watchmark serve', () => {
  it.each<[ServerProfile, { json: boolean; protobuf: boolean }]>([
    ['reference', { json: true, protobuf: true }],
    ['kinm', { json: false, protobuf: false }],
    ['broken-protobuf-framing', { json: true, protobuf: false }],
  ])('%s', async (profile, syncs) => {
    await using server = await serverWithState(profile);
    const target = { server: server.url, token: server.token, caPem: server.caCertPem!, group: '', version: 'v1', resource: 'configmaps', namespace: 'pb-informer' };
    const deadlineSeconds = 12;
    const [json, clientGoDefault, protobuf] = await Promise.all([
      runProbe(target, { watchListClient: true, deadlineSeconds, informer: 'typed', contentType: 'application/json' }),
      runProbe(target, { watchListClient: true, deadlineSeconds, informer: 'typed' }),
      runProbe(target, { watchListClient: true, deadlineSeconds, informer: 'typed', contentType: PROTOBUF_MEDIA_TYPE }),
    ]);
    const context = JSON.stringify({ profile, json, clientGoDefault, protobuf });
    expect(json.watchContentTypes, context).toEqual(['application/json']);
    expect(json.synced, context).toBe(syncs.json);
    for (const pb of [clientGoDefault, protobuf]) {
      // The watch (Accept "application/vnd.kubernetes.protobuf,application/json") is answered in protobuf.
      expect(pb.watchContentTypes, context).toEqual([PROTOBUF_WATCH_MEDIA_TYPE]);
      expect(pb.watchListRequests, context).toBeGreaterThan(0);
      expect(pb.synced, context).toBe(syncs.protobuf);
      if (syncs.protobuf) expect(pb.items, context).toBe(2);
    }
  });
});

/** What an informer run shows, comparable across encodings. */
function outcome(probe: Awaited<ReturnType<typeof runProbe>>) {
  return {
    synced: probe.synced,
    fellBackToList: probe.listRequests > 0,
    skippedEvents: probe.unexpectedObjectEvents > 0,
    // Not items: the probe deletes its live write again, and whether that DELETED event arrived before the count is a race.
    liveWrite: probe.liveWrite,
  };
}

describe.skipIf(skip).concurrent('every profile: a typed informer does the same in protobuf (client-go\'s default) as in JSON', () => {
  it.each(SERVER_PROFILES.filter((p) => p !== 'broken-protobuf-framing'))('%s', async (profile) => {
    await using server = await serverWithState(profile);
    const target = { server: server.url, token: server.token, caPem: server.caCertPem!, group: '', version: 'v1', resource: 'configmaps', namespace: 'pb-informer' };
    const opts = { watchListClient: true, deadlineSeconds: 25, informer: 'typed' as const, writeAfterSync: true };
    const [json, protobuf] = await Promise.all([
      runProbe({ ...target, namespace: 'pb-informer-json' }, { ...opts, contentType: 'application/json' }),
      runProbe(target, opts),
    ]);
    expect(protobuf.watchContentTypes).toEqual([PROTOBUF_WATCH_MEDIA_TYPE]);
    expect(outcome(protobuf), JSON.stringify({ profile, json, protobuf })).toEqual(outcome(json));
  });
});
