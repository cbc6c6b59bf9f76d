import http2 from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { startEmbeddedServer, type StartedEmbeddedServer } from './server.js';
import { ApiClient, WatchStream } from './test-support.js';

let server: StartedEmbeddedServer;
let api: ApiClient;
let apiH2: ApiClient;

beforeAll(async () => {
  server = await startEmbeddedServer();
  api = new ApiClient(server);
  apiH2 = new ApiClient(server, { http2: true });
});

afterAll(async () => {
  await api.close();
  await apiH2.close();
  await server.stop();
});

/** GET over a real HTTP/2 session (fails unless ALPN selected h2). */
function h2Get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(server.url, { ca: server.caCertPem });
    session.on('error', reject);
    const req = session.request({ ':path': path, ...headers });
    let body = '';
    let status = 0;
    req.on('response', (h) => (status = Number(h[':status'])));
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      session.close();
      resolve({ status, body });
    });
    req.on('error', reject);
  });
}

describe('authentication', () => {
  it('rejects API requests without a token or with a wrong one with a v1 Unauthorized Status', async () => {
    const unauthorized = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Unauthorized',
      reason: 'Unauthorized',
      code: 401,
    };
    for (const headers of [{ authorization: '' }, { authorization: 'Bearer wrong' }, { authorization: `Basic ${server.token}` }]) {
      const res = await api.request('GET', '/api/v1/namespaces', undefined, headers);
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toBe('application/json');
      expect(res.json).toEqual(unauthorized);
    }
    const watch = await WatchStream.open(server, '/api/v1/configmaps?watch=1', { token: 'wrong' });
    expect(watch.status).toBe(401);
  });

  it('serves /healthz, /livez, /readyz and /version without a token', async () => {
    for (const path of ['/healthz', '/livez', '/readyz']) {
      const res = await api.request('GET', path, undefined, { authorization: '' });
      expect([res.status, res.text]).toEqual([200, 'ok']);
    }
    const version = await api.request('GET', '/version', undefined, { authorization: '' });
    expect(version.status).toBe(200);
    expect(version.json).toMatchObject({ major: '1', minor: '34', gitVersion: 'v1.34.0-watchmark' });
    // A wrong credential is rejected even there; only its absence is anonymous.
    expect((await api.request('GET', '/version', undefined, { authorization: 'Bearer wrong' })).status).toBe(401);
  });
});

describe('discovery', () => {
  it('serves /api, /api/v1 and /apis', async () => {
    const apiDoc = await api.request('GET', '/api');
    expect(apiDoc.json).toEqual({
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: new URL(server.url).host }],
    });
    const v1 = await api.request('GET', '/api/v1');
    expect(v1.json.kind).toBe('APIResourceList');
    expect(v1.json.groupVersion).toBe('v1');
    const byName: Record<string, { verbs: string[] }> = Object.fromEntries((v1.json.resources as { name: string; verbs: string[] }[]).map((r) => [r.name, r]));
    expect(byName.namespaces).toMatchObject({ namespaced: false, kind: 'Namespace', shortNames: ['ns'], singularName: 'namespace' });
    expect(byName.configmaps).toMatchObject({ namespaced: true, kind: 'ConfigMap', shortNames: ['cm'], singularName: 'configmap' });
    expect(byName.configmaps!.verbs).toEqual(expect.arrayContaining(['create', 'delete', 'get', 'list', 'update', 'watch']));
    expect(byName.namespaces!.verbs).toEqual(expect.arrayContaining(['create', 'delete', 'get', 'list', 'watch']));
    expect((await api.request('GET', '/apis')).json).toEqual({ kind: 'APIGroupList', apiVersion: 'v1', groups: [] });
  });

  it('answers unknown paths with a 404 Status', async () => {
    for (const path of ['/apis/apps/v1', '/api/v2', '/api/v1/pods', '/api/v1/namespaces/default/secrets', '/nope']) {
      const res = await api.request('GET', path);
      expect(res.status).toBe(404);
      expect(res.json).toEqual({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'the server could not find the requested resource',
        reason: 'NotFound',
        details: {},
        code: 404,
      });
    }
  });

  it('speaks HTTP/2 (ALPN h2) and HTTP/1.1 on the same port', async () => {
    const res = await h2Get('/api/v1', { authorization: `Bearer ${server.token}` });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).kind).toBe('APIResourceList');
    expect((await apiH2.request('GET', '/api')).status).toBe(200);
  });
});

