#!/usr/bin/env node
// Writes scenarios/scenario.schema.json from the zod schema (src/scenario/schema.ts, built to dist/),
// schemas/report.schema.json (the JSON report's schema, src/report/report-schema.ts), and the README's check parameter table (between <!-- check-params:begin --> and
// <!-- check-params:end -->) from the parameter declarations of the checks.
// Run `npm run build` first (npm run docs:schema does both). src/scenario/schema.test.ts,
// test/report-schema.test.ts and test/check-params.test.ts fail when one is stale.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderScenarioJsonSchema } from '../dist/scenario/schema.js';
import { renderReportJsonSchema } from '../dist/report/report-schema.js';
import { CHECK_PARAMETERS } from '../dist/checks/param-registry.js';
import { renderCheckParamDocs, replaceCheckParamDocs } from '../dist/report/check-param-docs.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'scenarios', 'scenario.schema.json');
writeFileSync(out, renderScenarioJsonSchema());
console.log(`wrote ${out.slice(root.length + 1)}`);
const reportOut = join(root, 'schemas', 'report.schema.json');
mkdirSync(dirname(reportOut), { recursive: true });
writeFileSync(reportOut, renderReportJsonSchema());
console.log(`wrote ${reportOut.slice(root.length + 1)}`);

const readme = join(root, 'README.md');
const before = readFileSync(readme, 'utf8');
const after = replaceCheckParamDocs(before, renderCheckParamDocs(CHECK_PARAMETERS));
if (after === before) {
  console.log(`README.md: check parameter table up to date (${CHECK_PARAMETERS.length} parameters)`);
} else {
  writeFileSync(readme, after);
  console.log(`README.md: check parameter table rewritten (${CHECK_PARAMETERS.length} parameters)`);
}
