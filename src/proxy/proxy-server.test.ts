import { describe, expect, it } from 'vitest';
import { seededRandom } from '../seeded-random.js';
import { statusFor } from './http-parts.js';

describe('seededRandom', () => {
  it('repeats its sequence for a seed, and differs between seeds', () => {
    const take = (seed: number) => {
      const random = seededRandom(seed);
      return Array.from({ length: 50 }, () => random());
    };
    expect(take(1)).toEqual(take(1));
    expect(take(1)).not.toEqual(take(2));
    expect(take(0)).toEqual(take(0));
  });

  it('draws uniformly from [0, 1)', () => {
    const random = seededRandom(7);
    const draws = Array.from({ length: 20_000 }, () => random());
    expect(draws.every((d) => d >= 0 && d < 1)).toBe(true);
    const below = draws.filter((d) => d < 0.25).length / draws.length;
    expect(below).toBeGreaterThan(0.23);
    expect(below).toBeLessThan(0.27);
    expect(new Set(draws).size).toBeGreaterThan(19_900);
  });
});

describe('statusFor', () => {
  it('is the Status kube-apiserver sends, reason by code', () => {
    expect(statusFor(503, 'busy')).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'busy', reason: 'ServiceUnavailable', code: 503 });
    expect(statusFor(410, 'm').reason).toBe('Expired');
    expect(statusFor(429, 'm').reason).toBe('TooManyRequests');
    expect(statusFor(401, 'm').reason).toBe('Unauthorized');
  });

  it('falls back to InternalError for other 5xx and BadRequest for other 4xx', () => {
    expect(statusFor(599, 'm').reason).toBe('InternalError');
    expect(statusFor(418, 'm').reason).toBe('BadRequest');
  });
});
