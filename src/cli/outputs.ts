import { WatchmarkError } from '../errors.js';
import type { RunRecord } from '../record/timeline.js';
import { OUTPUT_FORMATS, type OutputFormatName, type OutputPaths } from '../report/formats.js';
import { renderGithubAnnotations, renderGithubSummary } from '../report/github.js';
import type { Report } from '../report/model.js';
import { isStdout, type CliIo } from './io.js';
import { appendRedactedFile, writeRedactedFile } from './redacting-io.js';

/**
 * Report files and CI outputs a command can write; every format renders from the same report (and
 * record): a path (or - for stdout) per output format of report/formats.ts, and the GitHub outputs.
 */
export type OutputFlags = OutputPaths & {
  /** GitHub Actions outputs: workflow-command annotations and the step summary. */
  github?: GithubOutputs;
};

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
  flags: { [Name in OutputFormatName]?: string | undefined } & { github?: boolean | undefined },
  env: NodeJS.ProcessEnv,
): OutputFlags {
  const onStdout = OUTPUT_FORMATS.filter((f) => flags[f.name] === '-');
  if (onStdout.length > 1) {
    throw new WatchmarkError('WM_USAGE', `${onStdout[0]!.flag} - and ${onStdout[1]!.flag} - both want stdout; write one of them to a file`);
  }
  const out: OutputFlags = {};
  for (const f of OUTPUT_FORMATS) {
    const file = flags[f.name];
    if (file) out[f.name] = file;
  }
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
  return OUTPUT_FORMATS.some((f) => f.stdout && isStdout(flags[f.name]));
}

/** Each requested format's flag and path, for checkOutputPaths (output-file.ts). */
export function outputFileFlags(flags: OutputFlags): Array<[flag: string, file: string | undefined]> {
  return OUTPUT_FORMATS.map((f) => [f.flag, flags[f.name]]);
}

/**
 * Writes every requested output. Renderers are pure (report -> string); this is the thin I/O
 * layer, shared by `run` and `report` so a replayed recording yields the same files. Files are
 * redacted like the io's streams (redacting-io.ts).
 */
export async function writeReportOutputs(report: Report, record: RunRecord | null, flags: OutputFlags, io: CliIo): Promise<void> {
  for (const format of OUTPUT_FORMATS) {
    const file = flags[format.name];
    if (file) writeRedactedFile(file, await format.render({ report, record: format.needsRecord ? record : null }), io, format.flag);
  }
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
