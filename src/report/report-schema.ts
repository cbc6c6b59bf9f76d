/**
 * The JSON Schema (draft 2020-12) of the JSON report, schema version 1 (model.ts), published as
 * schemas/report.schema.json (`npm run docs:schema` writes it; report-schema.test.ts fails when
 * it is stale). Every object is closed (`additionalProperties: false`) except the free-form ones
 * (`config`, a finding's `evidence`), so a report field the schema does not describe is an error,
 * not a silent gap. `objectOf<T>()` ties each object's properties to the TypeScript type: adding
 * a field to the model without describing it here does not compile.
 */
import { CHECK_PARAMETERS } from '../checks/param-registry.js';
import type { CheckStatus, Finding, Severity } from '../checks/types.js';
import type { CloseReason, ListRecord, WatchOptions } from '../record/timeline.js';
import { TARGET_KINDS } from '../targets/registry.js';
import type { RemoteTargetSource, TargetDescription } from '../targets/types.js';
import type { ClientOutcome, ClientProfile, ClientVerdict } from '../verdict/types.js';
import type { UntestedRequest } from './coverage.js';
import type { CheckParamsInForce, Report, ScenarioResult, StreamSummary } from './model.js';

export type JsonSchema = { [keyword: string]: unknown };

type OptionalKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? K : never }[keyof T];

/** A closed object schema whose properties are exactly T's keys; `optional` lists the ones T marks optional. */
function objectOf<T>() {
  return <P extends { [K in keyof T]-?: JsonSchema }>(
    properties: P & Record<Exclude<keyof P, keyof T>, never>,
    optional: readonly OptionalKeys<T>[] = [],
    description?: string,
  ): JsonSchema => ({
    type: 'object',
    ...(description === undefined ? {} : { description }),
    properties,
    required: Object.keys(properties).filter((key) => !(optional as readonly string[]).includes(key)),
    additionalProperties: false,
  });
}

/** Every member of the union U, checked at compile time: a member missing from `values` does not compile. */
function allOf<U extends string>() {
  return <const V extends readonly U[]>(values: V & ([Exclude<U, V[number]>] extends [never] ? unknown : { missing: Exclude<U, V[number]> })): V => values;
}

const str: JsonSchema = { type: 'string' };
const num: JsonSchema = { type: 'number' };
const count: JsonSchema = { type: 'integer', minimum: 0 };
const nullable = (schema: JsonSchema): JsonSchema => ({ anyOf: [schema, { type: 'null' }] });
const ref = (name: string): JsonSchema => ({ $ref: `#/$defs/${name}` });
const arrayOf = (items: JsonSchema): JsonSchema => ({ type: 'array', items });
const enumOf = (values: readonly string[]): JsonSchema => ({ type: 'string', enum: [...values] });

const SEVERITIES = allOf<Severity>()(['fail', 'warn', 'info']);
const CHECK_STATUSES = allOf<CheckStatus>()(['pass', 'fail', 'warn', 'skip']);
const VERDICTS = allOf<Report['verdict']>()(['pass', 'fail', 'inconclusive']);
const REMOTE_SOURCES = allOf<RemoteTargetSource>()(['flags', 'kubeconfig-flag', 'KUBECONFIG', 'default-kubeconfig']);
const CLIENT_PROFILES = allOf<ClientProfile>()([
  'client-go>=0.35',
  'client-go>=0.35 typed',
  'client-go>=0.35 dynamic',
  'client-go>=0.35 with selector',
  'client-go<=0.34',
  'client-go<=0.34 typed',
  'client-go<=0.34 dynamic',
  'client-node',
]);
const CLIENT_OUTCOMES = allOf<ClientOutcome>()(['syncs', 'never-syncs', 'falls-back', 'loops', 'stops', 'crashes']);
const CLOSE_REASONS = allOf<CloseReason>()(['server-eof', 'reset', 'client-abort', 'error', 'not-opened']);
const UNTESTED_OUTCOMES = allOf<UntestedRequest['outcome']>()(['denied', 'error', 'no-response']);
const REQUEST_KINDS = allOf<UntestedRequest['kind']>()(['watch', 'list']);
const EVENT_COUNT_KEYS = ['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR', 'other', 'malformed'] as const;

/** The check parameters: one property per declared parameter (milliseconds; null where the default is "off"). */
function checkParamsSchema(): JsonSchema {
  return {
    type: 'object',
    properties: Object.fromEntries(
      CHECK_PARAMETERS.map((p) => [p.key, { ...(p.default === null ? { type: ['number', 'null'] } : { type: 'number' }), description: `${p.check}: ${p.description}` }]),
    ),
    required: CHECK_PARAMETERS.map((p) => p.key),
    additionalProperties: false,
  };
}

