import { DEFAULT_CHECK_PARAMS, type CheckParams, type CheckResult, type Severity } from '../checks/types.js';
import type { ListRecord, RunRecord, StreamRecord } from '../record/timeline.js';
import type { TargetDescription } from '../targets/types.js';
import type { ClientVerdict } from '../verdict/types.js';
import { TOOL } from '../version.js';
import { checksNotRun, untestedRequests, type Untested } from './coverage.js';

export type { Untested, UntestedRequest } from './coverage.js';

/** The JSON report, schema version 1 (documented in the README). Plain data; renderers read only this. */
export interface Report {
  schemaVersion: 1;
  tool: { name: string; version: string };
  target: TargetDescription;
  resource: { name: string; apiVersion: string; kind: string; namespace: string | null } | null;
  config: Record<string, unknown>;
  startedAt: string;
  durationMs: number;
  /**
   * fail: findings at or above --fail-on. Otherwise inconclusive when a watch or LIST got no
   * usable answer (401/403/407, 404/405/408/429/5xx, no response head: see `untested`), else pass.
   */
  verdict: 'pass' | 'fail' | 'inconclusive';
  failOn: 'fail' | 'warn';
  counts: { fail: number; warn: number; info: number };
  checks: CheckResult[];
  /** Each scenario's own check outcomes (the `checks` above combine them: worst status, all findings). */
  scenarios: ScenarioResult[];
  /** The check parameters the checks ran with (see CheckParamsInForce; checkParamsOf picks a scenario's). */
  checkParams: CheckParamsInForce;
  clientGo: ClientVerdict[];
  streams: StreamSummary[];
  lists: ListRecord[];
  workload: { namespace: string | null; writes: number; cleanupProblems: string[] } | null;
  /** What could not be tested and why (empty lists when every request got a usable answer). */
  untested: Untested;
}

/** One scenario's check outcomes (for reports that list checks per scenario, e.g. JUnit). */
export interface ScenarioResult {
  name: string;
  /** The file it came from: scenarios/NAME.yaml for built-ins, else as given. */
  file: string;
  description: string;
  checks: { id: string; status: CheckResult['status']; summary: string }[];
}

/**
 * The check parameters in force. `base`: the defaults with the command line's overrides (what
 * applies where no scenario says otherwise, e.g. observe's single watch); `byScenario`: per
 * scenario that ran, the defaults, then the scenario file's own, then the command line's.
 */
export interface CheckParamsInForce {
  base: CheckParams;
  byScenario: Record<string, CheckParams>;
}

/** The parameters the checks used on a scenario's streams (the report's base ones for a stream outside any scenario). */
export function checkParamsOf(report: Pick<Report, 'checkParams'>, scenario: string): CheckParams {
  const { byScenario, base } = report.checkParams;
  return Object.hasOwn(byScenario, scenario) ? byScenario[scenario]! : base;
}

export interface StreamSummary {
  id: string;
  scenario: string;
  request: { path: string; options: StreamRecord['request']['options'] };
  status: number | null;
  httpVersion: string | null;
  contentType: string | null;
  /** ms since the run started (clock anchor) */
  openedAtMs: number;
  closedAtMs: number | null;
  closeReason: string | null;
  eventCounts: Record<string, number>;
}

export function summarizeStream(stream: StreamRecord): StreamSummary {
  const counts: Record<string, number> = { ADDED: 0, MODIFIED: 0, DELETED: 0, BOOKMARK: 0, ERROR: 0, other: 0, malformed: 0 };
  let status: number | null = null;
  let httpVersion: string | null = null;
  let contentType: string | null = null;
  let closedAtMs: number | null = null;
  let closeReason: string | null = null;
  for (const e of stream.entries) {
    if (e.kind === 'response') {
      status = e.status;
      httpVersion = e.httpVersion;
      contentType = e.contentType;
    } else if (e.kind === 'event') {
      if (e.type in counts && e.type !== 'other' && e.type !== 'malformed') counts[e.type]!++;
      else counts.other!++;
    } else if (e.kind === 'malformed') counts.malformed!++;
    else if (e.kind === 'dropped') counts.malformed! += e.malformedFrames;
    else if (e.kind === 'close') {
      closedAtMs = round(e.atMs);
      closeReason = e.reason;
    }
  }
  return {
    id: stream.id,
    scenario: stream.scenario,
    request: { path: stream.request.path, options: stream.request.options },
    status,
    httpVersion,
    contentType,
    openedAtMs: round(stream.request.sentAtMs),
    closedAtMs,
    closeReason,
    eventCounts: counts,
  };
}

export interface BuildReportInput {
  record: RunRecord;
  checks: CheckResult[];
  scenarios?: ScenarioResult[];
  /** The parameters `checks` ran with; default: DEFAULT_CHECK_PARAMS everywhere (what runChecks(record) uses). */
  checkParams?: CheckParamsInForce;
  clientGo: ClientVerdict[];
  target: Report['target'];
  resource: Report['resource'];
  config: Record<string, unknown>;
  failOn: 'fail' | 'warn';
  startedAtMs: number;
  workload: Report['workload'];
}

/** Derives the report from the record and the check results; no I/O, no clock. */
export function buildReport(input: BuildReportInput): Report {
  const counts = { fail: 0, warn: 0, info: 0 };
  for (const c of input.checks) for (const f of c.findings) counts[f.severity]++;
  const failing = (s: Severity) => s === 'fail' || (input.failOn === 'warn' && s === 'warn');
  const requests = untestedRequests(input.record);
  const scenarios = input.scenarios ?? [];
  // A finding that fails the run is evidence whatever else went untested; without one, untested
  // requests mean the run did not test what a PASS would claim.
  const verdict: Report['verdict'] = input.checks.some((c) => c.findings.some((f) => failing(f.severity)))
    ? 'fail'
    : requests.length > 0
      ? 'inconclusive'
      : 'pass';
  return {
    schemaVersion: 1,
    tool: TOOL,
    target: input.target,
    resource: input.resource,
    config: input.config,
    startedAt: new Date(input.record.anchorWallMs + input.startedAtMs).toISOString(),
    durationMs: round(input.record.endedAtMs - input.startedAtMs),
    verdict,
    failOn: input.failOn,
    counts,
    checks: input.checks,
    scenarios,
    checkParams: input.checkParams ?? { base: { ...DEFAULT_CHECK_PARAMS }, byScenario: {} },
    clientGo: input.clientGo,
    streams: input.record.streams.map(summarizeStream),
    lists: input.record.lists,
    workload: input.workload,
    untested: { requests, checks: checksNotRun(requests, input.checks, scenarios) },
  };
}

/**
 * Exit code for a report: 1 when findings at or above --fail-on exist, else 2 when the run is
 * inconclusive (requests got no usable answer), else 0.
 */
export function exitCodeFor(report: Report): 0 | 1 | 2 {
  return report.verdict === 'fail' ? 1 : report.verdict === 'inconclusive' ? 2 : 0;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
