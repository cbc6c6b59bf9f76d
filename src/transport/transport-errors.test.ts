import { describe, expect, it } from 'vitest';
import { WatchmarkError } from '../errors.js';
import { classifyTransportError, toWatchmarkError, transportFailure } from './transport-errors.js';

const coded = (code: string, message = 'boom') => Object.assign(new Error(message), { code });

describe('classifyTransportError', () => {
  it.each([
    ['ECONNRESET', 'WM_CONN_RESET', 'reset'],
    ['UND_ERR_SOCKET', 'WM_CONN_RESET', 'reset'],
    ['ERR_HTTP2_STREAM_ERROR', 'WM_CONN_RESET', 'reset'],
    ['UND_ERR_RES_CONTENT_LENGTH_MISMATCH', 'WM_CONN_RESET', 'reset'],
    ['ECONNREFUSED', 'WM_CONN_REFUSED', 'error'],
    ['ENOTFOUND', 'WM_DNS', 'error'],
    ['UND_ERR_CONNECT_TIMEOUT', 'WM_CONNECT_TIMEOUT', 'error'],
    ['UND_ERR_HEADERS_TIMEOUT', 'WM_HEADERS_TIMEOUT', 'error'],
    ['UND_ERR_BODY_TIMEOUT', 'WM_BODY_TIMEOUT', 'error'],
    ['EHOSTUNREACH', 'WM_UNREACHABLE', 'error'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'WM_TLS_CERT', 'error'],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'WM_TLS_CERT', 'error'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'WM_TLS_CERT', 'error'],
    ['CERT_HAS_EXPIRED', 'WM_TLS_CERT', 'error'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'WM_TLS_CERT', 'error'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'WM_TLS_HANDSHAKE', 'error'],
    ['HPE_INVALID_CHUNK_SIZE', 'WM_PROTOCOL', 'error'],
    ['ERR_HTTP2_PROTOCOL_ERROR', 'WM_PROTOCOL', 'error'],
    ['UND_ERR_ABORTED', 'WM_ABORTED', 'error'],
    ['UND_ERR_DESTROYED', 'WM_CLIENT_CLOSED', 'error'],
    ['SOMETHING_NEW', 'WM_TRANSPORT', 'error'],
  ])('maps %s to %s (%s)', (sourceCode, code, closeReason) => {
    expect(classifyTransportError(coded(sourceCode))).toMatchObject({ code, sourceCode, closeReason });
  });

  it('finds the code on a cause or inside an AggregateError (happy eyeballs)', () => {
    expect(classifyTransportError(new Error('fetch failed', { cause: coded('ECONNREFUSED') })).code).toBe('WM_CONN_REFUSED');
    expect(classifyTransportError(new AggregateError([coded('ECONNREFUSED'), coded('ECONNREFUSED')], '')).code).toBe('WM_CONN_REFUSED');
  });

  it('treats an AbortError without a code as our abort', () => {
    const abort = new Error('This operation was aborted');
    abort.name = 'AbortError';
    expect(classifyTransportError(abort).code).toBe('WM_ABORTED');
  });

  it('writes one line naming the underlying code once', () => {
    expect(classifyTransportError(coded('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1')).message).toBe(
      'connection refused (connect ECONNREFUSED 127.0.0.1:1)',
    );
    expect(classifyTransportError(coded('UND_ERR_SOCKET', 'other side\nclosed')).message).toBe(
      'connection reset or closed by the server (UND_ERR_SOCKET: other side closed)',
    );
    expect(classifyTransportError('weird').message).toBe('transport error (weird)');
  });
});

describe('toWatchmarkError', () => {
  it('uses WM_TLS for certificate failures and WM_CONNECT for the rest, naming the server', () => {
    const tls = toWatchmarkError(classifyTransportError(coded('CERT_HAS_EXPIRED', 'certificate has expired')), 'https://h:6443', null);
    expect(tls).toBeInstanceOf(WatchmarkError);
    expect(tls.code).toBe('WM_TLS');
    expect(tls.message).toBe('https://h:6443: server certificate not trusted (CERT_HAS_EXPIRED: certificate has expired)');
    expect(tls.details).toEqual({ server: 'https://h:6443', transportCode: 'WM_TLS_CERT', sourceCode: 'CERT_HAS_EXPIRED' });

    expect(toWatchmarkError(classifyTransportError(coded('ECONNRESET')), 's', null).code).toBe('WM_CONNECT');
    expect(toWatchmarkError(transportFailure('WM_AUTH_HEADERS', 'exec failed'), 's', null).code).toBe('WM_AUTH');
    expect(toWatchmarkError(transportFailure('WM_ABORTED'), 's', null).code).toBe('WM_ABORTED');
  });
});
