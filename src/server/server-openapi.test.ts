import { createHash } from 'node:crypto';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFields, utf8, type WireField } from '../protobuf/wire.js';
import { toYaml } from './openapi-gnostic.js';
import { OPENAPI_V2_PROTOBUF, OPENAPI_V2_PROTOBUF_RESPONSE } from './openapi-handler.js';
import { startEmbeddedServer, type StartedEmbeddedServer } from './server.js';

let server: StartedEmbeddedServer;
let agent: Agent;

beforeAll(async () => {
  server = await startEmbeddedServer();
  agent = new Agent({ connect: { ca: server.caCertPem } });
});

afterAll(async () => {
  await agent.close();
  await server.stop();
});

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  json: any;
}

async function get(path: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  const res = await request(`${server.url}${path}`, { headers: { authorization: `Bearer ${server.token}`, ...headers }, dispatcher: agent });
  const body = Buffer.from(await res.body.arrayBuffer());
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, headers: res.headers, body, json };
}

const sha512 = (b: Buffer): string => createHash('sha512').update(b).digest('hex').toUpperCase();

/** Every `$ref` in a document. */
function refs(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refs(v, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refs(v, out);
    }
  }
  return out;
}

async function v3Url(): Promise<string> {
  const root = await get('/openapi/v3');
  return root.json.paths['api/v1'].serverRelativeURL as string;
}

