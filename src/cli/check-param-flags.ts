/**
 * The `run` flags of the check parameters, derived from their declarations on the checks
 * (checks/param-registry.ts): the commander options, and the flag values as run config input.
 * Error messages name the flag as typed: `--max-bookmark-interval "x" is not a duration ...`.
 */
import { Option } from 'commander';
import { CHECK_PARAMETER_FLAGS } from '../checks/param-registry.js';
import { parseParamValue, type CheckParameter } from '../checks/parameters.js';

type FlaggedParameter = CheckParameter & { flag: `--${string}` };

/** The commander option of a flagged parameter: `--max-event-latency <duration>` with its description as help. */
export function checkParamOption(param: FlaggedParameter): Option {
  return new Option(`${param.flag} <${param.kind}>`, param.description);
}

/** The options `run` adds for the check parameters, in declaration order. */
export function checkParamOptions(params: readonly FlaggedParameter[] = CHECK_PARAMETER_FLAGS): Option[] {
  return params.map(checkParamOption);
}

/** The check-parameter flags present in commander's parsed options, as [flag, text as given]. */
export function checkParamFlagsGiven(opts: object, params: readonly FlaggedParameter[] = CHECK_PARAMETER_FLAGS): [flag: string, text: string][] {
  const values = opts as Record<string, unknown>;
  return params.flatMap((p) => {
    const text = values[checkParamOption(p).attributeName()];
    return typeof text === 'string' ? [[p.flag, text] as [string, string]] : [];
  });
}

/** The given check-parameter flags as run config input, by parameter key (`{ maxEventLatencyMs: 500 }`). */
export function checkParamConfigInput(opts: object, params: readonly FlaggedParameter[] = CHECK_PARAMETER_FLAGS): Record<string, number> {
  const values = opts as Record<string, unknown>;
  const out: Record<string, number> = {};
  for (const p of params) {
    const text = values[checkParamOption(p).attributeName()];
    if (typeof text === 'string') out[p.key] = parseParamValue(p, text, p.flag);
  }
  return out;
}

/** Commander's parsed options without the check-parameter flags (their config keys come from checkParamConfigInput). */
export function withoutCheckParamFlags<T extends object>(opts: T, params: readonly FlaggedParameter[] = CHECK_PARAMETER_FLAGS): T {
  const names = new Set(params.map((p) => checkParamOption(p).attributeName()));
  return Object.fromEntries(Object.entries(opts).filter(([name]) => !names.has(name))) as T;
}
