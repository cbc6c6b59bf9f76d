import { describe, expect, it } from 'vitest';
import { TARGET_KINDS, targetHelp } from '../src/targets/registry.js';
import { isolatedEnv, runCli } from './support/cli.js';

const oneLine = (text: string) => text.replace(/\s+/g, ' ');

describe('--target comes from the registry of target kinds', () => {
  it('`watchmark run --help` lists each kind with its help, as the registry generates it', async () => {
    const res = await runCli(['run', '--help'], { env: isolatedEnv(), timeoutMs: 30_000 });
    expect(res.code, res.stderr).toBe(0);
    const help = oneLine(res.stdout);
    expect(help).toContain(`--target <target> ${oneLine(targetHelp())}`);
    for (const kind of TARGET_KINDS) expect(help).toContain(oneLine(`${kind.name} (${kind.help}`));
  });

  it('an unknown --target is a usage error before anything starts', async () => {
    const res = await runCli(['run', '--target', 'minikube'], { env: isolatedEnv(), timeoutMs: 30_000 });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--target: Invalid option/);
    for (const kind of TARGET_KINDS) expect(res.stderr).toContain(`"${kind.name}"`);
  });
});

describe('--assets (--target envtest)', () => {
  it('is a usage error with any other target, and a missing assets directory exits 2 naming it and where it came from', async () => {
    const alone = await runCli(['run', '--quick', '--assets', 'testbed/bin/envtest'], { env: isolatedEnv(), timeoutMs: 30_000 });
    expect([alone.code, alone.stderr]).toEqual([2, 'watchmark: --assets applies to --target envtest (WM_USAGE)\n']);
    const kine = await runCli(['explain', 'configmaps', '--target', 'kine', '--assets', 'x'], { env: isolatedEnv(), timeoutMs: 30_000 });
    expect([kine.code, kine.stderr]).toEqual([2, 'watchmark: --assets applies to --target envtest, not --target kine (WM_USAGE)\n']);
    const missing = await runCli(['observe', 'configmaps', '--target', 'envtest'], { env: isolatedEnv({ KUBEBUILDER_ASSETS: '/nonexistent/k8s' }), timeoutMs: 30_000 });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^watchmark: --target envtest: the envtest assets directory \/nonexistent\/k8s \(from KUBEBUILDER_ASSETS\) does not exist; .*`npm run testbed:build` makes testbed\/bin\/envtest\) \(WM_TARGET\)\n$/);
  });
});
