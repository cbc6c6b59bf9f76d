/**
 * The OpenAPI paths of the embedded server, derived from the served resources (resources.ts: kind,
 * scope, verbs) and the routes it answers (routes.ts), with kube-apiserver's operation ids,
 * actions and query parameters (k8s.io/apiserver pkg/endpoints/installer.go). Declares only what
 * the server answers: a verb a resource does not list has no operation. Pure.
 */
import type { DefinitionName } from './openapi-model.js';
import { RESOURCES, type ResourceDef } from './resources.js';

export interface ParameterModel {
  name: string;
  in: 'query' | 'path';
  type: 'string' | 'boolean' | 'integer';
  description: string;
  required?: boolean;
}

export type HttpMethod = 'get' | 'put' | 'post' | 'patch' | 'delete';

export interface ResponseModel {
  code: string;
  description: string;
  schema?: DefinitionName;
}

export interface OperationModel {
  method: HttpMethod;
  operationId: string;
  description: string;
  /** x-kubernetes-action */
  action: 'get' | 'list' | 'post' | 'put' | 'patch' | 'delete' | 'watch' | 'watchlist';
  kind: string;
  parameters: readonly ParameterModel[];
  body?: { schema: DefinitionName; mediaTypes: readonly string[]; required: boolean };
  /** Media types the answer comes in (Swagger's `produces`, OpenAPI v3's response content). */
  produces: readonly string[];
  responses: readonly ResponseModel[];
}

export interface PathModel {
  path: string;
  parameters: readonly ParameterModel[];
  operations: readonly OperationModel[];
}

const query = (name: string, type: ParameterModel['type'], description: string): ParameterModel => ({ name, in: 'query', type, description });

const PRETTY = query('pretty', 'string', "If 'true', then the output is pretty printed.");
const DRY_RUN = query('dryRun', 'string', 'When present, indicates that modifications should not be persisted. Valid values are: - All: all dry run stages will be processed');
const FIELD_MANAGER = query('fieldManager', 'string', 'fieldManager is a name associated with the actor or entity that is making these changes.');
const FIELD_VALIDATION = query(
  'fieldValidation',
  'string',
  'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: Ignore, Warn (the default) and Strict.',
);
const FORCE = query('force', 'boolean', 'Force is going to "force" Apply requests. Force flag must be unset for non-apply patch requests.');

