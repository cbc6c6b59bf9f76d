import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

/** A certificate and its private key, PEM. */
export interface IssuedCert {
  certPem: string;
  keyPem: string;
}

export interface CertRequest {
  commonName: string;
  /** Subject O= entries: the groups kube-apiserver's x509 authenticator gives a client (system:masters). */
  organizations?: readonly string[];
  /** serving: serverAuth with these SANs; client: clientAuth. */
  usage: { serving: { ips: readonly string[]; dnsNames: readonly string[] } } | { client: true };
}

/**
 * A throwaway certificate authority for one local control plane: it signs serving and client
 * certificates, valid for a day. The same shape as controller-runtime's test CA
 * (pkg/internal/testing/certs/tinyca.go), written here on node-forge with native RSA keys.
 */
export class TinyCa {
  readonly cert: IssuedCert;
  private readonly key: forge.pki.rsa.PrivateKey;
  private readonly subject: forge.pki.CertificateField[];

  constructor(commonName: string) {
    const keys = nativeRsaKeyPair();
    this.key = keys.privateKey;
    this.subject = [{ name: 'commonName', value: commonName }];
    const ca = newCertificate(keys.publicKey);
    ca.setSubject(this.subject);
    ca.setIssuer(this.subject);
    ca.setExtensions([
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
      { name: 'subjectKeyIdentifier' },
    ]);
    ca.sign(keys.privateKey, forge.md.sha256.create());
    this.cert = { certPem: forge.pki.certificateToPem(ca), keyPem: forge.pki.privateKeyToPem(keys.privateKey) };
  }

  issue(request: CertRequest): IssuedCert {
    const keys = nativeRsaKeyPair();
    const cert = newCertificate(keys.publicKey);
    cert.setSubject([
      { name: 'commonName', value: request.commonName },
      ...(request.organizations ?? []).map((value) => ({ name: 'organizationName', value })),
    ]);
    cert.setIssuer(this.subject);
    const usage = request.usage;
    cert.setExtensions([
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      'client' in usage ? { name: 'extKeyUsage', clientAuth: true } : { name: 'extKeyUsage', serverAuth: true },
      ...('serving' in usage
        ? [
            {
              name: 'subjectAltName',
              altNames: [...usage.serving.ips.map((ip) => ({ type: 7, ip })), ...usage.serving.dnsNames.map((value) => ({ type: 2, value }))],
            },
          ]
        : []),
    ]);
    cert.sign(this.key, forge.md.sha256.create());
    return { certPem: forge.pki.certificateToPem(cert), keyPem: forge.pki.privateKeyToPem(keys.privateKey) };
  }
}

function newCertificate(publicKey: forge.pki.rsa.PublicKey): forge.pki.Certificate {
  const now = Date.now();
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = randomSerial();
  cert.validity.notBefore = new Date(now - 3600 * 1000);
  cert.validity.notAfter = new Date(now + 24 * 3600 * 1000);
  return cert;
}

/** RSA key generation in node-forge's pure JS takes seconds; Node's native one takes milliseconds. */
export function nativeRsaKeyPair(): { publicKey: forge.pki.rsa.PublicKey; privateKey: forge.pki.rsa.PrivateKey } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey;
  return { privateKey: forgeKey, publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e) };
}

export function randomSerial(): string {
  // A 16-byte serial in hex whose first byte is 0x40..0x7f: positive (top bit clear) and minimal
  // in DER as it stands. node-forge strips one redundant leading 0x00 when it encodes an INTEGER,
  // so the old draw (first nibble 0) gave a padded serial whenever it began 00 00 and a byte under
  // 0x80 (one certificate in 8192), which OpenSSL refuses: "asn1 encoding routines::illegal padding".
  const bytes = randomBytes(16);
  bytes[0] = 0x40 | (bytes[0]! & 0x3f);
  return bytes.toString('hex');
}
