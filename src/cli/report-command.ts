import { z } from 'zod';
import { parseConfig } from './config.js';
import { checkOutputPaths } from '../output-file.js';
import { readRecordingFile } from '../recording/file.js';
import { outputConfigFields } from '../report/format-fields.js';
import type { OutputPaths } from '../report/formats.js';
import { exitCodeFor } from '../report/model.js';
import { renderTerminal } from '../report/terminal.js';
import { deriveReport } from '../report/derive-report.js';
import { useColor, type CliIo } from './io.js';
import { outputFileFlags, resolveOutputFlags, stdoutTaken, writeReportOutputs } from './outputs.js';

interface ReportFlags extends OutputPaths {
  github?: boolean;
  /** Unset: the recorded run's --fail-on. */
  failOn?: string;
  color: boolean;
}

const ReportConfigSchema = z.object({
  failOn: z.enum(['fail', 'warn']).optional(),
  ...outputConfigFields(),
  github: z.boolean().optional(),
});

/**
 * `watchmark report FILE`: rebuilds the report of a recorded run (`run --record FILE`) with no
 * server, through the same derivation as the live run, and writes the same outputs. Exit codes
 * as `run`: 0, 1 for findings at or above --fail-on (default: the recorded run's), 2 for a
 * missing or invalid recording.
 */
export async function reportCommand(file: string, flags: ReportFlags, io: CliIo): Promise<number> {
  const { color: colorFlag, ...rest } = flags;
  const config = parseConfig(ReportConfigSchema, rest);
  const outputs = resolveOutputFlags(config, io.env);
  checkOutputPaths(outputFileFlags(outputs));
  const human = stdoutTaken(outputs) ? io.stderr : io.stdout;
  const recording = await readRecordingFile(file);
  for (const notice of recording.notices) io.stderr.write(`watchmark: ${notice}\n`);
  const report = deriveReport(recording.facts, recording.record, config.failOn ? { failOn: config.failOn } : {});
  await writeReportOutputs(report, recording.record, outputs, io);
  human.write(renderTerminal(report, { color: useColor(human, io.env, colorFlag) }));
  return exitCodeFor(report);
}