/** The list/watch options (metav1.ListOptions) the server reads (watch-request.ts). */
const LIST_PARAMETERS: readonly ParameterModel[] = [
  query('allowWatchBookmarks', 'boolean', 'allowWatchBookmarks requests watch events with type "BOOKMARK".'),
  query('continue', 'string', 'The continue option should be set when retrieving more results from the server.'),
  query('fieldSelector', 'string', 'A selector to restrict the list of returned objects by their fields. Defaults to everything.'),
  query('labelSelector', 'string', 'A selector to restrict the list of returned objects by their labels. Defaults to everything.'),
  query('limit', 'integer', 'limit is a maximum number of responses to return for a list call.'),
  query('resourceVersion', 'string', 'resourceVersion sets a constraint on what resource versions a request may be served from.'),
  query('resourceVersionMatch', 'string', 'resourceVersionMatch determines how resourceVersion is applied to list calls.'),
  query('sendInitialEvents', 'boolean', '`sendInitialEvents=true` may be set together with `watch=true`: the stream begins with the current state, ended by an annotated bookmark.'),
  query('timeoutSeconds', 'integer', 'Timeout for the list/watch call. This limits the duration of the call, regardless of any activity or inactivity.'),
  query('watch', 'boolean', 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications. Specify resourceVersion.'),
];

const DELETE_PARAMETERS: readonly ParameterModel[] = [
  DRY_RUN,
  query('gracePeriodSeconds', 'integer', 'The duration in seconds before the object should be deleted.'),
  query('ignoreStoreReadErrorWithClusterBreakingPotential', 'boolean', 'if set to true, it will trigger an unsafe deletion of the resource in case the normal deletion flow fails with a corrupt object error.'),
  query('orphanDependents', 'boolean', 'Deprecated: please use the PropagationPolicy. Should the dependent objects be orphaned.'),
  query('propagationPolicy', 'string', "Whether and how garbage collection will be performed: 'Orphan', 'Background' or 'Foreground'."),
];

const NAMESPACE_PATH: ParameterModel = { name: 'namespace', in: 'path', type: 'string', description: 'object name and auth scope, such as for teams and projects', required: true };
const namePath = (def: ResourceDef): ParameterModel => ({ name: 'name', in: 'path', type: 'string', description: `name of the ${def.kind}`, required: true });

/** What the server answers in (JSON only; watches are JSON streams). */
export const OBJECT_MEDIA_TYPES = ['application/json'] as const;
export const STREAM_MEDIA_TYPES = ['application/json', 'application/json;stream=watch'] as const;
/** The patch types the server applies (handlers.ts applyPatch); server-side apply is refused. */
export const PATCH_BODY_MEDIA_TYPES = ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'] as const;

const UNAUTHORIZED: ResponseModel = { code: '401', description: 'Unauthorized' };

function kindSchema(def: ResourceDef): DefinitionName {
  return `core.${def.kind}` as DefinitionName;
}

function listSchema(def: ResourceDef): DefinitionName {
  return `core.${def.listKind}` as DefinitionName;
}

/** installer.go's operation names: list/create/read/replace/patch/delete + CoreV1 + [Namespaced] + Kind [+ suffix]. */
function operationId(verb: string, def: ResourceDef, suffix = ''): string {
  return `${verb}CoreV1${def.namespaced ? 'Namespaced' : ''}${def.kind}${suffix}`;
}

function collectionOperations(def: ResourceDef): OperationModel[] {
  const ops: OperationModel[] = [];
  const base = { kind: def.kind };
  if (def.verbs.includes('list')) {
    ops.push({
      ...base,
      method: 'get',
      operationId: operationId('list', def),
      description: `list or watch objects of kind ${def.kind}`,
      action: 'list',
      parameters: LIST_PARAMETERS,
      produces: STREAM_MEDIA_TYPES,
      responses: [{ code: '200', description: 'OK', schema: listSchema(def) }, UNAUTHORIZED],
    });
  }
  if (def.verbs.includes('create')) {
    const schema = kindSchema(def);
    ops.push({
      ...base,
      method: 'post',
      operationId: operationId('create', def),
      description: `create a ${def.kind}`,
      action: 'post',
      parameters: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION],
      body: { schema, mediaTypes: ['*/*'], required: true },
      produces: OBJECT_MEDIA_TYPES,
      responses: [
        { code: '200', description: 'OK', schema },
        { code: '201', description: 'Created', schema },
        { code: '202', description: 'Accepted', schema },
        UNAUTHORIZED,
      ],
    });
  }
  return ops;
}

