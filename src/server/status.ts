/**
 * `metav1.Status` objects with kube-apiserver's shapes and texts (apimachinery
 * `pkg/api/errors/errors.go`, `pkg/util/validation/field/errors.go`, apiserver
 * `pkg/endpoints/handlers/negotiation/errors.go`, `pkg/storage/errors.go`). Field order follows
 * the Go struct order so the JSON reads like the real thing.
 */

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface KubeStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** An error that the HTTP layer answers with its Status (or, inside a watch, an ERROR event). */
export class ApiStatusError extends Error {
  readonly status: KubeStatus;
  constructor(status: KubeStatus) {
    super(status.message ?? status.reason ?? `HTTP ${status.code}`);
    this.name = 'ApiStatusError';
    this.status = status;
  }
}

export function failure(code: number, reason: string, message: string, details?: StatusDetails): KubeStatus {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

/**
 * The Success Status kube-apiserver answers a delete with when the registry does not set
 * ReturnDeletedObject (configmaps do not; pods and service accounts do):
 * `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","details":{"name":..,"kind":"configmaps","uid":..}}`.
 */
export function deleted(resource: string, name: string, uid: string | undefined): KubeStatus {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name, kind: resource, ...(uid ? { uid } : {}) },
    code: 200,
  };
}

/** `{"kind":"Status",...,"message":"Unauthorized","reason":"Unauthorized","code":401}`, no details. */
export function unauthorized(): KubeStatus {
  return failure(401, 'Unauthorized', 'Unauthorized');
}

/** apiserver's NotFoundHandler for unknown paths: note the empty `details: {}`. */
export function pathNotFound(): KubeStatus {
  return failure(404, 'NotFound', 'the server could not find the requested resource', {});
}

/** `errors.NewNotFound(resource, name)`: `configmaps "x" not found`; details.kind is the resource. */
export function notFound(resource: string, name: string): KubeStatus {
  return failure(404, 'NotFound', `${resource} "${name}" not found`, { name, kind: resource });
}

export function alreadyExists(resource: string, name: string): KubeStatus {
  return failure(409, 'AlreadyExists', `${resource} "${name}" already exists`, { name, kind: resource });
}

/** `errors.NewConflict` with the registry's optimistic-concurrency text (`registry/generic/registry/store.go`). */
export function conflict(resource: string, name: string, why = OPTIMISTIC_LOCK_MESSAGE): KubeStatus {
  return failure(409, 'Conflict', `Operation cannot be fulfilled on ${resource} "${name}": ${why}`, {
    name,
    kind: resource,
  });
}

export const OPTIMISTIC_LOCK_MESSAGE = 'the object has been modified; please apply your changes to the latest version and try again';

export function forbidden(resource: string, name: string, why: string): KubeStatus {
  return failure(403, 'Forbidden', `${resource} "${name}" is forbidden: ${why}`, { name, kind: resource });
}

export function badRequest(message: string): KubeStatus {
  return failure(400, 'BadRequest', message);
}

export function methodNotAllowed(): KubeStatus {
  return failure(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
}

/** `negotiation.NewNotAcceptableError`. */
export function notAcceptable(accepted: readonly string[]): KubeStatus {
  return failure(406, 'NotAcceptable', `only the following media types are accepted: ${accepted.join(', ')}`);
}

/** `negotiation.NewUnsupportedMediaTypeError`, with a hint appended for the cases we know. */
export function unsupportedMediaType(accepted: readonly string[], hint?: string): KubeStatus {
  const base = `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`;
  return failure(415, 'UnsupportedMediaType', hint ? `${base} (${hint})` : base);
}

export function requestEntityTooLarge(limitBytes: number): KubeStatus {
  return failure(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limitBytes}`);
}

export function internalError(message: string): KubeStatus {
  return failure(500, 'InternalError', `Internal error occurred: ${message}`, {
    causes: [{ message }],
  });
}

/** `errors.NewResourceExpired`: 410 Expired, no details (cacher `getAllEventsSinceLocked`). */
export function resourceExpired(message: string): KubeStatus {
  return failure(410, 'Expired', message);
}

/**
 * `storage.NewTooLargeResourceVersionError(rv, current, 1)` = `errors.NewTimeoutError` plus a
 * ResourceVersionTooLarge cause (`pkg/storage/errors.go`).
 */
export function tooLargeResourceVersion(requestedRv: number, currentRv: number, retryAfterSeconds = 1): KubeStatus {
  return failure(504, 'Timeout', `Timeout: Too large resource version: ${requestedRv}, current: ${currentRv}`, {
    causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
    retryAfterSeconds,
  });
}

/** One `field.Error`, rendered as `field.Error.Error()` does. */
export interface FieldError {
  type: 'Forbidden' | 'Required' | 'Invalid' | 'NotSupported';
  field: string;
  /** Only for Invalid/NotSupported. */
  badValue?: string;
  detail: string;
}

const FIELD_ERROR_TYPE_TEXT: Record<FieldError['type'], string> = {
  Forbidden: 'Forbidden',
  Required: 'Required value',
  Invalid: 'Invalid value',
  NotSupported: 'Unsupported value',
};

const FIELD_ERROR_CAUSE_TYPE: Record<FieldError['type'], string> = {
  Forbidden: 'FieldValueForbidden',
  Required: 'FieldValueRequired',
  Invalid: 'FieldValueInvalid',
  NotSupported: 'FieldValueNotSupported',
};

/** `field.Error.ErrorBody()`: Forbidden/Required omit the value; others print it quoted. */
export function fieldErrorBody(err: FieldError): string {
  let body = FIELD_ERROR_TYPE_TEXT[err.type];
  if ((err.type === 'Invalid' || err.type === 'NotSupported') && err.badValue !== undefined) {
    body += `: ${JSON.stringify(err.badValue)}`;
  }
  if (err.detail) body += `: ${err.detail}`;
  return body;
}

export function fieldErrorString(err: FieldError): string {
  return `${err.field}: ${fieldErrorBody(err)}`;
}

/** `field.NotSupported`'s detail: `supported values: "A", "B"`. */
export function notSupportedDetail(supported: readonly string[]): string {
  return `supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`;
}

/**
 * `errors.NewInvalid(groupKind, name, errs)`: 422, message `<Kind>.<group> "<name>" is invalid: <aggregate>`
 * where the aggregate is the single error, or `[e1, e2]` for several (`utilerrors.NewAggregate`,
 * which also drops duplicate messages).
 */
export function invalid(group: string, kind: string, name: string, errs: readonly FieldError[]): KubeStatus {
  const qualified = group ? `${kind}.${group}` : kind;
  const messages = [...new Set(errs.map(fieldErrorString))];
  const aggregate = messages.length === 1 ? messages[0] : `[${messages.join(', ')}]`;
  const message = messages.length === 0 ? `${qualified} "${name}" is invalid` : `${qualified} "${name}" is invalid: ${aggregate}`;
  const details: StatusDetails = {};
  if (name) details.name = name;
  if (group) details.group = group;
  details.kind = kind;
  details.causes = errs.map((e) => ({ reason: FIELD_ERROR_CAUSE_TYPE[e.type], message: fieldErrorBody(e), field: e.field }));
  return failure(422, 'Invalid', message, details);
}
