/**
 * Status errors as client-go sees them: what apimachinery's pkg/api/errors (v0.35.0) is to
 * client-go. Parses a metav1.Status from an ERROR event object or a non-200 body and classifies it
 * the way the reflector branches on it (IsTooManyRequests, isExpiredError,
 * isTooLargeResourceVersionError, InternalError). Used by the checks and by the client verdicts.
 */
import { isPlainObject, typeMetaOf } from './accessors.js';

export interface StatusInfo {
  code?: number;
  reason?: string;
  message?: string;
  causes: Array<{ reason?: string; message?: string }>;
}

/** apimachinery errors.go knownReasons (StatusReasonUnknown excluded). */
const KNOWN_REASONS = new Set([
  'Unauthorized', 'Forbidden', 'NotFound', 'AlreadyExists', 'Conflict', 'Gone', 'Invalid', 'ServerTimeout',
  'StoreReadError', 'Timeout', 'TooManyRequests', 'BadRequest', 'MethodNotAllowed', 'NotAcceptable',
  'RequestEntityTooLarge', 'UnsupportedMediaType', 'InternalError', 'Expired', 'ServiceUnavailable',
]);

/**
 * An ERROR event object as client-go's apierrors.FromObject sees it: a Status (kind Status,
 * apiVersion v1 or meta.k8s.io/v1) becomes a StatusError, anything else an UnexpectedObjectError (null).
 */
export function statusOfErrorObject(object: unknown): StatusInfo | null {
  if (!isPlainObject(object)) return null;
  const { kind, apiVersion } = typeMetaOf(object);
  if (kind !== 'Status' || (apiVersion !== 'v1' && apiVersion !== 'meta.k8s.io/v1')) return null;
  return statusFields(object);
}

function statusFields(object: Record<string, unknown>): StatusInfo {
  const details = object['details'];
  const rawCauses = isPlainObject(details) && Array.isArray(details['causes']) ? details['causes'] : [];
  const causes = rawCauses.filter(isPlainObject).map((cause) => ({
    ...(typeof cause['reason'] === 'string' ? { reason: cause['reason'] } : {}),
    ...(typeof cause['message'] === 'string' ? { message: cause['message'] } : {}),
  }));
  return {
    ...(typeof object['code'] === 'number' ? { code: object['code'] } : {}),
    ...(typeof object['reason'] === 'string' ? { reason: object['reason'] } : {}),
    ...(typeof object['message'] === 'string' ? { message: object['message'] } : {}),
    causes,
  };
}

/** A non-200 response as client-go's Request.Watch turns it into an error: the body's Status, else the code. */
export function statusOfResponse(status: number, body: string | undefined): StatusInfo {
  if (body !== undefined) {
    try {
      const parsed: unknown = JSON.parse(body);
      if (isPlainObject(parsed) && parsed['kind'] === 'Status') return { code: status, ...statusFields(parsed) };
    } catch {
      // not a Status body: client-go falls back to a generic error with the HTTP code
    }
  }
  return { code: status, causes: [] };
}

export type StatusErrorClass = 'too-many-requests' | 'expired' | 'too-large' | 'internal' | 'other';

/**
 * How the reflector treats a Status error: IsTooManyRequests (reason or code 429), isExpiredError
 * (reason Expired/Gone, or 410 with an unknown reason), isTooLargeResourceVersionError (cause
 * ResourceVersionTooLarge, or a Timeout mentioning "Too large resource version").
 */
export function classifyStatus(status: StatusInfo): StatusErrorClass {
  const reason = status.reason ?? '';
  if (reason === 'TooManyRequests' || status.code === 429) return 'too-many-requests';
  if (reason === 'Expired' || reason === 'Gone' || (!KNOWN_REASONS.has(reason) && status.code === 410)) return 'expired';
  if (status.causes.some((cause) => cause.reason === 'ResourceVersionTooLarge')) return 'too-large';
  const isTimeout = reason === 'Timeout' || (!KNOWN_REASONS.has(reason) && status.code === 504);
  if (
    isTimeout &&
    (status.causes.some((cause) => cause.message === 'Too large resource version') ||
      (status.message ?? '').includes('Too large resource version'))
  ) {
    return 'too-large';
  }
  if (reason === 'InternalError' || (!KNOWN_REASONS.has(reason) && status.code === 500)) return 'internal';
  return 'other';
}

/** A Status for messages: `410 Expired "too old resource version"`, or what it is when it is not one. */
export function describeStatus(status: StatusInfo | null): string {
  if (status === null) return 'an object that is not a metav1.Status';
  const parts = [status.code !== undefined ? `${status.code}` : undefined, status.reason, status.message ? `"${status.message}"` : undefined];
  return parts.filter((part) => part !== undefined && part !== '').join(' ') || 'an empty Status';
}
