/**
 * The embedded server in Kubernetes protobuf, over real loopback HTTP: request bodies, negotiated
 * answers, protobuf watch streams under every profile, and broken-protobuf-framing's frames. The
 * expected texts are kube-apiserver v1.37's answers to the same requests (testbed, checked by hand).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeObject, decodeWatchEvent, encodeObject, PROTOBUF_MEDIA_TYPE, PROTOBUF_WATCH_MEDIA_TYPE } from '../protobuf/k8s-codec.js';
import { SERVER_PROFILES, type ServerProfile } from './profiles.js';
import { startEmbeddedServer, type StartedEmbeddedServer } from './server.js';
import { ApiClient, WatchStream, type ApiResponse, type WatchEventJson } from './test-support.js';

const PB = PROTOBUF_MEDIA_TYPE;
/** What kubectl >= 1.32 and client-go protobuf clients send. */
const CLIENT_GO_ACCEPT = `${PB},application/json`;
const WATCH_LIST = 'watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true';

const pbPost = (api: ApiClient, path: string, object: Record<string, unknown>, accept = CLIENT_GO_ACCEPT) =>
  api.request('POST', path, Buffer.from(encodeObject(object)), { 'content-type': PB, accept });
const decoded = (res: ApiResponse) => decodeObject(res.raw) as Record<string, any>;

let server: StartedEmbeddedServer;
let api: ApiClient;

beforeAll(async () => {
  server = await startEmbeddedServer({ tls: false });
  api = new ApiClient(server);
  expect((await api.createNamespace('pb')).status).toBe(201);
});
afterAll(async () => {
  await api.close();
  await server.stop();
});

