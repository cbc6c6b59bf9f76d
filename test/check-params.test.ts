import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ALL_CHECKS } from '../src/checks/index.js';
import { CHECK_PARAMETER_FLAGS, CHECK_PARAMETERS, checkParamOverrides } from '../src/checks/param-registry.js';
import { declareParams, flattenParams, type CheckParameter } from '../src/checks/parameters.js';
import { DEFAULT_CHECK_PARAMS } from '../src/checks/types.js';
import { checkParamConfigInput, checkParamFlagsGiven, checkParamOptions, withoutCheckParamFlags } from '../src/cli/check-param-flags.js';
import { flagOfKey, parseConfig } from '../src/cli/config.js';
import { CHECK_PARAM_DOCS_BEGIN, CHECK_PARAM_DOCS_END, extractCheckParamDocs, renderCheckParamDocs, replaceCheckParamDocs } from '../src/report/check-param-docs.js';
import { checkParamConfigShape } from '../src/run/check-param-config.js';
import { RunConfigSchema } from '../src/run/config.js';
import { checkParamsOf } from '../src/scenario/compile.js';
import { ScenarioSchema, scenarioJsonSchema, scenarioSchemaOf } from '../src/scenario/schema.js';
import { runCli } from './support/cli.js';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

type JsonSchemaNode = { properties?: Record<string, JsonSchemaNode>; description?: string; pattern?: string };

/** The JSON Schema node of checks.<check>.<field>, if the schema has it. */
function jsonSchemaField(schema: Record<string, unknown>, check: string, field: string): JsonSchemaNode | undefined {
  return (schema as JsonSchemaNode).properties?.['checks']?.properties?.[check]?.properties?.[field];
}

const MINIMAL_SCENARIO = { name: 's', description: 'd', duration: '5s', watches: [{ name: 'w' }] };

describe('check parameters: declared once on the check (issue 11)', () => {
  it('derive the defaults reports and recordings carry, with the same keys, order and values as before', () => {
    // checkParams.defaults is written into every recording and report: its shape must not change.
    expect(Object.entries(DEFAULT_CHECK_PARAMS)).toEqual([
      ['deadlineBookmarkWindowMs', 5_000],
      ['timeoutSlackMs', 5_000],
      ['maxBookmarkIntervalMs', null],
      ['defaultBookmarkIntervalMs', 75_000],
      ['maxEventLatencyMs', null],
    ]);
    expect(CHECK_PARAMETERS.map((p) => [p.key, p.default])).toEqual(Object.entries(DEFAULT_CHECK_PARAMS));
  });

  it('are each declared on a registered check, under its own id, and every check with parameters is in the registry', () => {
    const onChecks = ALL_CHECKS.flatMap((check) => {
      if (check.params === undefined) return [];
      expect(check.params.check, `${check.id} declares its parameters under another id`).toBe(check.id);
      return Object.keys(check.params.params).map((key) => `${check.id} ${key}`);
    });
    expect(CHECK_PARAMETERS.map((p) => `${p.check} ${p.key}`).sort()).toEqual(onChecks.sort());
    for (const p of CHECK_PARAMETERS) {
      expect(p.description.trim(), `${p.key}: description is empty`).not.toBe('');
      // parseConfig reports a zero `…Ms` as "must be longer than 0 (e.g. 10s)": durations carry their unit in the key.
      if (p.kind === 'duration') expect(p.key, 'a duration parameter is in ms and says so').toMatch(/Ms$/);
    }
  });

  it('every declared flag is a `run` flag (in `run --help`), a run config field, and reaches the checks as an override', async () => {
    const help = await runCli(['run', '--help'], { timeoutMs: 20_000 });
    expect(help.code).toBe(0);
    const helpText = help.stdout.replace(/\s+/g, ' ');
    expect(CHECK_PARAMETER_FLAGS.map((p) => p.flag)).toEqual(['--max-bookmark-interval', '--max-event-latency']);
    for (const p of CHECK_PARAMETER_FLAGS) {
      expect(helpText).toContain(`${p.flag} <duration> ${p.description}`);
      expect(Object.keys(RunConfigSchema.shape)).toContain(p.key);
      expect(flagOfKey(p.key)).toBe(p.flag);
      const attribute = checkParamOptions([p])[0]!.attributeName();
      const config = parseConfig(RunConfigSchema, { ...checkParamConfigInput({ [attribute]: '7s' }) });
      expect(checkParamOverrides(config)).toEqual({ [p.key]: 7_000 });
      expect(checkParamFlagsGiven({ [attribute]: '7s' })).toEqual([[p.flag, '7s']]);
    }
    expect(checkParamOverrides(parseConfig(RunConfigSchema, {}))).toEqual({});
  });

  it('every declared parameter is a scenario-file field (zod and JSON Schema) that compiles to its key', () => {
    const jsonSchema = scenarioJsonSchema();
    for (const p of CHECK_PARAMETERS) {
      const scenario = ScenarioSchema.parse({ ...MINIMAL_SCENARIO, checks: { [p.check]: { [p.field]: '7s' } } });
      expect(checkParamsOf(scenario)).toEqual({ [p.key]: 7_000 });
      const node = jsonSchemaField(jsonSchema, p.check, p.field);
      expect(node, `JSON Schema has no checks.${p.check}.${p.field}`).toBeDefined();
      expect(node?.description).toContain(p.description);
      expect(ScenarioSchema.safeParse({ ...MINIMAL_SCENARIO, checks: { [p.check]: { [p.field]: 'soon' } } }).success).toBe(false);
    }
  });

  it('the README table is exactly what the declarations render', () => {
    expect(extractCheckParamDocs(README), 'README.md check parameter table is stale: run npm run docs:schema').toBe(renderCheckParamDocs(CHECK_PARAMETERS));
    for (const p of CHECK_PARAMETERS) expect(README).toContain(`\`${p.key}\``);
  });

  it('bad flag values keep their messages', () => {
    expect(() => checkParamConfigInput({ maxBookmarkInterval: 'x' })).toThrow(/^--max-bookmark-interval "x" is not a duration \(examples: 30s, 2m, 1m30s, 500ms\)$/);
    expect(() => parseConfig(RunConfigSchema, checkParamConfigInput({ maxEventLatency: '0s' }))).toThrow(/^--max-event-latency: must be longer than 0 \(e\.g\. 10s\)$/);
  });
});

