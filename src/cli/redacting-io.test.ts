import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { SecretRegistry } from '../transport/redact.js';
import type { CliIo } from './io.js';
import { appendRedactedFile, redactingIo, writeRedactedFile } from './redacting-io.js';

function captureIo(): { io: CliIo; out: () => string; err: () => string } {
  const stdout = Object.assign(new PassThrough(), { isTTY: true });
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  return { io: { stdout, stderr, env: {} }, out: () => out, err: () => err };
}

describe('redactingIo', () => {
  it('redacts both streams with secrets added after it was made, and keeps the streams\' own properties', () => {
    const { io, out, err } = captureIo();
    const safe = redactingIo(io);
    expect(safe.stdout.isTTY).toBe(true);
    safe.stdout.write('before: tok-123456\n');
    safe.secrets!.add('tok-123456');
    safe.stdout.write('after: tok-123456\n');
    safe.stderr.write(Buffer.from('buffer: tok-123456\n'));
    expect(out()).toBe('before: tok-123456\nafter: [redacted]\n');
    expect(err()).toBe('buffer: [redacted]\n');
  });

  it('redacts report files, stdout reports (-) and appended summaries', () => {
    const { io, out } = captureIo();
    const secrets = new SecretRegistry();
    secrets.add('tok-123456');
    const safe = redactingIo(io, secrets);
    const dir = mkdtempSync(path.join(tmpdir(), 'watchmark-redact-'));
    writeRedactedFile(path.join(dir, 'r.json'), '{"v":"tok-123456"}\n', safe);
    writeRedactedFile('-', 'stdout tok-123456\n', safe);
    appendRedactedFile(path.join(dir, 'summary.md'), 'sum tok-123456\n', safe);
    expect(readFileSync(path.join(dir, 'r.json'), 'utf8')).toBe('{"v":"[redacted]"}\n');
    expect(readFileSync(path.join(dir, 'summary.md'), 'utf8')).toBe('sum [redacted]\n');
    expect(out()).toBe('stdout [redacted]\n');
  });
});
