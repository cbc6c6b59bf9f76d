/**
 * The Swagger 2.0 document in protobuf, as kube-apiserver serves /openapi/v2 to
 * `Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf`: a gnostic
 * `openapi.v2.Document` (field numbers from google/gnostic openapiv2/OpenAPIv2.proto), which
 * client-go's DiscoveryClient.OpenAPISchema unmarshals and kubectl 1.27/1.28 read for validation
 * and patch strategies. Encodes exactly the subset openapi-documents.ts writes. As gnostic does,
 * vendor extensions and enum values are `Any{yaml}`: the value as YAML text with a trailing newline
 * (keys sorted, as Go's yaml marshals maps). Pure.
 */
import { ProtoWriter } from '../protobuf/wire.js';

type Json = Record<string, unknown>;

const isJson = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);

/** A YAML plain scalar when it reads back as the same string, else a double-quoted (JSON) one. */
function yamlScalar(value: unknown): string {
  if (typeof value !== 'string') return JSON.stringify(value);
  const plain = /^[A-Za-z_/][A-Za-z0-9_./-]*$/.test(value) && !/^(true|false|yes|no|on|off|y|n|null)$/i.test(value);
  return plain ? value : JSON.stringify(value);
}

/** The YAML gnostic stores in `Any.yaml` for the JSON values kube's documents carry in extensions and enums. */
export function toYaml(value: unknown, indent = ''): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]\n';
    return value
      .map((item) => {
        const body = isJson(item) || Array.isArray(item) ? toYaml(item, `${indent}  `).slice(indent.length + 2) : `${yamlScalar(item)}\n`;
        return `${indent}- ${body}`;
      })
      .join('');
  }
  if (isJson(value)) {
    const keys = Object.keys(value).sort();
    if (keys.length === 0) return '{}\n';
    return keys
      .map((k) => {
        const v = value[k];
        const nested = (isJson(v) && Object.keys(v).length > 0) || (Array.isArray(v) && v.length > 0);
        return nested ? `${indent}${k}:\n${toYaml(v, isJson(v) ? `${indent}  ` : indent)}` : `${indent}${k}: ${toYaml(v).trimEnd()}\n`;
      })
      .join('');
  }
  return `${yamlScalar(value)}\n`;
}

/** NamedAny{name=1, value=2: Any{yaml=2}} */
function vendorExtensions(w: ProtoWriter, no: number, object: Json): void {
  for (const [name, value] of Object.entries(object)) {
    if (!name.startsWith('x-')) continue;
    w.message(no, (named) => named.string(1, name).message(2, (any) => any.string(2, toYaml(value))));
  }
}

function optionalString(w: ProtoWriter, no: number, value: unknown): void {
  if (typeof value === 'string' && value !== '') w.string(no, value);
}

/** openapi.v2.Schema */
function schema(w: ProtoWriter, s: Json): void {
  optionalString(w, 1, s.$ref);
  optionalString(w, 2, s.format);
  optionalString(w, 4, s.description);
  for (const r of strings(s.required)) w.string(19, r);
  if (Array.isArray(s.enum)) for (const e of s.enum) w.message(20, (any) => any.string(2, toYaml(e)));
  if (isJson(s.additionalProperties)) {
    const inner = s.additionalProperties;
    w.message(21, (item) => item.message(1, (m) => schema(m, inner)));
  }
  if (typeof s.type === 'string') w.message(22, (t) => t.string(1, s.type as string));
  if (isJson(s.items)) {
    const items = s.items;
    w.message(23, (item) => item.message(1, (m) => schema(m, items)));
  }
  if (Array.isArray(s.allOf)) for (const a of s.allOf) if (isJson(a)) w.message(24, (m) => schema(m, a));
  if (isJson(s.properties)) {
    const props = s.properties;
    w.message(25, (p) => {
      for (const [name, value] of Object.entries(props)) if (isJson(value)) p.message(1, (named) => named.string(1, name).message(2, (m) => schema(m, value)));
    });
  }
  vendorExtensions(w, 31, s);
}

/** ParametersItem{parameter=1: Parameter{body_parameter=1 | non_body_parameter=2}} */
function parameter(w: ProtoWriter, p: Json): void {
  w.message(1, (param) => {
    if (p.in === 'body') {
      param.message(1, (b) => {
        optionalString(b, 1, p.description);
        optionalString(b, 2, p.name);
        b.string(3, 'body');
        if (p.required === true) b.bool(4, true);
        if (isJson(p.schema)) {
          const s = p.schema;
          b.message(5, (m) => schema(m, s));
        }
      });
      return;
    }
    // NonBodyParameter: query_parameter_sub_schema=3, path_parameter_sub_schema=4. The two
    // sub-schemas share required=1, in=2, description=3, name=4; type and unique_items differ.
    const query = p.in === 'query';
    param.message(2, (nb) =>
      nb.message(query ? 3 : 4, (sub) => {
        if (p.required === true) sub.bool(1, true);
        optionalString(sub, 2, p.in);
        optionalString(sub, 3, p.description);
        optionalString(sub, 4, p.name);
        optionalString(sub, query ? 6 : 5, p.type);
        if (p.uniqueItems === true) sub.bool(query ? 20 : 19, true);
      }),
    );
  });
}

