import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { WatchmarkError } from '../errors.js';
import { REMOTE_STRATEGIES, resolveTarget } from './resolve.js';
import type { ReadyTarget } from './types.js';
import { rejection } from '../../test/support/rejection.js';

// kubectl's order: --server flags (standing alone), --kubeconfig, KUBECONFIG, $HOME/.kube/config,
// then the embedded server. Each test builds its own HOME in a temp dir and passes `env`
// explicitly; the real HOME and process.env are never read.

let dir: string;
let emptyHome: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'watchmark-resolve-'));
  emptyHome = path.join(dir, 'empty-home');
  mkdirSync(emptyHome);
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A kubeconfig whose only context points at `server`, so a target tells which file it came from. */
function kubeconfigFor(file: string, server: string, contextName = 'main'): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: `cluster-${contextName}`, cluster: { server } }],
      users: [{ name: `user-${contextName}`, user: { token: `token-${contextName}` } }],
      contexts: [{ name: contextName, context: { cluster: `cluster-${contextName}`, user: `user-${contextName}` } }],
      'current-context': contextName,
    }),
  );
  return file;
}

function homeWithConfig(server: string): string {
  const home = path.join(dir, 'home');
  kubeconfigFor(path.join(home, '.kube', 'config'), server);
  return home;
}

function fakeEmbedded(): { start: () => Promise<ReadyTarget>; target: ReadyTarget } {
  const target: ReadyTarget = {
    source: 'embedded',
    description: 'embedded server',
    connection: { server: 'http://127.0.0.1:1', tls: { insecureSkipTlsVerify: false }, allowH2: false, authHeaders: async () => ({}) },
    async stop() {},
    async [Symbol.asyncDispose]() {},
  };
  return { start: vi.fn(async () => target), target };
}

