import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
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
 * Writes a file atomically (temp file in the same directory, then rename), so an interrupted or
 * failed run never leaves a half-written report behind. `-` means stdout.
 */
export function writeOutputFile(file: string, content: string, io: CliIo): void {
  if (file === '-') {
    io.stdout.write(content);
    return;
  }
  const dir = path.dirname(path.resolve(file));
  mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, content);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** Colour only for terminals, and never when NO_COLOR is set (no-color.org) or --no-color is given. */
export function useColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv, flag?: boolean): boolean {
  if (flag === false) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}
