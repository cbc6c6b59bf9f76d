import { describe, expect, it } from 'vitest';
import { WatchmarkError } from '../errors.js';
import { describeServer, parseServer } from './connection.js';
import { REDACTED, redactorFor } from './redact.js';

describe('parseServer', () => {
  it('splits origin and path prefix, dropping a trailing slash', () => {
    expect(parseServer('https://127.0.0.1:6443')).toEqual({ origin: 'https://127.0.0.1:6443', pathPrefix: '', protocol: 'https:' });
    expect(parseServer('https://rancher.example/k8s/clusters/c-1/')).toEqual({
      origin: 'https://rancher.example',
      pathPrefix: '/k8s/clusters/c-1',
      protocol: 'https:',
    });
    expect(describeServer(parseServer('http://h:8080/p/'))).toBe('http://h:8080/p');
  });

  it('rejects non-HTTP URLs and URLs carrying credentials, without echoing them', () => {
    expect(() => parseServer('unix:///var/run/x')).toThrow(WatchmarkError);
    expect(() => parseServer('not a url')).toThrow(/not a URL/);
    let message = '';
    try {
      parseServer('https://admin:hunter22@h:6443');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/credentials/);
    expect(message).not.toContain('hunter22');
  });
});

describe('redactorFor', () => {
  it('removes whole header values and the credential part of Bearer/Basic values', () => {
    const redact = redactorFor({ authorization: 'Bearer abc.def.ghi', 'impersonate-user': 'someone-else' });
    expect(redact('got Bearer abc.def.ghi and abc.def.ghi and someone-else')).toBe(`got ${REDACTED} and ${REDACTED} and ${REDACTED}`);
  });

  it('leaves text alone when there are no (or only trivially short) secrets', () => {
    expect(redactorFor({})('Bearer x')).toBe('Bearer x');
    expect(redactorFor({ 'x-short': 'ab' })('ab cd')).toBe('ab cd');
  });
});
