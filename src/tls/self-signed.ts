import { TinyCa } from './tiny-ca.js';

/** PEM material of a freshly generated CA and a serving certificate signed by it. */
export interface GeneratedTls {
  caCertPem: string;
  certPem: string;
  keyPem: string;
}

/**
 * Generates a throwaway CA and a serving certificate for 127.0.0.1 / localhost, valid for one
 * day (tiny-ca.ts). Used by the embedded server, the container target and tests; never written
 * anywhere but where the caller asks (a kubeconfig's certificate-authority-data, a mount).
 */
export function generateSelfSignedTls(commonName = 'watchmark-embedded'): GeneratedTls {
  const ca = new TinyCa(`${commonName}-ca`);
  const serving = ca.issue({ commonName, usage: { serving: { ips: ['127.0.0.1'], dnsNames: ['localhost'] } } });
  return { caCertPem: ca.cert.certPem, certPem: serving.certPem, keyPem: serving.keyPem };
}
