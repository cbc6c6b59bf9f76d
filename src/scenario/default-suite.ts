import type { SuitePlan } from './plan.js';
import { compileScenarios } from './compile.js';
import { selectScenarios } from './load.js';

/** The built-in scenarios of the quick or the full suite, compiled into one plan. */
export function defaultSuitePlan(opts: { quick: boolean }): SuitePlan {
  return compileScenarios(selectScenarios(undefined, opts.quick ? 'quick' : 'full'), opts);
}
