/**
 * The two resources the embedded server serves (core/v1 namespaces and configmaps): their
 * discovery facts, field labels, and how a client's JSON body becomes a stored object. Pure.
 */
import type { ManagedFieldsEntry } from './managed-fields.js';
import { ApiStatusError, badRequest, invalid, type FieldError } from './status.js';

export type ResourceName = 'namespaces' | 'configmaps';

export interface ObjectMeta {
  name: string;
  generateName?: string;
  namespace?: string;
  uid: string;
  resourceVersion: string;
  creationTimestamp: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: unknown[];
  finalizers?: string[];
  managedFields?: ManagedFieldsEntry[];
}

/** A stored object. Always deep-frozen: one snapshot is shared by the store, history and every watcher. */
export interface KubeObject {
  readonly kind: string;
  readonly apiVersion: string;
  readonly metadata: Readonly<ObjectMeta>;
  readonly [field: string]: unknown;
}

export interface ResourceDef {
  resource: ResourceName;
  singularName: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  shortNames: string[];
  /** Exactly the verbs this server implements (advertised in /api/v1). */
  verbs: string[];
  /** Field labels accepted in fieldSelector (kube's per-resource field label conversion). */
  fieldLabels: readonly string[];
  /** The object's selectable fields. */
  fieldsOf(object: KubeObject): Record<string, string>;
  /** The non-metadata fields of a stored object, in kube's JSON field order, from a client body. */
  contentFromBody(body: Record<string, unknown>): Record<string, unknown>;
  /** Name validation (RFC 1123 subdomain for configmaps, label for namespaces). */
  validateName(name: string): FieldError | null;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function validateSubdomain(name: string): FieldError | null {
  if (name.length <= 253 && DNS1123_SUBDOMAIN.test(name)) return null;
  return {
    type: 'Invalid',
    field: 'metadata.name',
    badValue: name,
    detail:
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
  };
}

function validateLabel(name: string): FieldError | null {
  if (name.length <= 63 && DNS1123_LABEL.test(name)) return null;
  return {
    type: 'Invalid',
    field: 'metadata.name',
    badValue: name,
    detail:
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
  };
}

function decodeError(kind: string, what: string): ApiStatusError {
  return new ApiStatusError(badRequest(`${kind} in version "v1" cannot be handled as a ${kind}: ${what}`));
}

function stringMap(kind: string, field: string, value: unknown): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw decodeError(kind, `json: cannot unmarshal ${jsonTypeName(value)} into Go struct field ${field} of type map[string]string`);
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') {
      throw decodeError(kind, `json: cannot unmarshal ${jsonTypeName(v)} into Go struct field ${field} of type string`);
    }
    out[k] = v;
  }
  return out;
}

function jsonTypeName(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'object' : typeof value;
}

export const CONFIGMAPS: ResourceDef = {
  resource: 'configmaps',
  singularName: 'configmap',
  kind: 'ConfigMap',
  listKind: 'ConfigMapList',
  namespaced: true,
  shortNames: ['cm'],
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  fieldLabels: ['metadata.name', 'metadata.namespace'],
  fieldsOf: (o) => ({ 'metadata.name': o.metadata.name, 'metadata.namespace': o.metadata.namespace ?? '' }),
  contentFromBody(body) {
    const out: Record<string, unknown> = {};
    if (body.immutable !== undefined && body.immutable !== null) {
      if (typeof body.immutable !== 'boolean') {
        throw decodeError('ConfigMap', 'json: cannot unmarshal into Go struct field ConfigMap.immutable of type bool');
      }
      out.immutable = body.immutable;
    }
    const data = stringMap('ConfigMap', 'ConfigMap.data', body.data);
    if (data) out.data = data;
    const binaryData = stringMap('ConfigMap', 'ConfigMap.binaryData', body.binaryData);
    if (binaryData) out.binaryData = binaryData;
    return out;
  },
  validateName: validateSubdomain,
};

export const NAMESPACES: ResourceDef = {
  resource: 'namespaces',
  singularName: 'namespace',
  kind: 'Namespace',
  listKind: 'NamespaceList',
  namespaced: false,
  shortNames: ['ns'],
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  fieldLabels: ['metadata.name', 'status.phase'],
  fieldsOf: (o) => ({ 'metadata.name': o.metadata.name, 'status.phase': namespacePhase(o) }),
  contentFromBody(body) {
    const spec = (body.spec ?? {}) as { finalizers?: unknown };
    const finalizers = Array.isArray(spec.finalizers) ? spec.finalizers.filter((f): f is string => typeof f === 'string') : ['kubernetes'];
    // Phase is server-owned; the simplified delete removes a namespace at once, so it is always Active.
    return { spec: { finalizers }, status: { phase: 'Active' } };
  },
  validateName: validateLabel,
};

