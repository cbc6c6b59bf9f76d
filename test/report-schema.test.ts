import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHECK_PARAMETERS } from '../src/checks/param-registry.js';
import { readRecordingFile } from '../src/recording/file.js';
import { deriveReport } from '../src/report/derive-report.js';
import type { Report } from '../src/report/model.js';
import { renderReportJsonSchema, reportJsonSchema } from '../src/report/report-schema.js';
import { REPO } from './support/cli.js';
import { validateJsonSchema } from './support/json-schema.js';
import { failingReport } from './support/report-fixture.js';

// The published schema of the JSON report. Live reports are validated where the CLI tests
// already produce them (cli-run.test.ts: run --embedded --quick; cli-observe.test.ts: observe;
// action.test.ts: the GitHub Action's run); here: the file, recordings and the model's edges.
const SCHEMA_FILE = path.join(REPO, 'schemas', 'report.schema.json');
const schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as Record<string, unknown>;

/** Recordings beside the repository (shared/recordings) and any a test saved in test-artifacts/. */
function recordings(): string[] {
  const dirs = [path.join(REPO, '..', 'shared', 'recordings'), path.join(REPO, 'test-artifacts')];
  return dirs.flatMap((dir) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.ndjson')).map((f) => path.join(dir, f)) : []));
}

function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

describe('schemas/report.schema.json', () => {
  it('is up to date with src/report/report-schema.ts (npm run docs:schema rewrites it)', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(renderReportJsonSchema());
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  });

  it('describes every check parameter the model has', () => {
    const defs = schema.$defs as Record<string, { properties: Record<string, unknown>; required: string[] }>;
    expect(defs.checkParams!.required).toEqual(CHECK_PARAMETERS.map((p) => p.key));
  });

  it('accepts the renderers’ failing-run fixture', () => {
    expect(validateJsonSchema(schema, copy(failingReport()))).toEqual([]);
  });

  const recorded = recordings();
  const skip = recorded.length === 0 && !process.env.CI;
  if (skip) console.log('report schema: no recordings in ../shared/recordings or test-artifacts/; the recording case is skipped');
  it.skipIf(skip)('accepts the reports derived from the recordings (deriveReport on each)', async () => {
    expect(recorded.length, 'a recording beside the repository (shared/recordings) on CI').toBeGreaterThan(0);
    for (const file of recorded) {
      const { facts, record } = await readRecordingFile(file);
      const report = copy(deriveReport(facts, record));
      expect(validateJsonSchema(schema, report), path.basename(file)).toEqual([]);
      // The recordings exercise the nullable and optional corners, not only the happy path.
      expect(report.checks.some((c) => c.findings.length > 0), path.basename(file)).toBe(true);
    }
  });

  describe('rejects reports the model does not produce (the schema stays in step when the model grows)', () => {
    const cases: Array<[string, (r: Report & Record<string, unknown>) => void, RegExp]> = [
      ['a top-level field the schema lacks', (r) => (r.newField = 1), /^\/: unknown property newField$/],
      ['a field the schema lacks in a check', (r) => ((r.checks[0] as unknown as Record<string, unknown>).severity = 'fail'), /^\/checks\/0: unknown property severity$/],
      ['a field the schema lacks in a client verdict', (r) => ((r.clientGo[0] as unknown as Record<string, unknown>).retries = 2), /^\/clientGo\/0: unknown property retries$/],
      ['a field the schema lacks in a stream summary', (r) => ((r.streams[0]!.eventCounts as Record<string, number>).UNKNOWN = 1), /^\/streams\/0\/eventCounts: unknown property UNKNOWN$/],
      ['an unknown check parameter', (r) => ((r.checkParams.base as unknown as Record<string, number>).fooMs = 1), /^\/checkParams\/base: unknown property fooMs$/],
      ['a missing required field', (r) => delete (r as Partial<Report>).untested, /^\/: missing required property untested$/],
      ['a bad verdict', (r) => ((r as { verdict: string }).verdict = 'ok'), /^\/verdict: "ok" is not one of/],
      ['a bad check status', (r) => ((r.checks[0] as { status: string }).status = 'error'), /^\/checks\/0\/status: "error" is not one of/],
      ['a bad severity', (r) => ((r.checks.find((c) => c.findings.length > 0)!.findings[0] as { severity: string }).severity = 'error'), /\/findings\/0\/severity: "error" is not one of/],
      ['a bad client outcome', (r) => ((r.clientGo[0] as { outcome: string }).outcome = 'hangs'), /^\/clientGo\/0\/outcome: "hangs" is not one of/],
      ['a bad target source', (r) => ((r.target as { source: string }).source = 'kind'), /^\/target\/source: "kind" is not one of/],
      ['another schema version', (r) => ((r as { schemaVersion: number }).schemaVersion = 2), /^\/schemaVersion: expected 1, got 2$/],
      ['a string where a count is due', (r) => ((r.counts as unknown as Record<string, unknown>).fail = '1'), /^\/counts\/fail: expected integer, got string$/],
      ['a startedAt that is no date-time', (r) => (r.startedAt = 'today'), /^\/startedAt: "today" is not a date-time$/],
    ];
    it.each(cases)('%s', (_what, mutate, error) => {
      const report = copy(failingReport()) as Report & Record<string, unknown>;
      expect(validateJsonSchema(schema, report)).toEqual([]);
      mutate(report);
      const errors = validateJsonSchema(schema, report);
      expect(errors.some((e) => error.test(e)), errors.join('\n')).toBe(true);
    });
  });

  it('is what the library exports as plain data', () => {
    expect(JSON.parse(renderReportJsonSchema())).toEqual(reportJsonSchema());
  });
});
