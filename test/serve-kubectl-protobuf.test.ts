/**
 * kubectl >= 1.32 writes built-in types in protobuf (`Content-Type: application/vnd.kubernetes.protobuf`,
 * `Accept: application/vnd.kubernetes.protobuf,application/json`). Against `watchmark serve` its
 * create, label, patch and delete used to fail with 415; they must work as against kube-apiserver.
 * Uses the versioned kubectl binaries installed beside `kubectl` (the Google Cloud CLI's package);
 * skipped with one line when there are none.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { isolatedEnv, startCli } from './support/cli.js';

const run = promisify(execFile);

function kubectlBinaries(): string[] {
  const found: string[] = [];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const plain = path.join(dir, 'kubectl');
    if (!existsSync(plain)) continue;
    const home = path.dirname(realpathSync(plain));
    for (const version of ['1.32', '1.33']) {
      const versioned = path.join(home, `kubectl.${version}`);
      if (existsSync(versioned)) found.push(versioned);
    }
    break;
  }
  return found;
}

const KUBECTLS = kubectlBinaries();
if (KUBECTLS.length === 0) console.log('kubectl protobuf tests skipped: no kubectl.1.32/kubectl.1.33 beside kubectl on PATH');

describe.skipIf(KUBECTLS.length === 0)('kubectl 1.32+ (protobuf bodies) against watchmark serve', () => {
  it('creates, labels, patches (merge, JSON, strategic) and deletes configmaps and namespaces', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'watchmark-kubectl-'));
    const kubeconfig = path.join(dir, 'kubeconfig');
    const serve = startCli(['serve', '--kubeconfig-out', kubeconfig], { timeoutMs: 90_000 });
    try {
      await serve.waitFor(/listening at https:\/\/127\.0\.0\.1:\d+/);
      const env = isolatedEnv({ KUBECONFIG: kubeconfig });
      for (const kubectl of KUBECTLS) {
        const version = path.basename(kubectl).replace('kubectl.', '').replace('.', '-');
        const k = async (...args: string[]) => {
          try {
            return (await run(kubectl, args, { env, timeout: 20_000 })).stdout.trim();
          } catch (err) {
            const e = err as { code?: number; stderr?: string };
            throw new Error(`${path.basename(kubectl)} ${args.join(' ')} exited ${e.code}: ${e.stderr?.trim()}`);
          }
        };
        const name = `kubectl-${version}`;
        expect(await k('create', 'configmap', name, '-n', 'default', '--from-literal=a=b')).toBe(`configmap/${name} created`);
        expect(await k('label', 'configmap', name, '-n', 'default', 'app=x')).toBe(`configmap/${name} labeled`);
        expect(await k('patch', 'configmap', name, '-n', 'default', '--type', 'merge', '-p', '{"data":{"c":"d"}}')).toBe(`configmap/${name} patched`);
        expect(await k('patch', 'configmap', name, '-n', 'default', '--type', 'json', '-p', '[{"op":"add","path":"/data/e","value":"f"}]')).toBe(
          `configmap/${name} patched`,
        );
        expect(await k('patch', 'configmap', name, '-n', 'default', '-p', '{"data":{"g":"h"}}')).toBe(`configmap/${name} patched`);
        const got = JSON.parse(await k('get', 'configmap', name, '-n', 'default', '-o', 'json')) as { metadata: { labels: unknown }; data: unknown };
        expect(got.metadata.labels).toEqual({ app: 'x' });
        expect(got.data).toEqual({ a: 'b', c: 'd', e: 'f', g: 'h' });
        expect(await k('create', 'namespace', name)).toBe(`namespace/${name} created`);
        expect(await k('delete', 'configmap', name, '-n', 'default')).toBe(`configmap "${name}" deleted`);
        expect(await k('delete', 'namespace', name)).toBe(`namespace "${name}" deleted`);
        expect(await k('get', 'configmaps', '-n', 'default', '-o', 'name')).not.toContain(name);
      }
    } finally {
      serve.child.kill('SIGINT');
      await serve.result;
    }
  });
});
