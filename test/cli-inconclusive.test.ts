import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Report } from '../src/report/model.js';
import { startEmbeddedServer } from '../src/server/index.js';
import { parseJunit } from './support/junit-xml.js';
import { runCli } from './support/cli.js';

function tmpFile(name: string): string {
  return path.join(mkdtempSync(path.join(tmpdir(), 'watchmark-test-')), name);
}

/**
 * A loopback reverse proxy in front of the embedded server (plain HTTP): every request is passed
 * through, except watches, which `onWatch` answers itself (a 403 as an RBAC-less kube-apiserver
 * sends it, or no answer at all).
 */
async function startProxy(upstream: URL, onWatch: (req: http.IncomingMessage, res: http.ServerResponse, query: URLSearchParams) => 'answered' | 'hold' | 'pass') {
  const held = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const action = url.searchParams.get('watch') === 'true' ? onWatch(req, res, url.searchParams) : 'pass';
    if (action === 'answered') return;
    if (action === 'hold') {
      held.add(res);
      res.on('close', () => held.delete(res));
      return;
    }
    const forwarded = http.request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
      res.flushHeaders(); // a watch's head goes out before its first event, as from the server itself
      upstreamRes.pipe(res);
    });
    forwarded.on('error', () => res.destroy());
    req.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async [Symbol.asyncDispose]() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** kube-apiserver's answer to a watch without RBAC (responsewriters/errors.go forbiddenMessage). */
function forbidWatch(req: http.IncomingMessage, res: http.ServerResponse): 'answered' {
  const namespace = /\/namespaces\/([^/]+)\//.exec(req.url ?? '')?.[1] ?? '';
  const body = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `configmaps is forbidden: User "system:serviceaccount:ci:watchmark" cannot watch resource "configmaps" in API group "" in the namespace "${namespace}"`,
    reason: 'Forbidden',
    details: { kind: 'configmaps' },
    code: 403,
  };
  res.writeHead(403, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
  return 'answered';
}

describe('watchmark run against a server that lets no watch through (CLI subprocess, loopback proxy)', () => {
  it('403 on every watch: Verdict INCONCLUSIVE, exit 2, naming the untested watches, the missing RBAC verb and the checks that did not run', async () => {
    await using server = await startEmbeddedServer({ tls: false });
    await using proxy = await startProxy(new URL(server.url), forbidWatch);
    const json = tmpFile('report.json');
    const junit = tmpFile('junit.xml');
    const res = await runCli(['run', '--server', proxy.url, '--token', server.token, '--quick', '--json', json, '--junit', junit]);
    expect(res.code, res.stderr + res.stdout).toBe(2);
    expect(res.stdout).toMatch(/Verdict: INCONCLUSIVE \(0 fail, 0 warn; --fail-on fail\): \d+ requests got no usable answer/);
    const flat = res.stdout.replace(/\s+/g, ' ');
    expect(flat).toContain('Not tested');
    expect(flat).toMatch(/\d+ watches \([^)]*\): HTTP 403 Forbidden: configmaps is forbidden: User "system:serviceaccount:ci:watchmark" cannot watch/);
    expect(flat).toMatch(/missing RBAC permission: watch on configmaps in namespace watchmark-/);
    expect(flat).toMatch(/\d+ checks did not run \(skipped; their lines above say why\): initial-events-end\.present/);
    expect(res.stdout).not.toMatch(/Verdict: PASS/);
    expect(res.stdout).not.toContain('rejected with 422');

    const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
    expect(report.verdict).toBe('inconclusive');
    const watches = report.streams.filter((s) => s.closeReason !== 'not-opened');
    expect(watches.length).toBeGreaterThan(5);
    expect(watches.every((s) => s.status === 403)).toBe(true);
    expect(report.untested.requests.map((r) => r.id).sort()).toEqual(watches.map((s) => s.id).sort());
    expect(report.untested.requests.every((r) => r.missingPermission?.verb === 'watch' && r.missingPermission.resource === 'configmaps')).toBe(true);
    expect(report.checks.find((c) => c.id === 'validation.watch-list')?.status).toBe('skip');
    expect(report.untested.checks.map((c) => c.id)).toEqual(expect.arrayContaining(['initial-events-end.present', 'stream.framing', 'validation.watch-list']));

    const doc = parseJunit(readFileSync(junit, 'utf8'));
    const untested = doc.suites.find((s) => s.attrs.name === 'untested');
    expect(untested?.attrs['errors']).toBe(String(untested?.cases.length));
    expect(Number(doc.attrs['errors'])).toBeGreaterThan(0);
  });

  it('a watch the server accepts and never answers: watch.answered fails naming it and how long it waited (exit 1, not PASS)', async () => {
    await using server = await startEmbeddedServer({ tls: false });
    // Hold the plain watch open without ever sending the response head; pass the watch-list.
    await using proxy = await startProxy(new URL(server.url), (_req, _res, query) => (query.get('sendInitialEvents') === 'true' ? 'pass' : 'hold'));
    const scenario = tmpFile('hang.yaml');
    writeFileSync(
      scenario,
      [
        'name: hang',
        'description: a watch-list the server never answers, beside a plain watch it does',
        'duration: 7s',
        'watches:',
        '  - name: watch-list',
        '    sendInitialEvents: true',
        '    allowWatchBookmarks: true',
        '    resourceVersionMatch: NotOlderThan',
        '    timeoutSeconds: 60',
        '  - name: watch',
        '    resourceVersion: { fromList: true }',
        '    allowWatchBookmarks: true',
        '    timeoutSeconds: 60',
        'workload:',
        '  seed: { objects: 1 }',
        '',
      ].join('\n'),
    );
    const json = tmpFile('report.json');
    const res = await runCli(['run', '--server', proxy.url, '--token', server.token, '--scenario', scenario, '--json', json]);
    expect(res.code, res.stderr + res.stdout).toBe(1);
    expect(res.stdout).toMatch(/Verdict: FAIL/);
    const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
    const answered = report.checks.find((c) => c.id === 'watch.answered');
    expect(answered?.status).toBe('fail');
    expect(answered?.findings).toHaveLength(1);
    expect(answered?.findings[0]).toMatchObject({ severity: 'fail', stream: 'watch#1', evidence: { count: 1, watches: 2, streams: ['watch#1'] } });
    expect((answered?.findings[0]?.evidence['waitedMs'] as { min: number }).min).toBeGreaterThanOrEqual(5_000);
    expect(answered?.findings[0]?.message).toMatch(/^watch#1, after waiting \d+(\.\d+)?s, never got a response head/);
    expect(report.untested.requests).toEqual([expect.objectContaining({ id: 'watch#1', outcome: 'no-response', status: null, reason: 'no response head' })]);
    expect(report.streams.find((s) => s.id === 'watch-list#1')?.status).toBe(200);
  });
});
