/**
 * The OpenAPI model of what the embedded server serves: one description of each schema, from
 * which /openapi/v2 (Swagger 2.0, JSON and gnostic protobuf) and /openapi/v3 are both rendered
 * (openapi-documents.ts). Field names, types, defaults and x-kubernetes-* extensions are
 * kube-apiserver's (k8s.io/api core/v1 and apimachinery meta/v1 as served by v1.34; descriptions
 * are the Go doc comments it publishes); test/real/openapi.test.ts compares them with a real
 * kube-apiserver's. Pure.
 */

export type DefinitionName =
  | 'core.ConfigMap'
  | 'core.ConfigMapList'
  | 'core.Namespace'
  | 'core.NamespaceCondition'
  | 'core.NamespaceList'
  | 'core.NamespaceSpec'
  | 'core.NamespaceStatus'
  | 'meta.DeleteOptions'
  | 'meta.FieldsV1'
  | 'meta.ListMeta'
  | 'meta.ManagedFieldsEntry'
  | 'meta.ObjectMeta'
  | 'meta.OwnerReference'
  | 'meta.Patch'
  | 'meta.Preconditions'
  | 'meta.Status'
  | 'meta.StatusCause'
  | 'meta.StatusDetails'
  | 'meta.Time'
  | 'meta.WatchEvent'
  | 'runtime.RawExtension';

export type TypeModel =
  | { kind: 'string'; format?: 'byte'; enum?: readonly string[] }
  | { kind: 'boolean' }
  | { kind: 'integer'; format: 'int32' | 'int64' }
  | { kind: 'map'; values: TypeModel }
  | { kind: 'array'; items: TypeModel }
  /** A reference to another definition, by its short name (core.X, meta.X, runtime.X). */
  | { kind: 'ref'; name: DefinitionName };

export type Extensions = Readonly<Record<string, unknown>>;

export interface FieldModel {
  type: TypeModel;
  description: string;
  /** What openapi-gen writes as `default` in v3 (non-pointer structs `{}`, required strings ''); v2 carries none. */
  default?: '' | Record<string, never>;
  extensions?: Extensions;
}

export interface DefinitionModel {
  description: string;
  /** Time is a string schema (`format: date-time`); everything else an object. */
  type: 'object' | 'string';
  format?: 'date-time';
  properties: Readonly<Record<string, FieldModel>>;
  required?: readonly string[];
  /** The core/v1 kind this definition is (x-kubernetes-group-version-kind). */
  kind?: string;
  extensions?: Extensions;
}

const STRING: TypeModel = { kind: 'string' };
const BYTES: TypeModel = { kind: 'string', format: 'byte' };
const BOOLEAN: TypeModel = { kind: 'boolean' };
const INT32: TypeModel = { kind: 'integer', format: 'int32' };
const INT64: TypeModel = { kind: 'integer', format: 'int64' };
const enumOf = (...values: string[]): TypeModel => ({ kind: 'string', enum: values });
const mapOf = (values: TypeModel): TypeModel => ({ kind: 'map', values });
const listOf = (items: TypeModel): TypeModel => ({ kind: 'array', items });
const ref = (name: DefinitionName): TypeModel => ({ kind: 'ref', name });

function field(type: TypeModel, description: string, opts: Omit<FieldModel, 'type' | 'description'> = {}): FieldModel {
  return { type, description, ...opts };
}

function definition(
  description: string,
  properties: Record<string, FieldModel>,
  opts: Partial<Omit<DefinitionModel, 'description' | 'properties'>> = {},
): DefinitionModel {
  return { description, type: 'object', properties, ...opts };
}

/** The full OpenAPI name of a short definition name. */
export function fullDefinitionName(name: DefinitionName): string {
  const [pkg, kind] = name.split('.') as [string, string];
  const prefix = pkg === 'core' ? 'io.k8s.api.core.v1' : pkg === 'meta' ? 'io.k8s.apimachinery.pkg.apis.meta.v1' : 'io.k8s.apimachinery.pkg.runtime';
  return `${prefix}.${kind}`;
}

const D0 =
  'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources';
const D1 =
  'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds';
const D2 =
  'Standard object\'s metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';
const D3 =
  'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds';
const D4 =
  'Deprecated: selfLink is a legacy read-only field that is no longer populated by the system.';

