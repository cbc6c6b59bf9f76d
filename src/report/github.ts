import type { CheckResult, CheckStatus, Finding } from '../checks/types.js';
import type { ClientOutcome } from '../verdict/types.js';
import { FAILING_CLIENT_OUTCOMES } from './junit.js';
import { describeUntestedGroup, untestedGroups } from './coverage.js';
import type { Report } from './model.js';
import { formatMs } from './terminal.js';

/**
 * GitHub shows at most 10 error and 10 warning annotations from workflow commands per step and
 * drops the rest silently, so watchmark never emits more than that per kind.
 */
export const ANNOTATIONS_PER_KIND = 10;

/**
 * Bytes the step summary may take. GitHub rejects a step's summary over 1 MiB as a whole ("upload
 * aborted, supports content up to a size of 1024k"), and other tools in the same step may append
 * too, so watchmark stays far below.
 */
export const SUMMARY_BUDGET_BYTES = 128 * 1024;

/** Longest finding message quoted in the summary; the JSON report has the rest. */
const SUMMARY_MESSAGE_CHARS = 1_500;
/** Longest client-verdict explanation in the table. */
const CLIENT_EXPLANATION_CHARS = 400;

interface Annotation {
  kind: 'error' | 'warning';
  title: string;
  message: string;
}

/** Findings of one check in one scenario at one severity: one annotation, not one per finding. */
interface FindingGroup {
  check: CheckResult;
  scenario: string | undefined;
  severity: 'fail' | 'warn';
  findings: Finding[];
}

/**
 * Workflow commands (`::error title=…::message`, `::warning …`) for the report, one line each.
 * Errors are the findings that fail the run (fail findings, then warn findings with --fail-on
 * warn), warnings the other warn findings; each kind in check order, one annotation per check and
 * scenario, at most ANNOTATIONS_PER_KIND with the last one summarising what did not fit. Pure.
 */
export function renderGithubAnnotations(report: Report): string {
  const fails = groupFindings(report.checks, 'fail');
  const warns = groupFindings(report.checks, 'warn');
  const errors = report.failOn === 'warn' ? [...fails, ...warns] : fails;
  const warnings = report.failOn === 'warn' ? [] : warns;
  const annotations = [...untestedAnnotation(report), ...limit('error', errors, report), ...limit('warning', warnings, report)];
  return annotations.map((a) => `::${a.kind} title=${escapeProperty(a.title)}::${escapeData(a.message)}\n`).join('');
}

/** An inconclusive run gets one ::error saying what went untested (a FAIL run is explained by its findings). */
function untestedAnnotation(report: Report): Annotation[] {
  if (report.verdict !== 'inconclusive') return [];
  const groups = untestedGroups(report.untested.requests);
  return [
    {
      kind: 'error',
      title: 'watchmark: INCONCLUSIVE',
      message:
        `${report.untested.requests.length} request(s) got no usable answer, so the run did not test the server: ` +
        groups.map((g) => describeUntestedGroup(g)).join('; '),
    },
  ];
}

function groupFindings(checks: readonly CheckResult[], severity: 'fail' | 'warn'): FindingGroup[] {
  const groups: FindingGroup[] = [];
  for (const check of checks) {
    const byScenario = new Map<string | undefined, Finding[]>();
    for (const f of check.findings) {
      if (f.severity !== severity) continue;
      const list = byScenario.get(f.scenario) ?? [];
      list.push(f);
      byScenario.set(f.scenario, list);
    }
    for (const [scenario, findings] of byScenario) groups.push({ check, scenario, severity, findings });
  }
  return groups;
}

function limit(kind: Annotation['kind'], groups: FindingGroup[], report: Report): Annotation[] {
  const fits = groups.length <= ANNOTATIONS_PER_KIND ? groups : groups.slice(0, ANNOTATIONS_PER_KIND - 1);
  const out = fits.map((g) => annotation(kind, g, report));
  const rest = groups.slice(fits.length);
  if (rest.length > 0) {
    const findings = rest.reduce((n, g) => n + g.findings.length, 0);
    const what = kind === 'error' ? 'failing' : 'warning';
    const names = rest.map(groupName);
    const shown = names.slice(0, 20).join(', ') + (names.length > 20 ? `, … (${names.length - 20} more)` : '');
    out.push({
      kind,
      title: `watchmark: and ${rest.length} more ${what} check${rest.length === 1 ? '' : 's'}`,
      message:
        `and ${rest.length} more ${what} check/scenario pair${rest.length === 1 ? '' : 's'} (${findings} finding${findings === 1 ? '' : 's'}) ` +
        `not annotated (GitHub shows ${ANNOTATIONS_PER_KIND} ${kind}s per step): ${shown}. See the job summary or the JSON/JUnit report.`,
    });
  }
  return out;
}