describe('protobuf request bodies and answers', () => {
  it('creates a ConfigMap from a protobuf body and answers in protobuf what a JSON GET answers', async () => {
    const cm = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'made-in-pb', labels: { b: '2', a: '1' }, annotations: { note: 'x' } },
      data: { x: 'y' },
      binaryData: { bin: Buffer.from([0, 1, 254, 255]).toString('base64') },
    };
    const created = await pbPost(api, '/api/v1/namespaces/pb/configmaps', cm);
    expect(created.status, created.text).toBe(201);
    expect(created.headers['content-type']).toBe(PB);
    const asJson = await api.request('GET', '/api/v1/namespaces/pb/configmaps/made-in-pb');
    expect(decoded(created)).toEqual(asJson.json);
    expect(asJson.json).toMatchObject({ data: cm.data, binaryData: cm.binaryData, metadata: { namespace: 'pb', labels: cm.metadata.labels } });

    const put = await api.request(
      'PUT',
      '/api/v1/namespaces/pb/configmaps/made-in-pb',
      Buffer.from(encodeObject({ ...asJson.json, data: { x: 'z' } })),
      { 'content-type': PB, accept: PB },
    );
    expect(put.status, put.text).toBe(200);
    expect(decoded(put)).toMatchObject({ kind: 'ConfigMap', data: { x: 'z' } });

    const list = await api.request('GET', '/api/v1/namespaces/pb/configmaps', undefined, { accept: CLIENT_GO_ACCEPT });
    expect(list.headers['content-type']).toBe(PB);
    const listJson = await api.request('GET', '/api/v1/namespaces/pb/configmaps');
    expect(decoded(list)).toEqual(listJson.json);

    const ns = await pbPost(api, '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'pb-ns' } });
    expect(ns.status, ns.text).toBe(201);
    expect(decoded(ns)).toMatchObject({ kind: 'Namespace', metadata: { name: 'pb-ns' }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } });
  });

  it('negotiates the answer as kube-apiserver does: q-values, then header order; as=Table clauses fall back to JSON', async () => {
    await api.createConfigMap('pb', 'negotiated');
    const typeFor = async (accept: string) => (await api.request('GET', '/api/v1/namespaces/pb/configmaps/negotiated', undefined, { accept })).headers['content-type'];
    expect(await typeFor(CLIENT_GO_ACCEPT)).toBe(PB);
    expect(await typeFor(`application/json,${PB}`)).toBe('application/json');
    expect(await typeFor(`application/json;q=0.5,${PB}`)).toBe(PB);
    expect(await typeFor(`${PB};q=0.5,application/json`)).toBe('application/json');
    expect(await typeFor(`${PB};q=0,application/json`)).toBe('application/json');
    expect(await typeFor(`${PB};stream=watch`)).toBe(PB);
    expect(await typeFor(`${PB};as=Table;v=v1;g=meta.k8s.io,application/json`)).toBe('application/json');
    expect(await typeFor('*/*')).toBe('application/json');
    // Discovery stays JSON, which client-go's protobuf clients accept as their fallback.
    expect((await api.request('GET', '/api/v1', undefined, { accept: CLIENT_GO_ACCEPT })).headers['content-type']).toBe('application/json');
  });

  it('answers errors as a protobuf Status when protobuf is preferred', async () => {
    const missing = await api.request('GET', '/api/v1/namespaces/pb/configmaps/nope', undefined, { accept: CLIENT_GO_ACCEPT });
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toBe(PB);
    expect(decoded(missing)).toEqual({
      apiVersion: 'v1',
      kind: 'Status',
      metadata: {},
      status: 'Failure',
      message: 'configmaps "nope" not found',
      reason: 'NotFound',
      details: { name: 'nope', kind: 'configmaps' },
      code: 404,
    });
    const unauthorized = await api.request('GET', '/api/v1/namespaces', undefined, { accept: PB, authorization: 'Bearer wrong' });
    expect(unauthorized.status).toBe(401);
    expect(decoded(unauthorized)).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
  });

  it('answers bodies that are not protobuf, or not a ConfigMap, with kube-apiserver\'s 400s', async () => {
    const post = (body: Buffer) => api.request('POST', '/api/v1/namespaces/pb/configmaps', body, { 'content-type': PB });
    const message = async (body: Buffer) => {
      const res = await post(body);
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'BadRequest', code: 400 });
      return res.json.message as string;
    };
    expect(await message(Buffer.from('garbage garbage'))).toBe(
      'the object provided is unrecognized (must be of type ConfigMap): provided data does not appear to be a protobuf message, expected prefix [107 56 115 0] (676172626167652067617262616765)',
    );
    expect(await message(Buffer.from([0x6b, 0x38, 0x73, 0x00, 0xff, 0xff]))).toBe(
      'the object provided is unrecognized (must be of type ConfigMap): unexpected EOF (6b387300ffff)',
    );
    expect(await message(Buffer.alloc(0))).toBe('the object provided is unrecognized (must be of type ConfigMap): empty data (<empty>)');
    expect(await message(Buffer.from(encodeObject({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } })))).toBe(
      'Namespace in version "v1" cannot be handled as a ConfigMap: converting (v1.Namespace) to (core.ConfigMap): unknown conversion',
    );
    expect(await message(Buffer.from(encodeObject({ apiVersion: 'v1', kind: 'Frob', metadata: { name: 'x' } })))).toBe(
      'Frob in version "v1" cannot be handled as a ConfigMap: no kind "Frob" is registered for version "v1" in scheme "pkg/runtime/scheme.go:111"',
    );
    // An envelope without type meta takes the resource's kind, as kube-apiserver does.
    const bare = await post(Buffer.from(encodeObject({ apiVersion: '', kind: '', metadata: { name: 'no-type-meta' } })));
    expect(bare.status, bare.text).toBe(201);
    expect(bare.json).toMatchObject({ kind: 'ConfigMap', metadata: { name: 'no-type-meta', namespace: 'pb' } });
  });

  it('reads DeleteOptions from a protobuf DELETE body (preconditions honoured) and refuses other bodies as kube-apiserver does', async () => {
    const cm = (await api.createConfigMap('pb', 'to-delete')).json;
    const del = (body: Uint8Array | Buffer) =>
      api.request('DELETE', '/api/v1/namespaces/pb/configmaps/to-delete', Buffer.from(body), { 'content-type': PB, accept: CLIENT_GO_ACCEPT });
    const garbage = await del(Buffer.from('garbage'));
    expect(garbage.status).toBe(400);
    expect(decoded(garbage).message).toBe('provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]');
    const wrongKind = await del(encodeObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'to-delete' } }));
    expect(decoded(wrongKind).message).toBe('no kind "ConfigMap" is registered for version "v1" in scheme "pkg/runtime/scheme.go:111"');
    const stale = await del(encodeObject({ apiVersion: 'meta.k8s.io/v1', kind: 'DeleteOptions', preconditions: { resourceVersion: '1' } }));
    expect(stale.status).toBe(409);
    expect(decoded(stale)).toMatchObject({ kind: 'Status', reason: 'Conflict' });
    const ok = await del(encodeObject({ apiVersion: 'meta.k8s.io/v1', kind: 'DeleteOptions', preconditions: { uid: cm.metadata.uid } }));
    expect(ok.status, ok.text).toBe(200);
    expect(ok.headers['content-type']).toBe(PB);
    expect(decoded(ok)).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'to-delete', kind: 'configmaps', uid: cm.metadata.uid } });
  });
});

