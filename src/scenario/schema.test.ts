import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinScenarioDir } from './load.js';
import { renderScenarioJsonSchema, scenarioJsonSchema } from './schema.js';

describe('published JSON Schema', () => {
  it('scenarios/scenario.schema.json is the one the zod schema renders (run `npm run docs:schema` after changing it)', () => {
    const published = readFileSync(join(builtinScenarioDir(), 'scenario.schema.json'), 'utf8');
    expect(published).toBe(renderScenarioJsonSchema());
  });

  it('describes the fields editors complete, closed to unknown ones', () => {
    const schema = scenarioJsonSchema() as { required: string[]; additionalProperties: boolean; properties: Record<string, unknown> };
    expect(schema.required).toEqual(expect.arrayContaining(['name', 'description', 'duration', 'watches']));
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['watches', 'workload', 'checks', 'objectTemplate', 'suites']));
  });

  it('every built-in scenario points editors at the schema', () => {
    for (const f of ['watch-list.yaml', 'watch.yaml', 'watch-resume.yaml']) {
      expect(readFileSync(join(builtinScenarioDir(), f), 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=./scenario.schema.json');
    }
  });
});
