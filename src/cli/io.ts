import { WatchmarkError } from '../errors.js';
import { describeFsError, ownFdOf, writeOutput } from '../output-file.js';
import type { SecretRegistry } from '../transport/redact.js';

/** Output streams the CLI writes to; tests pass their own. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /**
   * The run's credentials: main() wraps stdout and stderr to redact them (cli/redacting-io.ts);
   * commands add what they connect with and redact every file they write.
   */
  secrets?: SecretRegistry;
}

/**
 * Writes an output file: `-` means stdout; a regular file is replaced atomically (temp file in the
 * same directory, then rename), so an interrupted or failed run never leaves a half-written report
 * behind; devices, FIFOs and symlinks are written through (output-file.ts). `flag` names the
 * option in the one-line WM_OUTPUT error a failed write becomes. `mode` applies to a file this
 * creates or replaces (0600 for a kubeconfig with a token).
 */
export function writeOutputFile(file: string, content: string, io: CliIo, flag = 'output', opts: { mode?: number } = {}): void {
  // /dev/stdout and /dev/stderr are the streams themselves (tests and the CLI pass their own).
  const fd = file === '-' ? 1 : ownFdOf(file);
  if (fd === 1 || fd === 2) {
    (fd === 1 ? io.stdout : io.stderr).write(content);
    return;
  }
  try {
    writeOutput(file, content, opts);
  } catch (err) {
    throw new WatchmarkError('WM_OUTPUT', `${flag} ${file}: cannot write: ${describeFsError(err)}`, { flag, file }, { cause: err });
  }
}

/** Whether an output flag's file is this process's stdout: `-`, /dev/stdout, /dev/fd/1 (human text then goes to stderr). */
export function isStdout(file: string | undefined): boolean {
  return file !== undefined && (file === '-' || ownFdOf(file) === 1);
}

/** Colour only for terminals, and never when NO_COLOR is set (no-color.org) or --no-color is given. */
export function useColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv, flag?: boolean): boolean {
  if (flag === false) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}
