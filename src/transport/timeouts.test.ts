import { describe, expect, it } from 'vitest';
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT_MS, formatTimeoutMs, requestTimeouts } from './timeouts.js';

describe('requestTimeouts', () => {
  it('without --request-timeout: connect 30 s, response headers 60 s, body silence 60 s, no bound on a whole exchange', () => {
    expect(DEFAULT_CONNECT_TIMEOUT_MS).toBe(30_000);
    expect(DEFAULT_REQUEST_TIMEOUT_MS).toBe(60_000);
    expect(requestTimeouts()).toEqual({ connectMs: 30_000, headersMs: 60_000, exchangeMs: 0, bodyIdleMs: 60_000 });
  });

  it('--request-timeout 0 bounds nothing, as kubectl\'s does', () => {
    expect(requestTimeouts(0)).toEqual({ connectMs: 0, headersMs: 0, exchangeMs: 0, bodyIdleMs: 0 });
  });

  it('--request-timeout T bounds the exchange and the headers by T, connecting by at most the 30 s default', () => {
    expect(requestTimeouts(1_000)).toEqual({ connectMs: 1_000, headersMs: 1_000, exchangeMs: 1_000, bodyIdleMs: 1_000 });
    expect(requestTimeouts(120_000)).toEqual({ connectMs: 30_000, headersMs: 120_000, exchangeMs: 120_000, bodyIdleMs: 120_000 });
  });

  it('refuses a negative bound', () => {
    expect(() => requestTimeouts(-1)).toThrow(RangeError);
  });
});

describe('formatTimeoutMs', () => {
  it.each([
    [500, '500ms'],
    [1_000, '1s'],
    [60_000, '60s'],
    [90_000, '90s'],
    [1_500, '1500ms'],
  ])('%d ms -> %s', (ms, text) => {
    expect(formatTimeoutMs(ms)).toBe(text);
  });
});
