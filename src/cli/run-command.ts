import { WatchmarkError } from '../errors.js';
import { parseConfig, transportInput } from './config.js';
import { RunConfigSchema } from '../run/config.js';
import { exitCodeFor } from '../report/model.js';
import { renderTerminal } from '../report/terminal.js';
import { measureRun } from '../run/run-watchmark.js';
import { compileRun } from '../scenario/compile-run.js';
import { deriveReport, type RunMeasurement } from '../report/derive-report.js';
import { writeRecordingFile } from '../recording/file.js';
import { checkOutputPaths } from '../output-file.js';
import { OUTPUT_FORMATS, type OutputPaths } from '../report/formats.js';
import type { ConnectionFlags } from '../targets/types.js';
import { systemClock } from '../clock.js';
import { LiveProgress, progressModeFor, type ProgressFlag } from '../progress/live-progress.js';
import { realScheduler } from '../scheduler.js';
import { useColor, type CliIo } from './io.js';
import { outputFileFlags, resolveOutputFlags, stdoutTaken, writeReportOutputs } from './outputs.js';
import { resourceMatrixCommand } from './resource-matrix-command.js';
import { checkParamConfigInput, checkParamFlagsGiven, withoutCheckParamFlags } from './check-param-flags.js';

interface RunFlags extends ConnectionFlags, OutputPaths {
  resource?: string;
  target?: string;
  /** undefined: on when GITHUB_ACTIONS=true (--github / --no-github force it). */
  github?: boolean;
  /** NDJSON recording of the whole run, for `watchmark report FILE`. */
  record?: string;
  failOn: string;
  quick: boolean;
  scenario?: string[];
  embedded: boolean;
  profile: string;
  /** --assets DIR (--target envtest). */
  assets?: string;
  color: boolean;
  allResources?: boolean;
  probeTimeout?: string;
  /** --request-timeout as given (a duration). */
  requestTimeout?: string;
  /** --max-frame-size as given (bytes or 64Mi-style). */
  maxFrameSize?: string;
  /** --encoding (json | protobuf; commander checks the choice). */
  encoding?: string;
  /** auto (default): a status block when stderr is a terminal, a line every 10 s otherwise. */
  progress?: ProgressFlag;
}

export async function runCommand(flags: RunFlags, io: CliIo, signal: AbortSignal): Promise<number> {
  if (flags.allResources) {
    // The matrix is a read-only probe, not a suite run: refuse the suite's options instead of ignoring them.
    const suiteOnly = (
      [
        ['--record', flags.record],
        // --json stays: it writes the resource matrix; no other report is made.
        ...OUTPUT_FORMATS.filter((f) => f.name !== 'json').map((f) => [f.flag, flags[f.name]] as const),
        ['--scenario', flags.scenario?.length ? flags.scenario : undefined],
        ...checkParamFlagsGiven(flags),
      ] as const
    ).filter(([, v]) => v !== undefined);
    if (suiteOnly.length > 0) {
      throw new WatchmarkError('WM_USAGE', `--all-resources runs a read-only probe per resource; ${suiteOnly.map(([f]) => f).join(', ')} only apply to the suite`);
    }
    return resourceMatrixCommand(flags, io, signal);
  }
  const { embedded, progress: progressFlag, requestTimeout, maxFrameSize, ...rest } = withoutCheckParamFlags(flags);
  const config = parseConfig(RunConfigSchema, {
    ...rest,
    ...transportInput({ requestTimeout, maxFrameSize }),
    ...checkParamConfigInput(flags),
  });
  const outputs = resolveOutputFlags(config, io.env);
  // Before the target starts: a bad output path must not cost a whole run (and the target's writes).
  checkOutputPaths([['--record', config.record], ...outputFileFlags(outputs)]);
  // With a report on stdout (--json -, --junit -, ...) the report owns it; the human summary goes to stderr.
  const human = stdoutTaken(outputs) ? io.stderr : io.stdout;
  // Scenario files too: read, checked and compiled before the target starts.
  const compiled = compileRun(config);
  const color = useColor(human, io.env, flags.color);
  // Live progress always goes to stderr (stdout may carry --json -), and is erased before the report.
  const clock = systemClock();
  const progress = new LiveProgress({
    mode: progressModeFor(progressFlag ?? 'auto', io.stderr),
    stream: io.stderr,
    clock,
    scheduler: realScheduler,
    color: useColor(io.stderr, io.env, flags.color),
  });
  // main() prints the Ctrl-C notice below the block: keep the block and draw the next one below it.
  const onAbort = () => progress.detach();
  signal.addEventListener('abort', onAbort, { once: true });
  let measurement: RunMeasurement;
  try {
    measurement = await measureRun(
      { ...config, embedded },
      compiled,
      {
        env: io.env,
        signal,
        clock,
        ...(io.secrets ? { secrets: io.secrets } : {}),
        hooks: {
          ...progress.listener,
          notice: (line) => progress.log(`watchmark: ${line}`),
          onPhase: (phase, detail) => {
            progress.listener.onPhase(phase, detail);
            progress.log(`watchmark: ${phase}: ${detail}`);
          },
          onWriteError: (line) => {
            progress.listener.onWriteError(line);
            progress.log(`watchmark: workload write failed: ${line}`);
          },
        },
      },
    );
  } finally {
    progress.stop();
    signal.removeEventListener('abort', onAbort);
  }
  const report = deriveReport(measurement.facts, measurement.record);
  // The recording first: it is what every other output can be rebuilt from (`watchmark report`).
  if (config.record) writeRecordingFile(config.record, measurement, io.secrets?.redact);
  await writeReportOutputs(report, measurement.record, outputs, io);
  human.write(renderTerminal(report, { color }));
  return exitCodeFor(report);
}
