/**
 * Keeps credentials out of everything watchmark writes. watchmark never records what it sent, but
 * a misbehaving server or proxy can echo a token back anywhere: a header, an error body, a watch
 * frame (an ERROR message, an object field, an unparsable line). The transport redacts response
 * headers and error bodies as it records them (redactorFor); everything else, decoded frames
 * included, is redacted once at the output boundary (cli/redacting-io.ts) with a per-run
 * SecretRegistry, so the decode path stays fast and no renderer can forget it.
 */
import type { Connection } from './connection.js';

export type Redactor = (text: string) => string;

export const REDACTED = '[redacted]';

/** Shorter values are not treated as secrets: replacing them would mangle ordinary text. */
export const MIN_SECRET_CHARS = 6;

/**
 * The secrets in a set of auth header values: each whole value, the credential after its scheme
 * ("Bearer x", "Basic x"), and for Basic the decoded "user:password" and the password alone.
 */
export function credentialSecrets(authHeaders: Readonly<Record<string, string>>): string[] {
  const secrets: string[] = [];
  for (const value of Object.values(authHeaders)) {
    const trimmed = value.trim();
    secrets.push(trimmed);
    const scheme = /^(\S+)\s+(\S.*)$/.exec(trimmed);
    if (!scheme) continue;
    const credential = scheme[2]!;
    secrets.push(credential);
    if (scheme[1]!.toLowerCase() === 'basic') {
      const userPass = Buffer.from(credential, 'base64').toString('utf8');
      secrets.push(userPass);
      const colon = userPass.indexOf(':');
      if (colon >= 0) secrets.push(userPass.slice(colon + 1));
    }
  }
  return secrets.filter((s) => s.length >= MIN_SECRET_CHARS);
}

/**
 * How the outputs escape text: a secret echoed into a frame is JSON-escaped there (Go's encoder
 * also \u-escapes < > &), again in the recording and the JSON report, and HTML-, XML-, Markdown-
 * or GitHub-command-escaped in the other reports (report/html.ts, junit.ts, github.ts).
 */
const ENCODERS: ReadonlyArray<(s: string) => string> = [
  (s) => JSON.stringify(s).slice(1, -1),
  (s) => JSON.stringify(s).slice(1, -1).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
  (s) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`),
  (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'),
  (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;'),
  (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/([\\`*_[\]|~])/g, '\\$1'),
  (s) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A'),
  (s) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A').replace(/:/g, '%3A').replace(/,/g, '%2C'),
];

/** A secret and its escaped forms, up to three encodings deep (frame, recording, HTML script). */
export function secretForms(secret: string): Set<string> {
  const forms = new Set([secret]);
  let layer = [secret];
  for (let depth = 0; depth < 3; depth++) {
    const next: string[] = [];
    for (const text of layer) {
      for (const encode of ENCODERS) {
        const encoded = encode(text);
        if (!forms.has(encoded)) {
          forms.add(encoded);
          next.push(encoded);
        }
      }
    }
    layer = next;
  }
  return forms;
}

/**
 * The credentials of one run, filled from every authHeaders() result, --token and the client
 * key, and the one redactor for everything the run writes. Ordinary tokens (base64url, JWTs)
 * have one form only, so redaction is a single regex scan of each output.
 */
export class SecretRegistry {
  private readonly secrets = new Set<string>();
  private pattern: RegExp | null = null;
  private stale = false;

  /** Adds a secret (and its escaped forms); values shorter than MIN_SECRET_CHARS are ignored. */
  add(secret: string | undefined): void {
    const trimmed = secret?.trim();
    if (!trimmed || trimmed.length < MIN_SECRET_CHARS || this.secrets.has(trimmed)) return;
    this.secrets.add(trimmed);
    this.stale = true;
  }

  addAuthHeaders(authHeaders: Readonly<Record<string, string>>): void {
    for (const secret of credentialSecrets(authHeaders)) this.add(secret);
  }

  /** A PEM private key: the whole block and each line of its base64 body. */
  addPem(pem: string | undefined): void {
    if (!pem) return;
    this.add(pem);
    for (const line of pem.split(/\r?\n/)) if (!line.startsWith('-----')) this.add(line);
  }

  get size(): number {
    return this.secrets.size;
  }

  readonly redact: Redactor = (text) => {
    if (this.stale) this.rebuild();
    if (this.pattern === null) return text;
    this.pattern.lastIndex = 0;
    return this.pattern.test(text) ? text.replace(this.pattern, REDACTED) : text;
  };

  private rebuild(): void {
    const forms = new Set<string>();
    for (const secret of this.secrets) for (const form of secretForms(secret)) forms.add(form);
    // Longest first, so "Bearer x" is replaced as a whole before "x" alone.
    const ordered = [...forms].sort((a, b) => b.length - a.length);
    this.pattern = ordered.length === 0 ? null : new RegExp(ordered.map(escapeRegExp).join('|'), 'g');
    this.stale = false;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/** The connection with every auth header set it derives (and its client key) added to `secrets`. */
export function registeringSecrets(connection: Connection, secrets: SecretRegistry): Connection {
  secrets.addPem(connection.tls.keyPem);
  return {
    ...connection,
    async authHeaders() {
      const headers = await connection.authHeaders();
      secrets.addAuthHeaders(headers);
      return headers;
    },
  };
}

/** The redactor for one request's auth headers (the transport's, for headers and error bodies). */
export function redactorFor(authHeaders: Record<string, string>): Redactor {
  const registry = new SecretRegistry();
  registry.addAuthHeaders(authHeaders);
  return registry.size === 0 ? (text) => text : registry.redact;
}

/**
 * Response headers whose values can carry session or credential material (cookies, auth
 * challenges). watchmark never sends cookies, so these should not occur; their values are
 * replaced anyway, defensively, wherever response headers are recorded or saved.
 */
export const SENSITIVE_RESPONSE_HEADERS: ReadonlySet<string> = new Set(['set-cookie', 'set-cookie2', 'www-authenticate', 'proxy-authenticate']);

/** Lower-cased response headers with SENSITIVE_RESPONSE_HEADERS values replaced; the input is not changed. */
export function redactResponseHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  let out: Record<string, string> | undefined;
  for (const name of Object.keys(headers)) {
    if (SENSITIVE_RESPONSE_HEADERS.has(name.toLowerCase()) && headers[name] !== REDACTED) {
      out ??= { ...headers };
      out[name] = REDACTED;
    }
  }
  return out ?? { ...headers };
}

/** The config as it goes into a report: credentials replaced by a marker. */
export function redactConfig(config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) {
    if (v === undefined) continue;
    // --env NAME=VALUE (--target container): a container's environment often carries credentials; names only.
    if (k === 'env' && Array.isArray(v)) out[k] = v.map((e) => `${String(e).split('=')[0]}=[redacted]`);
    else out[k] = /token|password|secret|key/i.test(k) ? '[redacted]' : v;
  }
  return out;
}