describe('namespaces and configmaps', () => {
  it('starts with default and kube-system', async () => {
    const list = await api.request('GET', '/api/v1/namespaces');
    expect(list.json.kind).toBe('NamespaceList');
    const names = (list.json.items as { metadata: { name: string } }[]).map((n) => n.metadata.name);
    expect(names).toEqual(expect.arrayContaining(['default', 'kube-system']));
    expect(list.json.metadata.resourceVersion).toBe(server.currentResourceVersion());
  });

  it('creates, gets, lists, updates and deletes configmaps with kube-apiserver answers', async () => {
    expect((await api.createNamespace('crud')).status).toBe(201);
    const created = await api.createConfigMap('crud', 'one', { labels: { app: 'web' }, data: { a: '1' } });
    expect(created.status).toBe(201);
    const cm = created.json;
    expect(cm).toMatchObject({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'one', namespace: 'crud', labels: { app: 'web' } }, data: { a: '1' } });
    expect(cm.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(cm.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(cm.metadata.resourceVersion).toBe(server.currentResourceVersion());

    expect((await api.request('GET', '/api/v1/namespaces/crud/configmaps/one')).json).toEqual(cm);
    await api.createConfigMap('crud', 'two', { labels: { app: 'db' } });

    const list = async (query: string) =>
      ((await api.request('GET', `/api/v1/namespaces/crud/configmaps?${query}`)).json.items as { metadata: { name: string } }[]).map((i) => i.metadata.name);
    expect(await list('')).toEqual(['one', 'two']);
    expect(await list('labelSelector=app%3Dweb')).toEqual(['one']);
    expect(await list('labelSelector=app%20notin%20(web)')).toEqual(['two']);
    expect(await list('labelSelector=!app')).toEqual([]);
    expect(await list('fieldSelector=metadata.name%3Dtwo')).toEqual(['two']);
    const listed = await api.request('GET', '/api/v1/namespaces/crud/configmaps?limit=1');
    expect(listed.json).toMatchObject({ kind: 'ConfigMapList', apiVersion: 'v1', metadata: { resourceVersion: server.currentResourceVersion() } });
    expect(listed.json.items[0]).not.toHaveProperty('kind');
    const all = await api.request('GET', '/api/v1/configmaps?fieldSelector=metadata.namespace%3Dcrud');
    expect(all.json.items).toHaveLength(2);

    const updated = await api.request('PUT', '/api/v1/namespaces/crud/configmaps/one', { ...cm, data: { a: '2' } });
    expect(updated.status).toBe(200);
    expect(Number(updated.json.metadata.resourceVersion)).toBeGreaterThan(Number(cm.metadata.resourceVersion));
    const stale = await api.request('PUT', '/api/v1/namespaces/crud/configmaps/one', { ...cm, data: { a: '3' } });
    expect(stale.status).toBe(409);
    expect(stale.json).toMatchObject({ reason: 'Conflict', details: { name: 'one', kind: 'configmaps' } });

    const deleted = await api.request('DELETE', '/api/v1/namespaces/crud/configmaps/one');
    expect(deleted.status).toBe(200);
    // kube-apiserver's configmap registry answers a delete with a Success Status, not the object.
    expect(deleted.json).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: { name: 'one', kind: 'configmaps', uid: updated.json.metadata.uid },
      code: 200,
    });
    const gone = await api.request('GET', '/api/v1/namespaces/crud/configmaps/one');
    expect(gone.json).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'configmaps "one" not found',
      reason: 'NotFound',
      details: { name: 'one', kind: 'configmaps' },
      code: 404,
    });
  });

  it('patches configmaps with merge, strategic-merge and JSON patches', async () => {
    await api.createNamespace('patching');
    await api.createConfigMap('patching', 'p', { data: { a: '1', b: '2' } });
    const merge = await api.request('PATCH', '/api/v1/namespaces/patching/configmaps/p', { data: { a: null, c: '3' } }, {
      'content-type': 'application/merge-patch+json',
    });
    expect(merge.json.data).toEqual({ b: '2', c: '3' });
    const smp = await api.request('PATCH', '/api/v1/namespaces/patching/configmaps/p', { metadata: { labels: { x: 'y' } } }, {
      'content-type': 'application/strategic-merge-patch+json',
    });
    expect(smp.json.metadata.labels).toEqual({ x: 'y' });
    const jsonPatch = await api.request('PATCH', '/api/v1/namespaces/patching/configmaps/p', [{ op: 'replace', path: '/data/b', value: 'B' }], {
      'content-type': 'application/json-patch+json',
    });
    expect(jsonPatch.json.data).toEqual({ b: 'B', c: '3' });
    // kube-apiserver refuses `force` on a non-apply patch (ValidatePatchOptions).
    const forced = await api.request('PATCH', '/api/v1/namespaces/patching/configmaps/p?force=true', {}, {
      'content-type': 'application/merge-patch+json',
    });
    expect(forced.status).toBe(422);
    expect(forced.json.message).toBe('PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch');
  });

  it('server-side apply: 422 without fieldManager, 201 on create, 200 on change, 409 on conflict unless force', async () => {
    await api.createNamespace('ssa');
    const path = '/api/v1/namespaces/ssa/configmaps/s';
    const apply = (manager: string | undefined, body: string, force = false) =>
      api.request('PATCH', `${path}?${manager ? `fieldManager=${manager}&` : ''}force=${force}`, body, { 'content-type': 'application/apply-patch+yaml' });
    // kubectl sends JSON; YAML is the same configuration.
    const yaml = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: s\ndata:\n  a: "1"\n  b: "2"\n';
    const missing = await apply(undefined, yaml);
    expect(missing.status).toBe(422);
    expect(missing.json).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
      reason: 'Invalid',
      details: { group: 'meta.k8s.io', kind: 'PatchOptions', causes: [{ reason: 'FieldValueRequired', message: 'Required value: is required for apply patch', field: 'fieldManager' }] },
      code: 422,
    });
    const created = await apply('m1', yaml);
    expect(created.status).toBe(201);
    expect(created.json.data).toEqual({ a: '1', b: '2' });
    expect(created.json.metadata.managedFields).toEqual([
      { manager: 'm1', operation: 'Apply', apiVersion: 'v1', time: created.json.metadata.creationTimestamp, fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {}, 'f:b': {} } } },
    ]);
    const changed = await apply('m1', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 's' }, data: { a: '1' } }));
    expect(changed.status).toBe(200);
    expect(changed.json.data).toEqual({ a: '1' });
    const other = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 's' }, data: { a: '9' } });
    const conflict = await apply('m2', other);
    expect(conflict.status).toBe(409);
    expect(conflict.json).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Apply failed with 1 conflict: conflict with "m1": .data.a',
      reason: 'Conflict',
      details: { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "m1"', field: '.data.a' }] },
      code: 409,
    });
    const forced = await apply('m2', other, true);
    expect(forced.status).toBe(200);
    expect(forced.json.data).toEqual({ a: '9' });
    // Plain writes are recorded as Update by their fieldManager, else by the User-Agent's first part.
    const labelled = await api.request('PATCH', path, { metadata: { labels: { l: 'x' } } }, {
      'content-type': 'application/merge-patch+json',
      'user-agent': 'kubectl.1.33/v1.33.1 (linux/amd64) kubernetes/8adc0f0',
    });
    expect(labelled.json.metadata.managedFields.map((m: { manager: string; operation: string }) => `${m.manager} ${m.operation}`)).toEqual([
      'm2 Apply',
      'kubectl.1.33 Update',
    ]);
    const cbor = await api.request('PATCH', `${path}?fieldManager=m1`, Buffer.from([0xa0]), { 'content-type': 'application/apply-patch+cbor' });
    expect(cbor.status).toBe(415);
  });

  it('refuses a configmap in a missing namespace and deletes namespaces with their configmaps', async () => {
    const missing = await api.createConfigMap('does-not-exist', 'x');
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ reason: 'NotFound', message: 'namespaces "does-not-exist" not found' });

    await api.createNamespace('doomed');
    await api.createConfigMap('doomed', 'x');
    const deleted = await api.request('DELETE', '/api/v1/namespaces/doomed');
    expect(deleted.status).toBe(200);
    expect(deleted.json).toMatchObject({ kind: 'Namespace', metadata: { name: 'doomed' } });
    expect((await api.request('GET', '/api/v1/namespaces/doomed/configmaps')).json.items).toEqual([]);
    expect((await api.request('GET', '/api/v1/namespaces/doomed')).status).toBe(404);
    expect((await api.request('DELETE', '/api/v1/namespaces/default')).status).toBe(403);
  });
});

