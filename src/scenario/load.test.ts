import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WatchmarkError } from '../errors.js';
import { builtinScenarioDir, loadBuiltinScenarios, parseScenarioText, selectScenarios } from './load.js';

function problemsOf(text: string): string[] {
  try {
    parseScenarioText(text, 'my.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(WatchmarkError);
    expect((err as WatchmarkError).code).toBe('WM_SCENARIO');
    return (err as Error).message.split('\n').slice(1).map((l) => l.trim());
  }
  throw new Error('expected the scenario to be refused');
}

const VALID = `name: mine
description: one watch
duration: 10s
watches:
  - name: w
    allowWatchBookmarks: true
    timeoutSeconds: 5
`;

describe('parseScenarioText', () => {
  it('accepts a minimal scenario and applies defaults', () => {
    const s = parseScenarioText(VALID, 'my.yaml');
    expect(s.name).toBe('mine');
    expect(s.suites).toEqual(['quick', 'full']);
    expect(s.watches[0]!.count).toBe(1);
  });

  it('names file, line and column of a wrong type', () => {
    const text = VALID.replace('timeoutSeconds: 5', 'timeoutSeconds: five');
    expect(problemsOf(text)).toEqual(['my.yaml:7:21: watches[0].timeoutSeconds: expected number, received string']);
  });

  it('points an unknown field at its key', () => {
    const text = VALID.replace('    allowWatchBookmarks: true', '    allowWatchBookmark: true');
    expect(problemsOf(text)).toEqual(['my.yaml:6:5: watches[0]: unknown field "allowWatchBookmark"']);
  });

  it('points a missing field at the mapping that lacks it', () => {
    const text = VALID.replace('duration: 10s\n', '');
    expect(problemsOf(text)).toEqual(['my.yaml:1:1: missing required field "duration"']);
  });

  it('explains a bad duration and a bad resourceVersion shape', () => {
    const text = `name: mine
description: d
duration: ten seconds
watches:
  - name: w
    resourceVersion: { fromList: false }
`;
    expect(problemsOf(text)).toEqual([
      'my.yaml:3:11: duration: expected a duration such as 500ms, 16s or 1m30s',
      'my.yaml:6:22: watches[0].resourceVersion: resourceVersion must be a string ("", "0", "123") or one of {fromList: true}, {fromStream: NAME, at: DURATION}, {fromWrite: N}',
    ]);
  });

  it('reports YAML syntax errors with their line', () => {
    const problems = problemsOf('name: mine\ndescription: [unclosed\nduration: 10s\n');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^my\.yaml:\d+:\d+: YAML: /);
  });

  it('refuses a duplicate key', () => {
    const problems = problemsOf(VALID + 'duration: 20s\n');
    expect(problems[0]).toMatch(/^my\.yaml:8:1: YAML: Map keys must be unique/);
  });

  it('checks references between fields, each with its line', () => {
    const text = `name: mine
description: d
duration: 10s
watches:
  - name: a
  - name: a
  - name: r
    role: resume
    openAt: 1s
    resourceVersion: { fromStream: nope, at: 1s }
  - name: late
    openAt: 12s
workload:
  seed: { objects: 1, updates: 2 }
  writes:
    - { at: 1s, verb: update, target: 3 }
`;
    expect(problemsOf(text)).toEqual([
      'my.yaml:6:11: watches[1].name: duplicate watch name "a" (also watches[0])',
      'my.yaml:10:36: watches[2].resourceVersion.fromStream: no earlier watch named "nope" in this scenario (watches: a, a, r, late)',
      "my.yaml:12:13: watches[3].openAt: opens at 12s, not before the scenario's duration 10s ends",
      'my.yaml:14:32: workload.seed.updates: updates (2) exceeds seed objects (1)',
      'my.yaml:16:39: workload.writes[0].target: object 3 is never created (this scenario creates 1: seeds first, then creates)',
    ]);
  });

  it('refuses a resume watch without a taken resourceVersion', () => {
    const text = VALID.replace('    timeoutSeconds: 5', '    timeoutSeconds: 5\n    role: resume');
    expect(problemsOf(text)).toEqual([
      'my.yaml:8:11: watches[0].role: a resume watch needs resourceVersion: {fromStream: NAME, at: DURATION} or {fromWrite: N}',
    ]);
  });

  it('refuses a document that is not a mapping', () => {
    expect(problemsOf('- a\n- b\n')[0]).toMatch(/^my\.yaml:1:1: a scenario file must be a YAML mapping/);
  });
});

