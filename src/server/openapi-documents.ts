/**
 * Renders the OpenAPI model (openapi-model.ts, openapi-paths.ts) as kube-apiserver's documents:
 * Swagger 2.0 for /openapi/v2 and OpenAPI 3.0 for /openapi/v3/api/v1, plus the v3 root that
 * names each group-version's document by the hash of its bytes. kube-openapi's conventions: in
 * v3 a field referencing another schema is `allOf: [{$ref}]` with openapi-gen's `default`; in v2
 * a plain `$ref` and no defaults. Each document is rendered once. Pure.
 */
import { createHash } from 'node:crypto';
import { EMULATED_MAJOR, EMULATED_MINOR } from './discovery.js';
import { DEFINITIONS, fullDefinitionName, type DefinitionModel, type DefinitionName, type FieldModel, type TypeModel } from './openapi-model.js';
import { CORE_V1_PATHS, type OperationModel, type ParameterModel, type PathModel } from './openapi-paths.js';

type Json = Record<string, unknown>;
type Flavour = 'v2' | 'v3';

const INFO = { title: 'Kubernetes', version: `${EMULATED_MAJOR}.${EMULATED_MINOR}` };
const BEARER = { type: 'apiKey', description: 'Bearer Token authentication', name: 'authorization', in: 'header' };
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

function refTo(name: DefinitionName, flavour: Flavour): string {
  return flavour === 'v2' ? `#/definitions/${fullDefinitionName(name)}` : `#/components/schemas/${fullDefinitionName(name)}`;
}

/** A type nested in a map or list: references stay plain `$ref`s in both versions. */
function renderType(type: TypeModel, flavour: Flavour): Json {
  switch (type.kind) {
    case 'string':
      return { type: 'string', ...(type.format ? { format: type.format } : {}), ...(type.enum ? { enum: [...type.enum] } : {}) };
    case 'boolean':
      return { type: 'boolean' };
    case 'integer':
      return { type: 'integer', format: type.format };
    case 'map':
      return { type: 'object', additionalProperties: renderType(type.values, flavour) };
    case 'array':
      return { type: 'array', items: renderType(type.items, flavour) };
    case 'ref':
      return { $ref: refTo(type.name, flavour) };
  }
}

function renderField(field: FieldModel, flavour: Flavour): Json {
  const out: Json = field.description ? { description: field.description } : {};
  if (field.type.kind === 'ref' && flavour === 'v3') out.allOf = [renderType(field.type, flavour)];
  else Object.assign(out, renderType(field.type, flavour));
  if (flavour === 'v3' && field.default !== undefined) out.default = field.default;
  return { ...out, ...field.extensions };
}

function gvk(kind: string): Json {
  return { group: '', kind, version: 'v1' };
}

function renderDefinition(def: DefinitionModel, flavour: Flavour): Json {
  const out: Json = { description: def.description, type: def.type };
  if (def.format) out.format = def.format;
  if (def.required) out.required = [...def.required];
  const properties = Object.entries(def.properties);
  if (properties.length > 0) out.properties = Object.fromEntries(properties.map(([name, field]) => [name, renderField(field, flavour)]));
  Object.assign(out, def.extensions);
  if (def.kind) out['x-kubernetes-group-version-kind'] = [gvk(def.kind)];
  return out;
}

function renderDefinitions(flavour: Flavour): Json {
  const names = Object.keys(DEFINITIONS).sort((a, b) => (fullDefinitionName(a as DefinitionName) < fullDefinitionName(b as DefinitionName) ? -1 : 1)) as DefinitionName[];
  return Object.fromEntries(names.map((name) => [fullDefinitionName(name), renderDefinition(DEFINITIONS[name], flavour)]));
}

function renderParameter(p: ParameterModel, flavour: Flavour): Json {
  const base: Json = { name: p.name, in: p.in, description: p.description, ...(p.required ? { required: true } : {}) };
  return flavour === 'v2' ? { uniqueItems: true, type: p.type, ...base } : { ...base, schema: { type: p.type, uniqueItems: true } };
}

