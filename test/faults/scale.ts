/**
 * The fault and bad-input suite runs in two sizes: the fast variant inside `npm test` (CI) and the
 * slow variant of `npm run test:faults` (WATCHMARK_FAULTS=slow), which repeats the randomized
 * parts many more times and prints its figures. Tests pick their counts through `faultScale`.
 */
export const SLOW_FAULTS = process.env.WATCHMARK_FAULTS === 'slow';

/** `fast` in `npm test`, `slow` under `npm run test:faults`. */
export function faultScale<T>(fast: T, slow: T): T {
  return SLOW_FAULTS ? slow : fast;
}