describe('a new check parameter needs only its declaration', () => {
  // As a check file would declare it; nothing else in this test names the parameter.
  const declared = declareParams('example.gaps', {
    maxExampleGapMs: { kind: 'duration', default: null, field: 'maxGap', flag: '--max-example-gap', description: 'fail on example gaps longer than this' },
    exampleWindowMs: { kind: 'duration', default: 3_000, field: 'window', description: 'how far back the example looks' },
  });
  const params: CheckParameter[] = [...CHECK_PARAMETERS, ...flattenParams([declared])];
  const flagged = params.filter((p): p is CheckParameter & { flag: `--${string}` } => p.flag !== undefined);

  it('gets a flag, a config field and its parsing, with the usual messages', () => {
    const option = checkParamOptions(flagged).find((o) => o.long === '--max-example-gap');
    expect(option?.flags).toBe('--max-example-gap <duration>');
    expect(option?.description).toBe('fail on example gaps longer than this');
    const input = checkParamConfigInput({ maxExampleGap: '1m30s', quick: true }, flagged);
    expect(input).toEqual({ maxExampleGapMs: 90_000 });
    const schema = z.object(checkParamConfigShape(flagged));
    expect(schema.parse(input)).toEqual({ maxExampleGapMs: 90_000 });
    expect(schema.safeParse({ maxExampleGapMs: 0 }).success).toBe(false);
    expect(() => checkParamConfigInput({ maxExampleGap: 'ten' }, flagged)).toThrow(/^--max-example-gap "ten" is not a duration/);
    expect(withoutCheckParamFlags({ maxExampleGap: '1s', quick: true }, flagged)).toEqual({ quick: true });
  });

  it('gets a scenario-file section with its fields, in the zod schema, the JSON Schema and the plan', () => {
    const schema = scenarioSchemaOf(params);
    const scenario = schema.parse({ ...MINIMAL_SCENARIO, checks: { 'example.gaps': { maxGap: '2s', window: '500ms' }, 'event.latency': { max: '1s' } } });
    expect(checkParamsOf(scenario, params)).toEqual({ maxExampleGapMs: 2_000, exampleWindowMs: 500, maxEventLatencyMs: 1_000 });
    expect(schema.safeParse({ ...MINIMAL_SCENARIO, checks: { 'example.gaps': { maxGapp: '2s' } } }).success).toBe(false);
    expect(ScenarioSchema.safeParse({ ...MINIMAL_SCENARIO, checks: { 'example.gaps': { maxGap: '2s' } } }).success).toBe(false);
    const json = scenarioJsonSchema(params);
    expect(jsonSchemaField(json, 'example.gaps', 'maxGap')?.description).toBe('fail on example gaps longer than this');
    expect(jsonSchemaField(json, 'example.gaps', 'window')?.description).toBe('how far back the example looks (default 3s)');
  });

  it('gets a README row', () => {
    const block = renderCheckParamDocs(params);
    expect(block).toContain('| [`example.gaps`](#examplegaps) | `example.gaps: { maxGap: duration }` | `--max-example-gap` | unset | fail on example gaps longer than this | `maxExampleGapMs` |');
    expect(block).toContain('| `3s` | how far back the example looks | `exampleWindowMs` |');
  });

  it('is refused when its key, scenario field or flag is already declared', () => {
    const again = (params: Parameters<typeof declareParams>[1]) => () => flattenParams([declared, declareParams('example.other', params)]);
    expect(again({ maxExampleGapMs: { kind: 'duration', default: 1, field: 'other', description: 'd' } })).toThrow(/example\.other maxExampleGapMs clashes with example\.gaps maxExampleGapMs/);
    expect(again({ otherMs: { kind: 'duration', default: 1, field: 'x', flag: '--max-example-gap', description: 'd' } })).toThrow(/clashes/);
    expect(() => flattenParams([declared, declareParams('example.gaps', { otherMs: { kind: 'duration', default: 1, field: 'window', description: 'd' } })])).toThrow(/clashes/);
  });
});

describe('replaceCheckParamDocs', () => {
  const document = `# T\n\n${CHECK_PARAM_DOCS_BEGIN}\nold\n${CHECK_PARAM_DOCS_END}\n\nafter\n`;

  it('replaces only the block between the markers and refuses a document without them', () => {
    const block = `${CHECK_PARAM_DOCS_BEGIN}\nnew\n${CHECK_PARAM_DOCS_END}`;
    expect(replaceCheckParamDocs(document, block)).toBe(`# T\n\n${block}\n\nafter\n`);
    expect(() => replaceCheckParamDocs('# T\n', block)).toThrow(/check-params:begin/);
    expect(() => replaceCheckParamDocs(`${document}${document}`, block)).toThrow(/more than once/);
  });
});
