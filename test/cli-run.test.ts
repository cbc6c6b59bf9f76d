import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_CHECKS } from '../src/checks/index.js';
import { startEmbeddedServer } from '../src/server/index.js';
import type { Report } from '../src/report/model.js';
import { isolatedEnv, REPO, runCli, startCli } from './support/cli.js';
import { validateJsonSchema } from './support/json-schema.js';

// The stable ids are pinned in src/checks/index.test.ts; here: every one of them ran.
const ALL_CHECK_IDS = ALL_CHECKS.map((c) => c.id);

function tmpFile(name: string): string {
  return path.join(mkdtempSync(path.join(tmpdir(), 'watchmark-test-')), name);
}

function readReport(file: string): Report {
  return JSON.parse(readFileSync(file, 'utf8')) as Report;
}

function status(report: Report, id: string): string | undefined {
  return report.checks.find((c) => c.id === id)?.status;
}

function verdict(report: Report, profile: string): string | undefined {
  return report.clientGo.find((v) => v.profile === profile)?.outcome;
}

/** Lists what is left on the server with the given prefix (namespaces and configmaps). */
async function leftovers(url: string, token: string, ca: string | undefined): Promise<string[]> {
  const { Agent, request } = await import('undici');
  const dispatcher = new Agent({ connect: ca ? { ca } : {} });
  try {
    const out: string[] = [];
    for (const p of ['/api/v1/namespaces', '/api/v1/configmaps']) {
      const res = await request(url + p, { headers: { authorization: `Bearer ${token}` }, dispatcher });
      const body = (await res.body.json()) as { items: Array<{ metadata: { name: string; namespace?: string } }> };
      for (const item of body.items) {
        const n = `${item.metadata.namespace ?? ''}/${item.metadata.name}`;
        if (n.includes('watchmark-')) out.push(n);
      }
    }
    return out;
  } finally {
    await dispatcher.close();
  }
}