describe('protobuf watch streams', () => {
  it('a protobuf watch-list is length-prefixed WatchEvents, with the end bookmark kube-apiserver sends and live events after it', async () => {
    await api.createNamespace('pbw');
    await api.createConfigMap('pbw', 'first');
    for (const accept of [`${PB};stream=watch`, CLIENT_GO_ACCEPT, PB]) {
      const watch = await WatchStream.open(server, `/api/v1/namespaces/pbw/configmaps?${WATCH_LIST}&timeoutSeconds=5`, { accept });
      expect(watch.status).toBe(200);
      expect(watch.headers['content-type']).toBe(PROTOBUF_WATCH_MEDIA_TYPE);
      expect((await watch.next()).object).toMatchObject({ kind: 'ConfigMap', metadata: { name: 'first' } });
      const end = await watch.next();
      expect(end.type).toBe('BOOKMARK');
      // kube-apiserver's: a ConfigMap with only metadata.resourceVersion and the annotation.
      expect(end.object).toEqual({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { resourceVersion: server.currentResourceVersion(), annotations: { 'k8s.io/initial-events-end': 'true' } },
      });
      watch.close();
    }
    const live = await WatchStream.open(server, `/api/v1/namespaces/pbw/configmaps?${WATCH_LIST}&timeoutSeconds=5`, { accept: CLIENT_GO_ACCEPT });
    await live.nextMatching((e) => e.type === 'BOOKMARK');
    const created = (await api.createConfigMap('pbw', 'second')).json;
    expect(await live.next()).toEqual({ type: 'ADDED', object: created });
    live.close();
  });

  it('a storage error is an ERROR event carrying a protobuf Status', async () => {
    const watch = await WatchStream.open(server, '/api/v1/namespaces/pbw/configmaps?watch=true&resourceVersion=1', { accept: CLIENT_GO_ACCEPT });
    const events = await watch.untilEnd();
    expect(events).toHaveLength(1);
    expect(events[0]!.type).toBe('ERROR');
    expect(events[0]!.object).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Expired', code: 410, message: 'too old resource version: 1 (2)' });
  });
});

/** What a client sees of an event, comparable across encodings (protobuf carries only metadata for kinds it has no schema for). */
function seen(e: WatchEventJson) {
  return { type: e.type, kind: e.object.kind || undefined, apiVersion: e.object.apiVersion || undefined, metadata: e.object.metadata };
}

/** A protobuf watch body's events, its length prefixes read in the given byte order. */
function protobufEvents(bytes: Buffer, order: 'big-endian' | 'little-endian'): WatchEventJson[] {
  const out: WatchEventJson[] = [];
  for (let at = 0; at < bytes.length; ) {
    const length = order === 'big-endian' ? bytes.readUInt32BE(at) : bytes.readUInt32LE(at);
    const event = decodeWatchEvent(bytes.subarray(at + 4, at + 4 + length));
    out.push({ type: event.type, object: decodeObject(event.object) as WatchEventJson['object'] });
    at += 4 + length;
  }
  return out;
}

