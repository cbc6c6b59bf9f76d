/**
 * Recording files: the thin I/O around the pure NDJSON codec (ndjson.ts). Writing goes through
 * output-file.ts: atomic for a regular file (a temp file in the same directory, renamed at the
 * end), so a failed or interrupted write never leaves a half-written recording under the requested
 * name, and written through for a device, FIFO or symlink; reading streams line by line.
 */
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { WatchmarkError } from '../errors.js';
import { describeFsError, writeOutput } from '../output-file.js';
import type { RunMeasurement } from '../report/derive-report.js';
import { encodeRecording, RecordingDecoder, type DecodedRecording } from './ndjson.js';

/** Lines are written in batches of about this many characters. */
const WRITE_BATCH_CHARS = 256 * 1024;

/**
 * Writes the recording of `m` to `file` atomically (temp file + rename), each line through
 * `redact` (the run's credentials: a server may have echoed one into a frame). Synchronous: a Ctrl-C
 * arriving meanwhile is handled after the file is complete. Throws WM_RECORDING, leaving nothing
 * behind, when the file cannot be written.
 */
export function writeRecordingFile(file: string, m: RunMeasurement, redact: (line: string) => string = (line) => line): void {
  try {
    writeOutput(file, batches(encodeRecording(m), redact), { mode: 0o600 });
  } catch (err) {
    throw new WatchmarkError('WM_RECORDING', `cannot write recording ${file}: ${describeFsError(err)}`, { file }, { cause: err });
  }
}

/** Lines, each redacted, joined into batches of about WRITE_BATCH_CHARS. */
function* batches(lines: Iterable<string>, redact: (line: string) => string): Generator<string> {
  let batch = '';
  for (const line of lines) {
    batch += redact(line) + '\n';
    if (batch.length >= WRITE_BATCH_CHARS) {
      yield batch;
      batch = '';
    }
  }
  if (batch !== '') yield batch;
}

/**
 * Reads and decodes a recording file, streaming it line by line. Throws WM_RECORDING naming the
 * file (and the line, for bad content): `rec.ndjson:17: not a JSON object`.
 */
export async function readRecordingFile(file: string): Promise<DecodedRecording> {
  const decoder = new RecordingDecoder(file);
  const text = new StringDecoder('utf8');
  let pending = '';
  const feed = (chunk: string) => {
    pending += chunk;
    let start = 0;
    for (let nl = pending.indexOf('\n'); nl !== -1; nl = pending.indexOf('\n', start)) {
      const line = pending.slice(start, nl);
      decoder.line(line.endsWith('\r') ? line.slice(0, -1) : line);
      start = nl + 1;
    }
    pending = pending.slice(start);
  };
  try {
    for await (const chunk of createReadStream(file)) feed(text.write(chunk as Buffer));
  } catch (err) {
    if (err instanceof WatchmarkError) throw err;
    throw new WatchmarkError('WM_RECORDING', `cannot read recording ${file}: ${describeReadError(err)}`, { file }, { cause: err });
  }
  feed(text.end());
  return decoder.end(pending);
}

function describeReadError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'EACCES') return 'permission denied';
  return (err as Error).message;
}
