import { compileScenarios, resourceOfScenarios } from './compile.js';
import { selectScenarios } from './load.js';
import type { SuitePlan } from './plan.js';

/** What a suite run executes: the compiled plan and the one resource its scenarios target. */
export interface CompiledRun {
  plan: SuitePlan;
  /** `--resource`, else the scenarios' own, else configmaps; with the scenarios' objectTemplate for the workload. */
  resource: { resource: string; objectTemplate?: Record<string, unknown> };
}

/**
 * Reads, checks and compiles the scenarios a run selects (`--scenario` values; none: the quick or
 * full built-in suite). Called before any target starts, so a mistake in a scenario file costs no
 * target start. Throws WM_SCENARIO naming the file and the problem.
 */
export function compileRun(selection: { scenario?: readonly string[]; quick: boolean; resource?: string }, cwd?: string): CompiledRun {
  const scenarios = selectScenarios(selection.scenario, selection.quick ? 'quick' : 'full', cwd);
  return {
    plan: compileScenarios(scenarios, { quick: selection.quick }),
    resource: resourceOfScenarios(scenarios, selection.resource ?? 'configmaps'),
  };
}
