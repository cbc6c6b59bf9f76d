/**
 * What the server answered to each request of a run, sorted by what the answer says about the
 * server's watch behaviour: a 2xx or a judgement on the request itself (410 Expired, 422 Invalid,
 * any other 4xx about the request) is a result the checks judge; 401/403/407, the errors of a
 * server or proxy that could not serve the request (404, 405, 408, 429, 5xx, anything else), and
 * no answer at all say nothing about it. Pure: a function of the record only.
 */
import { STATUS_CODES } from 'node:http';
import { responseBodyExcerpt } from '../errors.js';
import { closeOf, isPlainObject, responseOf } from './accessors.js';
import type { ListRecord, StreamRecord } from './timeline.js';

/**
 * - `answered`: 2xx;
 * - `rejected`: a 4xx judging the request itself (400, 409, 410 Expired, 422 Invalid, ...): a result;
 * - `denied`: 401 Unauthorized, 403 Forbidden, 407 Proxy Authentication Required: the credentials
 *   (or a proxy in front of the server) did not let the request through;
 * - `error`: the request was not served: 404 (resource not served), 405 (verb not supported), 408,
 *   429 (overloaded / priority and fairness), 5xx, 1xx/3xx;
 * - `no-response`: sent, and no response head arrived (transport error, or still waiting when the
 *   run ended);
 * - `not-opened`: never sent: the resourceVersion it needed was never delivered by another stream
 *   (that stream's answer is judged itself).
 */
export type AnswerKind = 'answered' | 'rejected' | 'denied' | 'error' | 'no-response' | 'not-opened';

/** Answers that leave the request untested: nothing in them is evidence about watch behaviour. */
export const UNTESTED_ANSWERS: ReadonlySet<AnswerKind> = new Set(['denied', 'error', 'no-response']);

export interface RequestAnswer {
  kind: AnswerKind;
  /** HTTP status; null without a response (status 0 of a failed LIST included). */
  status: number | null;
  /** The Status body's reason (e.g. "Forbidden"), else the HTTP reason phrase; for no response the close reason or error code. */
  reason: string | null;
  /** The Status body's message, or a one-line excerpt of a non-Status body (responseBodyExcerpt), or the transport error. */
  message: string | null;
  /** The Status body's `details` (`kind` is the resource, `group` its API group), when present. */
  details: { name?: string; group?: string; kind?: string } | null;
  /** no-response only: ms from sending the request to the transport error, or to the end of observation. */
  waitedMs: number | null;
}

/** A permission the credentials lack, derived from a 403 (the Status message, else the request). */
export interface MissingPermission {
  verb: string;
  resource: string;
  /** API group, "" for the core group. */
  group: string;
  /** null for a cluster-wide request. */
  namespace: string | null;
}

export function answerKindOfStatus(status: number): Exclude<AnswerKind, 'no-response' | 'not-opened'> {
  if (status >= 200 && status <= 299) return 'answered';
  if (status === 401 || status === 403 || status === 407) return 'denied';
  if (status === 404 || status === 405 || status === 408 || status === 429) return 'error';
  if (status >= 400 && status <= 499) return 'rejected';
  return 'error';
}

/** What a watch stream got: its response head, else why it has none. */
export function answerOfStream(stream: StreamRecord, endedAtMs: number): RequestAnswer {
  const response = responseOf(stream);
  if (response !== undefined) return answerOfStatus(response.status, response.body);
  const close = closeOf(stream);
  if (close?.reason === 'not-opened') {
    return { kind: 'not-opened', status: null, reason: 'not-opened', message: close.error?.message ?? null, details: null, waitedMs: null };
  }
  // watchmark giving up on the head (its response-header deadline) is the same evidence as still
  // waiting at the end: the server left the watch unanswered that long.
  const stillWaiting = close === undefined || close.reason === 'client-abort' || close.error?.code === 'WM_HEADERS_TIMEOUT';
  const untilMs = close?.atMs ?? endedAtMs;
  return {
    kind: 'no-response',
    status: null,
    reason: stillWaiting ? 'no response head' : (close.error?.code ?? close.reason),
    message: stillWaiting ? null : (close.error?.message ?? `closed (${close.reason}) before a response head`),
    details: null,
    waitedMs: Math.max(0, untilMs - stream.request.sentAtMs),
  };
}

/** What a LIST got (status 0 is a transport failure, ListRecord.error says which). */
export function answerOfList(list: ListRecord): RequestAnswer {
  if (list.status === 0) {
    return { kind: 'no-response', status: null, reason: 'transport error', message: list.error ?? null, details: null, waitedMs: Math.max(0, list.atMs - list.sentAtMs) };
  }
  const answer = answerOfStatus(list.status, undefined);
  return { ...answer, message: list.error ?? answer.message };
}

