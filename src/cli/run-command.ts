import { parseConfig, parseDurationMs, RunConfigSchema } from '../config.js';
import { exitCodeFor } from '../report/model.js';
import { renderTerminal } from '../report/terminal.js';
import { runWatchmark } from '../run/run-watchmark.js';
import type { ConnectionFlags } from '../targets/types.js';
import type { RunRecord } from '../record/timeline.js';
import { useColor, type CliIo } from './io.js';
import { writeReportOutputs } from './outputs.js';
import { resourceMatrixCommand } from './resource-matrix-command.js';

interface RunFlags extends ConnectionFlags {
  resource?: string;
  target?: string;
  json?: string;
  failOn: string;
  quick: boolean;
  scenario?: string[];
  embedded: boolean;
  profile: string;
  color: boolean;
  maxBookmarkInterval?: string;
  maxEventLatency?: string;
  allResources?: boolean;
  probeTimeout?: string;
}

export async function runCommand(flags: RunFlags, io: CliIo, signal: AbortSignal): Promise<number> {
  if (flags.allResources) return resourceMatrixCommand(flags, io, signal);
  const { embedded, maxBookmarkInterval, maxEventLatency, ...rest } = flags;
  const config = parseConfig(RunConfigSchema, {
    ...rest,
    ...(maxBookmarkInterval !== undefined ? { maxBookmarkIntervalMs: parseDurationMs(maxBookmarkInterval, '--max-bookmark-interval') } : {}),
    ...(maxEventLatency !== undefined ? { maxEventLatencyMs: parseDurationMs(maxEventLatency, '--max-event-latency') } : {}),
  });
  // With --json - the report owns stdout; the human summary goes to stderr.
  const human = config.json === '-' ? io.stderr : io.stdout;
  const color = useColor(human, io.env, flags.color);
  let record: RunRecord | null = null;
  const report = await runWatchmark(
    { ...config, embedded },
    {
      env: io.env,
      signal,
      hooks: {
        notice: (line) => io.stderr.write(`watchmark: ${line}\n`),
        onPhase: (phase, detail) => io.stderr.write(`watchmark: ${phase}: ${detail}\n`),
        onWriteError: (line) => io.stderr.write(`watchmark: workload write failed: ${line}\n`),
        onRecord: (r) => (record = r),
      },
    },
  );
  writeReportOutputs(report, record, { ...(config.json ? { json: config.json } : {}) }, io);
  human.write(renderTerminal(report, { color }));
  return exitCodeFor(report);
}
