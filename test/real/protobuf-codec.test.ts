import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestbedTarget } from '../../src/targets/registry.js';
import { decodeObject, decodeWatchEvent, encodeObject, PROTOBUF_MEDIA_TYPE, PROTOBUF_WATCH_MEDIA_TYPE } from '../../src/protobuf/k8s-codec.js';
import { shouldSkip } from './testbed-support.js';

/**
 * The protobuf codec (src/protobuf/) against the real kube-apiserver: what it writes, kube-apiserver
 * accepts; what kube-apiserver writes, it reads as the same object kube-apiserver serves in JSON.
 */
describe('protobuf codec against the real kube-apiserver', () => {
  const skip = shouldSkip(['kube-apiserver'], false);
  let target: Awaited<ReturnType<typeof startTestbedTarget>>;
  let agent: Agent;
  const ns = `pb-${Date.now().toString(36)}`;

  async function call(method: string, path: string, opts: { accept?: string; contentType?: string; body?: Uint8Array | string } = {}) {
    const res = await request(`${target.info.server}${path}`, {
      method: method as 'GET',
      dispatcher: agent,
      headers: {
        authorization: `Bearer ${target.info.token!}`,
        accept: opts.accept ?? 'application/json',
        ...(opts.contentType ? { 'content-type': opts.contentType } : {}),
      },
      body: opts.body,
    });
    return { status: res.statusCode, contentType: String(res.headers['content-type'] ?? ''), body: new Uint8Array(await res.body.arrayBuffer()) };
  }
  const json = (b: Uint8Array) => JSON.parse(Buffer.from(b).toString('utf8')) as Record<string, unknown>;

  beforeAll(async () => {
    if (skip) return;
    target = await startTestbedTarget('kube-apiserver');
    agent = new Agent({ connect: { ca: readFileSync(target.info.caFile!) }, allowH2: false });
    const created = await call('POST', '/api/v1/namespaces', { contentType: PROTOBUF_MEDIA_TYPE, body: encodeObject({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { via: 'protobuf' } } }) });
    expect(created.status, Buffer.from(created.body).toString()).toBe(201);
  }, 120_000);
  afterAll(async () => {
    await agent?.close();
    await target?.stop();
  });

  it.skipIf(skip)('a ConfigMap written in protobuf is stored as sent; read back in protobuf it equals the JSON answer field for field', async () => {
    const cm = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cm', namespace: ns, labels: { b: '2', a: '1' }, annotations: { note: 'x' }, finalizers: ['example.com/keep'] },
      immutable: false,
      data: { x: 'y', empty: '' },
      binaryData: { bin: Buffer.from([0, 1, 254, 255]).toString('base64') },
    };
    const created = await call('POST', `/api/v1/namespaces/${ns}/configmaps?fieldManager=watchmark-test`, { contentType: PROTOBUF_MEDIA_TYPE, accept: PROTOBUF_MEDIA_TYPE, body: encodeObject(cm) });
    expect(created.status).toBe(201);
    expect(created.contentType).toBe(PROTOBUF_MEDIA_TYPE);
    const fromProto = decodeObject(created.body);
    const asJson = await call('GET', `/api/v1/namespaces/${ns}/configmaps/cm`);
    expect(fromProto).toEqual(json(asJson.body));
    expect(fromProto).toMatchObject({ data: cm.data, binaryData: cm.binaryData, immutable: false, metadata: { labels: cm.metadata.labels, finalizers: cm.metadata.finalizers } });
    expect((fromProto.metadata as { managedFields: unknown[] }).managedFields).toHaveLength(1);
    // Lists: ListMeta and items.
    const list = await call('GET', `/api/v1/namespaces/${ns}/configmaps`, { accept: PROTOBUF_MEDIA_TYPE });
    const listJson = json((await call('GET', `/api/v1/namespaces/${ns}/configmaps`)).body);
    const decodedList = decodeObject(list.body);
    expect(decodedList.items).toEqual(listJson.items);
    expect((decodedList.metadata as { resourceVersion: string }).resourceVersion).toMatch(/^\d+$/);
  });

  it.skipIf(skip)('a Namespace and an error Status read in protobuf equal their JSON answers', async () => {
    const nsProto = decodeObject((await call('GET', `/api/v1/namespaces/${ns}`, { accept: PROTOBUF_MEDIA_TYPE })).body);
    expect(nsProto).toEqual(json((await call('GET', `/api/v1/namespaces/${ns}`)).body));
    expect(nsProto).toMatchObject({ spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } });
    const missing = await call('GET', `/api/v1/namespaces/${ns}/configmaps/nope`, { accept: PROTOBUF_MEDIA_TYPE });
    expect(missing.status).toBe(404);
    expect(decodeObject(missing.body)).toEqual(json((await call('GET', `/api/v1/namespaces/${ns}/configmaps/nope`)).body));
  });

  it.skipIf(skip)('a protobuf watch-list stream is length-prefixed WatchEvents; the end bookmark carries its annotation; a DeleteOptions body in protobuf is honoured', async () => {
    const res = await request(`${target.info.server}/api/v1/namespaces/${ns}/configmaps?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=3`, {
      dispatcher: agent,
      headers: { authorization: `Bearer ${target.info.token!}`, accept: PROTOBUF_WATCH_MEDIA_TYPE },
    });
    expect(res.statusCode).toBe(200);
    expect(String(res.headers['content-type'])).toBe(PROTOBUF_WATCH_MEDIA_TYPE);
    const bytes = Buffer.from(await res.body.arrayBuffer());
    const events: Array<{ type: string; object: Record<string, unknown> }> = [];
    for (let at = 0; at < bytes.length; ) {
      const len = bytes.readUInt32BE(at);
      const event = decodeWatchEvent(bytes.subarray(at + 4, at + 4 + len));
      events.push({ type: event.type, object: decodeObject(event.object) });
      at += 4 + len;
    }
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'BOOKMARK']);
    expect(events[1]!.object).toMatchObject({ kind: 'ConfigMap', metadata: { annotations: { 'k8s.io/initial-events-end': 'true' } } });

    const del = await call('DELETE', `/api/v1/namespaces/${ns}/configmaps/cm`, {
      contentType: PROTOBUF_MEDIA_TYPE,
      body: encodeObject({ apiVersion: 'meta.k8s.io/v1', kind: 'DeleteOptions', preconditions: { resourceVersion: '1' } }),
    });
    // The precondition is read from the protobuf body: a wrong resourceVersion is a 409.
    expect(del.status).toBe(409);
    expect(json(del.body)).toMatchObject({ reason: 'Conflict' });
  });
});
