// Command-line helpers shared by the bench scripts.

/** The value after `name` in `args`, or `fallback` when `name` is absent. */
export function argValue(args, name, fallback) {
  const at = args.indexOf(name);
  return at === -1 ? fallback : args[at + 1];
}

/** `text` as a positive integer; otherwise says what `name` must be and exits 2. */
export function positiveInt(text, name) {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) {
    console.error(`${name} must be a positive integer, got "${text}"`);
    process.exit(2);
  }
  return n;
}
