import { systemClock } from '../clock.js';
import { ObserveConfigSchema, parseConfig, transportInput } from './config.js';
import { parseDurationMs } from '../units.js';
import { deriveReport } from '../report/derive-report.js';
import { exitCodeFor } from '../report/model.js';
import { formatObserveLine, type ObserveLineState } from '../report/observe-lines.js';
import { renderTerminal } from '../report/terminal.js';
import { measureObservation } from '../run/observe-watch.js';
import { checkOutputPaths } from '../output-file.js';
import type { ConnectionFlags } from '../targets/types.js';
import { isStdout, useColor, type CliIo } from './io.js';
import { writeRedactedFile } from './redacting-io.js';

interface ObserveFlags extends ConnectionFlags {
  watchList: boolean;
  bookmarks: boolean;
  resourceVersion?: string;
  timeoutSeconds?: string;
  selector?: string;
  fieldSelector?: string;
  duration: string;
  maxFrameSize?: string;
  /** --encoding (json | protobuf; commander checks the choice). */
  encoding?: string;
  json?: string;
  embedded: boolean;
  target?: string;
  profile: string;
  /** --assets DIR (--target envtest). */
  assets?: string;
  color: boolean;
  /** --request-timeout as given (a duration). */
  requestTimeout?: string;
}

/**
 * `watchmark observe`: one watch, printed live with the time since the request and the gap
 * before each event; every moment a client-go v0.35+ reflector would log "Warning: event bookmark
 * expired" is marked with its exact text; ends (duration over, server close, or Ctrl-C) with the
 * checks and the client-go verdict. Read-only: creates nothing on the target.
 */
export async function observeCommand(resourceName: string, flags: ObserveFlags, io: CliIo, signal: AbortSignal): Promise<number> {
  let timeoutSeconds: number | undefined;
  if (flags.timeoutSeconds !== undefined) {
    timeoutSeconds = Number(flags.timeoutSeconds);
  }
  const { watchList, bookmarks, duration, selector, embedded, timeoutSeconds: _t, requestTimeout, maxFrameSize, ...connection } = flags;
  const config = parseConfig(ObserveConfigSchema, {
    ...connection,
    ...transportInput({ requestTimeout, maxFrameSize }),
    resource: resourceName,
    watchList,
    bookmarks,
    durationMs: parseDurationMs(duration, '--duration'),
    ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
    ...(selector ? { labelSelector: selector } : {}),
  });
  checkOutputPaths([['--json', config.json]]);
  const clock = systemClock();
  const human = isStdout(config.json) ? io.stderr : io.stdout;
  const notice = (line: string) => io.stderr.write(`watchmark: ${line}\n`);
  let lineState: ObserveLineState = { sentAtMs: 0, lastEventAtMs: null };
  const measurement = await measureObservation(
    { ...config, embedded },
    {
      env: io.env,
      signal,
      clock,
      notice,
      ...(io.secrets ? { secrets: io.secrets } : {}),
      hooks: {
        onWatch: ({ basePath, sentAtMs }) => {
          lineState = { sentAtMs, lastEventAtMs: null };
          human.write(`watching ${basePath} for ${(config.durationMs / 1000).toFixed(0)} s (${config.watchList ? 'watch-list, as a client-go v0.35+ informer' : 'plain watch'}${config.encoding === 'protobuf' ? ', asking for protobuf' : ''}); Ctrl-C ends early\n`);
        },
        onReflectorWarning: (w) => {
          human.write(`${`+${((w.atMs - lineState.sentAtMs) / 1000).toFixed(3)}s`.padStart(10)}  client-go would log: ${w.line}\n`);
        },
        onEntry: (entry) => {
          const line = formatObserveLine(entry, lineState);
          if (line) human.write(line + '\n');
        },
      },
    },
  );
  const report = deriveReport(measurement.facts, measurement.record);
  if (config.json) writeRedactedFile(config.json, JSON.stringify(report, null, 2) + '\n', io, '--json');
  human.write('\n' + renderTerminal(report, { color: useColor(human, io.env, flags.color) }));
  return exitCodeFor(report);
}