function renderOperation(op: OperationModel, flavour: Flavour): Json {
  const parameters = op.parameters.map((p) => renderParameter(p, flavour));
  const extensions = { 'x-kubernetes-action': op.action, 'x-kubernetes-group-version-kind': gvk(op.kind) };
  if (flavour === 'v2') {
    const body = op.body ? [{ name: 'body', in: 'body', ...(op.body.required ? { required: true } : {}), schema: { $ref: refTo(op.body.schema, 'v2') } }] : [];
    const all = [...body, ...parameters];
    return {
      description: op.description,
      consumes: op.body ? [...op.body.mediaTypes] : ['*/*'],
      produces: [...op.produces],
      schemes: ['https'],
      tags: ['core_v1'],
      operationId: op.operationId,
      ...(all.length > 0 ? { parameters: all } : {}),
      responses: Object.fromEntries(op.responses.map((r) => [r.code, { description: r.description, ...(r.schema ? { schema: { $ref: refTo(r.schema, 'v2') } } : {}) }])),
      ...extensions,
    };
  }
  const content = (schema: DefinitionName, mediaTypes: readonly string[]): Json =>
    Object.fromEntries(mediaTypes.map((m) => [m, { schema: { $ref: refTo(schema, 'v3') } }]));
  return {
    tags: ['core_v1'],
    description: op.description,
    operationId: op.operationId,
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(op.body ? { requestBody: { content: content(op.body.schema, op.body.mediaTypes), ...(op.body.required ? { required: true } : {}) } } : {}),
    responses: Object.fromEntries(op.responses.map((r) => [r.code, { description: r.description, ...(r.schema ? { content: content(r.schema, op.produces) } : {}) }])),
    ...extensions,
  };
}

function renderPaths(paths: readonly PathModel[], flavour: Flavour): Json {
  const out: Json = {};
  for (const path of paths) {
    const item: Json = {};
    for (const method of HTTP_METHODS) {
      const op = path.operations.find((o) => o.method === method);
      if (op) item[method] = renderOperation(op, flavour);
    }
    item.parameters = path.parameters.map((p) => renderParameter(p, flavour));
    out[path.path] = item;
  }
  return out;
}

export function openApiV2Document(): Json {
  return {
    swagger: '2.0',
    info: INFO,
    paths: renderPaths(CORE_V1_PATHS, 'v2'),
    definitions: renderDefinitions('v2'),
    security: [{ BearerToken: [] }],
    securityDefinitions: { BearerToken: BEARER },
  };
}

export function openApiV3CoreV1Document(): Json {
  return {
    openapi: '3.0.0',
    info: INFO,
    paths: renderPaths(CORE_V1_PATHS, 'v3'),
    components: { schemas: renderDefinitions('v3'), securitySchemes: { BearerToken: BEARER } },
  };
}

/** A served document: its bytes and kube-openapi's ETag value (upper-case hex SHA-512 of the JSON bytes). */
export interface RenderedDocument {
  json: Buffer;
  hash: string;
}

function rendered(document: Json): RenderedDocument {
  const json = Buffer.from(JSON.stringify(document));
  return { json, hash: createHash('sha512').update(json).digest('hex').toUpperCase() };
}

let cache: { v2: RenderedDocument; v3: Map<string, RenderedDocument> } | undefined;

function documents(): NonNullable<typeof cache> {
  cache ??= { v2: rendered(openApiV2Document()), v3: new Map([['api/v1', rendered(openApiV3CoreV1Document())]]) };
  return cache;
}

export function openApiV2(): RenderedDocument {
  return documents().v2;
}

/** The v3 document of one group-version path (`api/v1`), or undefined when the server has none. */
export function openApiV3Group(groupVersionPath: string): RenderedDocument | undefined {
  return documents().v3.get(groupVersionPath);
}

/** /openapi/v3: each group-version's document by its hashed URL (handler3's discovery). */
export function openApiV3Root(): RenderedDocument {
  const paths = Object.fromEntries([...documents().v3].map(([gv, doc]) => [gv, { serverRelativeURL: `/openapi/v3/${gv}?hash=${doc.hash}` }]));
  return rendered({ paths });
}
