/**
 * The request side of server-side apply (`PATCH` with `Content-Type: application/apply-patch+yaml`):
 * patch options and the applied configuration, checked in kube-apiserver's order and with its
 * Status texts (apiserver pkg/endpoints/handlers/patch.go, rest.go; apimachinery
 * pkg/apis/meta/v1/validation ValidatePatchOptions). Pure.
 *
 * kubectl 1.27 .. 1.33 send the configuration as JSON (a subset of YAML) with
 * `?fieldManager=kubectl&fieldValidation=Strict&force=false`; YAML is accepted too.
 */
import { parse as parseYaml } from 'yaml';
import type { ResourceDef } from './resources.js';
import { ApplyConflictError } from './managed-fields.js';
import { ApiStatusError, badRequest, failure, invalid } from './status.js';

export interface ApplyRequest {
  config: Record<string, unknown>;
  fieldManager: string;
  force: boolean;
}

/**
 * kube-apiserver's field manager name for a write without `fieldManager`: the User-Agent up to its
 * first "/", printable characters only, at most 128 (handlers/rest.go prefixFromUserAgent).
 */
export function fieldManagerOf(query: URLSearchParams, userAgent: string | undefined): string {
  const given = query.get('fieldManager');
  if (given !== null) return given;
  return [...(userAgent ?? '').split('/')[0]!].filter((c) => !/\p{C}/u.test(c)).join('').slice(0, 128);
}

/** `PatchOptions.meta.k8s.io "" is invalid: ...` (422), as ValidatePatchOptions answers. */
function invalidPatchOptions(type: 'Required' | 'Forbidden', field: string, detail: string): ApiStatusError {
  return new ApiStatusError(invalid('meta.k8s.io', 'PatchOptions', '', [{ type, field, detail }]));
}

/** Non-apply patches: `force` is refused (422) as kube-apiserver does. */
export function checkNonApplyPatchOptions(query: URLSearchParams): void {
  if (query.has('force')) throw invalidPatchOptions('Forbidden', 'force', 'may not be specified for non-apply patch');
}

/** Validates an apply request and decodes its configuration (YAML or JSON). */
export function parseApplyRequest(def: ResourceDef, raw: string, query: URLSearchParams, pathNamespace: string | undefined, pathName: string): ApplyRequest {
  const fieldManager = query.get('fieldManager');
  if (fieldManager === null || fieldManager === '') throw invalidPatchOptions('Required', 'fieldManager', 'is required for apply patch');
  let config: unknown;
  try {
    config = parseYaml(raw);
  } catch (err) {
    throw new ApiStatusError(badRequest(`error encoding patch: yaml: ${firstLine((err as Error).message)}`));
  }
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    const got = Array.isArray(config) ? 'array' : config === null ? 'null' : typeof config;
    throw new ApiStatusError(
      badRequest(`error decoding patch: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${got} into Go value of type map[string]interface {}`),
    );
  }
  const object = config as Record<string, unknown>;
  const metadata = (object.metadata ?? {}) as Record<string, unknown>;
  if (metadata.managedFields !== undefined && metadata.managedFields !== null) {
    throw new ApiStatusError(badRequest('metadata.managedFields must be nil'));
  }
  // schema.GroupVersionKind.String(): "/v1, Kind=ConfigMap" for the core group.
  const apiVersion = typeof object.apiVersion === 'string' ? object.apiVersion : '';
  const kind = typeof object.kind === 'string' ? object.kind : '';
  if (apiVersion !== 'v1' || kind !== def.kind) {
    const gv = apiVersion.includes('/') ? apiVersion : `/${apiVersion}`;
    throw new ApiStatusError(badRequest(`invalid object type: ${gv}, Kind=${kind}`));
  }
  const name = typeof metadata.name === 'string' ? metadata.name : '';
  if (name === '') {
    throw new ApiStatusError(badRequest(`the name of the object (${pathName} based on URL) was undeterminable: name must be provided`));
  }
  if (name !== pathName) throw new ApiStatusError(badRequest(`the name of the object (${name}) does not match the name on the URL (${pathName})`));
  const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : '';
  if (def.namespaced && namespace !== '' && namespace !== pathNamespace) {
    throw new ApiStatusError(badRequest('the namespace of the provided object does not match the namespace sent on the request'));
  }
  return { config: object, fieldManager, force: query.get('force') === 'true' };
}

/** A server-side apply conflict as kube's Status: 409 Conflict, one FieldManagerConflict cause per field. */
export function applyConflicts<T>(apply: () => T): T {
  try {
    return apply();
  } catch (err) {
    if (!(err instanceof ApplyConflictError)) throw err;
    const causes = err.conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${c.manager}`, field: c.field }));
    throw new ApiStatusError(failure(409, 'Conflict', err.message, { causes }));
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0]!;
}
