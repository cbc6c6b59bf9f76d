/**
 * `--server http://` pointed at a TLS port (issue 10 item 9): a Node TLS server hangs up on plain
 * HTTP, Go's net/http answers 400 "Client sent an HTTP request to an HTTPS server."; either way
 * the message suggests https:// with the same host and port.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { generateSelfSignedTls } from '../tls/self-signed.js';
import { rejection } from '../../test/support/rejection.js';
import { TargetClient } from './client.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function listen(server: http.Server | https.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return (server.address() as AddressInfo).port;
}

function plainClient(port: number, prefix = ''): TargetClient {
  const client = new TargetClient(
    { server: `http://127.0.0.1:${port}${prefix}`, tls: { insecureSkipTlsVerify: false }, allowH2: false, authHeaders: async () => ({}) },
    new FakeClock(0),
  );
  closers.push(() => client.close());
  return client;
}

describe('http:// sent to a TLS port', () => {
  it('a TLS server that hangs up: the reset suggests https:// with the same host and port', async () => {
    const tls = generateSelfSignedTls('watchmark-test');
    const port = await listen(https.createServer({ cert: tls.certPem, key: tls.keyPem }, (_req, res) => res.end('{}')));
    const err = await rejection(plainClient(port).requestJson('GET', '/version'));
    expect(err.code).toBe('WM_CONNECT');
    expect(err.message).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}: connection reset or closed by the server \\(.+\\); if 127\\.0\\.0\\.1:${port} serves TLS, use https://127\\.0\\.0\\.1:${port}$`));
  });

  it('Go\'s 400 "Client sent an HTTP request to an HTTPS server." is WM_CONNECT suggesting https://, prefix kept', async () => {
    const port = await listen(
      http.createServer((_req, res) => {
        res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('Client sent an HTTP request to an HTTPS server.\n');
      }),
    );
    const err = await rejection(plainClient(port, '/k8s/clusters/c-1').requestJson('GET', '/version'));
    expect([err.code, err.message]).toEqual([
      'WM_CONNECT',
      `GET http://127.0.0.1:${port}/k8s/clusters/c-1/version answered 400 "Client sent an HTTP request to an HTTPS server.": the server speaks TLS; use https://127.0.0.1:${port}/k8s/clusters/c-1`,
    ]);
  });

  it('another 400 over plain HTTP stays an answer for the caller', async () => {
    const port = await listen(http.createServer((_req, res) => res.writeHead(400, { 'content-type': 'application/json' }).end('{"message":"bad"}')));
    const res = await plainClient(port).requestJson('GET', '/version');
    expect([res.status, res.body]).toEqual([400, { message: 'bad' }]);
  });
});