function answerOfStatus(status: number, body: string | undefined): RequestAnswer {
  const parsed = statusBody(body);
  return {
    kind: answerKindOfStatus(status),
    status,
    reason: parsed?.reason ?? STATUS_CODES[status] ?? null,
    message: parsed?.message ?? (body !== undefined && body.trim() !== '' ? responseBodyExcerpt(undefined, body) : null),
    details: parsed?.details ?? null,
    waitedMs: null,
  };
}

/** A body that is a metav1.Status: its reason, message and details. */
function statusBody(body: string | undefined): { reason?: string; message?: string; details?: RequestAnswer['details'] } | null {
  if (body === undefined) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return null;
  }
  if (!isPlainObject(parsed) || parsed['kind'] !== 'Status') return null;
  const details = parsed['details'];
  const pick = (key: 'name' | 'group' | 'kind') => (isPlainObject(details) && typeof details[key] === 'string' ? { [key]: details[key] as string } : {});
  return {
    ...(typeof parsed['reason'] === 'string' && parsed['reason'] !== '' ? { reason: parsed['reason'] } : {}),
    ...(typeof parsed['message'] === 'string' && parsed['message'] !== '' ? { message: parsed['message'] } : {}),
    ...(isPlainObject(details) ? { details: { ...pick('name'), ...pick('group'), ...pick('kind') } } : {}),
  };
}

/** "HTTP 403 Forbidden: configmaps is forbidden: ...", "no response head after 10.2 s", for messages. */
export function describeAnswer(answer: RequestAnswer): string {
  if (answer.kind === 'not-opened') return `not opened${answer.message ? `: ${answer.message}` : ''}`;
  if (answer.status === null) {
    const waited = answer.waitedMs !== null ? ` after ${(answer.waitedMs / 1000).toFixed(1)} s` : '';
    return answer.message === null ? `no response head${waited} (still waiting when observation ended)` : `no response${waited}: ${answer.reason ? `${answer.reason}: ` : ''}${answer.message}`;
  }
  return `HTTP ${answer.status}${answer.reason ? ` ${answer.reason}` : ''}${answer.message ? `: ${answer.message}` : ''}`;
}

/**
 * kube-apiserver's authorization error (apiserver pkg/endpoints/handlers/responsewriters/errors.go
 * forbiddenMessage, v0.35.0): `User "u" cannot watch resource "configmaps" in API group "" in the
 * namespace "ns"` (subresources as "configmaps/status").
 */
const FORBIDDEN_MESSAGE = /cannot (\w+) resource "([^"]+)"(?: in API group "([^"]*)")?(?: in the namespace "([^"]*)")?/;

/**
 * The RBAC permission a 403 says is missing: verb, resource, group and namespace from
 * kube-apiserver's message when it has one, else the request's verb (`watch` for a watch, `list`
 * for a LIST) on the requested resource, with the Status details' resource and group when given.
 * null for anything but a 403.
 */
export function missingPermissionOf(
  answer: RequestAnswer,
  request: { verb: 'watch' | 'list'; resource: string | null; group: string | null; namespace: string | null },
): MissingPermission | null {
  if (answer.status !== 403) return null;
  const match = answer.message === null ? null : FORBIDDEN_MESSAGE.exec(answer.message);
  if (match !== null) {
    return { verb: match[1]!, resource: match[2]!, group: match[3] ?? request.group ?? '', namespace: match[4] ?? null };
  }
  const resource = answer.details?.kind ?? request.resource;
  if (resource === null) return null;
  return { verb: request.verb, resource, group: answer.details?.group ?? request.group ?? '', namespace: request.namespace };
}

/** "watch on configmaps in namespace ns", "list on widgets.kinm.test (cluster-wide)". */
export function describePermission(permission: MissingPermission): string {
  const resource = permission.group === '' ? permission.resource : `${permission.resource}.${permission.group}`;
  return `${permission.verb} on ${resource} ${permission.namespace === null ? '(cluster-wide)' : `in namespace ${permission.namespace}`}`;
}

/** The API group of an apiVersion ("v1" -> "", "kinm.test/v1" -> "kinm.test"). */
export function groupOfApiVersion(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** Resource, group and namespace of a collection path (a LIST's), e.g. /apis/g/v1/namespaces/ns/rs?limit=500. */
export function collectionOfPath(path: string): { resource: string; group: string; namespace: string | null } | null {
  const match = /(?:\/api\/v1|\/apis\/([^/]+)\/[^/]+)(?:\/namespaces\/([^/?]+))?\/([^/?]+)(?:\?|$)/.exec(path);
  if (match === null) return null;
  return { resource: match[3]!, group: match[1] ?? '', namespace: match[2] ?? null };
}
