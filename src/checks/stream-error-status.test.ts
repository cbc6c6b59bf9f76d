import { describe, expect, it } from 'vitest';
import { plainWatchStream, runOf } from '../../test/support/timeline-builder.js';
import { streamErrorStatus } from './stream-error-status.js';
import { DEFAULT_CHECK_PARAMS } from './types.js';

const check = (...streams: Parameters<typeof runOf>) => streamErrorStatus.run(runOf(...streams), DEFAULT_CHECK_PARAMS);
const expired = { code: 410, reason: 'Expired', message: 'too old resource version: 1 (2)' };

describe('stream.error-status', () => {
  it('passes Status objects with apiVersion v1 or meta.k8s.io/v1', () => {
    const v1 = plainWatchStream('a').response(5).error(10, expired).close(11);
    const meta = plainWatchStream('b')
      .response(5)
      .error(10, expired, { object: { kind: 'Status', apiVersion: 'meta.k8s.io/v1', code: 410, reason: 'Expired' } })
      .close(11);
    expect(check(v1, meta).status).toBe('pass');
  });

  it.each([
    ['a ConfigMap', { kind: 'ConfigMap', apiVersion: 'v1', metadata: {} }],
    ['a Status without kind', { apiVersion: 'v1', code: 410, reason: 'Expired' }],
    ['a Status of apiVersion v2', { kind: 'Status', apiVersion: 'v2', code: 410 }],
    ['a string', 'too old resource version'],
  ])('fails an ERROR event carrying %s', (_label, object) => {
    const result = check(plainWatchStream().response(5).error(10, expired, { object }).close(11));
    expect(result.status).toBe('fail');
    expect(result.findings[0]?.message).toContain('UnexpectedObjectError');
  });

  it('skips without ERROR events', () => {
    expect(check(plainWatchStream().response(5).added(10, 'a', '101')).status).toBe('skip');
  });
});
