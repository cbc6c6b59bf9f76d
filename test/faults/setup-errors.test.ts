/**
 * Issue 10 items 5 and 9 end to end: what used to print a stack trace ("internal error:
 * TypeError ...") or a misleading message now ends with exit 2 and one line naming the problem.
 * The unit tests beside the code pin each message; these pin the CLI's one-line, exit-2 shape.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSelfSignedTls } from '../../src/tls/self-signed.js';
import { runCli, type CliResult } from '../support/cli.js';

const BOUND_MS = 60_000;
const servers: Array<http.Server | https.Server> = [];
let htmlUrl = '';
let tlsPort = 0;
let dir = '';

async function listen(server: http.Server | https.Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'watchmark-setup-errors-'));
  const html = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><html><body>It works!</body></html>'));
  htmlUrl = `http://127.0.0.1:${await listen(html)}`;
  const tls = generateSelfSignedTls('watchmark-test');
  tlsPort = await listen(https.createServer({ cert: tls.certPem, key: tls.keyPem }, (_req, res) => res.end('{}')));
});

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

/** One line on stderr, exit 2, no stack trace; returns the line. */
function oneLineExit2(res: CliResult): string {
  expect([res.code, res.signal], res.stderr).toEqual([2, null]);
  expect(res.stderr).not.toMatch(/internal error|\n\s+at /);
  expect(res.stderr.split('\n')).toHaveLength(2); // the line and the final newline
  return res.stderr.trim();
}

describe('setup errors are one line and exit 2 (CLI subprocess)', () => {
  it('a web server answering HTML 200 to discovery', async () => {
    const line = oneLineExit2(await runCli(['explain', 'configmaps', '--server', htmlUrl], { timeoutMs: BOUND_MS }));
    expect(line).toBe(
      'watchmark: discovery GET /apis answered HTTP 200 with a body that is not JSON (text/html): <!doctype html><html><body>It works!</body></html>; is this a Kubernetes API server? (WM_DISCOVERY)',
    );
  }, BOUND_MS + 10_000);

  it('an empty kubeconfig, and one that is a directory', async () => {
    const empty = path.join(dir, 'empty-kubeconfig');
    writeFileSync(empty, '');
    expect(oneLineExit2(await runCli(['run', '--quick', '--kubeconfig', empty], { timeoutMs: BOUND_MS }))).toBe(`watchmark: kubeconfig ${empty} is empty (WM_KUBECONFIG)`);
    const directory = path.join(dir, 'kubeconfig-dir');
    mkdirSync(directory);
    expect(oneLineExit2(await runCli(['observe', 'cm', '--kubeconfig', directory], { timeoutMs: BOUND_MS }))).toBe(
      `watchmark: kubeconfig ${directory} is a directory, not a file (WM_KUBECONFIG)`,
    );
  }, 2 * BOUND_MS + 10_000);

  it('a garbage --certificate-authority file', async () => {
    const ca = path.join(dir, 'garbage-ca.pem');
    writeFileSync(ca, 'not a certificate\n');
    const line = oneLineExit2(await runCli(['explain', 'cm', '--server', `https://127.0.0.1:${tlsPort}`, '--certificate-authority', ca], { timeoutMs: BOUND_MS }));
    expect(line).toBe(`watchmark: --certificate-authority ${ca}: the CA file could not be parsed: it holds no PEM certificate (-----BEGIN CERTIFICATE-----) (WM_USAGE)`);
  }, BOUND_MS + 10_000);

  it('--server http:// pointed at a TLS port suggests https://', async () => {
    const line = oneLineExit2(await runCli(['explain', 'cm', '--server', `http://127.0.0.1:${tlsPort}`], { timeoutMs: BOUND_MS }));
    expect(line).toMatch(new RegExp(`; if 127\\.0\\.0\\.1:${tlsPort} serves TLS, use https://127\\.0\\.0\\.1:${tlsPort} \\(WM_CONNECT\\)$`));
  }, BOUND_MS + 10_000);
});
