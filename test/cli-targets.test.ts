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
