import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { ManualScheduler } from '../scheduler.js';
import { EXEC_KILL_GRACE_MS, ExecCredentialProvider, type ExecConfig } from './exec-credential.js';
import { liveChildPids } from './child-processes.js';
import { rejection } from '../../test/support/rejection.js';
import { hangingPlugin, waitForFile, waitUntilGone } from '../../test/support/processes.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'watchmark-exec-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const V1 = 'client.authentication.k8s.io/v1';
const V1BETA1 = 'client.authentication.k8s.io/v1beta1';

/** A node plugin: writes what it was given (env) to `seen`, counts runs, prints `status` as an ExecCredential of `answerVersion`. */
function nodePlugin(status: Record<string, unknown>, opts: { apiVersion?: string; answerVersion?: string; env?: ExecConfig['env']; provideClusterInfo?: boolean } = {}) {
  const seen = path.join(dir, 'seen.json');
  const runs = path.join(dir, 'runs');
  writeFileSync(runs, '');
  const apiVersion = opts.apiVersion ?? V1;
  const script = [
    'const fs = require("node:fs");',
    `fs.appendFileSync(${JSON.stringify(runs)}, "x");`,
    `fs.writeFileSync(${JSON.stringify(seen)}, JSON.stringify({ info: process.env.KUBERNETES_EXEC_INFO, extra: process.env.EXTRA ?? null }));`,
    `process.stdout.write(JSON.stringify({ apiVersion: ${JSON.stringify(opts.answerVersion ?? apiVersion)}, kind: "ExecCredential", status: ${JSON.stringify(status)} }));`,
  ].join('\n');
  const exec: ExecConfig = {
    apiVersion,
    command: process.execPath,
    args: ['-e', script],
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.provideClusterInfo ? { provideClusterInfo: true } : {}),
  };
  return {
    exec,
    runs: () => readFileSync(runs, 'utf8').length,
    seen: () => JSON.parse(readFileSync(seen, 'utf8')) as { info: string; extra: string | null },
  };
}

describe('ExecCredentialProvider: the client.authentication.k8s.io protocol', () => {
  it('v1: gives the plugin KUBERNETES_EXEC_INFO (non-interactive, with the cluster when asked) and the kubeconfig env; reads the token', async () => {
    const plugin = nodePlugin({ token: 'tok-1' }, { env: [{ name: 'EXTRA', value: 'from-kubeconfig' }], provideClusterInfo: true });
    const provider = new ExecCredentialProvider(plugin.exec, { cluster: { server: 'https://h:6443', 'certificate-authority-data': 'Q0E=' } });
    expect(await provider.headers()).toEqual({ authorization: 'Bearer tok-1' });
    const seen = plugin.seen();
    expect(seen.extra).toBe('from-kubeconfig');
    expect(JSON.parse(seen.info)).toEqual({
      apiVersion: V1,
      kind: 'ExecCredential',
      spec: { interactive: false, cluster: { server: 'https://h:6443', 'certificate-authority-data': 'Q0E=' } },
    });
  });

  it('v1beta1 works too; the cluster is not sent without provideClusterInfo', async () => {
    const plugin = nodePlugin({ token: 'tok-b' }, { apiVersion: V1BETA1 });
    const provider = new ExecCredentialProvider(plugin.exec, { cluster: { server: 'https://h:6443' } });
    expect((await provider.get()).token).toBe('tok-b');
    expect(JSON.parse(plugin.seen().info)).toEqual({ apiVersion: V1BETA1, kind: 'ExecCredential', spec: { interactive: false } });
  });

  it('refuses an answer of another apiVersion, and an unsupported apiVersion in the kubeconfig', async () => {
    const plugin = nodePlugin({ token: 't' }, { apiVersion: V1, answerVersion: V1BETA1 });
    const err = await rejection(new ExecCredentialProvider(plugin.exec).get());
    expect(err.code).toBe('WM_AUTH');
    expect(err.message).toContain(`answered apiVersion "${V1BETA1}" to a ${V1} request`);
    expect(() => new ExecCredentialProvider({ ...plugin.exec, apiVersion: 'client.authentication.k8s.io/v1alpha1' })).toThrow(/not supported/);
  });

  it('reads a client certificate and key; refuses a certificate without its key', async () => {
    const ok = nodePlugin({ clientCertificateData: 'CERT', clientKeyData: 'KEY' });
    expect(await new ExecCredentialProvider(ok.exec).get()).toEqual({ clientCertificateData: 'CERT', clientKeyData: 'KEY' });
    expect(await new ExecCredentialProvider(ok.exec).headers()).toEqual({});
    const half = nodePlugin({ clientCertificateData: 'CERT' });
    expect((await rejection(new ExecCredentialProvider(half.exec).get())).message).toContain('neither a token nor a client certificate and key');
  });

  it('reuses a credential until its expirationTimestamp, then runs the plugin again', async () => {
    const expiry = '2026-01-01T00:10:00Z';
    const plugin = nodePlugin({ token: 'tok', expirationTimestamp: expiry });
    let now = Date.parse('2026-01-01T00:00:00Z');
    const provider = new ExecCredentialProvider(plugin.exec, { nowWallMs: () => now });
    await provider.get();
    now = Date.parse(expiry) - 1;
    await provider.get();
    expect(plugin.runs()).toBe(1);
    now = Date.parse(expiry);
    await provider.get();
    expect(plugin.runs()).toBe(2);
  });

  it('without an expirationTimestamp every call runs the plugin (a rotated token is picked up)', async () => {
    const plugin = nodePlugin({ token: 'tok' });
    const provider = new ExecCredentialProvider(plugin.exec);
    await provider.get();
    await provider.get();
    expect(plugin.runs()).toBe(2);
  });

  it('a plugin that is not installed is WM_AUTH with its installHint', async () => {
    const provider = new ExecCredentialProvider({ apiVersion: V1, command: path.join(dir, 'no-such-plugin'), installHint: 'install it with\n  brew install no-such-plugin' });
    const err = await rejection(provider.get());
    expect(err.code).toBe('WM_AUTH');
    expect(err.message).toContain('command not found');
    expect(err.message).toContain('install it with brew install no-such-plugin');
    expect(err.message).not.toContain('\n');
  });
});

