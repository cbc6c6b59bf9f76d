/**
 * Keeps credentials out of records and messages. watchmark never records what it sent, but a
 * misbehaving server or proxy could echo a token back in a header or an error body; whatever
 * the transport records from a response passes through this.
 */

export type Redactor = (text: string) => string;

export const REDACTED = '[redacted]';

/** Secrets are the auth header values and, for "Bearer x" / "Basic x", the credential alone. */
export function redactorFor(authHeaders: Record<string, string>): Redactor {
  const secrets = new Set<string>();
  for (const value of Object.values(authHeaders)) {
    const trimmed = value.trim();
    if (trimmed.length >= 6) secrets.add(trimmed);
    const credential = /^\S+\s+(\S.*)$/.exec(trimmed)?.[1];
    if (credential && credential.length >= 6) secrets.add(credential);
  }
  if (secrets.size === 0) return (text) => text;
  // Longest first, so "Bearer x" is replaced as a whole before "x" alone.
  const ordered = [...secrets].sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const secret of ordered) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out;
  };
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
