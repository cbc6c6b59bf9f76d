/**
 * The output boundary: every byte watchmark writes for a command (stdout, stderr, report files,
 * the step summary, the recording) passes through the run's SecretRegistry here, so no renderer
 * and no live printer can forget to redact a credential a server echoed back.
 */
import { appendFileSync } from 'node:fs';
import { SecretRegistry, type Redactor } from '../transport/redact.js';
import { writeOutputFile, type CliIo } from './io.js';

/** The io with both streams redacting through `secrets` (which commands fill as they connect). */
export function redactingIo(io: CliIo, secrets: SecretRegistry = io.secrets ?? new SecretRegistry()): CliIo {
  return { ...io, stdout: redactingStream(io.stdout, secrets.redact), stderr: redactingStream(io.stderr, secrets.redact), secrets };
}

/**
 * A view of `stream` whose write() redacts text first; everything else (isTTY, columns, events)
 * is the stream's own. Each write is redacted on its own: watchmark writes whole lines.
 */
export function redactingStream<S extends NodeJS.WritableStream>(stream: S, redact: Redactor): S {
  const write = (chunk: unknown, ...rest: unknown[]): boolean => {
    const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) || chunk instanceof Uint8Array ? Buffer.from(chunk).toString('utf8') : chunk;
    return (stream.write as (...args: unknown[]) => boolean)(typeof text === 'string' ? redact(text) : text, ...rest);
  };
  return new Proxy(stream, {
    get(target, prop) {
      if (prop === 'write') return write;
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** What the run's redactor makes of `text` (unchanged when the io has no registry). */
export function redactForIo(io: CliIo, text: string): string {
  return io.secrets ? io.secrets.redact(text) : text;
}

/** writeOutputFile (atomic; `-` is stdout) with the content redacted first. */
export function writeRedactedFile(file: string, content: string, io: CliIo, flag = 'output', opts: { mode?: number } = {}): void {
  writeOutputFile(file, redactForIo(io, content), io, flag, opts);
}

/** Appends redacted text to a file (GITHUB_STEP_SUMMARY). */
export function appendRedactedFile(file: string, content: string, io: CliIo): void {
  appendFileSync(file, redactForIo(io, content));
}
