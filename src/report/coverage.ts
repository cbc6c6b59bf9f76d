/**
 * What a run could not test: the watches and LISTs whose answer says nothing about the server's
 * watch behaviour (401/403/407, 404/405/408/429/5xx, no response head), and the checks that were
 * skipped where those requests belonged. A run with such requests and no failing finding is
 * INCONCLUSIVE: a CI gate must not pass when nothing (or only part of the plan) was tested.
 * Pure: record and check results in, plain data out.
 */
import type { CheckResult } from '../checks/types.js';
import {
  UNTESTED_ANSWERS,
  answerOfList,
  answerOfStream,
  collectionOfPath,
  describePermission,
  groupOfApiVersion,
  missingPermissionOf,
  type MissingPermission,
} from '../record/answers.js';
import type { RunRecord } from '../record/timeline.js';

/** One watch or LIST that got no usable answer. */
export interface UntestedRequest {
  /** The stream's or LIST's id, e.g. "watch-list#1", "list#1". */
  id: string;
  kind: 'watch' | 'list';
  scenario: string;
  /** denied: 401/403/407; error: 404/405/408/429/5xx/other; no-response: no response head. */
  outcome: 'denied' | 'error' | 'no-response';
  status: number | null;
  /** Status reason ("Forbidden") or HTTP reason phrase; for no response the close reason or error code. */
  reason: string | null;
  /** Status message, quoted body, or transport error. */
  message: string | null;
  /** On a 403: the RBAC permission the credentials lack (from kube-apiserver's message, else the request). */
  missingPermission: MissingPermission | null;
  /** no-response only: ms watchmark waited for the response head. */
  waitedMs: number | null;
}

export interface Untested {
  requests: UntestedRequest[];
  /** Checks skipped in a scenario where requests went untested, with the check's skip reason. */
  checks: Array<{ id: string; scenarios: string[]; reason: string }>;
}

/** Every watch and LIST of the record whose answer leaves it untested, streams first, in record order. */
export function untestedRequests(record: RunRecord): UntestedRequest[] {
  const out: UntestedRequest[] = [];
  for (const stream of record.streams) {
    const answer = answerOfStream(stream, record.endedAtMs);
    if (!UNTESTED_ANSWERS.has(answer.kind)) continue;
    const { watched, namespace } = stream.request;
    out.push({
      id: stream.id,
      kind: 'watch',
      scenario: stream.scenario,
      outcome: answer.kind as UntestedRequest['outcome'],
      status: answer.status,
      reason: answer.reason,
      message: answer.message,
      missingPermission: missingPermissionOf(answer, {
        verb: 'watch',
        resource: watched.resource,
        group: groupOfApiVersion(watched.apiVersion),
        namespace: namespace ?? null,
      }),
      waitedMs: answer.waitedMs === null ? null : Math.round(answer.waitedMs),
    });
  }
  for (const list of record.lists) {
    const answer = answerOfList(list);
    if (!UNTESTED_ANSWERS.has(answer.kind)) continue;
    const collection = collectionOfPath(list.path);
    out.push({
      id: list.id,
      kind: 'list',
      scenario: list.scenario,
      outcome: answer.kind as UntestedRequest['outcome'],
      status: answer.status,
      reason: answer.reason,
      message: answer.message,
      missingPermission: missingPermissionOf(answer, {
        verb: 'list',
        resource: collection?.resource ?? null,
        group: collection?.group ?? null,
        namespace: collection?.namespace ?? null,
      }),
      waitedMs: answer.waitedMs === null ? null : Math.round(answer.waitedMs),
    });
  }
  return out;
}

/**
 * The checks that did not run while requests went untested: skipped in every scenario, and in at
 * least one scenario with an untested watch (an untested LIST is shared by the whole run, so it
 * counts for every scenario; reports without scenarios, e.g. observe's, count every skip). The
 * reason is the check's own skip summary, which says whether the untested requests are why (e.g.
 * "watch-list#1: HTTP 403") or the plan had nothing for it (e.g. "no watch-list stream"): which
 * checks an unanswered request would have fed cannot be known. Checks that ran on the answered
 * streams are not listed: their results stand for those streams.
 */
