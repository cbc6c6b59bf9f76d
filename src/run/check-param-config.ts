import { z } from 'zod';
import { CHECK_PARAMETER_FLAGS, type FlaggedParamKey } from '../checks/param-registry.js';
import type { CheckParameter } from '../checks/parameters.js';

/**
 * The run config fields of the check parameters that have a `run` flag, derived from their
 * declarations (checks/param-registry.ts): one optional field per parameter, keyed like the
 * parameter (`maxEventLatencyMs`), in its unit. Durations must be longer than 0: parseConfig
 * reports a zero `…Ms` as "--flag: must be longer than 0 (e.g. 10s)".
 */
export function checkParamConfigShape(params: readonly CheckParameter[] = CHECK_PARAMETER_FLAGS): Record<FlaggedParamKey, z.ZodOptional<z.ZodNumber>> {
  const fieldOf = (param: CheckParameter) => {
    switch (param.kind) {
      case 'duration':
        return z.number().positive().optional().describe(param.description);
    }
  };
  return Object.fromEntries(params.map((p) => [p.key, fieldOf(p)])) as Record<FlaggedParamKey, z.ZodOptional<z.ZodNumber>>;
}
