import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { realScheduler } from '../../src/scheduler.js';
import { kubeconfigFlagStrategy } from '../../src/targets/kubeconfig.js';
import { forHttpStatus } from '../../src/targets/readiness.js';
import { freePort } from '../../src/targets/testbed.js';
import { isolatedEnv, runCli } from '../support/cli.js';
import { engineWithImages, skipper, type Engine } from './container-support.js';

/**
 * The top-level docker-compose.yml as a user runs it: `docker-compose up -d` over the engine
 * DOCKER_HOST names (podman's service on CI, .ci/run), wait for the kubeconfigs it writes into
 * lab/ and for /readyz through them, `watchmark run --quick --kubeconfig lab/…` against both
 * kube-apiservers (etcd embedded, and on kine), then `docker-compose down`, after which no
 * container and no network of the project is left. The lab runs in a temp project directory (its
 * lab/ there) with free loopback ports through WATCHMARK_LAB_PORT / WATCHMARK_LAB_KINE_PORT, so it
 * cannot clash with a lab the user has up. Skips with one line outside CI when docker-compose, the
 * engine or the images are missing; fails on CI.
 */
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const COMPOSE_FILE = path.join(REPO, 'docker-compose.yml');
const IMAGES = ['watchmark-testbed/kube-apiserver:latest', 'watchmark-testbed/kine:latest'];
const PROJECT = `wm-compose-test-${process.pid}`;

let engine: Engine | undefined;
let skipReason: string | undefined;
const projectDir = mkdtempSync(path.join(tmpdir(), 'watchmark-compose-test-'));
let ports: { lab: number; kine: number };

function compose(args: string[], timeoutMs = 120_000): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      'docker-compose',
      ['-f', COMPOSE_FILE, '--project-directory', projectDir, '-p', PROJECT, ...args],
      { timeout: timeoutMs, env: { ...process.env, WATCHMARK_LAB_PORT: String(ports.lab), WATCHMARK_LAB_KINE_PORT: String(ports.kine) } },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, output: `${stdout}${stderr}` }),
    );
  });
}

/** The project's containers and networks, as the engine lists them (compose labels both). */
async function leftovers(): Promise<{ containers: string[]; networks: string[] }> {
  const filters = { label: [`com.docker.compose.project=${PROJECT}`] };
  const containers = await engine!.container.dockerode.listContainers({ all: true, filters });
  const networks = await engine!.container.dockerode.listNetworks({ filters: { name: [`${PROJECT}_`] } });
  return { containers: containers.map((c) => c.Names.join(',')), networks: networks.map((n) => n.Name) };
}

beforeAll(async () => {
  const lab = await freePort();
  let kine = await freePort();
  while (kine === lab) kine = await freePort();
  ports = { lab, kine };
  const version = await new Promise<string | null>((resolve) => execFile('docker-compose', ['version', '--short'], (err, out) => resolve(err ? null : out.trim())));
  if (version === null) {
    skipReason = 'docker-compose is not installed';
    return;
  }
  ({ engine, skipReason } = await engineWithImages(IMAGES));
});

afterAll(async () => {
  // Whatever happened in the test, take the lab down (twice at most) before removing its dir.
  if (engine && !skipReason && (await leftovers()).containers.length > 0) {
    for (let i = 0; i < 2 && (await compose(['down', '--timeout', '5'])).code !== 0; i++);
  }
  rmSync(projectDir, { recursive: true, force: true });
});

const skipped = skipper('docker-compose lab test', () => skipReason);

/** Polls the file system (state, not timing) until `file` exists; false after `limitMs`. */
async function appears(file: string, limitMs: number): Promise<boolean> {
  const until = Date.now() + limitMs;
  while (!existsSync(file)) {
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 250));
  }
  return true;
}

describe('docker-compose.yml: the local lab', () => {
  it('up -d, then run --quick passes through each kubeconfig it writes into lab/; down leaves no container or network', async () => {
    if (skipped()) return;
    const startedMs = Date.now();
    const up = await compose(['up', '-d']);
    expect(up.code, up.output).toBe(0);
    try {
      for (const [name, port] of [['kubeconfig', ports.lab], ['kubeconfig-kine', ports.kine]] as const) {
        const file = path.join(projectDir, 'lab', name);
        expect(await appears(file, 120_000), `${name} written by the lab`).toBe(true);
        // The kubeconfig names the published loopback port and carries its CA: TLS is verified.
        const text = readFileSync(file, 'utf8');
        expect(text).toContain(`server: https://127.0.0.1:${port}\n`);
        expect(text).toContain('certificate-authority-data: ');
        const target = await kubeconfigFlagStrategy.resolve({ kubeconfig: file }, {});
        expect(target?.connection.tls.insecureSkipTlsVerify).toBe(false);
        const clock = systemClock();
        await forHttpStatus('/readyz', target!.connection).waitUntilReady({ clock, scheduler: realScheduler, deadlineMs: clock.nowMs() + 120_000 });
        const json = path.join(projectDir, `${name}.report.json`);
        const result = await runCli(['run', '--quick', '--kubeconfig', file, '--json', json], { env: isolatedEnv(), timeoutMs: 200_000 });
        expect(result.code, result.stderr).toBe(0);
        const report = JSON.parse(readFileSync(json, 'utf8')) as { target: { server: string; source: string } };
        expect(report.target).toMatchObject({ server: `https://127.0.0.1:${port}`, source: 'kubeconfig-flag' });
      }
    } finally {
      const down = await compose(['down', '--timeout', '5']);
      expect(down.code, down.output).toBe(0);
    }
    expect(await leftovers()).toEqual({ containers: [], networks: [] });
    console.log(`docker-compose lab: up, two quick runs and down took ${((Date.now() - startedMs) / 1000).toFixed(1)} s`);
  });
});