function namespacePhase(o: KubeObject): string {
  const status = o.status as { phase?: string } | undefined;
  return status?.phase ?? '';
}

export const RESOURCES: Record<ResourceName, ResourceDef> = { namespaces: NAMESPACES, configmaps: CONFIGMAPS };

/** Client-settable metadata, type-checked; server-owned fields (uid, resourceVersion, ...) are not taken from here. */
export interface ClientMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  resourceVersion?: string;
  uid?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: unknown[];
  finalizers?: string[];
}

export function clientMetaFromBody(def: ResourceDef, body: Record<string, unknown>): ClientMeta {
  const raw = body.metadata ?? {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw decodeError(def.kind, `json: cannot unmarshal ${jsonTypeName(raw)} into Go struct field ${def.kind}.metadata of type v1.ObjectMeta`);
  }
  const m = raw as Record<string, unknown>;
  const str = (field: string): string | undefined => {
    const v = m[field];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') {
      throw decodeError(def.kind, `json: cannot unmarshal ${jsonTypeName(v)} into Go struct field ObjectMeta.metadata.${field} of type string`);
    }
    return v;
  };
  const meta: ClientMeta = {};
  const name = str('name');
  if (name) meta.name = name;
  const generateName = str('generateName');
  if (generateName) meta.generateName = generateName;
  const namespace = str('namespace');
  if (namespace) meta.namespace = namespace;
  const resourceVersion = str('resourceVersion');
  if (resourceVersion) meta.resourceVersion = resourceVersion;
  const uid = str('uid');
  if (uid) meta.uid = uid;
  const labels = stringMap(def.kind, 'ObjectMeta.metadata.labels', m.labels);
  if (labels) meta.labels = labels;
  const annotations = stringMap(def.kind, 'ObjectMeta.metadata.annotations', m.annotations);
  if (annotations) meta.annotations = annotations;
  if (Array.isArray(m.ownerReferences) && m.ownerReferences.length > 0) meta.ownerReferences = m.ownerReferences;
  if (Array.isArray(m.finalizers)) {
    const finalizers = m.finalizers.filter((f): f is string => typeof f === 'string');
    if (finalizers.length > 0) meta.finalizers = finalizers;
  }
  return meta;
}

/** Checks kind/apiVersion of a body when present: a mismatch is a 400, as kube's decoder answers. */
export function checkTypeMeta(def: ResourceDef, body: Record<string, unknown>): void {
  const { kind, apiVersion } = body;
  if (kind !== undefined && kind !== '' && kind !== def.kind) {
    throw new ApiStatusError(badRequest(`the kind of the provided object (${String(kind)}) does not match the kind of the resource (${def.kind})`));
  }
  if (apiVersion !== undefined && apiVersion !== '' && apiVersion !== 'v1') {
    throw new ApiStatusError(badRequest(`the API version in the data (${String(apiVersion)}) does not match the expected API version (v1)`));
  }
}

export function requireValidName(def: ResourceDef, meta: ClientMeta): void {
  if (!meta.name && !meta.generateName) {
    throw new ApiStatusError(
      invalid('', def.kind, '', [{ type: 'Required', field: 'metadata.name', detail: 'name or generateName is required' }]),
    );
  }
  if (meta.name) {
    const err = def.validateName(meta.name);
    if (err) throw new ApiStatusError(invalid('', def.kind, meta.name, [err]));
  }
}

/** Builds a frozen object with metadata in kube's field order. */
export function buildObject(def: ResourceDef, meta: ObjectMeta, content: Record<string, unknown>): KubeObject {
  const metadata: ObjectMeta = { name: meta.name } as ObjectMeta;
  if (meta.generateName) metadata.generateName = meta.generateName;
  if (meta.namespace) metadata.namespace = meta.namespace;
  metadata.uid = meta.uid;
  metadata.resourceVersion = meta.resourceVersion;
  metadata.creationTimestamp = meta.creationTimestamp;
  if (meta.labels && Object.keys(meta.labels).length > 0) metadata.labels = meta.labels;
  if (meta.annotations && Object.keys(meta.annotations).length > 0) metadata.annotations = meta.annotations;
  if (meta.ownerReferences) metadata.ownerReferences = meta.ownerReferences;
  if (meta.finalizers) metadata.finalizers = meta.finalizers;
  if (meta.managedFields && meta.managedFields.length > 0) metadata.managedFields = meta.managedFields;
  return deepFreeze({ kind: def.kind, apiVersion: 'v1', metadata, ...content });
}

/** The same snapshot with another resourceVersion (DELETED events carry the deletion RV). */
export function withResourceVersion(object: KubeObject, resourceVersion: number): KubeObject {
  return deepFreeze({ ...object, metadata: { ...object.metadata, resourceVersion: String(resourceVersion) } });
}

export function resourceVersionOf(object: KubeObject): number {
  return Number(object.metadata.resourceVersion);
}

export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
