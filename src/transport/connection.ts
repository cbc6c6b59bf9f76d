/**
 * How to reach one API server: what a target strategy hands the transport. Plain data plus one
 * function; the transport turns it into an undici Agent (target-client.ts).
 */
import { WatchmarkError } from '../errors.js';

export interface TlsMaterial {
  /** PEM bundle of CAs to trust instead of the system store. */
  caPem?: string;
  /** Client certificate (PEM) for mutual TLS. */
  certPem?: string;
  /** Client key (PEM) for mutual TLS. */
  keyPem?: string;
  /** kubeconfig insecure-skip-tls-verify: do not verify the server certificate. */
  insecureSkipTlsVerify: boolean;
  /** kubeconfig tls-server-name: SNI and the name the certificate is checked against. */
  serverName?: string;
}

export interface Connection {
  /** Base URL, e.g. https://127.0.0.1:6443; may carry a path prefix (Rancher-style proxies), which is kept. */
  server: string;
  tls: TlsMaterial;
  /**
   * Headers that authenticate a request (authorization, impersonation...). Called before EVERY
   * request so exec and OIDC credentials are re-derived (and refreshed by their plugin) for each
   * new watch. The values are secrets: the transport never records or prints them.
   */
  authHeaders(): Promise<Record<string, string>>;
  /** Offer HTTP/2 via ALPN on https (client-go's default over TLS). */
  allowH2: boolean;
}

/** The origin undici dispatches to, and the path prefix every request path is put under. */
export interface ServerAddress {
  /** e.g. https://127.0.0.1:6443 */
  origin: string;
  /** "" or a prefix without trailing slash, e.g. /k8s/clusters/c-1 */
  pathPrefix: string;
  protocol: 'http:' | 'https:';
}

export function parseServer(server: string): ServerAddress {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new WatchmarkError('WM_USAGE', `server "${server}" is not a URL`, { server });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new WatchmarkError('WM_USAGE', `server "${server}" must be an http:// or https:// URL`, { server });
  }
  if (url.username || url.password) {
    // Credentials in the URL would end up in messages; kubeconfig puts them elsewhere.
    throw new WatchmarkError('WM_USAGE', `server URL must not carry credentials (${url.protocol}//${url.host})`, {});
  }
  return { origin: url.origin, pathPrefix: url.pathname.replace(/\/+$/, ''), protocol: url.protocol };
}

/** The server URL for messages: origin plus prefix, never credentials. */
export function describeServer(address: ServerAddress): string {
  return `${address.origin}${address.pathPrefix}`;
}
