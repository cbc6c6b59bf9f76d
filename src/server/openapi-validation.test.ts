import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedServer, type StartedEmbeddedServer } from './server.js';
import { ApiClient } from './test-support.js';

/**
 * `?fieldValidation=` as kube-apiserver answers it; the expected messages are the ones a real
 * kube-apiserver (v1.37, testbed) gave for the same requests.
 */
let server: StartedEmbeddedServer;
let api: ApiClient;

beforeAll(async () => {
  server = await startEmbeddedServer();
  api = new ApiClient(server);
});

afterAll(async () => {
  await api.close();
  await server.stop();
});

const CM = '/api/v1/namespaces/default/configmaps';

describe('fieldValidation', () => {
  it('Strict refuses unknown fields at any depth, in document order, with the strict decoder\'s 400', async () => {
    const res = await api.request('POST', `${CM}?fieldValidation=Strict`, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 's1', zeta: 1, ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'n', uid: 'u', bad: 1 }], labels: { a: 'b' } },
      data: { k: 'v' },
      bogus: 2,
      alpha: { x: 1 },
    });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({
      reason: 'BadRequest',
      message:
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "metadata.zeta", unknown field "metadata.ownerReferences[0].bad", unknown field "bogus", unknown field "alpha"',
    });
    expect((await api.request('GET', `${CM}/s1`)).status).toBe(404);

    const ns = await api.request('POST', '/api/v1/namespaces?fieldValidation=Strict', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'sn' },
      spec: { x: 1 },
      status: { conditions: [{ type: 'a', status: 'b', q: 1 }] },
    });
    expect(ns.json.message).toBe('Namespace in version "v1" cannot be handled as a Namespace: strict decoding error: unknown field "spec.x", unknown field "status.conditions[0].q"');
  });

  it('accepts known fields under Strict (free-form FieldsV1 included) and unknown ones under Warn, Ignore and by default', async () => {
    const ok = await api.request('POST', `${CM}?fieldValidation=Strict`, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'known', labels: { a: 'b' }, managedFields: [{ manager: 'm', fieldsV1: { 'f:data': { 'f:k': {} } } }] },
      data: { k: 'v' },
      immutable: false,
    });
    expect(ok.status).toBe(201);
    for (const [name, query] of [['warn', '?fieldValidation=Warn'], ['ignore', '?fieldValidation=Ignore'], ['default', '']] as const) {
      const res = await api.request('POST', `${CM}${query}`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, bogus: 1 });
      expect(res.status, name).toBe(201);
    }
  });

  it('refuses an unsupported value with 422 on the options kind', async () => {
    const res = await api.request('POST', `${CM}?fieldValidation=Nope`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 's4' } });
    expect(res.status).toBe(422);
    expect(res.json.message).toBe('CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "Nope": supported values: "", "Ignore", "Strict", "Warn"');
    expect(res.json.details).toEqual({
      group: 'meta.k8s.io',
      kind: 'CreateOptions',
      causes: [{ reason: 'FieldValueNotSupported', message: 'Unsupported value: "Nope": supported values: "", "Ignore", "Strict", "Warn"', field: 'fieldValidation' }],
    });
  });

  it('applies Strict to updates (400) and to the result of patches (422 on patch)', async () => {
    expect((await api.createConfigMap('default', 's2')).status).toBe(201);
    const put = await api.request('PUT', `${CM}/s2?fieldValidation=Strict`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 's2' }, bogus: 2 });
    expect(put.status).toBe(400);
    expect(put.json.message).toBe('ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "bogus"');
    const patch = await api.request('PATCH', `${CM}/s2?fieldValidation=Strict`, { bogus2: 1 }, { 'content-type': 'application/merge-patch+json' });
    expect(patch.status).toBe(422);
    expect(patch.json.message).toMatch(/^ "" is invalid: patch: Invalid value: "\{.*\}": strict decoding error: unknown field "bogus2"$/);
    expect(patch.json.details.causes).toEqual([expect.objectContaining({ reason: 'FieldValueInvalid', field: 'patch' })]);
    expect((await api.request('GET', `${CM}/s2`)).json.bogus2).toBeUndefined();
  });
});