export function checksNotRun(
  requests: readonly UntestedRequest[],
  checks: readonly CheckResult[],
  scenarios: ReadonlyArray<{ name: string; checks: ReadonlyArray<{ id: string; status: CheckResult['status'] }> }>,
): Untested['checks'] {
  if (requests.length === 0) return [];
  const listUntested = requests.some((r) => r.kind === 'list');
  const affected = new Set(requests.filter((r) => r.kind === 'watch').map((r) => r.scenario));
  const out: Untested['checks'] = [];
  for (const check of checks) {
    if (check.status !== 'skip') continue;
    const skippedIn = scenarios.filter((s) => (listUntested || affected.has(s.name)) && s.checks.find((c) => c.id === check.id)?.status === 'skip');
    if (scenarios.length > 0 && skippedIn.length === 0) continue;
    out.push({ id: check.id, scenarios: skippedIn.map((s) => s.name), reason: check.summary });
  }
  return out;
}

/** Untested requests with the same answer, for renderers: one line per group instead of one per request. */
export interface UntestedGroup {
  kind: UntestedRequest['kind'];
  outcome: UntestedRequest['outcome'];
  status: number | null;
  reason: string | null;
  message: string | null;
  missingPermission: MissingPermission | null;
  ids: string[];
  /** no-response only: the shortest and longest wait, ms. */
  waitedMs: { min: number; max: number } | null;
}

export function untestedGroups(requests: readonly UntestedRequest[]): UntestedGroup[] {
  const groups = new Map<string, UntestedGroup>();
  for (const r of requests) {
    const key = JSON.stringify([r.kind, r.outcome, r.status, r.reason, r.message, r.missingPermission]);
    let group = groups.get(key);
    if (group === undefined) {
      group = { kind: r.kind, outcome: r.outcome, status: r.status, reason: r.reason, message: r.message, missingPermission: r.missingPermission, ids: [], waitedMs: null };
      groups.set(key, group);
    }
    group.ids.push(r.id);
    if (r.waitedMs !== null) {
      group.waitedMs = group.waitedMs === null ? { min: r.waitedMs, max: r.waitedMs } : { min: Math.min(group.waitedMs.min, r.waitedMs), max: Math.max(group.waitedMs.max, r.waitedMs) };
    }
  }
  return [...groups.values()];
}

/**
 * One line per group: `19 watches (watch-list#1, watch#1, watch#2 and 16 more): HTTP 403 Forbidden:
 * <message>; missing RBAC permission: watch on configmaps in namespace ns`.
 */
export function describeUntestedGroup(group: UntestedGroup, maxIds = 3): string {
  const noun = group.kind === 'watch' ? (group.ids.length === 1 ? 'watch' : 'watches') : group.ids.length === 1 ? 'LIST' : 'LISTs';
  const ids = group.ids.length <= maxIds ? group.ids.join(', ') : `${group.ids.slice(0, maxIds).join(', ')} and ${group.ids.length - maxIds} more`;
  const waited =
    group.waitedMs === null
      ? ''
      : group.waitedMs.min === group.waitedMs.max
        ? ` after ${seconds(group.waitedMs.max)}`
        : ` after ${seconds(group.waitedMs.min)} to ${seconds(group.waitedMs.max)}`;
  const answer =
    group.status !== null
      ? `HTTP ${group.status}${group.reason ? ` ${group.reason}` : ''}${group.message ? `: ${group.message}` : ''}`
      : group.message === null
        ? `no response head${waited} (still waiting when observation ended)`
        : `no response${waited}: ${group.reason ? `${group.reason}: ` : ''}${group.message}`;
  const permission = group.missingPermission === null ? '' : `; missing RBAC permission: ${describePermission(group.missingPermission)}`;
  const unauthorized = group.status === 401 ? '; the credentials were not accepted (authentication, not RBAC)' : '';
  return `${group.ids.length} ${noun} (${ids}): ${answer}${permission}${unauthorized}`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
