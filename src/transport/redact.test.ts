import { describe, expect, it } from 'vitest';
import { escapeHtml, jsonForScript } from '../report/html.js';
import { credentialSecrets, REDACTED, registeringSecrets, SecretRegistry } from './redact.js';
import type { Connection } from './connection.js';

const PASSWORD = `p@ss"w<0rd>&'%:,\\x9`;
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

describe('credentialSecrets', () => {
  it('takes the header value, the credential, and for Basic the decoded user:password and the password', () => {
    const header = basic('alice', PASSWORD);
    expect(credentialSecrets({ authorization: header })).toEqual([header, header.slice(6), `alice:${PASSWORD}`, PASSWORD]);
    expect(credentialSecrets({ authorization: 'Bearer tok-123456' })).toEqual(['Bearer tok-123456', 'tok-123456']);
  });

  it('ignores values too short to redact without mangling ordinary text', () => {
    expect(credentialSecrets({ authorization: basic('al', 'pw'), 'x-short': 'ab' })).toEqual([basic('al', 'pw'), basic('al', 'pw').slice(6)]);
  });
});

describe('SecretRegistry', () => {
  it('redacts nothing until a secret is added, then every occurrence, longest form first', () => {
    const secrets = new SecretRegistry();
    expect(secrets.redact('Bearer tok-123456')).toBe('Bearer tok-123456');
    secrets.addAuthHeaders({ authorization: 'Bearer tok-123456' });
    expect(secrets.redact('a Bearer tok-123456 b tok-123456 c')).toBe(`a ${REDACTED} b ${REDACTED} c`);
    expect(secrets.redact('nothing here')).toBe('nothing here');
  });

  it('redacts a password in the forms each output escapes it to: JSON (twice), HTML, script JSON', () => {
    const secrets = new SecretRegistry();
    secrets.addAuthHeaders({ authorization: basic('alice', PASSWORD) });
    const frame = JSON.stringify({ type: 'ERROR', object: { message: `bad ${PASSWORD}` } });
    const recordingLine = JSON.stringify({ kind: 'entry', entry: { raw: frame } });
    for (const text of [frame, recordingLine, escapeHtml(frame), jsonForScript({ raw: frame }), escapeHtml(JSON.stringify({ raw: frame }, null, 2))]) {
      const redacted = secrets.redact(text);
      expect(redacted).toContain(REDACTED);
      expect(redacted).not.toContain('w<0rd');
      expect(redacted).not.toContain('w&#60;0rd');
      expect(redacted).not.toContain('w\\u003c0rd');
    }
    // What stays is still JSON: a recording line rebuilds after redaction.
    expect(JSON.parse(JSON.parse(secrets.redact(recordingLine)).entry.raw).object.message).toBe(`bad ${REDACTED}`);
  });

  it('redacts a client key PEM whole and line by line', () => {
    const body = ['MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7', 'VJTUt9Us8cKjMzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuic'];
    const pem = ['-----BEGIN PRIVATE KEY-----', ...body, '-----END PRIVATE KEY-----', ''].join('\n');
    const secrets = new SecretRegistry();
    secrets.addPem(pem);
    expect(secrets.redact(`key: ${pem}`)).toBe(`key: ${REDACTED}\n`);
    expect(secrets.redact(`line ${body[1]} echoed`)).toBe(`line ${REDACTED} echoed`);
    expect(secrets.redact('-----BEGIN PRIVATE KEY-----')).toBe('-----BEGIN PRIVATE KEY-----');
  });
});

describe('registeringSecrets', () => {
  it('adds every auth header set the connection derives (exec tokens rotate) and its client key', async () => {
    let n = 0;
    const connection: Connection = {
      server: 'https://127.0.0.1:6443',
      tls: { insecureSkipTlsVerify: false, keyPem: '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIIrYSSNQFaA2Hwf1duRSxKtLYX5CB04fSeQ6tF1aY\n-----END EC PRIVATE KEY-----\n' },
      allowH2: true,
      authHeaders: async () => ({ authorization: `Bearer exec-token-${++n}-abcdef` }),
    };
    const secrets = new SecretRegistry();
    const wrapped = registeringSecrets(connection, secrets);
    expect(secrets.redact('MHcCAQEEIIrYSSNQFaA2Hwf1duRSxKtLYX5CB04fSeQ6tF1aY')).toBe(REDACTED);
    expect(await wrapped.authHeaders()).toEqual({ authorization: 'Bearer exec-token-1-abcdef' });
    await wrapped.authHeaders();
    expect(secrets.redact('exec-token-1-abcdef exec-token-2-abcdef')).toBe(`${REDACTED} ${REDACTED}`);
  });
});