/** Every schema the served paths reference, transitively (openapi-documents.test.ts checks the closure). */
export const DEFINITIONS: Readonly<Record<DefinitionName, DefinitionModel>> = {
  'core.ConfigMap': definition('ConfigMap holds configuration data for pods to consume.', {
    apiVersion: field(STRING, D0),
    binaryData: field(mapOf(BYTES), 'BinaryData contains the binary data. Each key must consist of alphanumeric characters, \'-\', \'_\' or \'.\'. BinaryData can contain byte sequences that are not in the UTF-8 range. The keys stored in BinaryData must not overlap with the ones in the Data field, this is enforced during validation process. Using this field will require 1.10+ apiserver and kubelet. Note: BinaryData keys are not currently propagated to container env vars via ConfigMapKeyRef or ConfigMapRef env sources; only Data keys are used.'),
    data: field(mapOf(STRING), 'Data contains the configuration data. Each key must consist of alphanumeric characters, \'-\', \'_\' or \'.\'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during validation process.'),
    immutable: field(BOOLEAN, 'Immutable, if set to true, ensures that data stored in the ConfigMap cannot be updated (only object metadata can be modified). If not set to true, the field can be modified at any time. Defaulted to nil.'),
    kind: field(STRING, D1),
    metadata: field(ref('meta.ObjectMeta'), D2, { default: {} }),
  }, { kind: 'ConfigMap' }),
  'core.ConfigMapList': definition('ConfigMapList is a resource containing a list of ConfigMap objects.', {
    apiVersion: field(STRING, D0),
    items: field(listOf(ref('core.ConfigMap')), 'Items is the list of ConfigMaps.'),
    kind: field(STRING, D1),
    metadata: field(ref('meta.ListMeta'), 'More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata', { default: {} }),
  }, { required: ['items'], kind: 'ConfigMapList' }),
  'core.Namespace': definition('Namespace provides a scope for Names. Use of multiple namespaces is optional.', {
    apiVersion: field(STRING, D0),
    kind: field(STRING, D1),
    metadata: field(ref('meta.ObjectMeta'), D2, { default: {} }),
    spec: field(ref('core.NamespaceSpec'), 'Spec defines the behavior of the Namespace. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status', { default: {} }),
    status: field(ref('core.NamespaceStatus'), 'Status describes the current status of a Namespace. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status', { default: {} }),
  }, { kind: 'Namespace' }),
  'core.NamespaceCondition': definition('NamespaceCondition contains details about state of namespace.', {
    lastTransitionTime: field(ref('meta.Time'), 'Last time the condition transitioned from one status to another.'),
    message: field(STRING, 'Human-readable message indicating details about last transition.'),
    reason: field(STRING, 'Unique, one-word, CamelCase reason for the condition\'s last transition.'),
    status: field(STRING, 'Status of the condition, one of True, False, Unknown.', { default: '' }),
    type: field(STRING, 'Type of namespace controller condition.', { default: '' }),
  }, { required: ['type', 'status'] }),
  'core.NamespaceList': definition('NamespaceList is a list of Namespaces.', {
    apiVersion: field(STRING, D0),
    items: field(listOf(ref('core.Namespace')), 'Items is the list of Namespace objects in the list. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/'),
    kind: field(STRING, D1),
    metadata: field(ref('meta.ListMeta'), D3, { default: {} }),
  }, { required: ['items'], kind: 'NamespaceList' }),
  'core.NamespaceSpec': definition('NamespaceSpec describes the attributes on a Namespace.', {
    finalizers: field(listOf(STRING), 'Finalizers is an opaque list of values that must be empty to permanently remove object from storage. More info: https://kubernetes.io/docs/tasks/administer-cluster/namespaces/', { extensions: {'x-kubernetes-list-type': 'atomic'} }),
  }),
  'core.NamespaceStatus': definition('NamespaceStatus is information about the current status of a Namespace.', {
    conditions: field(listOf(ref('core.NamespaceCondition')), 'Represents the latest available observations of a namespace\'s current state.', { extensions: {'x-kubernetes-list-map-keys': ['type'], 'x-kubernetes-list-type': 'map', 'x-kubernetes-patch-merge-key': 'type', 'x-kubernetes-patch-strategy': 'merge'} }),
    phase: field(enumOf('Active', 'Terminating'), 'Phase is the current lifecycle phase of the namespace. More info: https://kubernetes.io/docs/tasks/administer-cluster/namespaces/\n\nPossible enum values:\n - `"Active"` means the namespace is available for use in the system\n - `"Terminating"` means the namespace is undergoing graceful termination'),
  }),
  'meta.DeleteOptions': definition('DeleteOptions may be provided when deleting an API object.', {
    apiVersion: field(STRING, D0),
    dryRun: field(listOf(STRING), 'When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed', { extensions: {'x-kubernetes-list-type': 'atomic'} }),
    gracePeriodSeconds: field(INT64, 'The duration in seconds before the object should be deleted. Value must be non-negative integer. The value zero indicates delete immediately. If this value is nil, the default grace period for the specified type will be used. Defaults to a per object value if not specified. zero means delete immediately.'),
    ignoreStoreReadErrorWithClusterBreakingPotential: field(BOOLEAN, 'if set to true, it will trigger an unsafe deletion of the resource in case the normal deletion flow fails with a corrupt object error. A resource is considered corrupt if it can not be retrieved from the underlying storage successfully because of a) its data can not be transformed e.g. decryption failure, or b) it fails to decode into an object. NOTE: unsafe deletion ignores finalizer constraints, skips precondition checks, and removes the object from the storage. WARNING: This may potentially break the cluster if the workload associated with the resource being unsafe-deleted relies on normal deletion flow. Use only if you REALLY know what you are doing. The default value is false, and the user must opt in to enable it'),
    kind: field(STRING, D1),
    orphanDependents: field(BOOLEAN, 'Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7. Should the dependent objects be orphaned. If true/false, the "orphan" finalizer will be added to/removed from the object\'s finalizers list. Either this field or PropagationPolicy may be set, but not both.'),
    preconditions: field(ref('meta.Preconditions'), 'Must be fulfilled before a deletion is carried out. If not possible, a 409 Conflict status will be returned.'),
    propagationPolicy: field(STRING, 'Whether and how garbage collection will be performed. Either this field or OrphanDependents may be set, but not both. The default policy is decided by the existing finalizer set in the metadata.finalizers and the resource-specific default policy. Acceptable values are: \'Orphan\' - orphan the dependents; \'Background\' - allow the garbage collector to delete the dependents in the background; \'Foreground\' - a cascading policy that deletes all dependents in the foreground.'),
  }, { kind: 'DeleteOptions' }),
  'meta.FieldsV1': definition('FieldsV1 stores a set of fields in a data structure like a Trie, in JSON format.\n\nEach key is either a \'.\' representing the field itself, and will always map to an empty set, or a string representing a sub-field or item. The string will follow one of these four formats: \'f:<name>\', where <name> is the name of a field in a struct, or key in a map \'v:<value>\', where <value> is the exact json formatted value of a list item \'i:<index>\', where <index> is position of a item in a list \'k:<keys>\', where <keys> is a map of  a list item\'s key fields to their unique values If a key maps to an empty Fields value, the field that key represents is part of the set.\n\nThe exact format is defined in sigs.k8s.io/structured-merge-diff', {
  }),
  'meta.ListMeta': definition('ListMeta describes metadata that synthetic resources must have, including lists and various status objects. A resource may have only one of {ObjectMeta, ListMeta}.', {
    continue: field(STRING, 'continue may be set if the user set a limit on the number of items returned, and indicates that the server has more data available. The value is opaque and may be used to issue another request to the endpoint that served this list to retrieve the next set of available objects. Continuing a consistent list may not be possible if the server configuration has changed or more than a few minutes have passed. The resourceVersion field returned when using this continue value will be identical to the value in the first response, unless you have received this token from an error message.'),
    remainingItemCount: field(INT64, 'remainingItemCount is the number of subsequent items in the list which are not included in this list response. If the list request contained label or field selectors, then the number of remaining items is unknown and the field will be left unset and omitted during serialization. If the list is complete (either because it is not chunking or because this is the last chunk), then there are no more remaining items and this field will be left unset and omitted during serialization. Servers older than v1.15 do not set this field. The intended use of the remainingItemCount is *estimating* the size of a collection. Clients should not rely on the remainingItemCount to be set or to be exact.'),
    resourceVersion: field(STRING, 'String that identifies the server\'s internal version of this object that can be used by clients to determine when objects have changed. Value must be treated as opaque by clients and passed unmodified back to the server. Populated by the system. Read-only. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#concurrency-control-and-consistency'),
    selfLink: field(STRING, D4),
  }),
  'meta.ManagedFieldsEntry': definition('ManagedFieldsEntry is a workflow-id, a FieldSet and the group version of the resource that the fieldset applies to.', {
    apiVersion: field(STRING, 'APIVersion defines the version of this resource that this field set applies to. The format is "group/version" just like the top-level APIVersion field. It is necessary to track the version of a field set because it cannot be automatically converted.'),
    fieldsType: field(STRING, 'FieldsType is the discriminator for the different fields format and version. There is currently only one possible value: "FieldsV1"'),
    fieldsV1: field(ref('meta.FieldsV1'), 'FieldsV1 holds the first JSON version format as described in the "FieldsV1" type.'),
    manager: field(STRING, 'Manager is an identifier of the workflow managing these fields.'),
    operation: field(STRING, 'Operation is the type of operation which lead to this ManagedFieldsEntry being created. The only valid values for this field are \'Apply\' and \'Update\'.'),
    subresource: field(STRING, 'Subresource is the name of the subresource used to update that object, or empty string if the object was updated through the main resource. The value of this field is used to distinguish between managers, even if they share the same name. For example, a status update will be distinct from a regular update using the same manager name. Note that the APIVersion field is not related to the Subresource field and it always corresponds to the version of the main resource.'),
    time: field(ref('meta.Time'), 'Time is the timestamp of when the ManagedFields entry was added. The timestamp will also be updated if a field is added, the manager changes any of the owned fields value or removes a field. The timestamp does not update when a field is removed from the entry because another manager took it over.'),
  }),
  'meta.ObjectMeta': definition('ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.', {
    annotations: field(mapOf(STRING), 'Annotations is an unstructured key value map stored with a resource that may be set by external tools to store and retrieve arbitrary metadata. They are not queryable and should be preserved when modifying objects. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/annotations'),
    creationTimestamp: field(ref('meta.Time'), 'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata'),
    deletionGracePeriodSeconds: field(INT64, 'Number of seconds allowed for this object to gracefully terminate before it will be removed from the system. Only set when deletionTimestamp is also set. May only be shortened. Read-only.'),
    deletionTimestamp: field(ref('meta.Time'), 'DeletionTimestamp is RFC 3339 date and time at which this resource will be deleted. This field is set by the server when a graceful deletion is requested by the user, and is not directly settable by a client. The resource is expected to be deleted (no longer visible from resource lists, and not reachable by name) after the time in this field, once the finalizers list is empty. As long as the finalizers list contains items, deletion is blocked. Once the deletionTimestamp is set, this value may not be unset or be set further into the future, although it may be shortened or the resource may be deleted prior to this time. For example, a user may request that a pod is deleted in 30 seconds. The Kubelet will react by sending a graceful termination signal to the containers in the pod. After that 30 seconds, the Kubelet will send a hard termination signal (SIGKILL) to the container and after cleanup, remove the pod from the API. In the presence of network partitions, this object may still exist after this timestamp, until an administrator or automated process can determine the resource is fully terminated. If not set, graceful deletion of the object has not been requested.\n\nPopulated by the system when a graceful deletion is requested. Read-only. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata'),
    finalizers: field(listOf(STRING), 'Must be empty before the object is deleted from the registry. Each entry is an identifier for the responsible component that will remove the entry from the list. If the deletionTimestamp of the object is non-nil, entries in this list can only be removed. Finalizers may be processed and removed in any order.  Order is NOT enforced because it introduces significant risk of stuck finalizers. finalizers is a shared field, any actor with permission can reorder it. If the finalizer list is processed in order, then this can lead to a situation in which the component responsible for the first finalizer in the list is waiting for a signal (field value, external system, or other) produced by a component responsible for a finalizer later in the list, resulting in a deadlock. Without enforced ordering finalizers are free to order amongst themselves and are not vulnerable to ordering changes in the list.', { extensions: {'x-kubernetes-list-type': 'set', 'x-kubernetes-patch-strategy': 'merge'} }),
    generateName: field(STRING, 'GenerateName is an optional prefix, used by the server, to generate a unique name ONLY IF the Name field has not been provided. If this field is used, the name returned to the client will be different than the name passed. This value will also be combined with a unique suffix. The provided value has the same validation rules as the Name field, and may be truncated by the length of the suffix required to make the value unique on the server.\n\nIf this field is specified and the generated name exists, the server will return a 409.\n\nApplied only if Name is not specified. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#idempotency'),
    generation: field(INT64, 'A sequence number representing a specific generation of the desired state. Populated by the system. Read-only.'),
    labels: field(mapOf(STRING), 'Map of string keys and values that can be used to organize and categorize (scope and select) objects. May match selectors of replication controllers and services. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels'),
    managedFields: field(listOf(ref('meta.ManagedFieldsEntry')), 'ManagedFields maps workflow-id and version to the set of fields that are managed by that workflow. This is mostly for internal housekeeping, and users typically shouldn\'t need to set or understand this field. A workflow can be the user\'s name, a controller\'s name, or the name of a specific apply path like "ci-cd". The set of fields is always in the version that the workflow used when modifying the object.', { extensions: {'x-kubernetes-list-type': 'atomic'} }),
    name: field(STRING, 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names'),
    namespace: field(STRING, 'Namespace defines the space within which each name must be unique. An empty namespace is equivalent to the "default" namespace, but "default" is the canonical representation. Not all objects are required to be scoped to a namespace - the value of this field for those objects will be empty.\n\nMust be a DNS_LABEL. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces'),
    ownerReferences: field(listOf(ref('meta.OwnerReference')), 'List of objects depended by this object. If ALL objects in the list have been deleted, this object will be garbage collected. If this object is managed by a controller, then an entry in this list will point to this controller, with the controller field set to true. There cannot be more than one managing controller.', { extensions: {'x-kubernetes-list-map-keys': ['uid'], 'x-kubernetes-list-type': 'map', 'x-kubernetes-patch-merge-key': 'uid', 'x-kubernetes-patch-strategy': 'merge'} }),
    resourceVersion: field(STRING, 'An opaque value that represents the internal version of this object that can be used by clients to determine when objects have changed. May be used for optimistic concurrency, change detection, and the watch operation on a resource or set of resources. Clients must treat these values as opaque and passed unmodified back to the server. They may only be valid for a particular resource or set of resources.\n\nPopulated by the system. Read-only. Value must be treated as opaque by clients and . More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#concurrency-control-and-consistency'),
    selfLink: field(STRING, D4),
    uid: field(STRING, 'UID is the unique in time and space value for this object. It is typically generated by the server on successful creation of a resource and is not allowed to change on PUT operations.\n\nPopulated by the system. Read-only. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#uids'),
  }),
  'meta.OwnerReference': definition('OwnerReference contains enough information to let you identify an owning object. An owning object must be in the same namespace as the dependent, or be cluster-scoped, so there is no namespace field.', {
    apiVersion: field(STRING, 'API version of the referent.', { default: '' }),
    blockOwnerDeletion: field(BOOLEAN, 'If true, AND if the owner has the "foregroundDeletion" finalizer, then the owner cannot be deleted from the key-value store until this reference is removed. See https://kubernetes.io/docs/concepts/architecture/garbage-collection/#foreground-deletion for how the garbage collector interacts with this field and enforces the foreground deletion. Defaults to false. To set this field, a user needs "delete" permission of the owner, otherwise 422 (Unprocessable Entity) will be returned.'),
    controller: field(BOOLEAN, 'If true, this reference points to the managing controller.'),
    kind: field(STRING, 'Kind of the referent. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds', { default: '' }),
    name: field(STRING, 'Name of the referent. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names', { default: '' }),
    uid: field(STRING, 'UID of the referent. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#uids', { default: '' }),
  }, { required: ['apiVersion', 'kind', 'name', 'uid'], extensions: {"x-kubernetes-map-type":"atomic"} }),
  'meta.Patch': definition('Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.', {
  }),
  'meta.Preconditions': definition('Preconditions must be fulfilled before an operation (update, delete, etc.) is carried out.', {
    resourceVersion: field(STRING, 'Specifies the target ResourceVersion'),
    uid: field(STRING, 'Specifies the target UID.'),
  }),
  'meta.Status': definition('Status is a return value for calls that don\'t return other objects.', {
    apiVersion: field(STRING, D0),
    code: field(INT32, 'Suggested HTTP return code for this status, 0 if not set.'),
    details: field(ref('meta.StatusDetails'), 'Extended data associated with the reason.  Each reason may define its own extended details. This field is optional and the data returned is not guaranteed to conform to any schema except that defined by the reason type.'),
    kind: field(STRING, D1),
    message: field(STRING, 'A human-readable description of the status of this operation.'),
    metadata: field(ref('meta.ListMeta'), D3, { default: {} }),
    reason: field(STRING, 'A machine-readable description of why this operation is in the "Failure" status. If this value is empty there is no information available. A Reason clarifies an HTTP status code but does not override it.'),
    status: field(STRING, 'Status of the operation. One of: "Success" or "Failure". More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status'),
  }, { kind: 'Status' }),
  'meta.StatusCause': definition('StatusCause provides more information about an api.Status failure, including cases when multiple errors are encountered.', {
    field: field(STRING, 'The field of the resource that has caused this error, as named by its JSON serialization. May include dot and postfix notation for nested attributes. Arrays are zero-indexed.  Fields may appear more than once in an array of causes due to fields having multiple errors. Optional.\n\nExamples:\n  "name" - the field "name" on the current resource\n  "items[0].name" - the field "name" on the first array entry in "items"'),
    message: field(STRING, 'A human-readable description of the cause of the error.  This field may be presented as-is to a reader.'),
    reason: field(STRING, 'A machine-readable description of the cause of the error. If this value is empty there is no information available.'),
  }),
  'meta.StatusDetails': definition('StatusDetails is a set of additional properties that MAY be set by the server to provide additional information about a response. The Reason field of a Status object defines what attributes will be set. Clients must ignore fields that do not match the defined type of each attribute, and should assume that any attribute may be empty, invalid, or under defined.', {
    causes: field(listOf(ref('meta.StatusCause')), 'The Causes array includes more details associated with the StatusReason failure. Not all StatusReasons may provide detailed causes.', { extensions: {'x-kubernetes-list-type': 'atomic'} }),
    group: field(STRING, 'The group attribute of the resource associated with the status StatusReason.'),
    kind: field(STRING, 'The kind attribute of the resource associated with the status StatusReason. On some operations may differ from the requested resource Kind. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds'),
    name: field(STRING, 'The name attribute of the resource associated with the status StatusReason (when there is a single name which can be described).'),
    retryAfterSeconds: field(INT32, 'If specified, the time in seconds before the operation should be retried. Some errors may indicate the client must take an alternate action - for those errors this field may indicate how long to wait before taking the alternate action.'),
    uid: field(STRING, 'UID of the resource. (when there is a single resource which can be described). More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#uids'),
  }),
  'meta.Time': definition('Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON.  Wrappers are provided for many of the factory methods that the time package offers.', {
  }, { format: 'date-time', type: 'string' }),
  'meta.WatchEvent': definition('Event represents a single event to a watched resource.', {
    object: field(ref('runtime.RawExtension'), 'Object is:\n * If Type is Added or Modified: the new state of the object.\n * If Type is Deleted: the state of the object immediately before deletion.\n * If Type is Error: *Status is recommended; other types may make sense\n   depending on context.'),
    type: field(STRING, '', { default: '' }),
  }, { required: ['type', 'object'], kind: 'WatchEvent' }),
  'runtime.RawExtension': definition('RawExtension is used to hold extensions in external versions.\n\nTo use this, make a field which has RawExtension as its type in your external, versioned struct, and Object in your internal struct. You also need to register your various plugin types.\n\n// Internal package:\n\n\ttype MyAPIObject struct {\n\t\truntime.TypeMeta `json:""`\n\t\tMyPlugin runtime.Object `json:"myPlugin"`\n\t}\n\n\ttype PluginA struct {\n\t\tAOption string `json:"aOption"`\n\t}\n\n// External package:\n\n\ttype MyAPIObject struct {\n\t\truntime.TypeMeta `json:""`\n\t\tMyPlugin runtime.RawExtension `json:"myPlugin"`\n\t}\n\n\ttype PluginA struct {\n\t\tAOption string `json:"aOption"`\n\t}\n\n// On the wire, the JSON will look something like this:\n\n\t{\n\t\t"kind":"MyAPIObject",\n\t\t"apiVersion":"v1",\n\t\t"myPlugin": {\n\t\t\t"kind":"PluginA",\n\t\t\t"aOption":"foo",\n\t\t},\n\t}\n\nSo what happens? Decode first uses json or yaml to unmarshal the serialized data into your external MyAPIObject. That causes the raw JSON to be stored, but not unpacked. The next step is to copy (using pkg/conversion) into the internal struct. The runtime package\'s DefaultScheme has conversion functions installed which will unpack the JSON stored in RawExtension, turning it into the correct object type, and storing it in the Object. (TODO: In the case where the object is of an unknown type, a runtime.Unknown object will be created and stored.)', {
  }),
};
