import type { CheckStatus, Finding } from '../checks/types.js';
import type { ClientOutcome, ClientVerdict } from '../verdict/types.js';
import { describeUntestedGroup, untestedGroups } from './coverage.js';
import type { Report, ScenarioResult } from './model.js';

/**
 * Client outcomes that count as a failed testcase: the client's cache is never filled, or stops
 * being kept up to date. `falls-back` passes: client-go >= v0.35 syncs via LIST+WATCH instead.
 */
export const FAILING_CLIENT_OUTCOMES: ReadonlySet<ClientOutcome> = new Set(['never-syncs', 'loops', 'stops', 'crashes']);

/** Name of the extra testsuite holding one testcase per client profile. */
export const CLIENT_VERDICTS_SUITE = 'client-verdicts';

/** Name of the testsuite listing the requests that got no usable answer (only when there are some). */
export const UNTESTED_SUITE = 'untested';

/**
 * Renders the report as JUnit XML, in the shape Jenkins (junit plugin junit-10.xsd), GitLab and
 * the GitHub test-report actions read: one <testsuite> per scenario with one <testcase> per check
 * (classname watchmark.SCENARIO, name = check id), plus a `client-verdicts` suite. Pure.
 *
 * Status mapping: fail -> <failure type="fail"> with the check's findings for that scenario; skip
 * -> <skipped>; warn -> a passing testcase whose <system-out> lists the warnings, or a
 * <failure type="warn"> when --fail-on warn makes warnings fail the run. Testcases take time 0:
 * checks are pure functions over the recording, so the time that means something is how long the
 * scenario's streams were observed (the testsuite's time).
 */
