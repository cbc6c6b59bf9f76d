#!/usr/bin/env node
// Rewrites the README's check reference (between <!-- checks:begin --> and <!-- checks:end -->)
// from ALL_CHECKS. Reads the built library, so run it as `npm run docs:checks` (builds first).
// The rendering is src/report/check-docs.ts; test/readme-checks.test.ts fails when the README
// is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { ALL_CHECKS } from '../dist/checks/index.js';
import { renderCheckDocs, replaceCheckDocs } from '../dist/report/check-docs.js';

const readme = new URL('../README.md', import.meta.url);
const before = readFileSync(readme, 'utf8');
const after = replaceCheckDocs(before, renderCheckDocs(ALL_CHECKS));
if (after === before) {
  console.log(`README.md: check reference up to date (${ALL_CHECKS.length} checks)`);
} else {
  writeFileSync(readme, after);
  console.log(`README.md: check reference rewritten (${ALL_CHECKS.length} checks)`);
}
