import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { ManualScheduler } from '../scheduler.js';
import { rejection } from '../../test/support/rejection.js';
import { TARGET_NAMES as FLAG_TARGET_NAMES } from './flags.js';
import { defineTargetKind, startKind, type StartedKind, type Startup } from './kind.js';
import { forLogLine, forPort } from './readiness.js';
import { TARGET_KINDS, TARGET_NAMES, targetHelp, targetKind, TESTBED_TARGETS } from './registry.js';
import { selectTarget, targetNotice, type TargetSelection } from './select.js';
import type { ReadyTarget } from './types.js';

const CONNECTION: StartedKind['connection'] = { server: 'https://127.0.0.1:1', tls: { insecureSkipTlsVerify: false }, allowH2: false, authHeaders: async () => ({}) };

describe('the registry of target kinds', () => {
  it('names every kind once, in the order of the registry; the config and the CLI take the same names', () => {
    expect(TARGET_NAMES).toEqual(TARGET_KINDS.map((kind) => kind.name));
    expect(TARGET_NAMES).toEqual(['embedded', 'kube-apiserver', 'kube-apiserver-uncached', 'kine', 'envtest', 'container', 'k3s']);
    expect(FLAG_TARGET_NAMES).toBe(TARGET_NAMES);
    expect(new Set(TARGET_NAMES).size).toBe(TARGET_NAMES.length);
    expect(TESTBED_TARGETS).toEqual(['kube-apiserver', 'kube-apiserver-uncached', 'kine']);
    for (const name of TARGET_NAMES) expect(targetKind(name)?.name).toBe(name);
    expect(targetKind('minikube')).toBeUndefined();
  });

  it('keeps the report sources recordings carry', () => {
    expect(Object.fromEntries(TARGET_KINDS.map((kind) => [kind.name, kind.source]))).toEqual({
      embedded: 'embedded',
      'kube-apiserver': 'testbed',
      'kube-apiserver-uncached': 'testbed',
      kine: 'testbed',
      envtest: 'envtest',
      container: 'container',
      k3s: 'k3s',
    });
  });

  it('--target help: each kind with its help and options, and one build line per build command', () => {
    const help = targetHelp();
    for (const kind of TARGET_KINDS) expect(help).toContain(`${kind.name} (${kind.help}`);
    expect(help).toContain('embedded (the in-process reference server, same as --embedded; takes --profile)');
    expect(help).toMatch(/; kube-apiserver, kube-apiserver-uncached and kine need `npm run testbed:build`$/);
    const one = defineTargetKind({ name: 'k3s', help: 'k3s', source: 'k3s', options: [], buildHint: 'get k3s', start: async () => ({ connection: CONNECTION, description: 'k3s' }) });
    expect(targetHelp([one])).toBe('start a local target: k3s (k3s); k3s needs `get k3s`');
  });
});

/** A kind that records what it was given and what was stopped. */
function recordingKind(events: string[], start?: (startup: Startup) => Promise<void>) {
  return defineTargetKind({
    name: 'fake',
    help: 'a fake',
    source: 'fake',
    options: [],
    async start(startup, options) {
      events.push(`start ${JSON.stringify(options)}`);
      startup.onStop(() => void events.push('stop first registered'));
      startup.onStop(() => void events.push('stop last registered'));
      await start?.(startup);
      return { connection: CONNECTION, description: 'fake at https://127.0.0.1:1', extra: 42 };
    },
  });
}