describe('resolveTarget: kubectl resolution order', () => {
  it('--kubeconfig wins over KUBECONFIG and ~/.kube/config', async () => {
    const flagFile = kubeconfigFor(path.join(dir, 'flag.yaml'), 'https://from-flag:6443');
    const envFile = kubeconfigFor(path.join(dir, 'env.yaml'), 'https://from-env:6443');
    const embedded = fakeEmbedded();
    const t = await resolveTarget(
      { kubeconfig: flagFile },
      { KUBECONFIG: envFile, HOME: homeWithConfig('https://from-home:6443') },
      { embedded: embedded.start },
    );
    expect(t.source).toBe('kubeconfig-flag');
    expect(t.connection.server).toBe('https://from-flag:6443');
    expect(embedded.start).not.toHaveBeenCalled();
  });

  it('a --kubeconfig file that does not exist is an error, not a fall-through to KUBECONFIG', async () => {
    const envFile = kubeconfigFor(path.join(dir, 'env.yaml'), 'https://from-env:6443');
    const missing = path.join(dir, 'missing.yaml');
    const embedded = fakeEmbedded();
    const err = await rejection(resolveTarget({ kubeconfig: missing }, { KUBECONFIG: envFile, HOME: emptyHome }, { embedded: embedded.start }));
    expect(err.code).toBe('WM_KUBECONFIG');
    expect(err.message).toBe(`--kubeconfig ${missing}: file not found`);
    expect(embedded.start).not.toHaveBeenCalled();
  });

  it('KUBECONFIG wins over ~/.kube/config', async () => {
    const envFile = kubeconfigFor(path.join(dir, 'env.yaml'), 'https://from-env:6443');
    const t = await resolveTarget({}, { KUBECONFIG: envFile, HOME: homeWithConfig('https://from-home:6443') });
    expect(t.source).toBe('KUBECONFIG');
    expect(t.connection.server).toBe('https://from-env:6443');
    expect(t.description).toContain(envFile);
  });

  it('KUBECONFIG is a path list: files are merged, missing ones skipped, the first current-context wins', async () => {
    const missing = path.join(dir, 'missing.yaml');
    const a = kubeconfigFor(path.join(dir, 'a.yaml'), 'https://a:6443', 'ctx-a');
    const b = kubeconfigFor(path.join(dir, 'b.yaml'), 'https://b:6443', 'ctx-b');
    const env = { KUBECONFIG: [missing, a, '', b].join(path.delimiter), HOME: emptyHome };
    const t = await resolveTarget({}, env);
    expect(t.connection.server).toBe('https://a:6443');
    expect(t.description).toContain(`KUBECONFIG ${a}${path.delimiter}${b}`);
    expect(t.description).not.toContain(missing);
    const tb = await resolveTarget({ context: 'ctx-b' }, env);
    expect(tb.connection.server).toBe('https://b:6443');
    expect(await tb.connection.authHeaders()).toEqual({ authorization: 'Bearer token-ctx-b' });
  });

  it('a KUBECONFIG whose files all are missing is an error naming them (no fall-through to ~/.kube/config)', async () => {
    const m1 = path.join(dir, 'm1.yaml');
    const m2 = path.join(dir, 'm2.yaml');
    const embedded = fakeEmbedded();
    const err = await rejection(
      resolveTarget({}, { KUBECONFIG: [m1, m2].join(path.delimiter), HOME: homeWithConfig('https://from-home:6443') }, { embedded: embedded.start }),
    );
    expect(err.code).toBe('WM_KUBECONFIG');
    expect(err.message).toContain('files that do not exist');
    expect(err.message).toContain(m1);
    expect(err.message).toContain(m2);
    expect(embedded.start).not.toHaveBeenCalled();

    const single = await rejection(resolveTarget({}, { KUBECONFIG: m1, HOME: emptyHome }));
    expect(single.message).toContain(`a file that does not exist: ${m1}`);
  });

  it('an empty KUBECONFIG counts as unset', async () => {
    const t = await resolveTarget({}, { KUBECONFIG: path.delimiter, HOME: homeWithConfig('https://from-home:6443') });
    expect(t.source).toBe('default-kubeconfig');
  });

  it('falls back to $HOME/.kube/config', async () => {
    const t = await resolveTarget({ namespace: 'ns' }, { HOME: homeWithConfig('https://from-home:6443') });
    expect(t.source).toBe('default-kubeconfig');
    expect(t.connection.server).toBe('https://from-home:6443');
    expect(t.namespace).toBe('ns');
  });

  it('--server without --kubeconfig stands alone, before any kubeconfig', async () => {
    const envFile = kubeconfigFor(path.join(dir, 'env.yaml'), 'https://from-env:6443');
    const t = await resolveTarget({ server: 'https://flag:6443', token: 'tok' }, { KUBECONFIG: envFile, HOME: emptyHome });
    expect(t.source).toBe('flags');
    expect(t.connection.server).toBe('https://flag:6443');
    expect(await t.connection.authHeaders()).toEqual({ authorization: 'Bearer tok' });
  });

  it('with no kubeconfig anywhere, starts the embedded fallback', async () => {
    const embedded = fakeEmbedded();
    const t = await resolveTarget({}, { HOME: emptyHome }, { embedded: embedded.start });
    expect(t).toBe(embedded.target);
    expect(embedded.start).toHaveBeenCalledTimes(1);
  });

  it('with no kubeconfig and no fallback, the error names every strategy tried', async () => {
    const err = await rejection(resolveTarget({}, { HOME: emptyHome }));
    expect(err.code).toBe('WM_KUBECONFIG');
    expect(REMOTE_STRATEGIES.map((s) => s.name)).toEqual(['--server flags', '--kubeconfig', 'KUBECONFIG', '~/.kube/config']);
    expect(err.message).toBe(
      'no target: tried --server flags, --kubeconfig, KUBECONFIG, ~/.kube/config; none applied (pass --kubeconfig or --server)',
    );
  });
});
