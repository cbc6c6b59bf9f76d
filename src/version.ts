import { readFileSync } from 'node:fs';

/** watchmark's own name and version, read once from package.json (../.. from src/ and dist/). */
export const TOOL = ((): { name: string; version: string } => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
  return { name: pkg.name, version: pkg.version };
})();