/** openapi.v2.Operation */
function operation(w: ProtoWriter, op: Json): void {
  for (const t of strings(op.tags)) w.string(1, t);
  optionalString(w, 3, op.description);
  optionalString(w, 5, op.operationId);
  for (const m of strings(op.produces)) w.string(6, m);
  for (const m of strings(op.consumes)) w.string(7, m);
  if (Array.isArray(op.parameters)) for (const p of op.parameters) if (isJson(p)) w.message(8, (item) => parameter(item, p));
  if (isJson(op.responses)) {
    const responses = op.responses;
    w.message(9, (rs) => {
      for (const [code, r] of Object.entries(responses)) {
        if (!isJson(r)) continue;
        // NamedResponseValue{name=1, value=2: ResponseValue{response=1: Response{description=1, schema=2: SchemaItem{schema=1}}}}
        rs.message(1, (named) =>
          named.string(1, code).message(2, (value) =>
            value.message(1, (resp) => {
              optionalString(resp, 1, r.description);
              if (isJson(r.schema)) {
                const s = r.schema;
                resp.message(2, (item) => item.message(1, (m) => schema(m, s)));
              }
            }),
          ),
        );
      }
    });
  }
  for (const s of strings(op.schemes)) w.string(10, s);
  vendorExtensions(w, 13, op);
}

const PATH_ITEM_FIELDS: Record<string, number> = { get: 2, put: 3, post: 4, delete: 5, options: 6, head: 7, patch: 8 };

/** openapi.v2.Document from the JSON document openApiV2Document() renders. */
export function encodeGnosticDocument(doc: Json): Uint8Array {
  const w = new ProtoWriter();
  optionalString(w, 1, doc.swagger);
  if (isJson(doc.info)) {
    const info = doc.info;
    w.message(2, (i) => {
      optionalString(i, 1, info.title);
      optionalString(i, 2, info.version);
    });
  }
  if (isJson(doc.paths)) {
    const paths = doc.paths;
    w.message(8, (ps) => {
      for (const [path, item] of Object.entries(paths)) {
        if (!isJson(item)) continue;
        ps.message(2, (named) =>
          named.string(1, path).message(2, (pi) => {
            for (const [method, no] of Object.entries(PATH_ITEM_FIELDS)) {
              const op = item[method];
              if (isJson(op)) pi.message(no, (o) => operation(o, op));
            }
            if (Array.isArray(item.parameters)) for (const p of item.parameters) if (isJson(p)) pi.message(9, (pit) => parameter(pit, p));
          }),
        );
      }
    });
  }
  if (isJson(doc.definitions)) {
    const defs = doc.definitions;
    w.message(9, (ds) => {
      for (const [name, s] of Object.entries(defs)) if (isJson(s)) ds.message(1, (named) => named.string(1, name).message(2, (m) => schema(m, s)));
    });
  }
  if (Array.isArray(doc.security)) {
    for (const requirement of doc.security) {
      if (!isJson(requirement)) continue;
      // SecurityRequirement{NamedStringArray{name=1, value=2: StringArray{value=1}}}
      w.message(12, (sr) => {
        for (const [name, scopes] of Object.entries(requirement)) sr.message(1, (n) => n.string(1, name).message(2, (arr) => strings(scopes).forEach((s) => arr.string(1, s))));
      });
    }
  }
  if (isJson(doc.securityDefinitions)) {
    const defs = doc.securityDefinitions;
    w.message(13, (sd) => {
      for (const [name, d] of Object.entries(defs)) {
        if (!isJson(d) || d.type !== 'apiKey') continue;
        // SecurityDefinitionsItem{api_key_security=2: ApiKeySecurity{type=1, name=2, in=3, description=4}}
        sd.message(1, (named) =>
          named.string(1, name).message(2, (item) =>
            item.message(2, (k) => {
              optionalString(k, 1, d.type);
              optionalString(k, 2, d.name);
              optionalString(k, 3, d.in);
              optionalString(k, 4, d.description);
            }),
          ),
        );
      }
    });
  }
  return w.finish();
}