describe('watchmark run (CLI subprocess, real loopback servers)', () => {
  it('passes against the embedded reference profile with no warn or fail findings', async () => {
    const json = tmpFile('report.json');
    const res = await runCli(['run', '--embedded', '--quick', '--json', json]);
    expect(res.code, res.stderr + res.stdout).toBe(0);
    expect(res.stderr).toMatch(/started the embedded API server \(profile reference\)/);
    expect(res.stdout).toMatch(/Verdict: PASS/);
    const report = readReport(json);
    expect(report.schemaVersion).toBe(1);
    expect(validateJsonSchema(JSON.parse(readFileSync(path.join(REPO, 'schemas', 'report.schema.json'), 'utf8')), report)).toEqual([]);
    expect(report.verdict).toBe('pass');
    expect(report.counts.fail).toBe(0);
    expect(report.counts.warn).toBe(0);
    expect(report.checks.map((c) => c.id).sort()).toEqual([...ALL_CHECK_IDS].sort());
    for (const c of report.checks) expect(['pass', 'skip'], `${c.id}: ${c.summary}`).toContain(c.status);
    // The deadline bookmark and the end bookmark were really observed, not skipped.
    expect(status(report, 'bookmark.before-deadline')).toBe('pass');
    expect(status(report, 'initial-events-end.present')).toBe('pass');
    expect(verdict(report, 'client-go>=0.35')).toBe('syncs');
    expect(verdict(report, 'client-go<=0.34')).toBe('syncs');
    expect(verdict(report, 'client-node')).toBe('syncs');
    expect(report.clientGo.map((v) => v.profile)).toEqual(['client-go>=0.35', 'client-go<=0.34', 'client-node']);
    const httpVersions = new Set(report.streams.map((s) => s.httpVersion));
    expect(httpVersions).toEqual(new Set(['2.0']));
  });

  it('falls back to the embedded server and says so when no kubeconfig exists', async () => {
    const res = await runCli(['run', '--quick', '--json', '-']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/no kubeconfig found \(--kubeconfig, \$KUBECONFIG, ~\/\.kube\/config\): started the embedded API server/);
    const report = JSON.parse(res.stdout) as Report;
    expect(report.target.source).toBe('embedded');
    expect(res.stdout).not.toMatch(/Verdict:/); // the human summary went to stderr
    expect(res.stderr).toMatch(/Verdict: PASS/);
  });

  it('fails against `serve --profile kinm` over HTTPS with a generated kubeconfig: never-syncs', async () => {
    const kubeconfig = tmpFile('kinm.kubeconfig');
    const serve = startCli(['serve', '--profile', 'kinm', '--kubeconfig-out', kubeconfig]);
    try {
      await serve.waitFor(/listening at https:\/\/127\.0\.0\.1:\d+/);
      const res = await runCli(['run', '--kubeconfig', kubeconfig, '--quick', '--json', '-']);
      expect(res.code, res.stderr).toBe(1);
      const report = JSON.parse(res.stdout) as Report;
      expect(report.target.source).toBe('kubeconfig-flag');
      expect(status(report, 'initial-events-end.present')).toBe('fail');
      expect(status(report, 'initial-events.added')).toBe('warn');
      expect(verdict(report, 'client-go>=0.35')).toBe('never-syncs');
      expect(verdict(report, 'client-go<=0.34')).toBe('syncs');
      // client-node never asks for watch-list or bookmarks: kinm's omissions do not affect it.
      expect(verdict(report, 'client-node')).toBe('syncs');
      expect(report.streams.every((s) => s.eventCounts.BOOKMARK === 0)).toBe(true);
    } finally {
      serve.child.kill('SIGINT');
      const done = await serve.result;
      expect(done.code).toBe(0);
    }
  });

  it.each([
    ['slow-initial-events-end', 0, 'initial-events-end.latency', 'warn'],
    ['unrequested-bookmarks', 1, 'bookmark.unrequested', 'fail'],
    ['broken-bookmark-object', 1, 'bookmark.object', 'fail'],
  ])('profile %s trips its check', async (profile, code, checkId, expected) => {
    const res = await runCli(['run', '--embedded', '--profile', profile, '--quick', '--json', '-']);
    expect(res.code, res.stderr).toBe(code);
    const report = JSON.parse(res.stdout) as Report;
    expect(status(report, checkId)).toBe(expected);
    if (profile === 'slow-initial-events-end') {
      expect(verdict(report, 'client-go>=0.35')).toBe('syncs');
      const v = report.clientGo.find((x) => x.profile === 'client-go>=0.35')!;
      expect(v.warnings).toBeGreaterThanOrEqual(1);
      expect(v.syncedAfterMs).toBeGreaterThanOrEqual(21_000);
    }
    if (profile === 'broken-bookmark-object') expect(verdict(report, 'client-go>=0.35')).toBe('falls-back');
    // Unrequested bookmarks only move client-node's RV; broken bookmark objects never reach a watch without allowWatchBookmarks.
    expect(verdict(report, 'client-node')).toBe('syncs');
  });

  // Typed and dynamic client-go informers part ways on objects of another kind (the real informers'
  // outcomes: testbed/informer-probe tests and the oracle in test/real/oracle-embedded.test.ts).
  it.each([
    ['end-bookmark-wrong-kind', 1, [['client-go>=0.35 typed', 'never-syncs', 1], ['client-go>=0.35 dynamic', 'syncs', undefined], ['client-go<=0.34', 'syncs', undefined]]],
    ['end-bookmark-wrong-api-version', 1, [['client-go>=0.35 typed', 'falls-back', undefined], ['client-go>=0.35 dynamic', 'syncs', undefined], ['client-go<=0.34', 'syncs', undefined]]],
    ['live-events-wrong-kind', 1, [['client-go>=0.35 typed', 'syncs', 'some'], ['client-go>=0.35 dynamic', 'syncs', undefined], ['client-go<=0.34 typed', 'syncs', 'some'], ['client-go<=0.34 dynamic', 'syncs', undefined]]],
  ] as const)('profile %s: typed and dynamic client-go verdicts, named apart', async (profile, code, expected) => {
    const res = await runCli(['run', '--embedded', '--profile', profile, '--quick', '--json', '-']);
    expect(res.code, res.stderr).toBe(code);
    const report = JSON.parse(res.stdout) as Report;
    // 'some': the live events the workload wrote (their number depends on the run), each skipped
    const got = report.clientGo
      .filter((v) => v.profile.startsWith('client-go'))
      .map((v, i) => [v.profile, v.outcome, expected[i]?.[2] === 'some' && v.skippedEvents !== undefined && v.skippedEvents > 0 ? 'some' : v.skippedEvents]);
    expect(got).toEqual(expected);
    if (profile !== 'live-events-wrong-kind') expect(status(report, 'bookmark.object')).toBe('fail');
    else expect(status(report, 'event.object-kind')).toBe('fail');
  });

  it('--max-bookmark-interval turns bookmark gaps into policy failures, labelled as policy', async () => {
    const res = await runCli(['run', '--embedded', '--quick', '--max-bookmark-interval', '5s', '--json', '-']);
    expect(res.code, res.stderr).toBe(1);
    const report = JSON.parse(res.stdout) as Report;
    const periodic = report.checks.find((c) => c.id === 'bookmark.periodic')!;
    expect(periodic.status).toBe('fail');
    expect(periodic.findings.some((f) => /policy --max-bookmark-interval 5s, not a client-go requirement/.test(f.message))).toBe(true);
    // everything else is as clean as without the policy
    expect(report.checks.filter((c) => c.status === 'fail').map((c) => c.id)).toEqual(['bookmark.periodic']);
  });

  it('runs over plain HTTP with --server/--token, keeps the token out of every output and cleans up', async () => {
    await using server = await startEmbeddedServer({ tls: false });
    const json = tmpFile('report.json');
    const res = await runCli(['run', '--server', server.url, '--token', server.token, '--quick', '--json', json]);
    expect(res.code, res.stderr).toBe(0);
    const report = readReport(json);
    expect(report.streams.every((s) => s.httpVersion === '1.1')).toBe(true);
    for (const text of [res.stdout, res.stderr, readFileSync(json, 'utf8')]) expect(text).not.toContain(server.token);
    expect(await leftovers(server.url, server.token, undefined)).toEqual([]);
  });

  it('cleans up everything it created when interrupted with Ctrl-C', async () => {
    await using server = await startEmbeddedServer();
    const kubeconfig = tmpFile('kubeconfig');
    writeFileSync(kubeconfig, server.kubeconfigYaml());
    const run = startCli(['run', '--kubeconfig', kubeconfig, '--quick']);
    await run.waitFor(/observe: /);
    expect((await leftovers(server.url, server.token, server.caCertPem)).length).toBeGreaterThan(0);
    run.child.kill('SIGINT');
    const res = await run.result;
    expect(res.code, res.stderr).toBe(130);
    expect(res.stderr).toMatch(/interrupted; removed configmaps watchmark-[0-9a-f]{6}-0, .* in namespace watchmark-[0-9a-f]{6}; namespace watchmark-[0-9a-f]{6}\n/);
    expect(res.stderr).not.toMatch(/left on the target/);
    expect(await leftovers(server.url, server.token, server.caCertPem)).toEqual([]);
  });
});

