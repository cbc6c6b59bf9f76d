import { WatchmarkError } from '../errors.js';
import type { RunRecord } from '../record/timeline.js';
import { renderGithubAnnotations, renderGithubSummary } from '../report/github.js';
import { renderHtml } from '../report/html.js';
import { renderJunit } from '../report/junit.js';
import type { Report } from '../report/model.js';
import { isStdout, type CliIo } from './io.js';
import { appendRedactedFile, writeRedactedFile } from './redacting-io.js';

/** Report files and CI outputs a command can write; every format renders from the same report (and record). */
export interface OutputFlags {
  /** JSON report (schema 1), or - for stdout. */
  json?: string;
  /** JUnit XML report, or - for stdout. */
  junit?: string;
  /** Self-contained HTML report (needs the record for its timelines). */
  html?: string;
  /** GitHub Actions outputs: workflow-command annotations and the step summary. */
  github?: GithubOutputs;
}

export interface GithubOutputs {
  /**
   * Where the ::error/::warning workflow commands go. GitHub's docs say commands are "sent to the
   * runner over stdout", but the runner parses stderr the same way (actions/runner
   * src/Runner.Worker/Handlers/ScriptHandler.cs: an OutputManager with the ActionCommandManager on
   * ErrorDataReceived as on OutputDataReceived), so stderr is used when a report owns stdout.
   */
  annotations: 'stdout' | 'stderr';
  /** $GITHUB_STEP_SUMMARY: the Markdown summary is appended to it (other steps' content stays). */
  summaryFile?: string;
}

/**
 * Checks the output flags before a run and resolves the GitHub outputs: `--github`, or
 * GITHUB_ACTIONS=true (set on every GitHub Actions runner) unless `--no-github`.
 */
export function resolveOutputFlags(
  flags: { json?: string | undefined; junit?: string | undefined; html?: string | undefined; github?: boolean | undefined },
  env: NodeJS.ProcessEnv,
): OutputFlags {
  if (flags.json === '-' && flags.junit === '-') {
    throw new WatchmarkError('WM_USAGE', '--json - and --junit - both want stdout; write one of them to a file');
  }
  const out: OutputFlags = {
    ...(flags.json ? { json: flags.json } : {}),
    ...(flags.junit ? { junit: flags.junit } : {}),
    ...(flags.html ? { html: flags.html } : {}),
  };
  if (flags.github ?? env.GITHUB_ACTIONS === 'true') {
    const summaryFile = env.GITHUB_STEP_SUMMARY;
    out.github = {
      annotations: stdoutTaken(out) ? 'stderr' : 'stdout',
      ...(summaryFile ? { summaryFile } : {}),
    };
  }
  return out;
}

/** True when a report is written to stdout, so human text (and annotations) must go to stderr. */
export function stdoutTaken(flags: OutputFlags): boolean {
  return isStdout(flags.json) || isStdout(flags.junit);
}

/**
 * Writes every requested output. Renderers are pure (report -> string); this is the thin I/O
 * layer, shared by `run` and `report` so a replayed recording yields the same files. Files are
 * redacted like the io's streams (redacting-io.ts).
 */
export function writeReportOutputs(report: Report, record: RunRecord | null, flags: OutputFlags, io: CliIo): void {
  if (flags.json) writeRedactedFile(flags.json, JSON.stringify(report, null, 2) + '\n', io, '--json');
  if (flags.junit) writeRedactedFile(flags.junit, renderJunit(report), io, '--junit');
  if (flags.html) writeRedactedFile(flags.html, renderHtml({ report, record }), io, '--html');
  if (flags.github) {
    (flags.github.annotations === 'stdout' ? io.stdout : io.stderr).write(renderGithubAnnotations(report));
    if (flags.github.summaryFile) {
      // Appended, not replaced: GitHub collects the file after the step, and earlier commands of the step may have written to it.
      try {
        appendRedactedFile(flags.github.summaryFile, renderGithubSummary(report), io);
      } catch (err) {
        throw new WatchmarkError('WM_USAGE', `GITHUB_STEP_SUMMARY ${flags.github.summaryFile}: cannot append the summary (${(err as Error).message})`, {}, { cause: err });
      }
    }
  }
}
