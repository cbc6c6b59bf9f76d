import { runChecks } from '../checks/index.js';
import type { CheckParams } from '../checks/types.js';
import type { RunRecord } from '../record/timeline.js';
import { buildReport, type CheckParamsInForce, type Report } from './model.js';
import { deriveClientVerdicts } from '../verdict/index.js';
import { runScenarioChecks, scenarioCheckParams, type ScenarioCheckInput } from './scenario-checks.js';

/**
 * Everything besides the record that a report is derived from: what was measured (target,
 * resource), how (the redacted config, the scenarios and the check parameters in force) and
 * what the run did around the measurement (workload summary, cleanup). Plain JSON data, saved
 * in a recording's header and footer so a replay derives the same report.
 */
export interface RunFacts {
  target: Report['target'];
  resource: Report['resource'];
  /** The run's config with credentials redacted (redactConfig), as printed in the report. */
  config: Record<string, unknown>;
  failOn: 'fail' | 'warn';
  /** Monotonic ms (clock anchor = record.anchorWallMs) at which the run started. */
  startedAtMs: number;
  /**
   * The scenarios that ran, in order, with their own check parameters. None (observe's single
   * watch): the checks run once over the whole record, and the report lists no scenarios.
   */
  scenarios: ScenarioCheckInput[];
  /**
   * Check parameters: the defaults of the watchmark that ran (kept, so a later watchmark with
   * other defaults replays the same report) and the command line's overrides.
   */
  checkParams: { defaults: CheckParams; overrides: Partial<CheckParams> };
  workload: Report['workload'];
}

/** One run's measurement: the facts and the raw record. The report is a pure function of both. */
export interface RunMeasurement {
  facts: RunFacts;
  record: RunRecord;
}

/**
 * The report of a run, derived from its facts and record only (checks per scenario, client-go
 * verdicts, the check parameters in force, the report model): no I/O, no clock. Used by the live
 * run, by `observe` and by `watchmark report` on a recording (an old recording gets the
 * parameters too: they follow from its facts), so all give the same report. `failOn` overrides
 * the run's --fail-on.
 */
export function deriveReport(facts: RunFacts, record: RunRecord, options: { failOn?: 'fail' | 'warn' } = {}): Report {
  const checkParams = checkParamsInForce(facts);
  const { checks, scenarios } =
    facts.scenarios.length > 0 ? runScenarioChecks(record, facts.scenarios, facts.checkParams) : { checks: runChecks(record, checkParams.base), scenarios: [] };
  return buildReport({
    record,
    checks,
    scenarios,
    checkParams,
    clientGo: deriveClientVerdicts(record),
    target: facts.target,
    resource: facts.resource,
    config: facts.config,
    failOn: options.failOn ?? facts.failOn,
    startedAtMs: facts.startedAtMs,
    workload: facts.workload,
  });
}

/** The parameters each scenario's checks run with, and the base ones (defaults and the command line's overrides). */
export function checkParamsInForce(facts: Pick<RunFacts, 'scenarios' | 'checkParams'>): CheckParamsInForce {
  return {
    base: { ...facts.checkParams.defaults, ...facts.checkParams.overrides },
    byScenario: Object.fromEntries(facts.scenarios.map((s) => [s.name, scenarioCheckParams(facts.checkParams, s)])),
  };
}