describe('ExecCredentialProvider: a plugin never outlives its call', () => {
  it('a plugin that does not answer within the timeout is one WM_AUTH line naming it; it and its children are killed', async () => {
    const plugin = hangingPlugin(dir);
    const provider = new ExecCredentialProvider({ apiVersion: V1, command: plugin.command }, { timeoutMs: 400, origin: 'kubeconfig k' });
    const failed = rejection(provider.get());
    await waitForFile(plugin.pidFile);
    const err = await failed;
    expect(err.code).toBe('WM_AUTH');
    expect(err.message).toBe(`exec credential plugin "${plugin.command}" (kubeconfig k) did not answer within 400 ms; stopped it`);
    await waitUntilGone(plugin.pids());
    // waitUntilGone counts a zombie as gone; the registry forgets the child when Node reaps it
    // (its 'exit' event), which may come a moment later.
    const deadline = Date.now() + 5_000;
    while (liveChildPids().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(liveChildPids()).toEqual([]);
  });

  it('the timeout and the kill grace run on the injected scheduler', async () => {
    const plugin = hangingPlugin(dir);
    const scheduler = new ManualScheduler(new FakeClock());
    const provider = new ExecCredentialProvider({ apiVersion: V1, command: plugin.command }, { scheduler });
    const failed = rejection(provider.get());
    await waitForFile(plugin.pidFile);
    expect(scheduler.pending()).toBe(1);
    scheduler.advance(60_000 - 1);
    scheduler.advance(1);
    const err = await failed;
    expect(err.message).toBe(`exec credential plugin "${plugin.command}" did not answer within 60 s; stopped it`);
    await waitUntilGone(plugin.pids());
    scheduler.advance(EXEC_KILL_GRACE_MS);
    expect(scheduler.pending()).toBe(0);
  });

  it('abort (Ctrl-C) kills a running plugin at once and fails with WM_ABORTED', async () => {
    const plugin = hangingPlugin(dir);
    const controller = new AbortController();
    const provider = new ExecCredentialProvider({ apiVersion: V1, command: plugin.command }, { signal: controller.signal });
    const failed = rejection(provider.get());
    await waitForFile(plugin.pidFile);
    controller.abort();
    expect((await failed).code).toBe('WM_ABORTED');
    await waitUntilGone(plugin.pids());
  });
});
