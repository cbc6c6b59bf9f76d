import type { CheckStatus, Finding } from '../checks/types.js';
import type { Report } from './model.js';

/**
 * Renders the report as TAP version 14 (testanything.org/tap-version-14-specification.html):
 * the plan first, then one test point per check result of each scenario, named SCENARIO/CHECK
 * (the check id alone for reports without scenarios, e.g. from `observe`). Pure.
 *
 * Status mapping, as in the JUnit report: pass -> `ok`; skip -> `ok ... # SKIP reason`; fail ->
 * `not ok`; warn -> `ok`, or `not ok` when --fail-on warn makes warnings fail the run. Every point
 * that is not a pass carries a YAML diagnostic block (severity, message, findings). The verdict
 * and the client verdicts follow as comments: TAP has no place for them, and the exit code
 * (not the TAP) says whether the run failed or was inconclusive.
 */
export function renderTap(report: Report): string {
  const points = testPoints(report);
  const lines = ['TAP version 14', points.length === 0 ? '1..0 # no check results' : `1..${points.length}`];
  points.forEach((point, i) => {
    const reason = oneLine(point.summary);
    const directive = point.status !== 'skip' ? '' : reason ? ` # SKIP ${reason}` : ' # SKIP';
    lines.push(`${point.ok ? 'ok' : 'not ok'} ${i + 1} - ${description(point.name)}${directive}`);
    if (point.status !== 'pass') lines.push(...yamlBlock(point));
  });
  lines.push(`# verdict ${report.verdict.toUpperCase()} (fail on ${report.failOn}): ${report.counts.fail} fail, ${report.counts.warn} warn, ${report.counts.info} info`);
  for (const v of report.clientGo) lines.push(`# ${oneLine(v.profile)}: ${v.outcome}`);
  if (report.untested.requests.length > 0) lines.push(`# untested: ${report.untested.requests.length} request(s) got no usable answer`);
  return lines.join('\n') + '\n';
}

interface TestPoint {
  name: string;
  status: CheckStatus;
  ok: boolean;
  summary: string;
  findings: Finding[];
}

function testPoints(report: Report): TestPoint[] {
  const point = (name: string, id: string, status: CheckStatus, summary: string, scenario: string | null): TestPoint => {
    const all = (report.checks.find((c) => c.id === id)?.findings ?? []).filter((f) => scenario === null || f.scenario === scenario);
    const bySeverity = (s: Finding['severity']) => all.filter((f) => f.severity === s);
    const findings = status === 'fail' ? [...bySeverity('fail'), ...bySeverity('warn')] : status === 'warn' ? bySeverity('warn') : [];
    const ok = status === 'pass' || status === 'skip' || (status === 'warn' && report.failOn !== 'warn');
    return { name, status, ok, summary, findings };
  };
  if (report.scenarios.length === 0) return report.checks.map((c) => point(c.id, c.id, c.status, c.summary, null));
  return report.scenarios.flatMap((s) => s.checks.map((c) => point(`${s.name}/${c.id}`, c.id, c.status, c.summary, s.name)));
}

/**
 * The diagnostic block, indented two spaces as TAP 14 requires. Every value is a JSON string or
 * object: JSON is YAML 1.2 flow syntax, so quotes, colons, newlines and control characters in
 * messages (a malformed frame's raw bytes) cannot break the block.
 */
function yamlBlock(point: TestPoint): string[] {
  const lines = ['---', `severity: ${point.status}`, `message: ${JSON.stringify(point.summary)}`];
  if (point.findings.length === 0) lines.push('findings: []');
  else {
    lines.push('findings:');
    for (const f of point.findings) {
      lines.push(`  - severity: ${f.severity}`);
      if (f.stream !== undefined) lines.push(`    stream: ${JSON.stringify(f.stream)}`);
      lines.push(`    message: ${JSON.stringify(f.message)}`, `    evidence: ${JSON.stringify(f.evidence)}`);
    }
  }
  lines.push('...');
  return lines.map((l) => `  ${l}`);
}

/** A description: one line, `\` and `#` escaped (an unescaped `#` would start a directive). */
function description(name: string): string {
  return oneLine(name).replace(/[\\#]/g, (c) => `\\${c}`);
}

function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}
