import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeObject, decodeWatchEvent, encodeObject, PROTOBUF_MEDIA_TYPE } from '../../src/protobuf/k8s-codec.js';
import { startEmbeddedServer, type StartedEmbeddedServer } from '../../src/server/index.js';
import { startTestbedTarget } from '../../src/targets/registry.js';
import { shouldSkip } from './testbed-support.js';

/**
 * The same protobuf requests to the real kube-apiserver and to `watchmark serve`: the same status
 * codes, Content-Types and (for errors) the same Status, field for field; watch streams with the
 * same Content-Type and event types. Bodies that are not protobuf, or of another kind, included.
 */
const PB = PROTOBUF_MEDIA_TYPE;
const CLIENT_GO_ACCEPT = `${PB},application/json`;

interface Answer {
  status: number;
  contentType: string;
  /** The decoded body: protobuf or JSON. */
  body: Record<string, unknown>;
}

interface Side {
  call(method: string, path: string, headers: Record<string, string>, body?: Uint8Array): Promise<Answer>;
  watch(path: string, accept: string): Promise<{ contentType: string; types: string[] }>;
  close(): Promise<void>;
}

function side(url: string, token: string, caPem: string, stop: () => Promise<void>): Side {
  const agent = new Agent({ connect: { ca: caPem } });
  const headersFor = (extra: Record<string, string>) => ({ authorization: `Bearer ${token}`, ...extra });
  return {
    async call(method, path, headers, body) {
      const res = await request(`${url}${path}`, { method: method as 'GET', dispatcher: agent, headers: headersFor(headers), body: body ? Buffer.from(body) : null });
      const bytes = new Uint8Array(await res.body.arrayBuffer());
      const contentType = String(res.headers['content-type'] ?? '');
      const parsed = contentType === PB ? decodeObject(bytes) : (JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>);
      return { status: res.statusCode, contentType, body: parsed };
    },
    async watch(path, accept) {
      const res = await request(`${url}${path}`, { dispatcher: agent, headers: headersFor({ accept }) });
      const bytes = Buffer.from(await res.body.arrayBuffer());
      const types: string[] = [];
      for (let at = 0; at + 4 <= bytes.length; ) {
        const length = bytes.readUInt32BE(at);
        types.push(decodeWatchEvent(bytes.subarray(at + 4, at + 4 + length)).type);
        at += 4 + length;
      }
      return { contentType: String(res.headers['content-type']), types };
    },
    async close() {
      await agent.close();
      await stop();
    },
  };
}

const skip = shouldSkip(['kube-apiserver'], false);

describe.skipIf(skip)('protobuf: watchmark serve answers as the real kube-apiserver', () => {
  let kube: Side;
  let serve: Side;
  let embedded: StartedEmbeddedServer;
  const ns = `pbdiff-${Date.now().toString(36)}`;

  beforeAll(async () => {
    const target = await startTestbedTarget('kube-apiserver');
    kube = side(target.info.server, target.info.token!, readFileSync(target.info.caFile!, 'utf8'), () => target.stop());
    embedded = await startEmbeddedServer();
    serve = side(embedded.url, embedded.token, embedded.caCertPem!, () => embedded.stop());
    for (const s of [kube, serve]) {
      const created = await s.call('POST', '/api/v1/namespaces', { 'content-type': PB, accept: CLIENT_GO_ACCEPT }, encodeObject({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }));
      expect(created.status).toBe(201);
    }
  }, 180_000);
  afterAll(async () => {
    await kube?.close();
    await serve?.close();
  });

  const both = async (method: string, path: string, headers: Record<string, string>, body?: Uint8Array) =>
    Promise.all([kube.call(method, path, headers, body), serve.call(method, path, headers, body)]);

  it('refuses the same bodies with the same Status', async () => {
    const bodies: Array<[string, Uint8Array]> = [
      ['garbage', Buffer.from('garbage garbage')],
      ['truncated envelope', Uint8Array.of(0x6b, 0x38, 0x73, 0x00, 0xff, 0xff)],
      ['empty', new Uint8Array(0)],
      ['magic only', Uint8Array.of(0x6b, 0x38, 0x73, 0x00)],
      ['a Namespace', encodeObject({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } })],
      ['an unknown kind', encodeObject({ apiVersion: 'v1', kind: 'Frob', metadata: { name: 'x' } })],
    ];
    for (const [what, body] of bodies) {
      for (const accept of ['application/json', CLIENT_GO_ACCEPT]) {
        const [real, ours] = await both('POST', `/api/v1/namespaces/${ns}/configmaps`, { 'content-type': PB, accept }, body);
        expect({ status: ours.status, contentType: ours.contentType, body: ours.body }, `${what}, Accept ${accept}`).toEqual({
          status: real.status,
          contentType: real.contentType,
          body: real.body,
        });
      }
    }
    for (const [what, body] of [
      ['garbage', Buffer.from('garbage')],
      ['a ConfigMap', encodeObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } })],
    ] as const) {
      const [real, ours] = await both('DELETE', `/api/v1/namespaces/${ns}/configmaps/x`, { 'content-type': PB, accept: CLIENT_GO_ACCEPT }, body);
      expect(ours, `DELETE with ${what}`).toEqual(real);
    }
  });

  it('creates, reads, updates and deletes with the same codes and Content-Types', async () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'same' }, data: { a: 'b' } };
    const shape = (a: Answer) => ({ status: a.status, contentType: a.contentType, kind: a.body.kind, data: a.body.data });
    const steps: Array<[string, string, Record<string, string>, Uint8Array | undefined]> = [
      ['POST', `/api/v1/namespaces/${ns}/configmaps`, { 'content-type': PB, accept: CLIENT_GO_ACCEPT }, encodeObject(cm)],
      ['GET', `/api/v1/namespaces/${ns}/configmaps/same`, { accept: CLIENT_GO_ACCEPT }, undefined],
      ['GET', `/api/v1/namespaces/${ns}/configmaps/same`, { accept: `application/json,${PB}` }, undefined],
      ['GET', `/api/v1/namespaces/${ns}/configmaps/same`, { accept: `application/json;q=0.5,${PB}` }, undefined],
      ['GET', `/api/v1/namespaces/${ns}/configmaps`, { accept: CLIENT_GO_ACCEPT }, undefined],
      ['PUT', `/api/v1/namespaces/${ns}/configmaps/same`, { 'content-type': PB, accept: PB }, encodeObject({ ...cm, data: { a: 'c' } })],
      ['DELETE', `/api/v1/namespaces/${ns}/configmaps/same`, { 'content-type': PB, accept: PB }, encodeObject({ apiVersion: 'meta.k8s.io/v1', kind: 'DeleteOptions' })],
    ];
    for (const [method, path, headers, body] of steps) {
      const [real, ours] = await both(method, path, headers, body);
      expect(shape(ours), `${method} ${path} ${JSON.stringify(headers)}`).toEqual(shape(real));
    }
    const [real, ours] = await both('GET', `/api/v1/namespaces/${ns}/configmaps/same`, { accept: CLIENT_GO_ACCEPT });
    expect(ours).toEqual(real);
  });

  it('streams protobuf watches with the same Content-Type and events', async () => {
    const path = `/api/v1/namespaces/${ns}/configmaps?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=2`;
    for (const accept of [`${PB};stream=watch`, CLIENT_GO_ACCEPT, PB]) {
      const [real, ours] = await Promise.all([kube.watch(path, accept), serve.watch(path, accept)]);
      expect(ours, accept).toEqual(real);
      expect(real.types).toEqual(['BOOKMARK']);
    }
  });
});
