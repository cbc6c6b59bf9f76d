import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatGoDuration } from './go-duration.js';

describe('formatGoDuration (Go time.Duration.String)', () => {
  it.each([
    [0, '0s'],
    [10_000, '10s'],
    [60_500, '1m0.5s'],
    [59_998.946102, '59.998946102s'],
    [1.5, '1.5ms'],
    [0.0015, '1.5µs'],
    [0.000001, '1ns'],
    [999.999, '999.999ms'],
    [1_000, '1s'],
    [3_723_000, '1h2m3s'],
    [10_000.369431, '10.000369431s'],
    [240_000, '4m0s'],
    [-1_500, '-1.5s'],
  ])('%s ms -> %s', (ms, expected) => {
    expect(formatGoDuration(ms)).toBe(expected);
  });

  it('never prints trailing zeros in the fraction (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 ** 12 }), (ns) => {
        const text = formatGoDuration(ns / 1e6);
        expect(text).not.toMatch(/\.\d*0(s|ms|µs|ns)$/);
        expect(text).toMatch(/^(\d+h)?(\d+m)?\d+(\.\d+)?(s|ms|µs|ns)$/);
      }),
    );
  });
});
