/**
 * Server-side field validation (`?fieldValidation=`), driven by the OpenAPI model: the documents
 * declare `fieldValidation` on every write, so kubectl (`--validate=strict`, its default) skips its
 * own schema check and sends `fieldValidation=Strict`, trusting the server to refuse unknown
 * fields as kube-apiserver's strict decoder does (k8s.io/apimachinery runtime/serializer/json,
 * `strict decoding error: unknown field "a.b[0].c"`, fields in document order). `Ignore` and
 * `Warn` (the default) accept the object; this server does not send Warn's warning headers, and
 * does not detect duplicate JSON fields (JSON.parse keeps the last). Pure.
 */
import { DEFINITIONS, type DefinitionName, type TypeModel } from './openapi-model.js';
import type { ResourceDef } from './resources.js';
import { ApiStatusError, badRequest, invalid, notSupportedDetail } from './status.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function walkType(type: TypeModel, value: unknown, path: string, out: string[]): void {
  if (type.kind === 'ref') walkDefinition(type.name, value, path, out);
  else if (type.kind === 'array' && Array.isArray(value)) value.forEach((item, i) => walkType(type.items, item, `${path}[${i}]`, out));
  else if (type.kind === 'map' && isObject(value)) for (const [k, v] of Object.entries(value)) walkType(type.values, v, `${path}[${k}]`, out);
}

function walkDefinition(name: DefinitionName, value: unknown, path: string, out: string[]): void {
  const def = DEFINITIONS[name];
  const fields = Object.keys(def.properties);
  // Schemas without properties (FieldsV1, RawExtension, Time) hold free-form JSON or a scalar.
  if (def.type !== 'object' || fields.length === 0 || !isObject(value)) return;
  for (const [key, child] of Object.entries(value)) {
    const fieldPath = path ? `${path}.${key}` : key;
    const field = def.properties[key];
    if (field) walkType(field.type, child, fieldPath, out);
    else out.push(fieldPath);
  }
}

/** The unknown fields of a resource's JSON body, as the strict decoder names them. */
export function unknownFields(def: ResourceDef, body: unknown): string[] {
  const out: string[] = [];
  walkDefinition(`core.${def.kind}` as DefinitionName, body, '', out);
  return out;
}

const SUPPORTED = ['', 'Ignore', 'Strict', 'Warn'];
const OPTIONS_KIND = { create: 'CreateOptions', update: 'UpdateOptions', patch: 'PatchOptions' } as const;

/**
 * Applies `fieldValidation` to a create/update body or a patch's result: an unsupported value is
 * 422 on the options kind; Strict with unknown fields is 400 for create/update and 422 on `patch`
 * for patches (kube-apiserver's patcher wraps the decoder's error so; it prints the patched
 * object as JSON, keys sorted here).
 */
export function enforceFieldValidation(def: ResourceDef, object: unknown, query: URLSearchParams, verb: keyof typeof OPTIONS_KIND): void {
  const mode = query.get('fieldValidation') ?? '';
  if (!SUPPORTED.includes(mode)) {
    throw new ApiStatusError(
      invalid('meta.k8s.io', OPTIONS_KIND[verb], '', [{ type: 'NotSupported', field: 'fieldValidation', badValue: mode, detail: notSupportedDetail(SUPPORTED) }]),
    );
  }
  if (mode !== 'Strict') return;
  const unknown = unknownFields(def, object);
  if (unknown.length === 0) return;
  const strict = `strict decoding error: ${unknown.map((f) => `unknown field ${JSON.stringify(f)}`).join(', ')}`;
  if (verb !== 'patch') throw new ApiStatusError(badRequest(`${def.kind} in version "v1" cannot be handled as a ${def.kind}: ${strict}`));
  const sorted = isObject(object) ? Object.fromEntries(Object.entries(object).sort(([a], [b]) => (a < b ? -1 : 1))) : object;
  const status = invalid('', '', '', [{ type: 'Invalid', field: 'patch', badValue: JSON.stringify(sorted), detail: strict }]);
  delete status.details?.kind;
  throw new ApiStatusError(status);
}
