import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { isolatedEnv } from '../../test/support/cli.js';
import { ExplainConfigSchema, flagOfKey, ObserveConfigSchema, parseConfig, ServeConfigSchema } from './config.js';
import { RunConfigSchema } from '../run/config.js';
import type { CliIo } from './io.js';
import { buildProgram, EXIT, exitCodeForError, SHARED_FLAGS } from './main.js';
import { WatchmarkError } from '../errors.js';
import { TargetInventory } from '../workload/inventory.js';

function capture(isTTY: boolean): { stream: CliIo['stdout']; text: () => string } {
  const chunks: string[] = [];
  const stream = { isTTY, columns: 120, write: (chunk: string | Uint8Array) => (chunks.push(String(chunk)), true) } as unknown as CliIo['stdout'];
  return { stream, text: () => chunks.join('') };
}

function program(io?: CliIo, setExit: (code: number) => void = () => {}): Command {
  const quiet = capture(false);
  return buildProgram(io ?? { stdout: quiet.stream, stderr: quiet.stream, env: isolatedEnv() }, new AbortController().signal, setExit);
}

/** Each flag a command accepts, with its description (what --help shows). */
function flagsOf(command: Command): Map<string, string> {
  return new Map(command.options.map((option) => [option.long ?? option.flags, option.description]));
}

describe('shared flags', () => {
  const commands = program().commands;

  it('every command accepts the display flags (observe once rejected --no-color)', () => {
    expect(commands.map((c) => c.name()).sort()).toEqual(['explain', 'observe', 'proxy', 'report', 'run', 'serve']);
    for (const command of commands) {
      for (const flag of SHARED_FLAGS.display) expect([command.name(), flagsOf(command).has(flag)]).toEqual([command.name(), true]);
    }
  });

  it('every command that talks to a server takes the same target flags, described the same way', () => {
    const withTarget = commands.filter((c) => flagsOf(c).has('--kubeconfig'));
    expect(withTarget.map((c) => c.name())).toEqual(['run', 'observe', 'explain', 'proxy']);
    const reference = flagsOf(withTarget[0]!);
    for (const command of withTarget) {
      const flags = flagsOf(command);
      for (const flag of SHARED_FLAGS.target) expect([command.name(), flag, flags.get(flag)]).toEqual([command.name(), flag, reference.get(flag)]);
    }
  });

  it('observe --no-color prints no colour on a terminal, where it otherwise would', async () => {
    const observe = async (extra: string[]) => {
      const stdout = capture(true);
      const stderr = capture(false);
      const env = isolatedEnv();
      delete env.NO_COLOR;
      let code = -1;
      await program({ stdout: stdout.stream, stderr: stderr.stream, env }, (c) => (code = c)).parseAsync([
        'node',
        'watchmark',
        'observe',
        'namespaces',
        '--embedded',
        '--watch-list',
        '--duration',
        '1s',
        ...extra,
      ]);
      expect(code, stderr.text()).toBe(0);
      return stdout.text();
    };
    expect(await observe([])).toMatch(/\x1b\[/);
    const plain = await observe(['--no-color']);
    expect(plain).toMatch(/Verdict: PASS/);
    expect(plain).not.toMatch(/\x1b\[/);
  });
});

describe('the interrupt message says what was removed and what is left, never a blanket "cleaned up"', () => {
  const interrupted = (removed: unknown[] = []) => new WatchmarkError('WM_ABORTED', 'interrupted', { removed });
  const stderrOf = (err: unknown, inventory: TargetInventory) => {
    const out = capture(false);
    const code = exitCodeForError(err, { stdout: out.stream, stderr: out.stream, env: {} }, inventory);
    return { code, text: out.text() };
  };

  it('all removed: names it', () => {
    const { code, text } = stderrOf(
      interrupted([
        { resource: 'configmaps', group: '', namespace: 'watchmark-ab12cd', name: 'watchmark-ab12cd-0', runId: 'ab12cd' },
        { resource: 'namespaces', group: '', name: 'watchmark-ab12cd', runId: 'ab12cd' },
      ]),
      new TargetInventory(),
    );
    expect(code).toBe(EXIT.interrupted);
    expect(text).toBe('watchmark: interrupted; removed configmaps watchmark-ab12cd-0 in namespace watchmark-ab12cd; namespace watchmark-ab12cd\n');
  });

  it('something could not be removed: names it with the kubectl command', () => {
    const inventory = new TargetInventory();
    inventory.add({ resource: 'namespaces', group: '', name: 'watchmark-ab12cd', runId: 'ab12cd' }, 'exists');
    inventory.setProblem({ resource: 'namespaces', group: '', name: 'watchmark-ab12cd', runId: 'ab12cd' }, 'delete answered HTTP 500');
    expect(stderrOf(interrupted(), inventory).text).toBe(
      'watchmark: interrupted; removed nothing\n' +
        'watchmark: left on the target: namespace watchmark-ab12cd (delete answered HTTP 500)\n' +
        'watchmark:   remove it with: kubectl delete namespace watchmark-ab12cd\n',
    );
  });

  it('nothing was created (interrupted before the workload, or a read-only command)', () => {
    expect(stderrOf(interrupted(), new TargetInventory()).text).toBe("watchmark: interrupted; nothing of watchmark's is left on the target\n");
  });
});

describe('config problems name real flags', () => {
  const commands = new Map(program().commands.map((c) => [c.name(), c]));
  const schemas = [
    ['run', RunConfigSchema],
    ['explain', ExplainConfigSchema],
    ['observe', ObserveConfigSchema],
    ['serve', ServeConfigSchema],
  ] as const;

  it('every duration key (…Ms) names a flag its command has (a zero duration once said --max-bookmark-interval-ms)', () => {
    const checked: string[] = [];
    for (const [name, schema] of schemas) {
      const flags = flagsOf(commands.get(name)!);
      for (const key of Object.keys(schema.shape).filter((k) => k.endsWith('Ms'))) {
        expect([name, key, flags.has(flagOfKey(key))]).toEqual([name, key, true]);
        checked.push(`${name} ${flagOfKey(key)}`);
      }
    }
    expect(checked).toEqual(expect.arrayContaining(['run --max-bookmark-interval', 'run --probe-timeout', 'observe --duration', 'serve --bookmark-interval', 'serve --initial-events-end-delay']));
  });

  it('a zero duration says "must be longer than 0" under the flag the user typed', () => {
    expect(() => parseConfig(RunConfigSchema, { maxBookmarkIntervalMs: 0 })).toThrow(/^--max-bookmark-interval: must be longer than 0 \(e\.g\. 10s\)$/);
    expect(() => parseConfig(ObserveConfigSchema, { resource: 'configmaps', durationMs: 0 })).toThrow(/^--duration: must be longer than 0/);
    expect(() => parseConfig(ObserveConfigSchema, { resource: 'configmaps', labelSelector: 7 })).toThrow(/^--selector: /);
  });
});
