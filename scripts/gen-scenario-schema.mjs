#!/usr/bin/env node
// Writes scenarios/scenario.schema.json from the zod schema (src/scenario/schema.ts, built to dist/).
// Run `npm run build` first (npm run docs:schema does both).
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderScenarioJsonSchema } from '../dist/scenario/schema.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'scenarios', 'scenario.schema.json');
writeFileSync(out, renderScenarioJsonSchema());
console.log(`wrote ${out.slice(root.length + 1)}`);