describe('/openapi/v3', () => {
  it('lists api/v1 by its hashed URL, served as text/plain like kube-apiserver', async () => {
    const root = await get('/openapi/v3', { accept: 'application/json, */*' });
    expect(root.status).toBe(200);
    expect(root.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(Object.keys(root.json.paths)).toEqual(['api/v1']);
    expect(root.json.paths['api/v1'].serverRelativeURL).toMatch(/^\/openapi\/v3\/api\/v1\?hash=[0-9A-F]{128}$/);
  });

  it('serves api/v1 at the hashed URL as immutable JSON whose SHA-512 is the hash and the ETag', async () => {
    const url = await v3Url();
    const hash = url.split('hash=')[1]!;
    const doc = await get(url, { accept: 'application/json' });
    expect(doc.status).toBe(200);
    expect(doc.headers['content-type']).toBe('application/json');
    expect(doc.headers['cache-control']).toBe('public, immutable');
    expect(doc.headers.etag).toBe(`"${hash}"`);
    expect(doc.headers.vary).toBe('Accept');
    expect(new Date(String(doc.headers.expires)).getTime()).toBeGreaterThan(Date.now() + 300 * 86_400_000);
    expect(sha512(doc.body)).toBe(hash);
    expect(doc.json.openapi).toBe('3.0.0');
    // kubectl's QueryParamVerifierV3: the PATCH operation tagged with the GVK lists fieldValidation.
    const patch = doc.json.paths['/api/v1/namespaces/{namespace}/configmaps/{name}'].patch;
    expect(patch['x-kubernetes-group-version-kind']).toEqual({ group: '', version: 'v1', kind: 'ConfigMap' });
    expect(patch.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toContain('query:fieldValidation');
    const schemas = doc.json.components.schemas;
    expect(schemas['io.k8s.api.core.v1.ConfigMap']['x-kubernetes-group-version-kind']).toEqual([{ group: '', kind: 'ConfigMap', version: 'v1' }]);
    expect(schemas['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'].properties.ownerReferences['x-kubernetes-patch-merge-key']).toBe('uid');
    // Every reference resolves, and every schema is reachable from the paths.
    const names = refs(doc.json).map((r) => r.replace('#/components/schemas/', ''));
    expect(names.filter((n) => !(n in schemas))).toEqual([]);
    expect(Object.keys(schemas).filter((n) => !names.includes(n))).toEqual([]);
    // The paths follow the verbs the server implements (resources.ts): namespaces take patch and update.
    expect(Object.keys(doc.json.paths['/api/v1/namespaces/{name}']).sort()).toEqual(['delete', 'get', 'parameters', 'patch', 'put']);
    expect(Object.keys(doc.json.paths['/api/v1/namespaces/{name}/status'] ?? {})).toEqual([]);
  });

  it('answers the unhashed URL without immutable caching, a stale hash with a redirect and a known ETag with 304', async () => {
    const url = await v3Url();
    const hash = url.split('hash=')[1]!;
    const plain = await get('/openapi/v3/api/v1');
    expect(plain.status).toBe(200);
    expect(plain.headers['cache-control']).toBe('no-cache, private');
    const stale = await get('/openapi/v3/api/v1?hash=0123');
    expect(stale.status).toBe(301);
    expect(stale.headers.location).toBe(url);
    const cached = await get(url, { 'if-none-match': `"${hash}"` });
    expect(cached.status).toBe(304);
    expect(cached.body.length).toBe(0);
  });

  it('answers an unknown group-version with an empty 404 and unsupported Accept with 406', async () => {
    const missing = await get('/openapi/v3/apis/apps/v1');
    expect(missing.status).toBe(404);
    expect(missing.body.length).toBe(0);
    expect((await get('/openapi/v3/api/v1', { accept: 'text/html' })).status).toBe(406);
    // kube-apiserver can encode v3 in protobuf; this server cannot, and kubectl never asks for it.
    expect((await get('/openapi/v3/api/v1', { accept: 'application/com.github.proto-openapi.spec.v3@v1.0+protobuf' })).status).toBe(406);
    expect((await get('/openapi/v3/api/v1', { authorization: '' })).status).toBe(401);
  });
});

/** A length-delimited field's sub-fields. */
const sub = (f: WireField | undefined): WireField[] => {
  if (!f || f.wire !== 2) throw new Error('expected a length-delimited field');
  return readFields(f.bytes);
};
const str = (f: WireField | undefined): string => (f && f.wire === 2 ? utf8(f.bytes) : '');
const all = (fields: WireField[], no: number): WireField[] => fields.filter((f) => f.no === no);
const one = (fields: WireField[], no: number): WireField | undefined => fields.find((f) => f.no === no);
/** Named* entries (name=1, value=2) of a gnostic map message. */
const named = (fields: WireField[], no: number): Map<string, WireField[]> =>
  new Map(all(fields, no).map((entry) => [str(one(sub(entry), 1)), sub(one(sub(entry), 2))]));

describe('/openapi/v2', () => {
  it('serves Swagger 2.0 JSON for application/json and no Accept, with the document hash as ETag', async () => {
    for (const headers of [{ accept: 'application/json' }, {}] as Record<string, string>[]) {
      const res = await get('/openapi/v2', headers);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/json');
      expect(res.headers.etag).toBe(`"${sha512(res.body)}"`);
      expect(res.json.swagger).toBe('2.0');
      expect(res.json.definitions['io.k8s.api.core.v1.ConfigMap'].properties.metadata).toMatchObject({ $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' });
      const names = refs(res.json).map((r) => r.replace('#/definitions/', ''));
      expect(names.filter((n) => !(n in res.json.definitions))).toEqual([]);
    }
  });

  it('serves the same document as a gnostic openapi.v2.Document in protobuf, as client-go asks for it', async () => {
    const json = (await get('/openapi/v2', { accept: 'application/json' })).json;
    const res = await get('/openapi/v2', { accept: OPENAPI_V2_PROTOBUF });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(OPENAPI_V2_PROTOBUF_RESPONSE);
    const doc = readFields(res.body);
    expect(str(one(doc, 1))).toBe('2.0');
    expect(str(one(sub(one(doc, 2)), 1))).toBe('Kubernetes');
    const paths = named(sub(one(doc, 8)), 2);
    expect([...paths.keys()]).toEqual(Object.keys(json.paths));
    const definitions = named(sub(one(doc, 9)), 1);
    expect([...definitions.keys()]).toEqual(Object.keys(json.definitions));

    const configMap = definitions.get('io.k8s.api.core.v1.ConfigMap')!;
    expect(str(one(configMap, 4))).toBe(json.definitions['io.k8s.api.core.v1.ConfigMap'].description);
    expect(str(one(sub(one(configMap, 22)), 1))).toBe('object');
    const properties = named(sub(one(configMap, 25)), 1);
    expect([...properties.keys()]).toEqual(['apiVersion', 'binaryData', 'data', 'immutable', 'kind', 'metadata']);
    expect(str(one(properties.get('metadata')!, 1))).toBe('#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
    // data: type object, additional_properties=21 -> AdditionalPropertiesItem.schema=1 -> type string
    const dataValues = sub(one(sub(one(properties.get('data')!, 21)), 1));
    expect(str(one(sub(one(dataValues, 22)), 1))).toBe('string');
    const extensions = named(configMap, 31);
    expect(str(one(extensions.get('x-kubernetes-group-version-kind')!, 2))).toBe('- group: ""\n  kind: ConfigMap\n  version: v1\n');

    // The PATCH operation (PathItem.patch=8) lists fieldValidation as a query parameter
    // (ParametersItem.parameter=1 -> Parameter.non_body_parameter=2 -> query_parameter_sub_schema=3).
    const patch = sub(one(paths.get('/api/v1/namespaces/{namespace}/configmaps/{name}')!, 8));
    const queryNames = all(patch, 8)
      .map((item) => one(sub(one(sub(item), 1)), 2))
      .filter((nonBody) => nonBody !== undefined)
      .map((nonBody) => str(one(sub(one(sub(nonBody), 3)), 4)));
    expect(queryNames).toEqual(['dryRun', 'fieldManager', 'fieldValidation', 'force']);
    const opExtensions = named(patch, 13);
    expect(str(one(opExtensions.get('x-kubernetes-action')!, 2))).toBe('patch\n');
  });

  it('negotiates by q-value like kube-openapi and answers 406 when neither JSON nor protobuf is acceptable', async () => {
    const preferProto = await get('/openapi/v2', { accept: `application/json;q=0.5, ${OPENAPI_V2_PROTOBUF}` });
    expect(preferProto.headers['content-type']).toBe(OPENAPI_V2_PROTOBUF_RESPONSE);
    expect((await get('/openapi/v2', { accept: '*/*' })).headers['content-type']).toBe('application/json');
    const refused = await get('/openapi/v2', { accept: 'text/html' });
    expect(refused.status).toBe(406);
    expect(refused.body.length).toBe(0);
  });
});

describe('toYaml (gnostic Any.yaml)', () => {
  it('writes scalars, lists and maps as Go yaml does, quoting what would not read back as the string', () => {
    expect(toYaml('merge')).toBe('merge\n');
    expect(toYaml('')).toBe('""\n');
    expect(toYaml('true')).toBe('"true"\n');
    expect(toYaml(['uid'])).toBe('- uid\n');
    expect(toYaml({ version: 'v1', group: '', kind: 'Namespace' })).toBe('group: ""\nkind: Namespace\nversion: v1\n');
  });
});
