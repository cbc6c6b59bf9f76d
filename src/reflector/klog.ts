/**
 * client-go's log lines as watchmark quotes them (klog's structured format).
 *
 * Log lines use the literal `<reflector>` for the reflector name (the real one is the caller's
 * file:line) and `<type>` for its type description (e.g. "*v1.ConfigMap" for typed informers,
 * "*unstructured.Unstructured" for dynamic ones). Lines client-go prints only at V(4) carry a
 * "[V(4)] " prefix; everything else is printed at default verbosity.
 */
export const REFLECTOR = '<reflector>';
export const TYPE = '<type>';
export const V4 = '[V(4)] ';

/** klog's quoting of a string value (strconv.Quote; JSON quoting matches it for these texts). */
export function quote(text: string): string {
  return JSON.stringify(text);
}

/** A klog structured line: the quoted message, then ` key=value` pairs (strings quoted, numbers bare). */
export function klogLine(message: string, keysAndValues: Array<[string, string | number]> = []): string {
  const pairs = keysAndValues.map(([key, value]) => ` ${key}=${typeof value === 'number' ? value : quote(value)}`);
  return `${quote(message)}${pairs.join('')}`;
}

/** The `"Warning: event bookmark expired" err="..."` line (reflector.go v0.35.0 warnIfExpired). */
export function bookmarkExpiredLine(err: string): string {
  return klogLine('Warning: event bookmark expired', [['err', err]]);
}
