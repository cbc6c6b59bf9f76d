import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.js';
import { parseDurationMs, parseSizeBytes } from '../units.js';
import { redactConfig } from '../transport/redact.js';
import { RunConfigSchema } from '../run/config.js';
import { WatchmarkError } from '../errors.js';

describe('parseSizeBytes', () => {
  it('reads bytes and Kubernetes-style binary and decimal suffixes', () => {
    expect(parseSizeBytes('67108864', '--max-frame-size')).toBe(64 * 1024 * 1024);
    expect(parseSizeBytes('64Mi', '--max-frame-size')).toBe(64 * 1024 * 1024);
    expect(parseSizeBytes('512Ki', '--max-frame-size')).toBe(512 * 1024);
    expect(parseSizeBytes('1Gi', '--max-frame-size')).toBe(1024 ** 3);
    expect(parseSizeBytes('2M', '--max-frame-size')).toBe(2_000_000);
    expect(parseSizeBytes('3k', '--max-frame-size')).toBe(3_000);
  });

  it.each(['', '0', '-1', '1.5Mi', '64MB', 'lots', '1e3'])('refuses %j naming the flag', (text) => {
    expect(() => parseSizeBytes(text, '--max-frame-size')).toThrow(/^--max-frame-size ".*" is not a size of at least 1 byte/);
  });
});

describe('parseDurationMs', () => {
  it('reads Go-style durations and plain seconds', () => {
    expect(parseDurationMs('30s', '--duration')).toBe(30_000);
    expect(parseDurationMs('1m30s', '--duration')).toBe(90_000);
    expect(parseDurationMs('500ms', '--duration')).toBe(500);
    expect(parseDurationMs('2', '--duration')).toBe(2_000);
    expect(parseDurationMs('1.5s', '--duration')).toBe(1_500);
  });
  it.each(['', 'abc', '10x', '5s garbage', '-1s'])('rejects %j naming the flag', (bad) => {
    expect(() => parseDurationMs(bad, '--duration')).toThrow(/--duration/);
  });
});

describe('RunConfigSchema', () => {
  it('applies defaults', () => {
    const c = parseConfig(RunConfigSchema, {});
    expect(c).toMatchObject({ quick: false, failOn: 'fail', profile: 'reference' });
    expect(c.resource).toBeUndefined();
  });
  it('rejects unknown --fail-on and profile values with usage errors naming the flag', () => {
    try {
      parseConfig(RunConfigSchema, { failOn: 'info', profile: 'nope' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(WatchmarkError);
      expect((err as WatchmarkError).code).toBe('WM_USAGE');
      expect((err as Error).message).toMatch(/--fail-on/);
      expect((err as Error).message).toMatch(/--profile/);
    }
  });
  it('redacts credentials', () => {
    expect(redactConfig({ token: 's3cr3t', server: 'https://x', nothing: undefined })).toEqual({ token: '[redacted]', server: 'https://x' });
    expect(redactConfig({ env: ['API_TOKEN=s3cr3t', 'LEVEL=2=3'], image: 'fork:1' })).toEqual({ env: ['API_TOKEN=[redacted]', 'LEVEL=[redacted]'], image: 'fork:1' });
  });
});
