/**
 * Every check's declared parameters (checks/parameters.ts), in the order reports list them in
 * `checkParams.defaults`. A check with parameters exports `<check>Params = declareParams(ID, {...})`
 * from its own file and is listed here once; adding a parameter to a listed check touches only
 * the check's file.
 */
import { bookmarkBeforeDeadlineParams } from './bookmark-before-deadline.js';
import { bookmarkPeriodicParams } from './bookmark-periodic.js';
import { eventLatencyParams } from './event-latency.js';
import { watchTimeoutParams } from './watch-timeout.js';
import { defaultsOf, flattenParams, type CheckParamValues, type CheckParameter } from './parameters.js';

const DECLARED = [bookmarkBeforeDeadlineParams, watchTimeoutParams, bookmarkPeriodicParams, eventLatencyParams] as const;

type Declarations = (typeof DECLARED)[number]['params'];
type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/** Tunables of the checks, typed from their declarations; every check reads only what it needs. */
export type DeclaredParamValues = CheckParamValues<UnionToIntersection<Declarations>>;

/** Every check parameter, flattened: key, owning check, kind, default, description, scenario field, flag. */
export const CHECK_PARAMETERS: readonly CheckParameter[] = flattenParams(DECLARED);

/** The parameters that have a `run` flag. */
export const CHECK_PARAMETER_FLAGS: readonly (CheckParameter & { flag: `--${string}` })[] = CHECK_PARAMETERS.filter(
  (p): p is CheckParameter & { flag: `--${string}` } => p.flag !== undefined,
);

export const DECLARED_DEFAULTS = defaultsOf(CHECK_PARAMETERS) as DeclaredParamValues;

/** The keys of the parameters that have a `run` flag (their run config keys too). */
export type FlaggedParamKey = {
  [K in keyof UnionToIntersection<Declarations>]: UnionToIntersection<Declarations>[K] extends { flag: string } ? K : never;
}[keyof UnionToIntersection<Declarations>];

/**
 * The check-parameter overrides of a run's config: the flagged parameters it sets, by key
 * (`--max-event-latency 500ms` -> `{ maxEventLatencyMs: 500 }`).
 */
export function checkParamOverrides(config: Partial<Record<FlaggedParamKey, number>>): Partial<DeclaredParamValues> {
  const out: Record<string, number> = {};
  for (const p of CHECK_PARAMETER_FLAGS) {
    const value = (config as Record<string, number | undefined>)[p.key];
    if (value !== undefined) out[p.key] = value;
  }
  return out as Partial<DeclaredParamValues>;
}