function objectOperations(def: ResourceDef): OperationModel[] {
  const schema = kindSchema(def);
  const base = { kind: def.kind, produces: OBJECT_MEDIA_TYPES };
  const written = [{ code: '200', description: 'OK', schema }, { code: '201', description: 'Created', schema }, UNAUTHORIZED];
  const ops: OperationModel[] = [];
  if (def.verbs.includes('get')) {
    ops.push({ ...base, method: 'get', operationId: operationId('read', def), description: `read the specified ${def.kind}`, action: 'get', parameters: [], responses: [{ code: '200', description: 'OK', schema }, UNAUTHORIZED] });
  }
  if (def.verbs.includes('update')) {
    ops.push({
      ...base,
      method: 'put',
      operationId: operationId('replace', def),
      description: `replace the specified ${def.kind}`,
      action: 'put',
      parameters: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION],
      body: { schema, mediaTypes: ['*/*'], required: true },
      responses: written,
    });
  }
  if (def.verbs.includes('patch')) {
    ops.push({
      ...base,
      method: 'patch',
      operationId: operationId('patch', def),
      description: `partially update the specified ${def.kind}`,
      action: 'patch',
      parameters: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION, FORCE],
      body: { schema: 'meta.Patch', mediaTypes: PATCH_BODY_MEDIA_TYPES, required: true },
      responses: written,
    });
  }
  if (def.verbs.includes('delete')) {
    ops.push({
      ...base,
      method: 'delete',
      operationId: operationId('delete', def),
      description: `delete a ${def.kind}`,
      action: 'delete',
      parameters: DELETE_PARAMETERS,
      body: { schema: 'meta.DeleteOptions', mediaTypes: ['*/*'], required: false },
      responses: [{ code: '200', description: 'OK', schema: 'meta.Status' }, { code: '202', description: 'Accepted', schema: 'meta.Status' }, UNAUTHORIZED],
    });
  }
  return ops;
}

function watchOperation(def: ResourceDef, single: boolean, allNamespaces = false): OperationModel {
  return {
    method: 'get',
    kind: def.kind,
    operationId: single ? operationId('watch', def) : allNamespaces ? `watchCoreV1${def.kind}ListForAllNamespaces` : operationId('watch', def, 'List'),
    description: single
      ? `watch changes to an object of kind ${def.kind}. deprecated: use the 'watch' parameter with a list operation instead, filtered to a single item with the 'fieldSelector' parameter.`
      : `watch individual changes to a list of ${def.kind}. deprecated: use the 'watch' parameter with a list operation instead.`,
    action: single ? 'watch' : 'watchlist',
    parameters: [],
    produces: STREAM_MEDIA_TYPES,
    responses: [{ code: '200', description: 'OK', schema: 'meta.WatchEvent' }, UNAUTHORIZED],
  };
}

/** The paths routes.ts answers for one resource, in kube-apiserver's order. */
function resourcePaths(def: ResourceDef): PathModel[] {
  const scope = def.namespaced ? `/namespaces/{namespace}/${def.resource}` : `/${def.resource}`;
  const scopeParams = def.namespaced ? [NAMESPACE_PATH] : [];
  const paths: PathModel[] = [];
  const watches = def.verbs.includes('watch');
  if (def.namespaced && def.verbs.includes('list')) {
    paths.push({
      path: `/api/v1/${def.resource}`,
      parameters: [...LIST_PARAMETERS, PRETTY],
      operations: [{ ...collectionOperations(def)[0]!, operationId: `listCoreV1${def.kind}ForAllNamespaces`, parameters: [] }],
    });
  }
  paths.push({ path: `/api/v1${scope}`, parameters: [...scopeParams, PRETTY], operations: collectionOperations(def) });
  paths.push({ path: `/api/v1${scope}/{name}`, parameters: [namePath(def), ...scopeParams, PRETTY], operations: objectOperations(def) });
  if (watches) {
    if (def.namespaced) paths.push({ path: `/api/v1/watch/${def.resource}`, parameters: [...LIST_PARAMETERS, PRETTY], operations: [watchOperation(def, false, true)] });
    paths.push({ path: `/api/v1/watch${scope}`, parameters: [...LIST_PARAMETERS, ...scopeParams, PRETTY], operations: [watchOperation(def, false)] });
    paths.push({ path: `/api/v1/watch${scope}/{name}`, parameters: [...LIST_PARAMETERS, namePath(def), ...scopeParams, PRETTY], operations: [watchOperation(def, true)] });
  }
  return paths.filter((p) => p.operations.length > 0);
}

/** Every served path of core/v1, sorted as kube-openapi sorts them. */
export const CORE_V1_PATHS: readonly PathModel[] = Object.values(RESOURCES)
  .flatMap(resourcePaths)
  .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
