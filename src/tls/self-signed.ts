import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';

/** PEM material of a freshly generated CA and a serving certificate signed by it. */
export interface GeneratedTls {
  caCertPem: string;
  certPem: string;
  keyPem: string;
}

/**
 * Generates a throwaway CA and a serving certificate for 127.0.0.1 / localhost, valid for one
 * day. Used by the embedded server and by tests; never written anywhere but where the caller
 * asks (a kubeconfig's certificate-authority-data).
 */
export function generateSelfSignedTls(commonName = 'watchmark-embedded'): GeneratedTls {
  const pki = forge.pki;
  const now = new Date();
  const tomorrow = new Date(now.getTime() + 24 * 3600 * 1000);
  const yesterday = new Date(now.getTime() - 3600 * 1000);

  const caKeys = nativeRsaKeyPair();
  const ca = pki.createCertificate();
  ca.publicKey = caKeys.publicKey;
  ca.serialNumber = randomSerial();
  ca.validity.notBefore = yesterday;
  ca.validity.notAfter = tomorrow;
  const caName = [{ name: 'commonName', value: `${commonName}-ca` }];
  ca.setSubject(caName);
  ca.setIssuer(caName);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  ca.sign(caKeys.privateKey, forge.md.sha256.create());

  const keys = nativeRsaKeyPair();
  const cert = pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = randomSerial();
  cert.validity.notBefore = yesterday;
  cert.validity.notAfter = tomorrow;
  cert.setSubject([{ name: 'commonName', value: commonName }]);
  cert.setIssuer(caName);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 7, ip: '127.0.0.1' },
        { type: 2, value: 'localhost' },
      ],
    },
  ]);
  cert.sign(caKeys.privateKey, forge.md.sha256.create());

  return {
    caCertPem: pki.certificateToPem(ca),
    certPem: pki.certificateToPem(cert),
    keyPem: pki.privateKeyToPem(keys.privateKey),
  };
}

/** RSA key generation in node-forge's pure JS takes seconds; Node's native one takes milliseconds. */
export function nativeRsaKeyPair(): { publicKey: forge.pki.rsa.PublicKey; privateKey: forge.pki.rsa.PrivateKey } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey;
  return { privateKey: forgeKey, publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e) };
}

export function randomSerial(): string {
  // Positive 16-byte serial in hex (the leading nibble kept below 8 so it is not negative).
  const bytes = forge.random.getBytesSync(16);
  const hex = forge.util.bytesToHex(bytes);
  return '0' + hex.slice(1);
}
