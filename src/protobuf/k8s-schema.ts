/**
 * The Kubernetes protobuf messages watchmark reads and writes, as data: field numbers and JSON
 * names from the upstream .proto files (k8s.io/apimachinery pkg/apis/meta/v1/generated.proto,
 * pkg/runtime/generated.proto, k8s.io/api core/v1/generated.proto). No generated code: one table
 * per message, read by `k8s-codec.ts`.
 *
 * `keepZero` marks fields that are pointers in Go (`*bool`, `*int64`, `*string`): their zero value is
 * present in JSON when set, so a decoded zero is kept; other zero values are omitted, as Go's
 * `omitempty` JSON does.
 */

export type ScalarType = 'string' | 'bytes' | 'int64' | 'int32' | 'bool';

export type FieldType =
  | ScalarType
  /** metav1.Time `{seconds = 1, nanos = 2}` <-> an RFC 3339 string, seconds precision (as Go writes it). */
  | 'time'
  /** metav1.FieldsV1 `{Raw = 1}`: JSON bytes on the wire <-> the JSON value. */
  | 'fields-v1'
  /** map<string, string> (entries `{key = 1, value = 2}`). */
  | 'string-map'
  /** map<string, bytes>: base64 strings in JSON. */
  | 'bytes-map'
  | MessageSchema;

export interface FieldSchema {
  readonly no: number;
  readonly json: string;
  readonly type: FieldType;
  readonly repeated?: true;
  readonly keepZero?: true;
}

export interface MessageSchema {
  readonly name: string;
  /** In field-number order (the order they are written). */
  readonly fields: readonly FieldSchema[];
  /** The same fields by number, for reading: built once, not per message read. */
  readonly byNo: ReadonlyMap<number, FieldSchema>;
}

function message(name: string, fields: FieldSchema[]): MessageSchema {
  const sorted = [...fields].sort((a, b) => a.no - b.no);
  return { name, fields: sorted, byNo: new Map(sorted.map((f) => [f.no, f])) };
}

export const TYPE_META = message('runtime.TypeMeta', [
  { no: 1, json: 'apiVersion', type: 'string' },
  { no: 2, json: 'kind', type: 'string' },
]);

export const OWNER_REFERENCE = message('meta.v1.OwnerReference', [
  { no: 5, json: 'apiVersion', type: 'string' },
  { no: 1, json: 'kind', type: 'string' },
  { no: 3, json: 'name', type: 'string' },
  { no: 4, json: 'uid', type: 'string' },
  { no: 6, json: 'controller', type: 'bool', keepZero: true },
  { no: 7, json: 'blockOwnerDeletion', type: 'bool', keepZero: true },
]);

export const MANAGED_FIELDS_ENTRY = message('meta.v1.ManagedFieldsEntry', [
  { no: 1, json: 'manager', type: 'string' },
  { no: 2, json: 'operation', type: 'string' },
  { no: 3, json: 'apiVersion', type: 'string' },
  { no: 4, json: 'time', type: 'time' },
  { no: 6, json: 'fieldsType', type: 'string' },
  { no: 7, json: 'fieldsV1', type: 'fields-v1' },
  { no: 8, json: 'subresource', type: 'string' },
]);

export const OBJECT_META = message('meta.v1.ObjectMeta', [
  { no: 1, json: 'name', type: 'string' },
  { no: 2, json: 'generateName', type: 'string' },
  { no: 3, json: 'namespace', type: 'string' },
  { no: 4, json: 'selfLink', type: 'string' },
  { no: 5, json: 'uid', type: 'string' },
  { no: 6, json: 'resourceVersion', type: 'string' },
  { no: 7, json: 'generation', type: 'int64' },
  { no: 8, json: 'creationTimestamp', type: 'time' },
  { no: 9, json: 'deletionTimestamp', type: 'time' },
  { no: 10, json: 'deletionGracePeriodSeconds', type: 'int64', keepZero: true },
  { no: 11, json: 'labels', type: 'string-map' },
  { no: 12, json: 'annotations', type: 'string-map' },
  { no: 13, json: 'ownerReferences', type: OWNER_REFERENCE, repeated: true },
  { no: 14, json: 'finalizers', type: 'string', repeated: true },
  { no: 17, json: 'managedFields', type: MANAGED_FIELDS_ENTRY, repeated: true },
]);

export const LIST_META = message('meta.v1.ListMeta', [
  { no: 1, json: 'selfLink', type: 'string' },
  { no: 2, json: 'resourceVersion', type: 'string' },
  { no: 3, json: 'continue', type: 'string' },
  { no: 4, json: 'remainingItemCount', type: 'int64', keepZero: true },
]);

const STATUS_CAUSE = message('meta.v1.StatusCause', [
  { no: 1, json: 'reason', type: 'string' },
  { no: 2, json: 'message', type: 'string' },
  { no: 3, json: 'field', type: 'string' },
]);

