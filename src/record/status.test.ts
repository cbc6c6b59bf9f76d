import { describe, expect, it } from 'vitest';
import { classifyStatus } from './status.js';

describe('classifyStatus (apimachinery errors v0.35.0)', () => {
  it('matches IsTooManyRequests, isExpiredError and isTooLargeResourceVersionError', () => {
    expect(classifyStatus({ code: 429, causes: [] })).toBe('too-many-requests');
    expect(classifyStatus({ code: 410, reason: 'Expired', causes: [] })).toBe('expired');
    expect(classifyStatus({ code: 410, causes: [] })).toBe('expired');
    expect(classifyStatus({ code: 410, reason: 'NotFound', causes: [] })).toBe('other');
    expect(classifyStatus({ code: 504, reason: 'Timeout', message: 'Too large resource version: 5', causes: [] })).toBe('too-large');
    expect(classifyStatus({ code: 504, reason: 'Timeout', causes: [] })).toBe('other');
    expect(classifyStatus({ code: 500, reason: 'InternalError', causes: [] })).toBe('internal');
  });
});
