import { parseConfig, transportInput } from './config.js';
import { parseDurationMs } from '../units.js';
import { RunConfigSchema } from '../run/config.js';
import { WatchmarkError } from '../errors.js';
import { checkOutputPaths } from '../output-file.js';
import { exitCodeForMatrix, renderMatrix } from '../probe/matrix-model.js';
import { runResourceMatrix } from '../probe/resource-matrix.js';
import type { ConnectionFlags } from '../targets/types.js';
import { isStdout, useColor, type CliIo } from './io.js';
import { writeRedactedFile } from './redacting-io.js';

export interface ResourceMatrixFlags extends ConnectionFlags {
  resource?: string;
  target?: string;
  json?: string;
  embedded: boolean;
  profile: string;
  /** --assets DIR (--target envtest). */
  assets?: string;
  color: boolean;
  probeTimeout?: string;
  /** --request-timeout as given (a duration). */
  requestTimeout?: string;
  /** --max-frame-size as given (bytes or 64Mi-style). */
  maxFrameSize?: string;
}

/**
 * `watchmark run --all-resources`: the watch-list probe against every listable and watchable
 * resource, a table of classes with evidence, and the JSON resource matrix. Exit 1 when a client-go
 * v0.35+ informer would hang on any resource (accepts-and-ignores), else 0.
 */
export async function resourceMatrixCommand(flags: ResourceMatrixFlags, io: CliIo, signal: AbortSignal): Promise<number> {
  if (flags.resource !== undefined) {
    throw new WatchmarkError('WM_USAGE', '--all-resources probes every resource: drop --resource (or use `watchmark explain RESOURCE` for one)');
  }
  const { embedded, probeTimeout, requestTimeout, maxFrameSize, ...rest } = flags;
  const config = parseConfig(RunConfigSchema, {
    ...rest,
    ...transportInput({ requestTimeout, maxFrameSize }),
    allResources: true,
    ...(probeTimeout !== undefined ? { probeTimeoutMs: parseDurationMs(probeTimeout, '--probe-timeout') } : {}),
  });
  checkOutputPaths([['--json', config.json]]);
  const human = isStdout(config.json) ? io.stderr : io.stdout;
  const matrix = await runResourceMatrix(
    { ...config, embedded },
    { env: io.env, signal, notice: (line) => io.stderr.write(`watchmark: ${line}\n`), ...(io.secrets ? { secrets: io.secrets } : {}) },
  );
  if (config.json) writeRedactedFile(config.json, JSON.stringify(matrix, null, 2) + '\n', io, '--json');
  human.write(renderMatrix(matrix, { color: useColor(human, io.env, flags.color) }));
  return exitCodeForMatrix(matrix);
}