describe('content negotiation', () => {
  it('refuses YAML request bodies with 415, naming JSON and protobuf', async () => {
    const res = await api.request('POST', '/api/v1/namespaces/default/configmaps', 'metadata: {name: y}', {
      'content-type': 'application/yaml',
    });
    expect(res.status).toBe(415);
    expect(res.json).toMatchObject({ kind: 'Status', reason: 'UnsupportedMediaType', code: 415 });
    expect(res.json.message).toBe(
      'the body of the request was in an unknown format - accepted media types include: application/json, application/vnd.kubernetes.protobuf',
    );
  });

  it('answers JSON when JSON is acceptable and 406 otherwise', async () => {
    const table = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
    expect((await api.request('GET', '/api/v1/namespaces', undefined, { accept: table })).json.kind).toBe('NamespaceList');
    expect((await api.request('GET', '/api/v1/namespaces', undefined, { accept: '*/*' })).status).toBe(200);
    expect((await api.request('GET', '/api/v1/namespaces', undefined, { accept: 'application/json, application/vnd.kubernetes.protobuf' })).headers['content-type']).toBe(
      'application/json',
    );
    const refused = await api.request('GET', '/api/v1/namespaces', undefined, { accept: 'application/yaml' });
    expect(refused.status).toBe(406);
    expect(refused.json).toMatchObject({
      reason: 'NotAcceptable',
      message: 'only the following media types are accepted: application/json, application/vnd.kubernetes.protobuf',
    });
    expect((await api.request('GET', '/api/v1/namespaces', undefined, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' })).status).toBe(406);
  });

  it('answers malformed JSON with 400', async () => {
    const res = await api.request('POST', '/api/v1/namespaces', '{"metadata":', {});
    expect(res.status).toBe(400);
    expect(res.json.reason).toBe('BadRequest');
  });
});

describe('watch request validation over HTTP', () => {
  it.each([
    ['sendInitialEvents=true', 'resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan'],
    ['resourceVersionMatch=NotOlderThan', 'resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided'],
    [
      'sendInitialEvents=true&resourceVersionMatch=Exact',
      '[resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan, resourceVersionMatch: Unsupported value: "Exact": supported values: "NotOlderThan"]',
    ],
  ])('%s -> 422', async (query, message) => {
    const res = await api.request('GET', `/api/v1/namespaces/default/configmaps?watch=true&${query}`);
    expect(res.status).toBe(422);
    expect(res.json).toMatchObject({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      reason: 'Invalid',
      code: 422,
      message: `ListOptions.meta.k8s.io "" is invalid: ${message}`,
      details: { group: 'meta.k8s.io', kind: 'ListOptions' },
    });
  });
});

describe('server options', () => {
  it('serves plain HTTP with tls: false and HTTPS without h2 with http2: false', async () => {
    const plain = await startEmbeddedServer({ tls: false, token: 'plain-token' });
    try {
      expect(plain.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(plain.caCertPem).toBeUndefined();
      const client = new ApiClient(plain);
      expect((await client.request('GET', '/api/v1')).status).toBe(200);
      await client.close();
      expect(parseYaml(plain.kubeconfigYaml()).clusters[0].cluster).toEqual({ server: plain.url });
    } finally {
      await plain.stop();
    }
    const h1only = await startEmbeddedServer({ http2: false });
    try {
      const client = new ApiClient(h1only);
      expect((await client.request('GET', '/api/v1')).status).toBe(200);
      await client.close();
      const session = http2.connect(h1only.url, { ca: h1only.caCertPem });
      const failed = await new Promise<boolean>((resolve) => {
        session.on('error', () => resolve(true));
        session.on('connect', () => resolve(false));
      });
      session.destroy();
      expect(failed).toBe(true);
    } finally {
      await h1only.stop();
    }
  });

  it('writes a kubeconfig with server, CA data, token, context and namespace', () => {
    const kubeconfig = parseYaml(server.kubeconfigYaml({ contextName: 'mine', namespace: 'team' }));
    expect(kubeconfig['current-context']).toBe('mine');
    expect(kubeconfig.clusters[0]).toEqual({
      name: 'mine',
      cluster: { server: server.url, 'certificate-authority-data': Buffer.from(server.caCertPem!).toString('base64') },
    });
    expect(kubeconfig.contexts[0]).toEqual({ name: 'mine', context: { cluster: 'mine', user: 'mine', namespace: 'team' } });
    expect(kubeconfig.users[0]).toEqual({ name: 'mine', user: { token: server.token } });
  });

  it('rejects bad options with a usage error', async () => {
    await expect(startEmbeddedServer({ profile: 'nope' as never })).rejects.toThrow(/unknown server profile "nope"/);
    await expect(startEmbeddedServer({ bookmarkIntervalMs: 0 })).rejects.toThrow(/bookmarkIntervalMs/);
  });

  it('stop() ends open watches over HTTP/1.1 and HTTP/2 and closes the listener', async () => {
    const doomed = await startEmbeddedServer();
    const h1 = await WatchStream.open(doomed, '/api/v1/configmaps?watch=1');
    const h2 = await WatchStream.open(doomed, '/api/v1/namespaces?watch=1', { transport: 'h2' });
    expect(doomed.stats().watchers).toBe(2);
    await doomed.stop();
    await h1.untilEnd(5_000);
    await h2.untilEnd(5_000);
    expect(doomed.stats().watchers).toBe(0);
    const client = new ApiClient(doomed);
    await expect(client.request('GET', '/healthz')).rejects.toThrow();
    await client.close();
    await doomed.stop(); // idempotent
  });
});
