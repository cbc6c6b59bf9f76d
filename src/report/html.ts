/**
 * The self-contained HTML report (`--html FILE`): verdict and client verdicts, the check table
 * with expandable findings, and per stream a timeline chart. Pure: report + record in, one HTML
 * string out. The page opens offline: styles and chart code are inlined, the timeline data is a
 * JSON block, and a Content-Security-Policy (default-src 'none', hashes for the one style and the
 * one script) forbids every network request and any script but ours.
 */
import { createHash } from 'node:crypto';
import type { CheckResult, Finding } from '../checks/types.js';
import type { RunRecord } from '../record/timeline.js';
import type { ClientVerdict } from '../verdict/types.js';
import { HTML_REPORT_SCRIPT, HTML_REPORT_STYLE } from './html-chart.js';
import { describeUntestedGroup, untestedGroups } from './coverage.js';
import type { Report } from './model.js';
import { formatMs } from './terminal.js';
import { timelineModel, type TimelineModel } from './timeline-model.js';

export interface HtmlReportInput {
  report: Report;
  /** The run's record (timelines); null when only the report is at hand: the page then has no charts. */
  record: RunRecord | null;
}

/**
 * Findings shown per check and in all (fail first, then warn, then info, across all checks), so
 * the page stays small whatever the run found; the JSON report has them all.
 */
export const MAX_FINDINGS_PER_CHECK = 25;
export const MAX_FINDINGS_TOTAL = 200;
/** Characters of a finding's evidence (pretty JSON) and message shown. */
export const MAX_EVIDENCE_CHARS = 1_500;
export const MAX_MESSAGE_CHARS = 2_000;
/** Log lines shown per client verdict. */
export const MAX_LOG_LINES = 50;