const STATUS_DETAILS = message('meta.v1.StatusDetails', [
  { no: 1, json: 'name', type: 'string' },
  { no: 2, json: 'group', type: 'string' },
  { no: 3, json: 'kind', type: 'string' },
  { no: 6, json: 'uid', type: 'string' },
  { no: 4, json: 'causes', type: STATUS_CAUSE, repeated: true },
  { no: 5, json: 'retryAfterSeconds', type: 'int32' },
]);

export const STATUS = message('meta.v1.Status', [
  { no: 1, json: 'metadata', type: LIST_META },
  { no: 2, json: 'status', type: 'string' },
  { no: 3, json: 'message', type: 'string' },
  { no: 4, json: 'reason', type: 'string' },
  { no: 5, json: 'details', type: STATUS_DETAILS },
  { no: 6, json: 'code', type: 'int32' },
]);

const PRECONDITIONS = message('meta.v1.Preconditions', [
  { no: 1, json: 'uid', type: 'string', keepZero: true },
  { no: 2, json: 'resourceVersion', type: 'string', keepZero: true },
]);

export const DELETE_OPTIONS = message('meta.v1.DeleteOptions', [
  { no: 1, json: 'gracePeriodSeconds', type: 'int64', keepZero: true },
  { no: 2, json: 'preconditions', type: PRECONDITIONS },
  { no: 3, json: 'orphanDependents', type: 'bool', keepZero: true },
  { no: 4, json: 'propagationPolicy', type: 'string', keepZero: true },
  { no: 5, json: 'dryRun', type: 'string', repeated: true },
  { no: 6, json: 'ignoreStoreReadErrorWithClusterBreakingPotential', type: 'bool', keepZero: true },
]);

export const CONFIG_MAP = message('core.v1.ConfigMap', [
  { no: 1, json: 'metadata', type: OBJECT_META },
  { no: 4, json: 'immutable', type: 'bool', keepZero: true },
  { no: 2, json: 'data', type: 'string-map' },
  { no: 3, json: 'binaryData', type: 'bytes-map' },
]);

const NAMESPACE_CONDITION = message('core.v1.NamespaceCondition', [
  { no: 1, json: 'type', type: 'string' },
  { no: 2, json: 'status', type: 'string' },
  { no: 4, json: 'lastTransitionTime', type: 'time' },
  { no: 5, json: 'reason', type: 'string' },
  { no: 6, json: 'message', type: 'string' },
]);

export const NAMESPACE = message('core.v1.Namespace', [
  { no: 1, json: 'metadata', type: OBJECT_META },
  { no: 2, json: 'spec', type: message('core.v1.NamespaceSpec', [{ no: 1, json: 'finalizers', type: 'string', repeated: true }]) },
  {
    no: 3,
    json: 'status',
    type: message('core.v1.NamespaceStatus', [
      { no: 1, json: 'phase', type: 'string' },
      { no: 2, json: 'conditions', type: NAMESPACE_CONDITION, repeated: true },
    ]),
  },
]);

function listOf(name: string, item: MessageSchema): MessageSchema {
  return message(name, [
    { no: 1, json: 'metadata', type: LIST_META },
    { no: 2, json: 'items', type: item, repeated: true },
  ]);
}

/**
 * Any built-in object read by a client that knows only its metadata: every top-level Kubernetes
 * type puts `ObjectMeta metadata = 1` (lists `ListMeta metadata = 1`, `items = 2`). The rest of the
 * object is skipped: watchmark's checks read the type meta and the metadata.
 */
export const GENERIC_OBJECT = message('generic object', [{ no: 1, json: 'metadata', type: OBJECT_META }]);
export const GENERIC_LIST = listOf('generic list', GENERIC_OBJECT);

/** Top-level kinds by `apiVersion` then `kind`. Status and DeleteOptions are read in both of their group spellings. */
export const KNOWN_KINDS: Readonly<Record<string, Readonly<Record<string, MessageSchema>>>> = {
  v1: {
    ConfigMap: CONFIG_MAP,
    ConfigMapList: listOf('core.v1.ConfigMapList', CONFIG_MAP),
    Namespace: NAMESPACE,
    NamespaceList: listOf('core.v1.NamespaceList', NAMESPACE),
    Status: STATUS,
    DeleteOptions: DELETE_OPTIONS,
  },
  'meta.k8s.io/v1': { Status: STATUS, DeleteOptions: DELETE_OPTIONS },
};

/** The schema for a kind: a known one, or the generic object/list reading. */
export function schemaOf(apiVersion: string, kind: string): MessageSchema {
  return KNOWN_KINDS[apiVersion]?.[kind] ?? (kind.endsWith('List') ? GENERIC_LIST : GENERIC_OBJECT);
}
