import { WatchmarkError } from './errors.js';

/** Units of the command line and scenario files: durations and byte sizes. */

/**
 * Parses a Go-style duration ("90s", "1m30s", "500ms", "2h") or a plain number of seconds.
 * Returns milliseconds; throws WM_USAGE naming the flag otherwise.
 */
export function parseDurationMs(text: string, flag: string): number {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 1000;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(t)) !== null) {
    const n = Number(m[1]);
    total += n * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const)[m[2] as 'ms' | 's' | 'm' | 'h'];
    matched = re.lastIndex;
  }
  if (t.length === 0 || matched !== t.length) {
    throw new WatchmarkError('WM_USAGE', `${flag} "${text}" is not a duration (examples: 30s, 2m, 1m30s, 500ms)`);
  }
  return total;
}

const SIZE_UNITS: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 };

/**
 * Parses a byte size: a whole number of bytes or a Kubernetes-quantity-style size ("64Mi",
 * "512Ki", "1G"). Returns bytes; throws WM_USAGE naming the flag otherwise.
 */
export function parseSizeBytes(text: string, flag: string): number {
  const m = /^(\d+)(Ki|Mi|Gi|k|M|G)?$/.exec(text.trim());
  const bytes = m ? Number(m[1]) * SIZE_UNITS[m[2] ?? '']! : NaN;
  if (!Number.isSafeInteger(bytes) || bytes < 1) {
    throw new WatchmarkError('WM_USAGE', `${flag} "${text}" is not a size of at least 1 byte (examples: 67108864, 64Mi, 512Ki, 1G)`);
  }
  return bytes;
}