const CSP = [
  "default-src 'none'",
  `style-src '${sha256(HTML_REPORT_STYLE)}'`,
  `script-src '${sha256(HTML_REPORT_SCRIPT)}'`,
  "img-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

export function renderHtml(input: HtmlReportInput): string {
  const { report, record } = input;
  const model = record === null ? null : timelineModel(report, record);
  const verdict = VERDICT_TEXT[report.verdict];
  const target = report.target;
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(CSP)}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>watchmark ${verdict}: ${escapeHtml(target.description)}</title>`,
    `<style>${HTML_REPORT_STYLE}</style>`,
    '</head>',
    '<body>',
    renderHeader(report),
    renderClients(report.clientGo),
    renderChecks(report.checks),
    renderTimelines(model),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function renderHeader(report: Report): string {
  const t = report.target;
  const r = report.resource;
  const facts = [
    `${escapeHtml(t.description)}${t.serverVersion ? `, server ${escapeHtml(t.serverVersion)}` : ''}`,
    r ? `resource <code>${escapeHtml(r.name)}</code> (${escapeHtml(r.apiVersion)} ${escapeHtml(r.kind)})${r.namespace ? ` in namespace <code>${escapeHtml(r.namespace)}</code>` : ''}` : '',
    `${plural(report.streams.length, 'stream')}, ${plural(report.lists.length, 'list')}, ${plural(report.workload?.writes ?? 0, 'write')}`,
    `started ${escapeHtml(report.startedAt)}, ${escapeHtml(formatMs(report.durationMs))}`,
  ].filter((fact) => fact !== '');
  const cleanup = report.workload?.cleanupProblems.length
    ? `<p class="finding fail">Cleanup left things behind: ${escapeHtml(report.workload.cleanupProblems.join('; '))}</p>`
    : '';
  return [
    `<header>`,
    `<h1>watchmark ${escapeHtml(report.tool.version)} report</h1>`,
    `<p class="meta">${facts.join(' · ')}</p>`,
    `<div class="verdict ${report.verdict}" id="verdict"><span class="big">${VERDICT_TEXT[report.verdict]}</span>`,
    `<span>Verdict: ${VERDICT_TEXT[report.verdict]} (${report.counts.fail} fail, ${report.counts.warn} warn, ${report.counts.info} info; --fail-on ${escapeHtml(report.failOn)})</span></div>`,
    renderUntested(report),
    cleanup,
    `</header>`,
  ]
    .filter((line) => line !== '')
    .join('\n');
}

const VERDICT_TEXT: Record<Report['verdict'], string> = { pass: 'PASS', fail: 'FAIL', inconclusive: 'INCONCLUSIVE' };

/** The requests that got no usable answer and the checks that did not run; '' when all were answered. */
function renderUntested(report: Report): string {
  const { requests, checks } = report.untested;
  if (requests.length === 0) return '';
  const items = untestedGroups(requests).map((group) => `<li>${escapeHtml(describeUntestedGroup(group))}</li>`);
  const notRun = checks.length > 0 ? `<p>${plural(checks.length, 'check')} did not run (skipped, see their reasons below): ${checks.map((k) => `<code>${escapeHtml(k.id)}</code>`).join(', ')}</p>` : '';
  return `<section class="untested" id="untested"><h2>Not tested</h2><p>${plural(requests.length, 'request')} got no usable answer:</p><ul>${items.join('')}</ul>${notRun}</section>`;
}

const OUTCOME_TEXT: Record<ClientVerdict['outcome'], string> = {
  syncs: 'syncs',
  'never-syncs': 'never syncs',
  'falls-back': 'falls back to LIST+WATCH',
  loops: 'loops (re-watch/relist without backoff)',
  stops: "stops watching ('error')",
  crashes: 'crashes the process',
};

function renderClients(verdicts: ClientVerdict[]): string {
  if (verdicts.length === 0) return '<h2>Client verdicts</h2>\n<p class="note">The record has no request a client profile starts with.</p>';
  const cards = verdicts.map((v) => {
    const facts = [
      v.syncedAfterMs !== null ? `synced after ${escapeHtml(formatMs(v.syncedAfterMs))}` : 'never synced',
      v.warningsRange
        ? `${v.warningsRange.min}–${v.warningsRange.max} × "Warning: event bookmark expired" (a coin toss)`
        : v.warnings > 0
          ? `${v.warnings} × "Warning: event bookmark expired"`
          : '',
      v.silentlyDropped ? `${v.silentlyDropped} frame(s) silently dropped` : '',
      v.skippedEvents ? `${v.skippedEvents} event(s) of another kind skipped` : '',
      v.basedOn.length > 0 ? `based on ${v.basedOn.map((id) => `<code>${escapeHtml(id)}</code>`).join(', ')}` : '',
    ].filter((fact) => fact !== '');
    const lines = v.logLines.slice(0, MAX_LOG_LINES).map((l) => `+${formatMs(l.atMs)}  ${l.line}`);
    if (v.logLines.length > MAX_LOG_LINES) lines.push(`… and ${v.logLines.length - MAX_LOG_LINES} more (see the JSON report)`);
    return [
      `<div class="client" data-profile="${escapeHtml(v.profile)}">`,
      `<h3><span>${escapeHtml(v.profile)}</span> <span class="badge ${escapeHtml(v.outcome)}">${escapeHtml(OUTCOME_TEXT[v.outcome] ?? v.outcome)}</span></h3>`,
      `<p class="meta">${facts.join(' · ')}</p>`,
      `<p>${escapeHtml(v.explanation)}</p>`,
      lines.length > 0 ? `<details><summary>${v.logLines.length} log line(s)</summary><pre>${escapeHtml(lines.join('\n'))}</pre></details>` : '',
      `</div>`,
    ]
      .filter((line) => line !== '')
      .join('\n');
  });
  return `<h2>Client verdicts</h2>\n<div class="clients" id="clients">\n${cards.join('\n')}\n</div>`;
}

const SEVERITY_ORDER: Record<Finding['severity'], number> = { fail: 0, warn: 1, info: 2 };

/** Which findings each check shows: by severity across all checks, at most per check and in all. */
function shownFindings(checks: CheckResult[]): Finding[][] {
  const ranked = checks.flatMap((check, c) => check.findings.map((finding, i) => ({ c, i, finding })));
  ranked.sort((a, b) => SEVERITY_ORDER[a.finding.severity] - SEVERITY_ORDER[b.finding.severity] || a.c - b.c || a.i - b.i);
  const shown: Finding[][] = checks.map(() => []);
  let total = 0;
  for (const { c, finding } of ranked) {
    if (total >= MAX_FINDINGS_TOTAL) break;
    if (shown[c]!.length >= MAX_FINDINGS_PER_CHECK) continue;
    shown[c]!.push(finding);
    total++;
  }
  return shown;
}

function renderChecks(checks: CheckResult[]): string {
  const shownByCheck = shownFindings(checks);
  const rows = checks.map((check, c) => {
    const counts = { fail: 0, warn: 0, info: 0 };
    for (const f of check.findings) counts[f.severity]++;
    const shown = shownByCheck[c]!;
    const countText = (['fail', 'warn', 'info'] as const).filter((s) => counts[s] > 0).map((s) => `${counts[s]} ${s}`).join(', ');
    const findings =
      check.findings.length === 0
        ? ''
        : [
            `<details${check.status === 'fail' ? ' open' : ''}><summary>${check.findings.length} finding(s): ${countText}</summary>`,
            ...shown.map(renderFinding),
            check.findings.length > shown.length ? `<p class="note">… and ${check.findings.length - shown.length} more (see the JSON report)</p>` : '',
            `</details>`,
          ]
            .filter((line) => line !== '')
            .join('\n');
    return [
      `<tr data-check="${escapeHtml(check.id)}">`,
      `<td><span class="badge ${escapeHtml(check.status)}">${escapeHtml(check.status)}</span></td>`,
      `<td><code>${escapeHtml(check.id)}</code></td>`,
      `<td>${escapeHtml(check.summary)}${findings ? `\n${findings}` : ''}</td>`,
      `</tr>`,
    ].join('\n');
  });
  return [
    '<h2>Checks</h2>',
    '<table class="checks" id="checks">',
    '<thead><tr><th>status</th><th>check</th><th>summary and findings</th></tr></thead>',
    '<tbody>',
    ...rows,
    '</tbody>',
    '</table>',
  ].join('\n');
}

function renderFinding(finding: Finding): string {
  const where = [finding.stream ? `stream <code>${escapeHtml(finding.stream)}</code>` : '', finding.scenario ? `scenario ${escapeHtml(finding.scenario)}` : '']
    .filter((part) => part !== '')
    .join(', ');
  const evidence =
    Object.keys(finding.evidence).length > 0
      ? `<details class="evidence"><summary>evidence</summary><pre>${escapeHtml(truncate(JSON.stringify(finding.evidence, null, 2), MAX_EVIDENCE_CHARS))}</pre></details>`
      : '';
  return [
    `<div class="finding ${finding.severity}">`,
    `<span class="badge ${finding.severity}">${finding.severity}</span>${where ? ` <span class="meta">${where}</span>` : ''}`,
    `<div>${escapeHtml(truncate(finding.message, MAX_MESSAGE_CHARS))}</div>`,
    evidence,
    `</div>`,
  ]
    .filter((line) => line !== '')
    .join('\n');
}

function renderTimelines(model: TimelineModel | null): string {
  if (model === null) {
    return '<h2>Timelines</h2>\n<p class="note">No recording was given, so there are no timelines.</p>';
  }
  const legend = [
    ['sw-added', 'ADDED'],
    ['sw-modified', 'MODIFIED'],
    ['sw-deleted', 'DELETED'],
    ['sw-bookmark', 'BOOKMARK'],
    ['sw-end', 'initial-events-end bookmark'],
    ['sw-deadline-bm', 'deadline bookmark'],
    ['sw-other', 'ERROR / malformed'],
    ['sw-deadline', 'timeoutSeconds deadline'],
    ['sw-close', 'stream close'],
    ['sw-gap', `silence ≥ ${formatMs(model.axis.minGapMs)}`],
    ['sw-warn', 'client-go ≥0.35 "bookmark expired" 10 s window'],
  ]
    .map(([cls, text]) => `<span><span class="sw ${cls}"></span>${escapeHtml(text!)}</span>`)
    .join('');
  return [
    '<h2>Timelines</h2>',
    `<p class="note">One shared time axis (seconds since the run started, ${formatMs(model.axis.bucketMs)} per bucket); event bars are counts per bucket on a log scale. Hover any mark for details.</p>`,
    `<div class="legend">${legend}</div>`,
    '<div id="timelines"></div>',
    '<noscript><p class="note">The timeline charts are drawn by the page\'s inline script; enable JavaScript to see them.</p></noscript>',
    `<script type="application/json" id="watchmark-timeline">${jsonForScript(model)}</script>`,
    `<script>${HTML_REPORT_SCRIPT}</script>`,
  ].join('\n');
}

/** Text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * JSON for a `<script type="application/json">` block: `<`, `>` and `&` are \u-escaped, so no
 * `</script` or `<!--` can end or change the block, and U+2028/2029 for old parsers. JSON.parse
 * reads it back unchanged.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters in the JSON report)`;
}

function sha256(text: string): string {
  return `sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}`;
}
