import { ALL_CHECKS } from '../checks/index.js';
import type { Check, CheckParams, CheckResult, CheckStatus, Finding } from '../checks/types.js';
import type { RunRecord } from '../record/timeline.js';
import type { ScenarioResult } from './model.js';

export type { ScenarioResult };

export interface ScenarioCheckInput {
  name: string;
  file: string;
  description: string;
  /** Parameters from the scenario file. */
  checkParams: Partial<CheckParams>;
}

/**
 * Runs every check once per scenario, on that scenario's streams (the run's LISTs and workload
 * writes are shared: every watch saw every write), with parameters: defaults, then the scenario
 * file's, then the command line's (explicit flags win, as in kubectl). Pure.
 *
 * The per-check result combines the scenarios: the worst status (fail > warn > pass > skip), all
 * findings (each naming its scenario), and the summaries of the scenarios where it ran.
 */
export function runScenarioChecks(
  record: RunRecord,
  scenarios: readonly ScenarioCheckInput[],
  params: { defaults: CheckParams; overrides: Partial<CheckParams> },
  checks: readonly Check[] = ALL_CHECKS,
): { checks: CheckResult[]; scenarios: ScenarioResult[] } {
  const perScenario = scenarios.map((s) => {
    const sub: RunRecord = { ...record, streams: record.streams.filter((stream) => stream.scenario === s.name) };
    const p = scenarioCheckParams(params, s);
    return { scenario: s, results: checks.map((check) => check.run(sub, p)) };
  });
  const combined = checks.map((check, i) =>
    combine(
      check.id,
      perScenario.map(({ scenario, results }) => ({ scenario: scenario.name, result: results[i]! })),
    ),
  );
  return {
    checks: combined,
    scenarios: perScenario.map(({ scenario, results }) => ({
      name: scenario.name,
      file: scenario.file,
      description: scenario.description,
      checks: results.map((r) => ({ id: r.id, status: r.status, summary: r.summary })),
    })),
  };
}

/** A scenario's parameters: defaults, then the scenario file's, then the command line's (explicit flags win). */
export function scenarioCheckParams(params: { defaults: CheckParams; overrides: Partial<CheckParams> }, scenario: Pick<ScenarioCheckInput, 'checkParams'>): CheckParams {
  return { ...params.defaults, ...scenario.checkParams, ...params.overrides };
}

const RANK: Record<CheckStatus, number> = { skip: 0, pass: 1, warn: 2, fail: 3 };

export function combine(id: string, parts: readonly { scenario: string; result: CheckResult }[]): CheckResult {
  if (parts.length === 1) {
    const { scenario, result } = parts[0]!;
    return { ...result, findings: result.findings.map((f) => ({ ...f, scenario })) };
  }
  let status: CheckStatus = 'skip';
  for (const { result } of parts) if (RANK[result.status] > RANK[status]) status = result.status;
  const ran = parts.filter((p) => p.result.status !== 'skip');
  const summary = ran.length === 0 ? skipReasons(parts.map((p) => p.result.summary)) : summarize(ran, status);
  return {
    id,
    status,
    summary,
    findings: dedupeFindings(parts.flatMap(({ scenario, result }) => result.findings.map((f) => ({ ...f, scenario })))),
  };
}

/**
 * A finding about what every scenario shares (the run's LISTs and workload writes, e.g. a reused
 * RV) is found once per scenario: list it once, under the first scenario that found it.
 */
function dedupeFindings(findings: Finding[]): Finding[] {
  const firstScenario = new Map<string, string | undefined>();
  return findings.filter((f) => {
    const key = JSON.stringify([f.severity, f.stream ?? null, f.message, f.evidence]);
    if (!firstScenario.has(key)) {
      firstScenario.set(key, f.scenario);
      return true;
    }
    return firstScenario.get(key) === f.scenario;
  });
}

/** How many scenario summaries a combined summary quotes before it only counts. */
const QUOTED = 2;

/** The summaries of the scenarios with the combined status (the ones that matter), then a count of the rest. */
function summarize(ran: readonly { scenario: string; result: CheckResult }[], status: CheckStatus): string {
  const worst = ran.filter((p) => p.result.status === status);
  const quoted = worst.slice(0, QUOTED).map((p) => `${p.scenario}: ${p.result.summary}`);
  const rest = ran.length - quoted.length;
  return quoted.join('; ') + (rest > 0 ? ` (+${rest} more scenario${rest === 1 ? '' : 's'})` : '');
}

/**
 * Skipped everywhere: the rarest reason first (a scenario-specific one such as "the server still
 * serves RV 1" says more than the "no stream of this kind" every other scenario gives), and how
 * many scenarios gave another one.
 */
function skipReasons(summaries: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const r of summaries) counts.set(r, (counts.get(r) ?? 0) + 1);
  let chosen = summaries[0] ?? '';
  for (const [reason, n] of counts) if (n < counts.get(chosen)!) chosen = reason;
  const others = summaries.length - counts.get(chosen)!;
  return chosen + (others > 0 ? ` (${others} other scenario${others === 1 ? '' : 's'} skipped for another reason)` : '');
}