describe('built-in scenarios', () => {
  it('all load, with unique names, and quick is a subset of full', () => {
    const all = loadBuiltinScenarios();
    expect(all.length).toBeGreaterThanOrEqual(8);
    const quick = all.filter((l) => l.scenario.suites.includes('quick')).map((l) => l.scenario.name);
    const full = all.filter((l) => l.scenario.suites.includes('full')).map((l) => l.scenario.name);
    expect(quick).toContain('watch-list');
    expect(full).toEqual(expect.arrayContaining(quick));
    expect(full).toContain('long-watch');
    expect(quick).not.toContain('long-watch');
  });
});

describe('selectScenarios', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('defaults to the suite set, picks by name, adds files, and "defaults" expands', () => {
    dir = mkdtempSync(join(tmpdir(), 'wm-scn-'));
    writeFileSync(join(dir, 'mine.yaml'), VALID);
    expect(selectScenarios(undefined, 'quick').map((l) => l.scenario.name)).not.toContain('long-watch');
    expect(selectScenarios(['long-watch'], 'quick').map((l) => l.scenario.name)).toEqual(['long-watch']);
    const picked = selectScenarios(['defaults,mine.yaml'], 'quick', dir);
    expect(picked.at(-1)!.scenario.name).toBe('mine');
    expect(picked.at(-1)!.file).toBe('mine.yaml');
    expect(picked.length).toBe(selectScenarios(undefined, 'quick').length + 1);
  });

  it('names the problem for unknown names and missing files', () => {
    expect(() => selectScenarios(['nope'], 'quick')).toThrow(/no scenario named "nope" \(built-in: .*watch-list/);
    expect(() => selectScenarios(['./missing.yaml'], 'quick')).toThrow(/scenario file \.\/missing\.yaml not found/);
  });

  it('says a directory is a directory, not "not found"', () => {
    dir = mkdtempSync(join(tmpdir(), 'wm-scn-'));
    mkdirSync(join(dir, 'scenarios.d'));
    mkdirSync(join(dir, 'looks-like.yaml'));
    expect(() => selectScenarios(['scenarios.d/'], 'quick', dir)).toThrow(/^--scenario scenarios\.d\/ is a directory; give a scenario \.yaml file/);
    expect(() => selectScenarios(['looks-like.yaml'], 'quick', dir)).toThrow(/^--scenario looks-like\.yaml is a directory/);
    expect(() => selectScenarios([dir!], 'quick', dir)).toThrow(/is a directory/);
  });

  it('refuses two scenarios with one name', () => {
    dir = mkdtempSync(join(tmpdir(), 'wm-scn-'));
    writeFileSync(join(dir, 'copy.yaml'), VALID.replace('name: mine', 'name: watch-list'));
    expect(() => selectScenarios(['watch-list', 'copy.yaml'], 'quick', dir)).toThrow(/two scenarios are named "watch-list": scenarios\/watch-list\.yaml and copy\.yaml/);
  });
});

describe('the README', () => {
  it("shows a scenario file that is valid and an error listing that matches what watchmark prints", () => {
    const readme = readFileSync(join(builtinScenarioDir(), '..', 'README.md'), 'utf8');
    const yamlBlock = /```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(yamlBlock).toBeDefined();
    const s = parseScenarioText(yamlBlock!, 'README.md');
    expect(s).toMatchObject({ name: 'deployments-churn', resource: 'deployments.apps' });
    const broken = [
      'name: deployments-churn',
      'description: d',
      'duration: 30s',
      'watches:',
      '  - name: informer',
      '    timeoutSeconds: soon',
      '    allowWatchBookmark: true',
      '',
    ].join('\n');
    // The README's example lines name another file and lines; the problems themselves must be exact.
    for (const line of problemsOf(broken)) expect(readme).toContain(line.replace(/^my\.yaml:\d+:\d+: /, ''));
  });
});