describe.concurrent('every profile watches the same in protobuf as in JSON', () => {
  it.each(SERVER_PROFILES.map((p) => [p]))('%s', async (profile: ServerProfile) => {
    await using own = await startEmbeddedServer({ profile, tls: false, initialEventsEndDelayMs: 300, bookmarkIntervalMs: 500 });
    const client = new ApiClient(own);
    try {
      await client.createNamespace('same');
      const first = (await client.createConfigMap('same', 'first', { labels: { app: 'x' } })).json;
      await client.request('PUT', '/api/v1/namespaces/same/configmaps/first', { ...first, data: { changed: 'yes' } });
      const path = `/api/v1/namespaces/same/configmaps?${WATCH_LIST}&timeoutSeconds=3`;
      const [json, pb] = await Promise.all([WatchStream.open(own, path), WatchStream.open(own, path, { accept: CLIENT_GO_ACCEPT })]);
      expect(pb.headers['content-type']).toBe(PROTOBUF_WATCH_MEDIA_TYPE);
      // Both see the initial state (late-snapshot: after its delay) before the live write.
      const brokenFraming = profile === 'broken-protobuf-framing';
      await Promise.all([json.next(), brokenFraming ? json.next() : pb.next()]);
      await client.createConfigMap('same', 'second');
      await Promise.all([json.untilEnd(), pb.untilEnd()]);
      if (brokenFraming) {
        // Read big-endian, as every protobuf client does, the first length is far beyond the stream.
        expect(pb.events).toEqual([]);
        expect(pb.bytes.readUInt32BE(0)).toBeGreaterThan(pb.bytes.length);
      }
      const pbEvents = protobufEvents(pb.bytes, brokenFraming ? 'little-endian' : 'big-endian');
      expect(pbEvents.map(seen)).toEqual(json.events.map(seen));
      expect(pbEvents.filter((e) => e.type === 'ADDED').map((e) => e.object.metadata?.name)).toContain('second');
    } finally {
      await client.close();
    }
  });
});

describe('broken-protobuf-framing', () => {
  it('writes each protobuf frame as kube-apiserver would, but with its 4-byte length little-endian; JSON watches are untouched', async () => {
    await using reference = await startEmbeddedServer({ tls: false, token: 'same-token' });
    await using broken = await startEmbeddedServer({ profile: 'broken-protobuf-framing', tls: false, token: 'same-token' });
    const frames = async (target: StartedEmbeddedServer, accept: string) => {
      const watch = await WatchStream.open(target, `/api/v1/namespaces?${WATCH_LIST}&timeoutSeconds=1`, { accept });
      await watch.untilEnd();
      return watch;
    };
    const [good, bad, goodJson, badJson] = await Promise.all([
      frames(reference, CLIENT_GO_ACCEPT),
      frames(broken, CLIENT_GO_ACCEPT),
      frames(reference, 'application/json'),
      frames(broken, 'application/json'),
    ]);
    expect(bad.headers['content-type']).toBe(PROTOBUF_WATCH_MEDIA_TYPE);
    // default, kube-system, then the end bookmark: three frames, identical but for the prefix byte order.
    expect(good.events.map((e) => e.type)).toEqual(['ADDED', 'ADDED', 'BOOKMARK']);
    const split = (bytes: Buffer, read: (at: number) => number) => {
      const out: Array<{ prefix: Buffer; payload: Buffer }> = [];
      for (let at = 0; at < bytes.length; ) {
        const length = read(at);
        out.push({ prefix: bytes.subarray(at, at + 4), payload: bytes.subarray(at + 4, at + 4 + length) });
        at += 4 + length;
      }
      return out;
    };
    const goodFrames = split(good.bytes, (at) => good.bytes.readUInt32BE(at));
    const badFrames = split(bad.bytes, (at) => bad.bytes.readUInt32LE(at));
    expect(badFrames).toHaveLength(3);
    // The namespaces differ only in uid and timestamps between the two servers: compare shapes, then the prefixes byte-wise.
    badFrames.forEach((frame, i) => {
      expect(frame.prefix).toEqual(Buffer.from([...goodFrames[i]!.prefix].reverse()));
      expect(frame.prefix.readUInt32LE(0)).toBe(frame.payload.length);
      expect(decodeWatchEvent(frame.payload).type).toBe(good.events[i]!.type);
      expect(decodeObject(decodeWatchEvent(frame.payload).object)).toMatchObject({ kind: 'Namespace', metadata: { resourceVersion: String(good.events[i]!.object.metadata!.resourceVersion) } });
    });
    expect(badJson.events.map(seen).map((e) => [e.type, e.metadata?.name])).toEqual(goodJson.events.map(seen).map((e) => [e.type, e.metadata?.name]));
    expect(badJson.headers['content-type']).toBe('application/json');
  });
});
