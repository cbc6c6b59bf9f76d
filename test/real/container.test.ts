import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelledContainers } from '../../src/targets/container-engine.js';
import { RUN_LABEL } from '../../src/targets/container-options.js';
import { isolatedEnv, startCli } from '../support/cli.js';
import { engineWithImages, skipper, type Engine } from './container-support.js';

/**
 * `--target container` against the testbed's own image (`npm run testbed:image`: kube-apiserver
 * with embedded etcd, FROM scratch), through testcontainers on the engine DOCKER_HOST names
 * (podman's service on CI, .ci/run). kine is not run here: its image holds kine alone, and
 * kube-apiserver on kine needs two containers (the compose file's job), not one --image.
 * `--target k3s` cannot pull rancher/k3s here: only its error path is exercised.
 * Skips with one line outside CI when no engine or image; fails on CI.
 */
const IMAGE = 'watchmark-testbed/kube-apiserver:latest';

let engine: Engine | undefined;
let skipReason: string | undefined;
const dir = mkdtempSync(path.join(tmpdir(), 'watchmark-container-test-'));

beforeAll(async () => {
  ({ engine, skipReason } = await engineWithImages([IMAGE]));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const skipped = skipper('container target tests', () => skipReason);

/** Containers carrying watchmark's label. */
const labelled = () => labelledContainers(engine!.container.dockerode);

const env = () => isolatedEnv({ TESTCONTAINERS_RYUK_DISABLED: process.env.TESTCONTAINERS_RYUK_DISABLED ?? 'true' });

describe('--target container (testcontainers, the testbed image)', () => {
  it('run --quick passes against kube-apiserver in a container; its port is bound on 127.0.0.1 only; the container is gone afterwards', async () => {
    if (skipped()) return;
    const before = await labelled();
    const json = path.join(dir, 'report.json');
    const startedMs = Date.now();
    const cli = startCli(['run', '--quick', '--target', 'container', '--image', IMAGE, '--json', json], { env: env(), timeoutMs: 200_000 });
    try {
      await cli.waitFor(/started container watchmark-testbed\/kube-apiserver:latest \([0-9a-f]{12}\) at https:\/\/127\.0\.0\.1:\d+/, 190_000);
      const ours = (await labelled()).filter((id) => !before.includes(id));
      expect(ours).toHaveLength(1);
      const inspected = await engine!.container.dockerode.getContainer(ours[0]!).inspect();
      const bindings = (inspected.NetworkSettings.Ports as Record<string, Array<{ HostIp: string; HostPort: string }>>)['6443/tcp'];
      expect(bindings?.map((b) => b.HostIp)).toEqual(['127.0.0.1']);
      expect(inspected.Config.Labels[RUN_LABEL]).toMatch(/^[0-9a-f-]{36}$/);
      const result = await cli.result;
      console.log(`container target: run --quick took ${((Date.now() - startedMs) / 1000).toFixed(1)} s`);
      expect(result.stderr).not.toMatch(/internal error/);
      expect(result.code, result.stderr).toBe(0);
      const report = JSON.parse(readFileSync(json, 'utf8')) as { target: { source: string; server: string }; verdict?: unknown };
      expect(report.target.source).toBe('container');
      expect(report.target.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(await labelled()).toEqual(before);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });

  it('Ctrl-C while running (the kubeconfig the container writes, --container-kubeconfig) exits 130 and leaves no container', async () => {
    if (skipped()) return;
    const before = await labelled();
    const startedMs = Date.now();
    const args = ['--dir', '/var/lib/watchmark', '--info-file', '/var/lib/watchmark/info.json', '--bind-address', '0.0.0.0', '--port', '6443', '--kubeconfig-out', '/var/lib/watchmark/out/kubeconfig'];
    const cli = startCli(
      ['run', '--target', 'container', '--image', IMAGE, '--container-kubeconfig', '/var/lib/watchmark/out/kubeconfig', ...args.map((a) => `--arg=${a}`)],
      { env: env(), timeoutMs: 200_000 },
    );
    try {
      // Started: the kubeconfig was read out of the container, pointed at the mapped port, and /readyz answered through it.
      await cli.waitFor(/started container watchmark-testbed\/kube-apiserver:latest/, 190_000);
      expect((await labelled()).filter((id) => !before.includes(id))).toHaveLength(1);
      cli.child.kill('SIGINT');
      const result = await cli.result;
      console.log(`container target: start + Ctrl-C took ${((Date.now() - startedMs) / 1000).toFixed(1)} s`);
      expect(result.code, result.stderr).toBe(130);
      expect(await labelled()).toEqual(before);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });

  it('Ctrl-C during start-up (the container exists, not yet ready) exits 130 and leaves no container', async () => {
    if (skipped()) return;
    const before = await labelled();
    const cli = startCli(['run', '--quick', '--target', 'container', '--image', IMAGE], { env: env(), timeoutMs: 120_000 });
    try {
      // Polls the engine's state (not a timing assertion): Ctrl-C once the container exists.
      const deadline = Date.now() + 60_000;
      while ((await labelled()).filter((id) => !before.includes(id)).length === 0) {
        if (Date.now() > deadline) throw new Error(`no container appeared; stderr:\n${cli.output().stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      cli.child.kill('SIGINT');
      const result = await cli.result;
      expect(result.code, result.stderr).toBe(130);
      expect(result.stderr).not.toMatch(/started container/);
      expect(await labelled()).toEqual(before);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });

  it('two Ctrl-Cs (exit at once, without cleanup): exit 130, and the container is still removed (by the detached reaper)', async () => {
    if (skipped()) return;
    const before = await labelled();
    const cli = startCli(['run', '--quick', '--target', 'container', '--image', IMAGE], { env: env(), timeoutMs: 120_000 });
    try {
      await cli.waitFor(/started container/, 110_000);
      cli.child.kill('SIGINT');
      await cli.waitFor(/SIGINT received, stopping and cleaning up/, 10_000);
      cli.child.kill('SIGINT');
      const result = await cli.result;
      expect(result.code, result.stderr).toBe(130);
      expect(result.stderr).toContain('SIGINT again: exiting at once');
      // The reaper runs after watchmark has gone: poll the engine's state, bounded.
      const deadline = Date.now() + 30_000;
      while ((await labelled()).some((id) => !before.includes(id)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await labelled()).toEqual(before);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });

  it('a container that exits during start-up: exit 2 naming it, with its last log lines; no container left', async () => {
    if (skipped()) return;
    const before = await labelled();
    const cli = startCli(['run', '--quick', '--target', 'container', '--image', IMAGE, '--arg=--no-such-flag'], { env: env(), timeoutMs: 120_000 });
    try {
      const result = await cli.result;
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(/^watchmark: container [0-9a-f]{12} \(watchmark-testbed\/kube-apiserver:latest\) exited during start-up\n--- container [0-9a-f]{12} log \(last lines\) ---\n/);
      expect(result.stderr).toContain('token-file');
      expect(await labelled()).toEqual(before);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });

  it('an image the engine does not have and cannot pull: exit 2 naming it, no container (container and k3s)', async () => {
    if (skipped()) return;
    const before = await labelled();
    for (const target of ['container', 'k3s']) {
      const cli = startCli(['run', '--quick', '--target', target, '--image', 'watchmark-testbed/absent:none'], { env: env(), timeoutMs: 120_000 });
      try {
        const result = await cli.result;
        expect(result.code, result.stderr).toBe(2);
        expect(result.stderr).toContain(`watchmark: --target ${target}: image watchmark-testbed/absent:none is not in the engine and cannot be pulled`);
      } finally {
        cli.child.kill('SIGKILL');
      }
    }
    expect(await labelled()).toEqual(before);
  });
});
