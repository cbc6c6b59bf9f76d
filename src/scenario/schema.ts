import { z } from 'zod';
import { CHECK_PARAMETERS } from '../checks/param-registry.js';
import { formatParamValue, type CheckParameter } from '../checks/parameters.js';

/**
 * The scenario file format (YAML), one source of truth: the zod schema validates files and is
 * published as JSON Schema (scenarios/scenario.schema.json, `npm run docs:schema`) for editors.
 *
 * Durations are Go-style strings ("500ms", "16s", "1m30s") as in kubectl flags; they stay
 * strings here and are converted when a scenario is compiled into a plan, so the JSON Schema
 * describes exactly what a user writes.
 */

export const DURATION_PATTERN = '^(\\d+(\\.\\d+)?(ms|s|m|h))+$';
const Duration = z
  .string()
  .regex(new RegExp(DURATION_PATTERN), { error: 'expected a duration such as 500ms, 16s or 1m30s' })
  .describe('A duration: 500ms, 16s, 1m30s, 2h');

const Name = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { error: 'expected a lowercase name: letters, digits and "-" (like a Kubernetes name)' })
  .max(63);

const RvFromList = z
  .object({ fromList: z.literal(true).describe('the resourceVersion of the LIST the suite makes first (client-go <= v0.34 informer start)') })
  .strict();
const RvFromStream = z
  .object({
    fromStream: Name.describe('name of a watch of this scenario (its first instance) the RV is taken from'),
    at: Duration.describe('the last RV that watch delivered up to this offset from the start'),
    of: z.enum(['event', 'bookmark', 'any']).default('any').describe('take the RV of a change event, of a BOOKMARK, or of either'),
  })
  .strict();
const RvFromWrite = z
  .object({ fromWrite: z.number().int().min(0).describe("the RV the run's Nth write (0 = the first seed object) was acknowledged with") })
  .strict();

/**
 * Concurrent watches one scenario entry may open. `npm run bench:scale` on the 2-core development
 * machine: 10,000 watches against the embedded server in its own process, all answered, over 11
 * HTTP/2 connections, 32 file descriptors, 386 MB RSS in the client (README, Performance).
 */
export const MAX_WATCH_COUNT = 10_000;

export const WatchSchema = z
  .object({
    name: Name.describe('stream name; instances are NAME#1..NAME#count'),
    purpose: z.string().min(1).optional().describe('why this watch exists, shown in the report'),
    count: z
      .number()
      .int()
      .min(1)
      .max(MAX_WATCH_COUNT)
      .default(1)
      .describe(`how many identical concurrent watches to open (at most ${MAX_WATCH_COUNT}; see README, Performance)`),
    openAt: Duration.optional().describe('open this long after the streams start (default: at once)'),
    resourceVersion: z
      .union([z.string(), RvFromList, RvFromStream, RvFromWrite], {
        error: 'resourceVersion must be a string ("", "0", "123") or one of {fromList: true}, {fromStream: NAME, at: DURATION}, {fromWrite: N}',
      })
      .optional()
      .describe('where the watch starts: unset = no resourceVersion parameter'),
    sendInitialEvents: z.boolean().optional(),
    allowWatchBookmarks: z.boolean().optional(),
    resourceVersionMatch: z.enum(['NotOlderThan', 'Exact']).optional(),
    timeoutSeconds: z.number().int().min(1).max(86_400).optional(),
    labelSelector: z.string().optional(),
    fieldSelector: z.string().optional(),
    role: z
      .enum(['resume', 'expired'])
      .optional()
      .describe('resume: watch.resume checks it replays exactly the writes after its RV; expired: watch.expired expects 410 for its RV'),
  })
  .strict();

const WriteStepSchema = z
  .object({
    at: Duration.describe('offset from the moment the streams open'),
    verb: z.enum(['create', 'update', 'delete']),
    target: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe("update/delete: which of this scenario's objects (0-based, seeds first, in creation order); default 0"),
  })
  .strict();