describe('startKind: the lifecycle every kind shares', () => {
  it('passes only the options a kind declares; stop() undoes in reverse order, once', async () => {
    const events: string[] = [];
    const target = await startKind(recordingKind(events), { options: { profile: 'kinm' } });
    expect(events).toEqual(['start {}']);
    expect(target.source).toBe('fake');
    expect(target.kind).toBe('fake');
    expect(target.extra).toBe(42);
    await Promise.all([target.stop(), target.stop()]);
    await target[Symbol.asyncDispose]();
    expect(events).toEqual(['start {}', 'stop last registered', 'stop first registered']);

    const profiles: unknown[] = [];
    const withProfile = defineTargetKind({
      name: 'p',
      help: 'p',
      source: 'p',
      options: ['profile'],
      start: async (_startup, options) => (profiles.push(options), { connection: CONNECTION, description: 'p' }),
    });
    await (await startKind(withProfile, { options: { profile: 'kinm' } })).stop();
    expect(profiles).toEqual([{ profile: 'kinm' }]);
  });

  it('a kind that cannot start here fails before anything starts, naming --target and why', async () => {
    const events: string[] = [];
    const kind = { ...recordingKind(events), unavailable: () => 'not built' };
    const err = await rejection(startKind(kind));
    expect(err.code).toBe('WM_TARGET');
    expect(err.message).toBe('--target fake: not built');
    expect(events).toEqual([]);
  });

  it('a start that misses its deadline stops what it started, removes its dir, and the error carries the process log', async () => {
    const clock = new FakeClock();
    const scheduler = new ManualScheduler(clock);
    const events: string[] = [];
    let dir = '';
    let waiting!: () => void;
    const waitingForPort = new Promise<void>((resolve) => (waiting = resolve));
    let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;
    const kind = recordingKind(events, async (startup) => {
      dir = startup.tempDir('watchmark-kind-test-');
      const proc = startup.spawn('fake-server', process.execPath, ['-e', 'console.log("fake-server: listening soon"); setInterval(() => {}, 1000)'], path.join(dir, 'fake.log'));
      exited = proc.exited;
      await startup.waitFor(forLogLine(/listening soon/, proc.lines), proc);
      const ready = startup.waitFor(forPort('127.0.0.1', 1, { connect: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:1')) }), proc);
      waiting();
      await ready;
    });
    const started = startKind(kind, { clock, scheduler, startTimeoutMs: 5_000 });
    const failed = rejection(started);
    await waitingForPort;
    // Each look is scheduled once the previous one answered: step through time.
    for (let t = 0; t < 5_000; t += 100) {
      scheduler.advance(100);
      await new Promise((resolve) => setImmediate(resolve));
    }
    // stop() sends SIGTERM, then SIGKILL after the grace on the same scheduler: the fake server dies on SIGTERM.
    const err = await failed;
    expect(err.code).toBe('WM_TIMEOUT');
    expect(err.message.split('\n')[0]).toBe('fake-server: port 127.0.0.1:1 to accept connections: not ready after 5s (start-up deadline; last: connect ECONNREFUSED 127.0.0.1:1)');
    expect(err.message).toContain('--- fake-server log (last lines) ---\nfake-server: listening soon');
    expect((await exited!).signal).toBe('SIGTERM');
    expect(existsSync(dir)).toBe(false);
    expect(events).toEqual(['start {}', 'stop last registered', 'stop first registered']);
  });
});

describe('selectTarget and targetNotice come from the registry', () => {
  const selection = (extra: Partial<TargetSelection> = {}): TargetSelection => ({ profile: 'reference', ...extra });
  const ready = (extra: Partial<ReadyTarget>): ReadyTarget => ({
    source: 'embedded',
    connection: CONNECTION,
    description: 'embedded API server (profile reference) at https://127.0.0.1:1',
    stop: async () => {},
    [Symbol.asyncDispose]: async () => {},
    ...extra,
  });

  it('--target looks the kind up: a testbed kind without its binaries says how to build them', async () => {
    const err = await rejection(selectTarget(selection({ target: 'kine' }), { WATCHMARK_TESTBED_BIN: '/nonexistent/testbed/bin' }));
    expect(err.message).toBe('--target kine: testbed binaries not built (kine, wm-kube-apiserver); build them with `npm run testbed:build` (needs Go)');
  });

  it('--embedded starts the embedded kind with its --profile', async () => {
    const target = await selectTarget(selection({ embedded: true, profile: 'kinm' }), {});
    try {
      expect(target.source).toBe('embedded');
      expect(target.kind).toBe('embedded');
      expect(target.description).toMatch(/^embedded API server \(profile kinm\) at https:\/\/127\.0\.0\.1:\d+$/);
      expect(targetNotice(selection({ embedded: true }), target)).toBe(`started the ${target.description}`);
    } finally {
      await target.stop();
    }
  });

  it('the notice: asked for, the default when no kubeconfig was found, testbed kinds, none for remote targets', () => {
    const embedded = ready({ kind: 'embedded' });
    expect(targetNotice(selection({ target: 'embedded' }), embedded)).toBe(`started the ${embedded.description}`);
    expect(targetNotice(selection(), embedded)).toBe(`no kubeconfig found (--kubeconfig, $KUBECONFIG, ~/.kube/config): started the ${embedded.description}`);
    const kine = ready({ kind: 'kine', source: 'testbed', description: 'kine (testbed) at https://127.0.0.1:2' });
    expect(targetNotice(selection({ target: 'kine' }), kine)).toBe('started kine (testbed) at https://127.0.0.1:2');
    expect(targetNotice(selection(), ready({ source: 'KUBECONFIG', description: 'context "kind-kind"' }))).toBeNull();
  });

  it('the container kinds\' options are refused (WM_USAGE, before anything starts) for a kind that does not take them', async () => {
    const kine = await rejection(selectTarget(selection({ target: 'kine', image: 'x' }), {}));
    expect([kine.code, kine.message]).toEqual(['WM_USAGE', '--image applies to --target container and --target k3s, not --target kine']);
    const none = await rejection(selectTarget(selection({ env: ['A=1'], containerPort: 80 }), {}));
    expect([none.code, none.message]).toEqual(['WM_USAGE', '--container-port, --env apply to --target container']);
    const k3s = await rejection(selectTarget(selection({ target: 'k3s', readyPath: '/healthz' }), {}));
    expect(k3s.message).toBe('--ready-path applies to --target container, not --target k3s');
    const mixed = await rejection(selectTarget(selection({ target: 'kine', assets: '/x', image: 'i', env: ['A=1'] }), {}));
    expect(mixed.message).toBe('--assets applies to --target envtest; --image applies to --target container and --target k3s; --env applies to --target container, not --target kine');
    // Without --image the container kind refuses to start, naming the flag (nothing was started).
    const noImage = await rejection(selectTarget(selection({ target: 'container' }), {}));
    expect(noImage.code).toBe('WM_USAGE');
    expect(noImage.message).toMatch(/^--target container needs --image IMAGE/);
  });

  it('--target help names the container kind\'s options as flags', () => {
    expect(targetHelp()).toContain('takes --image; takes --container-port; takes --env; takes --arg; takes --ready-path; takes --container-kubeconfig');
  });

  it('the README lists every kind', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const name of TARGET_NAMES) expect(readme).toContain(`--target ${name}`);
  });
});
