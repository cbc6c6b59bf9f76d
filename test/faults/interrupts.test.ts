/**
 * Interrupts (issue 10, items 2-4): Ctrl-C and SIGTERM at any moment of `watchmark run` stop it
 * within a bound and leave nothing of watchmark's on the target — or name exactly what is left,
 * with the kubectl command to remove it. The target is the embedded server behind a proxy that
 * holds namespace and object creates (test/support/slow-create-proxy.ts), so interrupts land
 * while a create is in flight; after each run the server is listed directly.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedServer, type StartedEmbeddedServer } from '../../src/server/index.js';
import { isolatedEnv, startCli, type CliResult, type RunningCli } from '../support/cli.js';
import { hangingPlugin, waitForFile, waitUntilGone } from '../support/processes.js';
import { startSlowCreateProxy, type SlowCreateProxy } from '../support/slow-create-proxy.js';
import { faultScale } from './scale.js';

/** The CLI's promise (main.ts INTERRUPT_BOUND_MS): gone within 20 s of the first signal, cleanup included. */
const BOUND_MS = 20_000;
const MANAGED = encodeURIComponent('app.kubernetes.io/managed-by=watchmark');

let server: StartedEmbeddedServer;
let proxy: SlowCreateProxy;
let dir: string;

beforeAll(async () => {
  server = await startEmbeddedServer({ tls: false });
  proxy = await startSlowCreateProxy(server.url);
  dir = mkdtempSync(path.join(tmpdir(), 'watchmark-interrupts-'));
});
afterAll(async () => {
  await proxy?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function names(collection: string): Promise<string[]> {
  const res = await fetch(`${server.url}${collection}?labelSelector=${MANAGED}`, { headers: { authorization: `Bearer ${server.token}` } });
  const body = (await res.json()) as { items: Array<{ metadata: { name: string; namespace?: string } }> };
  return body.items.map((o) => (o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name));
}

/** Everything of watchmark's on the server, once the proxy has let every held create through. */
async function leftOnServer(): Promise<{ namespaces: string[]; configmaps: string[] }> {
  await proxy.drained();
  return { namespaces: await names('/api/v1/namespaces'), configmaps: await names('/api/v1/configmaps') };
}

/** Removes leftovers so the next run starts clean (a namespace takes its configmaps along). */
async function reset(left: { namespaces: string[]; configmaps: string[] }): Promise<void> {
  const del = (p: string) => fetch(`${server.url}${p}`, { method: 'DELETE', headers: { authorization: `Bearer ${server.token}` } });
  for (const ns of left.namespaces) await del(`/api/v1/namespaces/${ns}`);
  for (const cm of left.configmaps) {
    const [ns, name] = cm.split('/');
    await del(`/api/v1/namespaces/${ns}/configmaps/${name}`);
  }
}

/**
 * Nothing is left, or everything left is named in stderr with a kubectl command that removes it
 * (a configmap left inside a left namespace is removed with it).
 */
function expectNothingUnnamed(left: { namespaces: string[]; configmaps: string[] }, stderr: string): void {
  for (const ns of left.namespaces) {
    expect(stderr, `namespace ${ns} left and not named`).toMatch(new RegExp(`left on the target: namespace ${ns}\\b`));
    expect(stderr).toContain(`kubectl delete namespace ${ns}`);
  }
  for (const cm of left.configmaps) {
    const [ns, name] = cm.split('/') as [string, string];
    if (left.namespaces.includes(ns)) continue;
    expect(stderr, `configmap ${cm} left and not named`).toMatch(new RegExp(`left on the target: configmaps [^\\n]*\\b${name}\\b[^\\n]* in namespace ${ns}`));
    expect(stderr).toContain(`kubectl delete configmaps -n ${ns} -l watchmark.io/run=`);
  }
}

function runThroughProxy(): RunningCli {
  return startCli(['run', '--quick', '--progress', 'plain', '--server', proxy.url, '--token', server.token], { env: isolatedEnv(), timeoutMs: 90_000 });
}

/** Sends `signal` and returns the result and how long the process took to end after it. */
async function interrupt(run: RunningCli, signal: NodeJS.Signals = 'SIGINT'): Promise<{ res: CliResult; afterSignalMs: number }> {
  const sentAt = Date.now();
  run.child.kill(signal);
  const res = await run.result;
  return { res, afterSignalMs: Date.now() - sentAt };
}

describe('Ctrl-C while the namespace create is in flight (proxy holds POST /api/v1/namespaces)', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('%s 1 s after the POST: exit 130, the namespace is removed and named as removed', async (signal) => {
    proxy.delays = { namespaces: 3_000 };
    const run = runThroughProxy();
    try {
      await proxy.waitForPost(/^\/api\/v1\/namespaces$/);
      await new Promise((r) => setTimeout(r, 1_000));
      const { res, afterSignalMs } = await interrupt(run, signal);
      expect(res.code, res.stderr).toBe(130);
      expect(afterSignalMs).toBeLessThan(BOUND_MS);
      const left = await leftOnServer();
      expect(left, res.stderr).toEqual({ namespaces: [], configmaps: [] });
      expect(res.stderr).toMatch(/watchmark: interrupted; removed namespace watchmark-[0-9a-f]{6}\n/);
      expect(res.stderr).not.toMatch(/cleaned up|internal error|    at /);
    } finally {
      run.child.kill('SIGKILL');
      proxy.delays = {};
    }
  });

  it('a second Ctrl-C exits 130 at once and names the namespace whose create is in flight, with the kubectl command', async () => {
    proxy.delays = { namespaces: 3_000 };
    const run = runThroughProxy();
    try {
      await proxy.waitForPost(/^\/api\/v1\/namespaces$/);
      run.child.kill('SIGINT');
      await run.waitFor(/stopping and cleaning up/, 10_000);
      const { res } = await interrupt(run, 'SIGINT');
      expect(res.code, res.stderr).toBe(130);
      expect(res.stderr).toMatch(/SIGINT again: exiting at once/);
      const left = await leftOnServer();
      expect(left.namespaces).toHaveLength(1); // the held create happened after all
      expectNothingUnnamed(left, res.stderr);
      expect(res.stderr).toContain('its create got no answer: it may exist');
      await reset(left);
    } finally {
      run.child.kill('SIGKILL');
      proxy.delays = {};
    }
  });
});

describe('Ctrl-C while objects exist and creates are in flight', () => {
  it('a second Ctrl-C during the observation names the namespace and its configmaps', async () => {
    proxy.delays = {};
    const run = runThroughProxy();
    try {
      await run.waitFor(/observe: /, 60_000);
      run.child.kill('SIGINT');
      const { res } = await interrupt(run, 'SIGINT');
      expect(res.code, res.stderr).toBe(130);
      const left = await leftOnServer();
      expectNothingUnnamed(left, res.stderr);
      if (left.namespaces.length > 0) expect(res.stderr).toMatch(/left on the target: namespace watchmark-[0-9a-f]{6} \(with configmaps watchmark-[0-9a-f]{6}-0/);
      await reset(left);
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it('Ctrl-C while an object create is held: the object and the namespace are removed', async () => {
    proxy.delays = { objects: 2_000 };
    const run = runThroughProxy();
    try {
      await proxy.waitForPost(/\/configmaps$/);
      await new Promise((r) => setTimeout(r, 500));
      const { res, afterSignalMs } = await interrupt(run);
      expect(res.code, res.stderr).toBe(130);
      expect(afterSignalMs).toBeLessThan(BOUND_MS);
      expect(await leftOnServer(), res.stderr).toEqual({ namespaces: [], configmaps: [] });
      expect(res.stderr).toMatch(/interrupted; removed configmaps watchmark-[0-9a-f]{6}-0.* in namespace watchmark-[0-9a-f]{6}; namespace watchmark-[0-9a-f]{6}\n/);
    } finally {
      run.child.kill('SIGKILL');
      proxy.delays = {};
    }
  });
});

describe('SIGINT at random moments of a run', () => {
  const runs = faultScale(2, 50);
  it(`${runs} runs: each ends within the bound, and nothing is left or what is left is named`, async () => {
    const outcomes = { interrupted: 0, beforeHandlers: 0, leftNamed: 0, maxAfterSignalMs: 0 };
    for (let i = 0; i < runs; i++) {
      // Creates are held long enough that a good share of the interrupts land while one is in flight.
      proxy.delays = { namespaces: Math.floor(Math.random() * 1_500), objects: Math.floor(Math.random() * 600) };
      const arrived = proxy.waitForRequest();
      const run = runThroughProxy();
      try {
        // Random moments from its first request (GET /version: the signal handlers are in place)
        // to well into the observation.
        await arrived;
        await new Promise((r) => setTimeout(r, Math.random() * 6_000));
        const double = i % 5 === 4; // every fifth run: a second Ctrl-C right after the first
        if (double) {
          run.child.kill('SIGINT');
          await run.waitFor(/stopping and cleaning up/, 10_000).catch(() => undefined);
        }
        const { res, afterSignalMs } = await interrupt(run);
        outcomes.maxAfterSignalMs = Math.max(outcomes.maxAfterSignalMs, afterSignalMs);
        expect(afterSignalMs).toBeLessThan(BOUND_MS);
        const left = await leftOnServer();
        if (res.signal === 'SIGINT') {
          // Killed before main() installed its handlers: it cannot have created anything.
          outcomes.beforeHandlers++;
          expect(left).toEqual({ namespaces: [], configmaps: [] });
          continue;
        }
        expect(res.code, res.stderr).toBe(130);
        expect(res.stderr).not.toMatch(/internal error|    at /);
        outcomes.interrupted++;
        if (!double) expect(left, res.stderr).toEqual({ namespaces: [], configmaps: [] });
        expectNothingUnnamed(left, res.stderr);
        if (left.namespaces.length + left.configmaps.length > 0) outcomes.leftNamed++;
        await reset(left);
      } finally {
        run.child.kill('SIGKILL');
        proxy.delays = {};
      }
    }
    console.log(
      `interrupts: ${runs} random SIGINTs (every 5th doubled): ${outcomes.interrupted} exited 130, ${outcomes.beforeHandlers} before the handlers were installed, ` +
        `${outcomes.leftNamed} left objects (each named), slowest exit ${outcomes.maxAfterSignalMs} ms after the signal`,
    );
    expect(outcomes.interrupted).toBeGreaterThan(0);
  }, 90_000 * faultScale(2, 50));
});

describe('the first Ctrl-C stops a run that waits on something that never answers', () => {
  it('a server that accepts connections and never answers: exit 130 within the bound', async () => {
    let connected!: () => void;
    const firstConnection = new Promise<void>((r) => (connected = r));
    const silent = net.createServer(() => connected());
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
    const run = startCli(['run', '--quick', '--progress', 'plain', '--server', url], { env: isolatedEnv(), timeoutMs: 60_000 });
    try {
      await firstConnection; // GET /version is waiting for an answer that never comes
      await new Promise((r) => setTimeout(r, 500));
      const { res, afterSignalMs } = await interrupt(run);
      expect(res.code, res.stderr).toBe(130);
      expect(afterSignalMs).toBeLessThan(BOUND_MS);
      expect(res.stderr).toMatch(/interrupted; nothing of watchmark's is left on the target/);
    } finally {
      run.child.kill('SIGKILL');
      silent.close();
    }
  });

  /** A kubeconfig for the server whose user gets its token from the exec plugin `command`. */
  function execPluginKubeconfig(name: string, command: string): string {
    const kubeconfig = path.join(dir, name);
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server: server.url } }],
        users: [{ name: 'u', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command, interactiveMode: 'Never' } } }],
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'x',
      }),
    );
    return kubeconfig;
  }

  it.each([1, 2])('an exec credential plugin that hangs, %i Ctrl-C: exit 130 within the bound, the plugin and its children are gone', async (signals) => {
    const plugin = hangingPlugin(mkdtempSync(path.join(dir, 'plugin-')));
    const kubeconfig = execPluginKubeconfig(`kubeconfig-${signals}`, plugin.command);
    const run = startCli(['run', '--quick', '--progress', 'plain', '--kubeconfig', kubeconfig], { env: isolatedEnv(), timeoutMs: 60_000 });
    try {
      await waitForFile(plugin.pidFile);
      const pids = plugin.pids();
      if (signals === 2) {
        run.child.kill('SIGINT');
        await run.waitFor(/stopping and cleaning up/, 10_000);
      }
      const { res, afterSignalMs } = await interrupt(run);
      expect(res.code, res.stderr).toBe(130);
      expect(afterSignalMs).toBeLessThan(BOUND_MS);
      await waitUntilGone(pids);
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it('an exec credential plugin that never answers, no Ctrl-C: exit 2 within --request-timeout naming the plugin, and the plugin is gone', async () => {
    const plugin = hangingPlugin(mkdtempSync(path.join(dir, 'plugin-')));
    const kubeconfig = execPluginKubeconfig('kubeconfig-timeout', plugin.command);
    const started = Date.now();
    const run = startCli(['run', '--quick', '--progress', 'none', '--kubeconfig', kubeconfig, '--request-timeout', '2s'], { env: isolatedEnv(), timeoutMs: 60_000 });
    try {
      await waitForFile(plugin.pidFile);
      const pids = plugin.pids();
      const res = await run.result;
      expect(res.code, res.stderr).toBe(2);
      expect(res.stderr).not.toMatch(/internal error|\n\s+at /);
      expect(res.stderr).toContain(plugin.command);
      expect(res.stderr).toMatch(/WM_AUTH/);
      expect(Date.now() - started).toBeLessThan(BOUND_MS + 10_000);
      await waitUntilGone(pids);
    } finally {
      run.child.kill('SIGKILL');
    }
  });
});
