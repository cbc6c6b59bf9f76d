/**
 * A CA bundle is checked when it is loaded: Node takes an unparsable `ca` without complaint and
 * the handshake then fails as "certificate not trusted", which points at the server instead of
 * the file. Node's TLS `ca` option takes PEM only, so a bundle is one or more PEM certificates.
 */
import { X509Certificate } from 'node:crypto';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----\s*([\s\S]*?)-----END CERTIFICATE-----/g;

/** Why the bundle cannot serve as a CA bundle, or null when every certificate in it parses. */
export function caBundleProblem(pem: string): string | null {
  const blocks = [...pem.matchAll(PEM_CERTIFICATE)].map((m) => m[0]);
  if (blocks.length === 0) {
    return pem.trim() === '' ? 'it is empty' : 'it holds no PEM certificate (-----BEGIN CERTIFICATE-----)';
  }
  for (const [index, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch (err) {
      const detail = err instanceof Error ? err.message.split('\n')[0] : String(err);
      return `certificate ${index + 1} of ${blocks.length} is not a valid X.509 certificate (${detail})`;
    }
  }
  return null;
}