const DEFS: Record<string, JsonSchema> = {
  checkResult: objectOf<CheckResult>()({ id: str, status: enumOf(CHECK_STATUSES), summary: str, findings: arrayOf(ref('finding')) }),
  finding: objectOf<Finding>()(
    {
      severity: enumOf(SEVERITIES),
      message: str,
      stream: str,
      scenario: str,
      evidence: { type: 'object', description: 'plain data backing the message (RVs, times, event indexes, raw snippets); its fields depend on the check' },
    },
    ['stream', 'scenario'],
  ),
  scenarioResult: objectOf<ScenarioResult>()({
    name: str,
    file: str,
    description: str,
    checks: arrayOf(objectOf<ScenarioResult['checks'][number]>()({ id: str, status: enumOf(CHECK_STATUSES), summary: str })),
  }),
  checkParams: checkParamsSchema(),
  clientVerdict: objectOf<ClientVerdict>()(
    {
      profile: enumOf(CLIENT_PROFILES),
      outcome: enumOf(CLIENT_OUTCOMES),
      syncedAfterMs: nullable(num),
      warnings: count,
      warningsRange: objectOf<NonNullable<ClientVerdict['warningsRange']>>()({ min: count, max: count, why: str }),
      silentlyDropped: count,
      skippedEvents: count,
      selector: str,
      explanation: str,
      logLines: arrayOf(objectOf<ClientVerdict['logLines'][number]>()({ atMs: num, line: str })),
      basedOn: arrayOf(str),
    },
    ['warningsRange', 'silentlyDropped', 'skippedEvents', 'selector'],
  ),
  streamSummary: objectOf<StreamSummary>()({
    id: str,
    scenario: str,
    request: objectOf<StreamSummary['request']>()({
      path: str,
      options: objectOf<WatchOptions>()(
        {
          resourceVersion: str,
          resourceVersionMatch: str,
          sendInitialEvents: { type: 'boolean' },
          allowWatchBookmarks: { type: 'boolean' },
          timeoutSeconds: num,
          labelSelector: str,
          fieldSelector: str,
        },
        ['resourceVersion', 'resourceVersionMatch', 'sendInitialEvents', 'allowWatchBookmarks', 'timeoutSeconds', 'labelSelector', 'fieldSelector'],
      ),
    }),
    status: nullable({ type: 'integer' }),
    httpVersion: nullable(str),
    contentType: nullable(str),
    openedAtMs: num,
    closedAtMs: nullable(num),
    closeReason: nullable(enumOf(CLOSE_REASONS)),
    eventCounts: {
      type: 'object',
      properties: Object.fromEntries(EVENT_COUNT_KEYS.map((key) => [key, count])),
      required: [...EVENT_COUNT_KEYS],
      additionalProperties: false,
    },
  }),
  listRecord: objectOf<ListRecord>()(
    {
      id: str,
      scenario: str,
      path: str,
      sentAtMs: num,
      atMs: num,
      status: { type: 'integer' },
      itemCount: count,
      resourceVersion: str,
      continueToken: str,
      error: str,
    },
    ['itemCount', 'resourceVersion', 'continueToken', 'error'],
  ),
  untestedRequest: objectOf<UntestedRequest>()({
    id: str,
    kind: enumOf(REQUEST_KINDS),
    scenario: str,
    outcome: enumOf(UNTESTED_OUTCOMES),
    status: nullable({ type: 'integer' }),
    reason: nullable(str),
    message: nullable(str),
    missingPermission: nullable(
      objectOf<NonNullable<UntestedRequest['missingPermission']>>()({ verb: str, resource: str, group: str, namespace: nullable(str) }),
    ),
    waitedMs: nullable(num),
  }),
};

type CheckResult = Report['checks'][number];

/** The report's JSON Schema (plain data; `renderReportJsonSchema` is the published file's text). */
export function reportJsonSchema(): JsonSchema {
  const targetSources = [...REMOTE_SOURCES, ...new Set(TARGET_KINDS.map((kind) => kind.source))];
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'watchmark JSON report',
    description:
      'The report `watchmark run`, `observe` and `report` write with --json (schemaVersion 1; not the --all-resources matrix or explain documents, which carry a `kind`). Times are milliseconds; *AtMs are since the run started.',
    ...objectOf<Report>()({
      schemaVersion: { const: 1 },
      tool: objectOf<Report['tool']>()({ name: str, version: str }),
      target: objectOf<TargetDescription>()({ server: str, source: enumOf(targetSources), serverVersion: nullable(str), description: str }),
      resource: nullable(objectOf<NonNullable<Report['resource']>>()({ name: str, apiVersion: str, kind: str, namespace: nullable(str) })),
      config: { type: 'object', description: 'the resolved options of the command (flags, config, environment); its fields depend on the command' },
      startedAt: { type: 'string', format: 'date-time' },
      durationMs: num,
      verdict: enumOf(VERDICTS),
      failOn: enumOf(['fail', 'warn'] satisfies Report['failOn'][]),
      counts: objectOf<Report['counts']>()({ fail: count, warn: count, info: count }),
      checks: arrayOf(ref('checkResult')),
      scenarios: arrayOf(ref('scenarioResult')),
      checkParams: objectOf<CheckParamsInForce>()({ base: ref('checkParams'), byScenario: { type: 'object', additionalProperties: ref('checkParams') } }),
      clientGo: arrayOf(ref('clientVerdict')),
      streams: arrayOf(ref('streamSummary')),
      lists: arrayOf(ref('listRecord')),
      workload: nullable(objectOf<NonNullable<Report['workload']>>()({ namespace: nullable(str), writes: count, cleanupProblems: arrayOf(str) })),
      untested: objectOf<Report['untested']>()({
        requests: arrayOf(ref('untestedRequest')),
        checks: arrayOf(objectOf<Report['untested']['checks'][number]>()({ id: str, scenarios: arrayOf(str), reason: str })),
      }),
    }),
    $defs: DEFS,
  };
}

/** The text of schemas/report.schema.json. */
export function renderReportJsonSchema(): string {
  return `${JSON.stringify(reportJsonSchema(), null, 2)}\n`;
}