describe('watchmark run: usage and target errors exit 2 with one line', () => {
  it.each([
    [['run', '--no-such-flag'], /unknown option/],
    [['run', '--fail-on', 'sometimes', '--embedded'], /fail-on/],
    [['run', '--kubeconfig', '/nonexistent/kubeconfig'], /--kubeconfig \/nonexistent\/kubeconfig: file not found/],
    [['run', '--server', 'https://127.0.0.1:1', '--token', 'x', '--quick'], /127\.0\.0\.1:1/],
    [['run', '--embedded', '--resource', 'nosuchthings', '--quick'], /doesn't have a resource type "nosuchthings"/],
    [['serve', '--bookmark-interval', 'soon'], /--bookmark-interval "soon" is not a duration/],
    [['observe', 'configmaps', '--embedded', '--duration', '-3'], /--duration/],
    [['run', '--target', 'minikube'], /--target: Invalid option/],
  ])('%j', async (args, message) => {
    const res = await runCli(args as string[], { env: isolatedEnv(), timeoutMs: 60_000 });
    expect(res.code, res.stderr + res.stdout).toBe(2);
    expect(res.stderr).toMatch(message);
  });

  it('names the build command when a testbed target is not built', async () => {
    const res = await runCli(['run', '--target', 'kine', '--quick'], { env: isolatedEnv({ WATCHMARK_TESTBED_BIN: '/nonexistent/testbed/bin' }) });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--target kine: testbed binaries not built \(kine, wm-kube-apiserver\); build them with `npm run testbed:build` \(needs Go\)/);
  });

  it('refuses an HTTPS server whose certificate it cannot verify', async () => {
    await using server = await startEmbeddedServer();
    const res = await runCli(['run', '--server', server.url, '--token', server.token, '--quick']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/certificate|WM_TLS/i);
    expect(res.stderr).not.toContain(server.token);
  });
});
