import type { RunRecord } from '../record/timeline.js';
import type { Report } from '../report/model.js';
import { writeOutputFile, type CliIo } from './io.js';

/** Report files and CI outputs a command can write; every format renders from the same report (and record). */
export interface OutputFlags {
  /** JSON report (schema 1), or - for stdout. */
  json?: string;
}

/**
 * Writes every requested output. Renderers are pure (report -> string); this is the thin I/O
 * layer, shared by `run` and `report` so a replayed recording yields the same files.
 */
export function writeReportOutputs(report: Report, _record: RunRecord | null, flags: OutputFlags, io: CliIo): void {
  if (flags.json) writeOutputFile(flags.json, JSON.stringify(report, null, 2) + '\n', io);
}
