import { describe, expect, it } from 'vitest';
import { caBundleProblem } from './ca-bundle.js';
import { generateSelfSignedTls } from './self-signed.js';

describe('caBundleProblem', () => {
  const ca = generateSelfSignedTls('watchmark-test').caCertPem;

  it('accepts a PEM certificate and a bundle of them', () => {
    expect(caBundleProblem(ca)).toBeNull();
    expect(caBundleProblem(`${ca}\n${ca}`)).toBeNull();
  });

  it('names what is wrong: empty, no PEM block, a block that does not parse', () => {
    expect(caBundleProblem('')).toBe('it is empty');
    expect(caBundleProblem('garbage\n')).toBe('it holds no PEM certificate (-----BEGIN CERTIFICATE-----)');
    expect(caBundleProblem(`${ca}\n-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n`)).toMatch(
      /^certificate 2 of 2 is not a valid X\.509 certificate \(.+\)$/,
    );
  });
});
