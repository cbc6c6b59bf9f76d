import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { TESTBED_IMAGES } from '../scripts/testbed-image.mjs';

/**
 * The top-level docker-compose.yml, validated by docker-compose itself (`config` needs no engine)
 * and held to what the README promises: the testbed images `npm run testbed:image` builds, ports
 * published on 127.0.0.1 only, each kube-apiserver's kubeconfig naming its published port, and
 * the two ports movable through WATCHMARK_LAB_PORT / WATCHMARK_LAB_KINE_PORT. test/real/compose.test.ts
 * brings it up. Skips with one line outside CI without docker-compose; on CI it must run.
 */
const REPO = fileURLToPath(new URL('../', import.meta.url));

interface ComposeService {
  image: string;
  command?: string[];
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, unknown> | string[];
  network_mode?: string;
}

function composeConfig(env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string } | null> {
  return new Promise((resolve) => {
    execFile('docker-compose', ['-f', 'docker-compose.yml', 'config'], { cwd: REPO, env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') return resolve(null);
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

async function services(env: Record<string, string> = {}): Promise<Record<string, ComposeService> | null> {
  const result = await composeConfig(env);
  if (result === null) {
    if (process.env.CI) throw new Error('docker-compose is not installed (.ci/run installs it)');
    console.log('docker-compose.yml validation skipped: docker-compose is not installed');
    return null;
  }
  expect(result.code, result.stderr).toBe(0);
  return (parse(result.stdout) as { services: Record<string, ComposeService> }).services;
}

const flag = (service: ComposeService, name: string) => service.command?.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

describe('docker-compose.yml', () => {
  it('is valid for docker-compose and runs the testbed images, published on 127.0.0.1 only, with kubeconfigs naming those ports', async () => {
    const all = await services();
    if (!all) return;
    expect(Object.keys(all).sort()).toEqual(['kine', 'kube-apiserver', 'kube-apiserver-kine']);
    const images = TESTBED_IMAGES.map((image) => `${image.image}:latest`);
    for (const [name, service] of Object.entries(all)) {
      expect(images, `${name}'s image is one npm run testbed:image builds`).toContain(service.image);
      for (const port of service.ports ?? []) expect(port, `${name} publishes on loopback only`).toMatch(/^127\.0\.0\.1:\d+:\d+(\/tcp)?$/);
      expect(service.network_mode, name).toBeUndefined();
    }
    expect(all.kine!.ports, 'kine (etcd API, no auth) is not published').toBeUndefined();
    const expected = { 'kube-apiserver': { port: '16443', kubeconfig: 'kubeconfig' }, 'kube-apiserver-kine': { port: '26443', kubeconfig: 'kubeconfig-kine' } };
    for (const [name, { port, kubeconfig }] of Object.entries(expected)) {
      const service = all[name]!;
      const [, , containerPort] = service.ports![0]!.replace(/\/tcp$/, '').split(':');
      expect(service.ports).toEqual([`127.0.0.1:${port}:${containerPort}/tcp`]);
      expect(flag(service, 'port')).toBe(containerPort);
      expect(flag(service, 'bind-address')).toBe('0.0.0.0');
      expect(flag(service, 'public-server')).toBe(`https://127.0.0.1:${port}`);
      expect(flag(service, 'kubeconfig-out')).toBe(`/out/${kubeconfig}`);
      expect(service.volumes).toEqual([`${REPO}lab:/out:rw`]);
    }
    expect(flag(all['kube-apiserver']!, 'etcd-servers')).toBeUndefined();
    expect(flag(all['kube-apiserver-kine']!, 'etcd-servers')).toBe('http://kine:2379');
    expect(JSON.stringify(all['kube-apiserver-kine']!.depends_on)).toContain('kine');
  });

  it('moves both published ports, and the kubeconfigs with them, through WATCHMARK_LAB_PORT and WATCHMARK_LAB_KINE_PORT', async () => {
    const all = await services({ WATCHMARK_LAB_PORT: '31001', WATCHMARK_LAB_KINE_PORT: '31002' });
    if (!all) return;
    expect(all['kube-apiserver']!.ports).toEqual(['127.0.0.1:31001:6443/tcp']);
    expect(flag(all['kube-apiserver']!, 'public-server')).toBe('https://127.0.0.1:31001');
    expect(all['kube-apiserver-kine']!.ports).toEqual(['127.0.0.1:31002:6443/tcp']);
    expect(flag(all['kube-apiserver-kine']!, 'public-server')).toBe('https://127.0.0.1:31002');
  });

  it('the README shows the two-step lab with the kubeconfig paths the file writes', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(readme).toContain('docker compose up -d');
    expect(readme).toContain('npx watchmark run --kubeconfig lab/kubeconfig');
    expect(readme).toContain('npx watchmark run --kubeconfig lab/kubeconfig-kine');
  });
});
