import pc from 'picocolors';
import type { CheckStatus, Severity } from '../checks/types.js';
import type { ClientVerdict } from '../verdict/types.js';
import { describeUntestedGroup, untestedGroups } from './coverage.js';
import type { Report } from './model.js';

export interface TerminalOptions {
  color: boolean;
  /** Findings printed per check before "... and N more". */
  maxFindingsPerCheck?: number;
}

/** Renders the human summary: header, check table, client verdicts, findings, verdict line. Pure. */
export function renderTerminal(report: Report, options: TerminalOptions): string {
  const c = pc.createColors(options.color);
  const maxFindings = options.maxFindingsPerCheck ?? 3;
  const lines: string[] = [];
  const t = report.target;
  lines.push(
    c.bold(`watchmark ${report.tool.version}`) +
      ` — ${t.description}${t.serverVersion ? `, server ${t.serverVersion}` : ''}`,
  );
  if (report.resource) {
    const r = report.resource;
    lines.push(
      `resource ${r.name} (${r.apiVersion} ${r.kind})${r.namespace ? ` in namespace ${r.namespace}` : ''}; ` +
        `${report.streams.length} streams, ${report.workload?.writes ?? 0} writes, ${(report.durationMs / 1000).toFixed(1)} s`,
    );
  }
  lines.push('');

  const idWidth = Math.max(5, ...report.checks.map((k) => k.id.length));
  lines.push(c.dim(`${'CHECK'.padEnd(idWidth)}  STATUS  SUMMARY`));
  for (const check of report.checks) {
    lines.push(`${check.id.padEnd(idWidth)}  ${paintStatus(c, check.status)}  ${check.summary}`);
  }

  if (report.clientGo.length > 0) {
    lines.push('', c.bold('client verdicts'));
    const profileWidth = Math.max(16, ...report.clientGo.map((v) => v.profile.length));
    for (const v of report.clientGo) {
      const warnings = v.warningsRange
        ? c.yellow(` (${v.warningsRange.min}–${v.warningsRange.max} × "Warning: event bookmark expired", a coin toss)`)
        : v.warnings > 0
          ? c.yellow(` (${v.warnings} × "Warning: event bookmark expired")`)
          : '';
      const dropped = v.silentlyDropped ? c.yellow(` (${v.silentlyDropped} frame${v.silentlyDropped === 1 ? '' : 's'} silently dropped)`) : '';
      const skipped = v.skippedEvents ? c.yellow(` (${v.skippedEvents} event${v.skippedEvents === 1 ? '' : 's'} of another kind skipped)`) : '';
      lines.push(`  ${v.profile.padEnd(profileWidth)} ${paintOutcome(c, v)}${warnings}${dropped}${skipped}`);
      lines.push(indent(wrap(v.explanation, 96), '      '));
    }
  }

  const withFindings = report.checks.filter((k) => k.findings.some((f) => f.severity !== 'info'));
  if (withFindings.length > 0) {
    lines.push('', c.bold('Findings'));
    for (const check of withFindings) {
      const shown = check.findings.filter((f) => f.severity !== 'info');
      for (const f of shown.slice(0, maxFindings)) {
        lines.push(`  ${paintSeverity(c, f.severity)} ${check.id}${f.stream ? ` [${f.stream}]` : ''}`);
        lines.push(indent(wrap(f.message, 96), '      '));
      }
      if (shown.length > maxFindings) lines.push(c.dim(`      … and ${shown.length - maxFindings} more (see --json)`));
    }
  }

  lines.push(...renderUntested(report, c));

  lines.push('');
  const counts = `${report.counts.fail} fail, ${report.counts.warn} warn`;
  const verdict =
    report.verdict === 'pass' ? c.green(c.bold('PASS')) : report.verdict === 'fail' ? c.red(c.bold('FAIL')) : c.yellow(c.bold('INCONCLUSIVE'));
  const untested = report.untested.requests.length;
  const why =
    report.verdict === 'inconclusive'
      ? `: ${untested} request${untested === 1 ? '' : 's'} got no usable answer, so the checks that rest on ${untested === 1 ? 'it' : 'them'} did not test the server`
      : '';
  lines.push(`Verdict: ${verdict} (${counts}; --fail-on ${report.failOn})${why}`);
  if (report.workload?.cleanupProblems.length) {
    lines.push(c.yellow(`Cleanup left things behind: ${report.workload.cleanupProblems.join('; ')}`));
  }
  return lines.join('\n') + '\n';
}

type Colors = ReturnType<typeof pc.createColors>;

/** The requests that got no usable answer and the checks that did not run (nothing when all were answered). */
function renderUntested(report: Report, c: Colors): string[] {
  const { requests, checks } = report.untested;
  if (requests.length === 0) return [];
  const lines = ['', c.bold('Not tested'), `  ${requests.length} request${requests.length === 1 ? '' : 's'} got no usable answer:`];
  for (const group of untestedGroups(requests)) lines.push(indent(wrap(describeUntestedGroup(group), 94), '    '));
  if (checks.length > 0) {
    lines.push(indent(wrap(`${checks.length} check${checks.length === 1 ? '' : 's'} did not run (skipped; their lines above say why): ${checks.map((k) => k.id).join(', ')}`, 94), '  '));
  }
  return lines;
}

function paintOutcome(c: Colors, v: ClientVerdict): string {
  const synced = v.syncedAfterMs !== null ? `synced after ${formatMs(v.syncedAfterMs)}` : '';
  switch (v.outcome) {
    case 'syncs':
      return c.green(`syncs${v.syncedAfterMs !== null ? ` after ${formatMs(v.syncedAfterMs)}` : ''}`);
    case 'falls-back':
      return c.yellow(`falls back to LIST+WATCH${synced ? `, ${synced}` : ''}`);
    case 'loops':
      return c.yellow(`${synced ? `${synced}, then ` : ''}loops (re-watch/relist without backoff)`);
    case 'stops':
      return c.red(`${synced ? `${synced}, then ` : ''}stops watching ('error')`);
    case 'crashes':
      return c.red(`${synced ? `${synced}, then ` : ''}crashes the process (unhandled rejection)`);
    case 'never-syncs':
      return c.red('never syncs');
  }
}

function paintStatus(c: Colors, s: CheckStatus): string {
  const text = s.padEnd(6);
  if (s === 'pass') return c.green(text);
  if (s === 'fail') return c.red(text);
  if (s === 'warn') return c.yellow(text);
  return c.dim(text);
}

function paintSeverity(c: Colors, s: Severity): string {
  if (s === 'fail') return c.red('FAIL');
  if (s === 'warn') return c.yellow('WARN');
  return c.dim('INFO');
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

function wrap(text: string, width: number): string {
  const out: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/\s+/)) {
      if (line.length + word.length + 1 > width && line.length > 0) {
        out.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    out.push(line);
  }
  return out.join('\n');
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((l) => prefix + l)
    .join('\n');
}