const ChurnSchema = z
  .object({
    from: Duration.describe('first write at this offset'),
    for: Duration.describe('keep writing this long'),
    every: Duration.describe('one write per interval'),
    verbs: z
      .array(z.enum(['create', 'update', 'delete']))
      .min(1)
      .describe('cycled in order; update touches live objects round-robin, delete removes the oldest live one'),
  })
  .strict();

export const WorkloadSchema = z
  .object({
    seed: z
      .object({
        objects: z.number().int().min(0).max(1000).default(0).describe('objects created before any watch opens (the initial state)'),
        updates: z.number().int().min(0).max(1000).default(0).describe('of those, how many are updated once before the watches open'),
      })
      .strict()
      .optional(),
    writes: z.array(WriteStepSchema).optional().describe('writes at fixed offsets'),
    churn: z.array(ChurnSchema).optional().describe('writes at a rate'),
  })
  .strict();

/** A parameter's scenario-file field: its value as a user writes it, described from its declaration. */
function paramField(param: CheckParameter) {
  const described = param.default === null ? param.description : `${param.description} (default ${formatParamValue(param, param.default)})`;
  switch (param.kind) {
    case 'duration':
      return Duration.optional().describe(described);
  }
}

/**
 * The `checks:` section, derived from the check parameter declarations (checks/param-registry.ts):
 * one section per check that has parameters, one field per parameter.
 */
export function checksSchemaOf(params: readonly CheckParameter[]) {
  const sections = new Map<string, Record<string, ReturnType<typeof paramField>>>();
  for (const param of params) sections.set(param.check, { ...sections.get(param.check), [param.field]: paramField(param) });
  return z.object(Object.fromEntries([...sections].map(([check, fields]) => [check, z.object(fields).strict().optional()]))).strict();
}

/** The scenario file schema with the `checks:` section of the given parameters (tests pass their own). */
export function scenarioSchemaOf(params: readonly CheckParameter[]) {
  return z
    .object({
      $schema: z.string().optional(),
      name: Name.describe('scenario name, used by --scenario NAME and in reports'),
      description: z.string().min(1),
      suites: z
        .array(z.enum(['quick', 'full', 'scale']))
        .min(1)
        .default(['quick', 'full'])
        .describe('which suites include this scenario when it is in the default set; `scale` is in neither (run it by name with --scenario)'),
      resource: z.string().min(1).optional().describe('resource as in kubectl (configmaps, widgets.example.com); default: --resource, else configmaps'),
      objectTemplate: z
        .record(z.string(), z.unknown())
        .optional()
        .describe('object the workload creates (name, namespace and labels are set by watchmark) for resources it cannot create by itself'),
      duration: Duration.describe('how long the streams are observed (the run observes the longest duration of its scenarios)'),
      watches: z.array(WatchSchema).min(1),
      workload: WorkloadSchema.optional(),
      checks: checksSchemaOf(params).optional().describe('per-check parameters for this scenario'),
    })
    .strict();
}

export const ScenarioSchema = scenarioSchemaOf(CHECK_PARAMETERS);

export type ScenarioInput = z.input<typeof ScenarioSchema>;
export type Scenario = z.output<typeof ScenarioSchema>;
export type ScenarioWatch = z.output<typeof WatchSchema>;

/** The JSON Schema published for editors (yaml-language-server: $schema=...). */
export function scenarioJsonSchema(params: readonly CheckParameter[] = CHECK_PARAMETERS): Record<string, unknown> {
  const schema = z.toJSONSchema(scenarioSchemaOf(params), { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  return {
    ...schema,
    $id: 'https://github.com/watchmark/watchmark/scenarios/scenario.schema.json',
    title: 'watchmark scenario',
    description: 'A watchmark scenario: watches to open, a workload to run while they are open, and per-check parameters.',
  };
}

/** The published file's exact text (scenarios/scenario.schema.json). */
export function renderScenarioJsonSchema(): string {
  return JSON.stringify(scenarioJsonSchema(), null, 2) + '\n';
}
