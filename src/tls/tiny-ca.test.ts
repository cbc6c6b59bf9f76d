import { X509Certificate, createPrivateKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TinyCa, randomSerial } from './tiny-ca.js';

describe('TinyCa', () => {
  const ca = new TinyCa('test-ca');
  const caCert = new X509Certificate(ca.cert.certPem);

  it('is a CA whose key matches its certificate', () => {
    expect(caCert.ca).toBe(true);
    expect(caCert.subject).toBe('CN=test-ca');
    expect(caCert.checkPrivateKey(createPrivateKey(ca.cert.keyPem))).toBe(true);
  });

  it('signs a serving certificate for the SANs asked, for serverAuth only', () => {
    const issued = ca.issue({ commonName: 'localhost', usage: { serving: { ips: ['127.0.0.1'], dnsNames: ['localhost'] } } });
    const cert = new X509Certificate(issued.certPem);
    expect(cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.checkHost('localhost')).toBe('localhost');
    expect(cert.checkIP('10.0.0.1')).toBeUndefined();
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(cert.checkPrivateKey(createPrivateKey(issued.keyPem))).toBe(true);
  });

  it('signs a client certificate whose CN is the user and O the groups (kube-apiserver\'s x509 authenticator), for clientAuth only', () => {
    const issued = ca.issue({ commonName: 'watchmark', organizations: ['system:masters', 'team'], usage: { client: true } });
    const cert = new X509Certificate(issued.certPem);
    expect(cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.subject.split('\n')).toEqual(['CN=watchmark', 'O=system:masters', 'O=team']);
    expect(cert.issuer).toBe('CN=test-ca');
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(cert.subjectAltName).toBeUndefined();
  });

  it('draws serials that are positive and minimally encoded in DER (OpenSSL refuses a padded INTEGER)', () => {
    for (let i = 0; i < 2000; i++) {
      const serial = randomSerial();
      expect(serial).toMatch(/^[0-9a-f]{32}$/);
      const first = Number.parseInt(serial.slice(0, 2), 16);
      expect(first).toBeGreaterThanOrEqual(0x01);
      expect(first).toBeLessThan(0x80);
    }
  });
});
