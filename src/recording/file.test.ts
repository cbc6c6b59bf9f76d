import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { run, watchListStream } from '../../test/support/timeline-builder.js';
import { DEFAULT_CHECK_PARAMS } from '../checks/types.js';
import { isWatchmarkError } from '../errors.js';
import type { RunMeasurement } from '../report/derive-report.js';
import { readRecordingFile, writeRecordingFile } from './file.js';
import { encodeRecordingText } from './ndjson.js';

function tmpDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'watchmark-recording-'));
}

/** Big enough to span many read chunks, with multi-byte characters straddling chunk boundaries. */
function bigMeasurement(events: number): RunMeasurement {
  const stream = watchListStream('watch-list#1').response(1);
  for (let i = 0; i < events; i++) stream.added(2 + i / 1000, `obj-${i}`, String(100 + i), { labels: { note: 'ö€𝄞'.repeat(i % 7) } });
  stream.endBookmark(3 + events / 1000, String(100 + events)).close(10_000);
  return {
    facts: {
      target: { server: 'https://127.0.0.1:1', source: 'embedded', serverVersion: null, description: 'embedded' },
      resource: null,
      config: {},
      failOn: 'fail',
      startedAtMs: 0,
      scenarios: [{ name: 'watch', file: 'scenarios/watch.yaml', description: '', checkParams: {} }],
      checkParams: { defaults: DEFAULT_CHECK_PARAMS, overrides: {} },
      workload: null,
    },
    record: run().stream(stream).endedAt(10_001).build(),
  };
}

async function readError(file: string): Promise<string> {
  try {
    await readRecordingFile(file);
  } catch (err) {
    if (isWatchmarkError(err) && err.code === 'WM_RECORDING') return err.message;
    throw err;
  }
  throw new Error('read without error');
}

describe('recording files', () => {
  it('writes atomically and reads back, streaming across chunk boundaries', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'sub', 'rec.ndjson');
    const m = bigMeasurement(3000);
    writeRecordingFile(file, m);
    expect(readdirSync(path.dirname(file))).toEqual(['rec.ndjson']); // no temp file left
    expect(statSync(file).size).toBeGreaterThan(4 * 64 * 1024);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toBe(encodeRecordingText(m));
    const decoded = await readRecordingFile(file);
    expect(decoded.complete).toBe(true);
    expect(decoded.record).toEqual(m.record);
    expect(decoded.facts).toEqual(m.facts);
  });

  it('leaves nothing behind when the file cannot be written', () => {
    const dir = tmpDir();
    writeFileSync(path.join(dir, 'taken'), 'a file, not a directory');
    let message = '';
    try {
      writeRecordingFile(path.join(dir, 'taken', 'rec.ndjson'), bigMeasurement(1));
    } catch (err) {
      message = (err as Error).message;
      expect(isWatchmarkError(err) && err.code).toBe('WM_RECORDING');
    }
    expect(message).toMatch(/^cannot write recording .*taken\/rec\.ndjson: /);
    expect(readdirSync(dir)).toEqual(['taken']);
  });

  it('names the file when it is missing or not a recording, and the line when a line is bad', async () => {
    const dir = tmpDir();
    expect(await readError(path.join(dir, 'nope.ndjson'))).toBe(`cannot read recording ${path.join(dir, 'nope.ndjson')}: no such file`);
    expect(await readError(dir)).toBe(`cannot read recording ${dir}: is a directory`);
    const file = path.join(dir, 'rec.ndjson');
    const lines = encodeRecordingText(bigMeasurement(20)).split('\n');
    lines[16] = '{"kind":"entry","stream":"watch-list#1","entry":';
    writeFileSync(file, lines.join('\n'));
    expect(await readError(file)).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:17: not a JSON object \\(`));
  });

  it('reads a file cut short mid-line as incomplete', async () => {
    const file = path.join(tmpDir(), 'rec.ndjson');
    const text = encodeRecordingText(bigMeasurement(50));
    writeFileSync(file, text.slice(0, Math.floor(text.length * 0.6)));
    const decoded = await readRecordingFile(file);
    expect(decoded.complete).toBe(false);
    expect(decoded.notices[0]).toMatch(/recording is incomplete \(no footer, line \d+ cut short\): the run was interrupted/);
    expect(decoded.record.streams[0]!.entries.length).toBeGreaterThan(20);
  });
});