function annotation(kind: Annotation['kind'], g: FindingGroup, report: Report): Annotation {
  const [first, ...more] = g.findings;
  const policy = g.severity === 'warn' && report.failOn === 'warn' ? ' (warn, failing with --fail-on warn)' : '';
  const streams = more.map((f) => f.stream).filter((s): s is string => s !== undefined);
  const also =
    more.length === 0
      ? ''
      : `\n(and ${more.length} more finding${more.length === 1 ? '' : 's'} of this check here${streams.length ? ` on ${[...new Set(streams)].join(', ')}` : ''})`;
  return { kind, title: `watchmark: ${groupName(g)}${policy}`, message: `${first!.message}${also}` };
}

function groupName(g: FindingGroup): string {
  return g.scenario ? `${g.check.id} (${g.scenario})` : g.check.id;
}

/**
 * Workflow-command data (the message): actions/toolkit core command.ts escapeData. Other control
 * characters (raw frame bytes quoted in a finding) are dropped: the log would render ESC sequences.
 */
export function escapeData(value: string): string {
  return stripControls(value).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** C0 controls but tab/LF/CR, DEL, and lone surrogates (not encodable as UTF-8). */
function stripControls(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]|\p{Cs}/gu, '');
}

/** Workflow-command property values (title=…): escapeData plus the `:` and `,` that delimit properties (command.ts escapeProperty). */
export function escapeProperty(value: string): string {
  return escapeData(value).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

const STATUS_MARK: Record<CheckStatus, string> = { pass: '✅ pass', fail: '❌ fail', warn: '⚠️ warn', skip: '⏭️ skip' };

const OUTCOME_TEXT: Record<ClientOutcome, string> = {
  syncs: 'syncs',
  'never-syncs': 'never syncs',
  'falls-back': 'falls back to LIST+WATCH',
  loops: 'loops (re-watches without backoff)',
  stops: "stops watching ('error')",
  crashes: 'crashes the process',
};

/**
 * Markdown for $GITHUB_STEP_SUMMARY: verdict, client verdicts, the check table, the findings that
 * fail the run (then the other warnings), and what a fail means. At most SUMMARY_BUDGET_BYTES:
 * findings that do not fit are counted, not shown. Pure.
 */
export function renderGithubSummary(report: Report): string {
  const head: string[] = [];
  const verdict = { pass: '✅ PASS', fail: '❌ FAIL', inconclusive: '⚠️ INCONCLUSIVE' }[report.verdict];
  head.push(`## watchmark: ${verdict}`, '');
  head.push(
    `**Verdict: ${verdict.split(' ')[1]}** — ${report.counts.fail} fail, ${report.counts.warn} warn finding${report.counts.warn === 1 ? '' : 's'}; ` +
      `the run fails on ${report.failOn === 'warn' ? 'fail and warn' : 'fail'} findings (\`--fail-on ${report.failOn}\`).`,
    '',
  );
  if (report.untested.requests.length > 0) {
    head.push(`### Not tested`, '', `${report.untested.requests.length} request(s) got no usable answer${report.verdict === 'inconclusive' ? ', so the verdict is INCONCLUSIVE (exit code 2)' : ''}:`, '');
    for (const group of untestedGroups(report.untested.requests)) head.push(`- ${md(describeUntestedGroup(group))}`);
    if (report.untested.checks.length > 0) head.push('', `Checks that did not run (skipped, see the table): ${report.untested.checks.map((k) => `\`${k.id}\``).join(', ')}`);
    head.push('');
  }
  const t = report.target;
  const r = report.resource;
  head.push(
    `Target: ${md(t.description)}${t.serverVersion ? `, server ${md(t.serverVersion)}` : ''}` +
      (r ? `; resource \`${r.name}\` (${md(`${r.apiVersion} ${r.kind}`)})` : '') +
      `; ${report.scenarios.length} scenarios, ${report.streams.length} streams, ${(report.durationMs / 1000).toFixed(1)} s; watchmark ${md(report.tool.version)}.`,
    '',
  );

  if (report.clientGo.length > 0) {
    head.push('### Client verdicts', '', '| client | outcome | synced after | why |', '| --- | --- | --- | --- |');
    for (const v of report.clientGo) {
      const mark = FAILING_CLIENT_OUTCOMES.has(v.outcome) ? '❌' : v.outcome === 'syncs' ? '✅' : '⚠️';
      const notes = [
        v.warningsRange
          ? `${v.warningsRange.min}–${v.warningsRange.max} × "Warning: event bookmark expired" (a coin toss)`
          : v.warnings > 0
            ? `${v.warnings} × "Warning: event bookmark expired"`
            : '',
        v.silentlyDropped ? `${v.silentlyDropped} frame${v.silentlyDropped === 1 ? '' : 's'} silently dropped` : '',
        v.skippedEvents ? `${v.skippedEvents} event${v.skippedEvents === 1 ? '' : 's'} of another kind skipped` : '',
        truncate(v.explanation, CLIENT_EXPLANATION_CHARS),
      ].filter(Boolean);
      head.push(
        `| \`${v.profile}\` | ${mark} ${OUTCOME_TEXT[v.outcome]} | ${v.syncedAfterMs !== null ? formatMs(v.syncedAfterMs) : '—'} | ${md(notes.join('; '))} |`,
      );
    }
    head.push('');
  }

  head.push('### Checks', '', '| check | status | summary |', '| --- | --- | --- |');
  for (const c of report.checks) head.push(`| \`${c.id}\` | ${STATUS_MARK[c.status]} | ${md(c.summary)} |`);
  head.push('');

  const tail = [
    '### What a fail means',
    '',
    '**fail**: client-go breaks on this server (an informer never syncs, loses or misorders events, or falls back). ' +
      '**warn**: the server deviates from kube-apiserver or the API contract while client-go copes. ' +
      'The run fails on fail findings (with `--fail-on warn`, on warn findings too). Long bookmark gaps fail only under your own ' +
      '`--max-bookmark-interval` policy: client-go needs no periodic bookmarks. Each check id is explained in watchmark\'s README.',
    '',
  ];

  const failing = (f: Finding) => f.severity === 'fail' || (report.failOn === 'warn' && f.severity === 'warn');
  const sections: Array<{ title: string; pick: (f: Finding) => boolean }> = [
    { title: 'Failing findings', pick: failing },
    { title: 'Warnings', pick: (f) => f.severity === 'warn' && !failing(f) },
  ];
  let budget = SUMMARY_BUDGET_BYTES - bytes(head) - bytes(tail) - 512; // 512: the "not shown" lines
  const body: string[] = [];
  let notShown = 0;
  for (const section of sections) {
    const checks = report.checks.map((c) => ({ id: c.id, findings: c.findings.filter(section.pick) })).filter((c) => c.findings.length > 0);
    if (checks.length === 0) continue;
    const total = checks.reduce((n, c) => n + c.findings.length, 0);
    const title = [`### ${section.title} (${total})`, ''];
    if (bytes(title) > budget) {
      notShown += total;
      continue;
    }
    body.push(...title);
    budget -= bytes(title);
    for (const check of checks) {
      const heading = [`#### \`${check.id}\``, ''];
      const lines = check.findings.map((f) => {
        const where = [f.scenario ? `**${md(f.scenario)}**` : '', f.stream ? `\`${f.stream.replace(/`/g, "'")}\`` : ''].filter(Boolean).join(' · ');
        return `- ${where ? `${where}: ` : ''}${md(truncate(f.message, SUMMARY_MESSAGE_CHARS))}`;
      });
      let shown = 0;
      if (bytes(heading) + bytes(lines.slice(0, 1)) <= budget) {
        body.push(...heading);
        budget -= bytes(heading);
        for (const line of lines) {
          if (bytes([line]) > budget) break;
          body.push(line);
          budget -= bytes([line]);
          shown++;
        }
        body.push('');
      }
      notShown += lines.length - shown;
    }
  }
  if (notShown > 0) {
    body.push(`… and ${notShown} more finding${notShown === 1 ? '' : 's'} not shown (GitHub caps a step summary at 1 MiB); the JSON report (\`--json\`) has them all.`, '');
  }
  return [...head, ...body, ...tail].join('\n') + '\n';
}

function bytes(lines: readonly string[]): number {
  return lines.reduce((n, l) => n + Buffer.byteLength(l, 'utf8') + 1, 0);
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/**
 * Plain text inside Markdown: characters GitHub would read as markup or HTML are escaped, line
 * breaks become spaces (a finding is one list item, a summary one table cell).
 */
function md(s: string): string {
  return stripControls(s)
    .replace(/[\r\n]+/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|~])/g, '\\$1');
}