export function renderJunit(report: Report): string {
  const properties = reportProperties(report);
  const suites = scenariosOf(report).map((scenario) => scenarioSuite(report, scenario, properties));
  if (report.clientGo.length > 0) suites.push(clientSuite(report, properties));
  if (report.untested.requests.length > 0) suites.push(untestedSuite(report, properties));

  const totals = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  for (const s of suites) {
    totals.tests += s.tests;
    totals.failures += s.failures;
    totals.errors += s.errors;
    totals.skipped += s.skipped;
  }
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs({
      name: 'watchmark',
      tests: totals.tests,
      failures: totals.failures,
      errors: totals.errors,
      skipped: totals.skipped,
      time: seconds(report.durationMs),
      timestamp: timestamp(report.startedAt),
    })}>`,
    ...suites.flatMap((s) => s.lines.map((l) => `  ${l}`)),
    '</testsuites>',
  ];
  return lines.join('\n') + '\n';
}

interface Suite {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  lines: string[];
}

interface Testcase {
  name: string;
  /** Text of a <failure>, with its message and type; absent when the testcase passes or is skipped. */
  failure?: { message: string; type: string; text: string };
  /** An <error>: the test could not be carried out (a request that got no usable answer). */
  error?: { message: string; type: string; text: string };
  skipped?: { message: string };
  systemOut?: string;
}

/** Reports without per-scenario results (e.g. from `observe`) become one suite from the combined checks. */
function scenariosOf(report: Report): ScenarioResult[] {
  if (report.scenarios.length > 0) return report.scenarios;
  return [
    {
      name: 'checks',
      file: '',
      description: '',
      checks: report.checks.map((c) => ({ id: c.id, status: c.status, summary: c.summary })),
    },
  ];
}

function scenarioSuite(report: Report, scenario: ScenarioResult, properties: string[]): Suite {
  const perScenario = report.scenarios.length > 0;
  const cases = scenario.checks.map((check): Testcase => {
    const findings = (report.checks.find((c) => c.id === check.id)?.findings ?? []).filter(
      (f) => !perScenario || f.scenario === scenario.name,
    );
    return checkTestcase(report, check.id, check.status, check.summary, findings);
  });
  const streams = report.streams.filter((s) => !perScenario || s.scenario === scenario.name);
  const observedMs =
    streams.length === 0
      ? 0
      : Math.max(...streams.map((s) => s.closedAtMs ?? s.openedAtMs)) - Math.min(...streams.map((s) => s.openedAtMs));
  return suite(
    {
      name: scenario.name,
      ...(scenario.file ? { file: scenario.file } : {}),
      time: seconds(observedMs),
      timestamp: timestamp(report.startedAt),
    },
    `watchmark.${scenario.name}`,
    cases,
    properties,
  );
}

function checkTestcase(report: Report, id: string, status: CheckStatus, summary: string, findings: Finding[]): Testcase {
  const fails = findings.filter((f) => f.severity === 'fail');
  const warns = findings.filter((f) => f.severity === 'warn');
  switch (status) {
    case 'pass':
      return { name: id };
    case 'skip':
      return { name: id, skipped: { message: summary } };
    case 'fail':
      return {
        name: id,
        failure: { message: summary, type: 'fail', text: findingsText([...fails, ...warns]) },
      };
    case 'warn':
      // --fail-on warn: the warnings fail the run, so they fail the testcase too.
      if (report.failOn === 'warn') return { name: id, failure: { message: summary, type: 'warn', text: findingsText(warns) } };
      return { name: id, systemOut: `${summary}\n\n${findingsText(warns)}` };
  }
}

/** Each finding: severity, stream, message, evidence as JSON. */
function findingsText(findings: Finding[]): string {
  if (findings.length === 0) return '(no findings recorded)';
  return findings
    .map((f) => {
      const where = [f.scenario ? `scenario ${f.scenario}` : '', f.stream ? `stream ${f.stream}` : ''].filter(Boolean).join(', ');
      return `[${f.severity.toUpperCase()}]${where ? ` ${where}` : ''}\n${f.message}\nevidence: ${JSON.stringify(f.evidence)}`;
    })
    .join('\n\n');
}

function clientSuite(report: Report, properties: string[]): Suite {
  const cases = report.clientGo.map((v): Testcase => {
    const text = clientText(v);
    if (FAILING_CLIENT_OUTCOMES.has(v.outcome)) {
      return { name: v.profile, failure: { message: `${v.profile}: ${v.outcome}`, type: v.outcome, text } };
    }
    return { name: v.profile, systemOut: `${v.profile}: ${v.outcome}\n${text}` };
  });
  return suite({ name: CLIENT_VERDICTS_SUITE, time: seconds(0), timestamp: timestamp(report.startedAt) }, `watchmark.${CLIENT_VERDICTS_SUITE}`, cases, properties);
}

function clientText(v: ClientVerdict): string {
  const lines = [v.explanation];
  if (v.syncedAfterMs !== null) lines.push(`synced after ${v.syncedAfterMs} ms`);
  if (v.warningsRange) lines.push(`${v.warningsRange.min}-${v.warningsRange.max} x "Warning: event bookmark expired" (a coin toss: ${v.warningsRange.why})`);
  else if (v.warnings > 0) lines.push(`${v.warnings} x "Warning: event bookmark expired"`);
  if (v.silentlyDropped) lines.push(`${v.silentlyDropped} frame(s) silently dropped`);
  if (v.skippedEvents) lines.push(`${v.skippedEvents} event(s) of another kind skipped`);
  for (const l of v.logLines) lines.push(`+${l.atMs} ms ${l.line}`);
  if (v.basedOn.length > 0) lines.push(`based on ${v.basedOn.join(', ')}`);
  return lines.join('\n');
}

/**
 * The run is INCONCLUSIVE: one <error type="inconclusive"> testcase per group of requests with the
 * same answer (403s, no response head, ...), so CI shows the run as broken rather than green,
 * and which checks did not run (with their skip reasons).
 */
function untestedSuite(report: Report, properties: string[]): Suite {
  const notRun = report.untested.checks.map((k) => `${k.id}: ${k.reason}`).join('\n');
  const cases = untestedGroups(report.untested.requests).map((group): Testcase => {
    const line = describeUntestedGroup(group);
    return {
      name: `${group.kind} ${group.ids[0]}${group.ids.length > 1 ? ` and ${group.ids.length - 1} more` : ''}`,
      error: { message: line, type: 'inconclusive', text: `${line}\nrequests: ${group.ids.join(', ')}${notRun ? `\n\nchecks that did not run (skip reasons):\n${notRun}` : ''}` },
    };
  });
  return suite({ name: UNTESTED_SUITE, time: seconds(0), timestamp: timestamp(report.startedAt) }, `watchmark.${UNTESTED_SUITE}`, cases, properties);
}

function suite(attributes: Record<string, string | number>, classname: string, cases: Testcase[], properties: string[]): Suite {
  const failures = cases.filter((c) => c.failure).length;
  const errors = cases.filter((c) => c.error).length;
  const skipped = cases.filter((c) => c.skipped).length;
  const lines = [
    `<testsuite${attrs({ name: attributes.name!, tests: cases.length, failures, errors, skipped, ...attributes })}>`,
    '  <properties>',
    ...properties.map((p) => `    ${p}`),
    '  </properties>',
  ];
  for (const c of cases) {
    const open = `  <testcase${attrs({ name: c.name, classname, time: 0 })}`;
    if (!c.failure && !c.error && !c.skipped && c.systemOut === undefined) {
      lines.push(`${open}/>`);
      continue;
    }
    lines.push(`${open}>`);
    if (c.failure) lines.push(`    <failure${attrs({ message: c.failure.message, type: c.failure.type })}>${text(c.failure.text)}</failure>`);
    if (c.error) lines.push(`    <error${attrs({ message: c.error.message, type: c.error.type })}>${text(c.error.text)}</error>`);
    if (c.skipped) lines.push(`    <skipped${attrs({ message: c.skipped.message })}/>`);
    if (c.systemOut !== undefined) lines.push(`    <system-out>${text(c.systemOut)}</system-out>`);
    lines.push('  </testcase>');
  }
  lines.push('</testsuite>');
  return { tests: cases.length, failures, errors, skipped, lines };
}

function reportProperties(report: Report): string[] {
  const r = report.resource;
  const props: Array<[string, string]> = [
    ['watchmark.version', report.tool.version],
    ['target.server', report.target.server],
    ['target.source', report.target.source],
    ['target.serverVersion', report.target.serverVersion ?? 'unknown'],
    ['resource', r ? `${r.name} (${r.apiVersion} ${r.kind})` : 'none'],
    ['failOn', report.failOn],
    ['verdict', report.verdict],
  ];
  return props.map(([name, value]) => `<property${attrs({ name, value })}/>`);
}

/** JUnit times are seconds; millisecond precision is plenty. */
function seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}

/**
 * ISO 8601 without fraction or zone: junit-10.xsd's timestamp pattern admits nothing else
 * (`[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}`). startedAt is UTC.
 */
function timestamp(iso: string): string {
  return iso.slice(0, 19);
}

/**
 * Characters XML 1.0 does not allow at all (C0 controls but tab/LF/CR, lone surrogates, U+FFFE/F):
 * no escape makes them legal, so they are dropped.
 */
const INVALID_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Escapes text content. `>` too, so a "]]>" in a message cannot end anything. */
function text(value: string): string {
  return value.replace(INVALID_XML, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escapes an attribute value; tab, LF and CR as references, which attribute normalisation keeps. */
function attr(value: string): string {
  return text(value).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');
}

function attrs(values: Record<string, string | number>): string {
  return Object.entries(values)
    .map(([k, v]) => ` ${k}="${attr(String(v))}"`)
    .join('');
}
