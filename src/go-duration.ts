/** Durations printed the way Go prints them, for messages and client log lines that quote Go output. */

function formatFraction(value: bigint, precision: number): { text: string; rest: bigint } {
  let digits = '';
  let rest = value;
  let printed = false;
  for (let i = 0; i < precision; i++) {
    const digit = rest % 10n;
    printed = printed || digit !== 0n;
    if (printed) digits = digit.toString() + digits;
    rest /= 10n;
  }
  return { text: printed ? `.${digits}` : '', rest };
}

/**
 * Go's `time.Duration.String()` for a duration given in (fractional) milliseconds, rounded to
 * whole nanoseconds: "0s", "1.5ms", "10s", "1m0.5s", "59.998946102s", "1h2m3s".
 */
export function formatGoDuration(ms: number): string {
  let ns = BigInt(Math.round(ms * 1e6));
  const negative = ns < 0n;
  if (negative) ns = -ns;
  let text: string;
  if (ns === 0n) return '0s';
  if (ns < 1_000_000_000n) {
    const [precision, unit] = ns < 1_000n ? [0, 'ns'] : ns < 1_000_000n ? [3, 'µs'] : [6, 'ms'];
    const { text: fraction, rest } = formatFraction(ns, precision);
    text = `${rest}${fraction}${unit}`;
  } else {
    const { text: fraction, rest: seconds } = formatFraction(ns, 9);
    text = `${seconds % 60n}${fraction}s`;
    const minutes = seconds / 60n;
    if (minutes > 0n) {
      text = `${minutes % 60n}m${text}`;
      const hours = minutes / 60n;
      if (hours > 0n) text = `${hours}h${text}`;
    }
  }
  return negative ? `-${text}` : text;
}
