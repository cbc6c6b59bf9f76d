import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import { parseDurationMs } from '../units.js';
import { WatchmarkError } from '../errors.js';
import { ScenarioSchema, type Scenario } from './schema.js';

/**
 * Loading scenario files: YAML -> zod -> cross-field rules, every problem reported as
 * `file:line:col: path: problem`, all problems of a file at once (exit 2 via WM_SCENARIO).
 */

export interface LoadedScenario {
  scenario: Scenario;
  /** Where it came from, as given or relative to the built-in folder (for messages and reports). */
  file: string;
  builtin: boolean;
}

export interface ScenarioProblem {
  file: string;
  line: number;
  column: number;
  path: string;
  message: string;
}

export function formatProblem(p: ScenarioProblem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.path ? `${p.path}: ` : ''}${p.message}`;
}

function scenarioError(problems: ScenarioProblem[]): WatchmarkError {
  const lines = problems.map(formatProblem);
  const head = problems.length === 1 ? 'invalid scenario file' : `${problems.length} problems in scenario files`;
  return new WatchmarkError('WM_SCENARIO', `${head}:\n  ${lines.join('\n  ')}`);
}

type PathSegment = string | number;

function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out === '' ? seg : `.${seg}`;
  return out;
}

/** The node at `path` (or the deepest existing ancestor) and, for map entries, the key node. */
function locate(root: YamlNode | null, path: readonly PathSegment[], preferKey = false): [number, number] | undefined {
  let node: unknown = root;
  let best: [number, number] | undefined = rangeOf(root);
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) return best;
      const last = i === path.length - 1;
      if (last && preferKey) return rangeOf(pair.key as YamlNode) ?? best;
      node = pair.value ?? pair.key;
      best = rangeOf(node as YamlNode) ?? rangeOf(pair.key as YamlNode) ?? best;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (item === undefined) return best;
      node = item;
      best = rangeOf(item as YamlNode) ?? best;
    } else return best;
  }
  return best;
}

function rangeOf(node: YamlNode | null | undefined): [number, number] | undefined {
  const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
  return range ? [range[0], range[1]] : undefined;
}

/** Whether `path` names an existing key (zod 4 issues do not carry the input by default). */
function present(data: unknown, path: readonly PathSegment[]): boolean {
  let node: unknown = data;
  for (const seg of path) {
    if (node === null || typeof node !== 'object' || !Object.prototype.hasOwnProperty.call(node, seg)) return false;
    node = (node as Record<PathSegment, unknown>)[seg];
  }
  return true;
}

function issueMessage(issue: z.core.$ZodIssue, data: unknown): { message: string; path: PathSegment[]; atKey: boolean } {
  const path = issue.path.filter((p): p is PathSegment => typeof p === 'string' || typeof p === 'number');
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys;
    return {
      message: `unknown field${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${k}"`).join(', ')}`,
      path: [...path, keys[0]!],
      atKey: true,
    };
  }
  if (issue.code === 'invalid_type' && !present(data, path)) {
    const field = path[path.length - 1];
    return { message: `missing required field "${String(field)}"`, path: path.slice(0, -1), atKey: false };
  }
  return { message: issue.message.replace(/^Invalid input: /, ''), path, atKey: false };
}

/**
 * Parses one scenario file's text. Throws WM_SCENARIO listing every problem with its line.
 * `file` is only used in messages.
 */
export function parseScenarioText(text: string, file: string): Scenario {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined) => {
    const pos = lineCounter.linePos(offset ?? 0);
    return { line: pos.line, column: pos.col };
  };
  if (doc.errors.length > 0) {
    throw scenarioError(
      doc.errors.map((e) => ({ file, ...at(e.pos[0]), path: '', message: `YAML: ${e.message.split('\n')[0]}` })),
    );
  }
  const data: unknown = doc.toJS();
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw scenarioError([{ file, line: 1, column: 1, path: '', message: 'a scenario file must be a YAML mapping (name:, description:, duration:, watches: ...)' }]);
  }
  const problemAt = (path: PathSegment[], message: string, atKey = false): ScenarioProblem => {
    const range = locate(doc.contents as YamlNode | null, path, atKey);
    return { file, ...at(range?.[0]), path: formatPath(path), message };
  };
  const parsed = ScenarioSchema.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const m = issueMessage(issue, data);
      const p = problemAt(m.path, m.message, m.atKey);
      return m.atKey ? { ...p, path: formatPath(m.path.slice(0, -1)) } : p;
    });
    throw scenarioError(dedupe(problems));
  }
  const problems = crossFieldProblems(parsed.data).map((p) => problemAt(p.path, p.message));
  if (problems.length > 0) throw scenarioError(problems);
  return parsed.data;
}

function dedupe(problems: ScenarioProblem[]): ScenarioProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = formatProblem(p);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Rules a schema cannot express: references between fields, ordering, sizes. */
function crossFieldProblems(s: Scenario): { path: PathSegment[]; message: string }[] {
  const out: { path: PathSegment[]; message: string }[] = [];
  const ms = (text: string) => parseDurationMs(text, 'duration');
  const durationMs = ms(s.duration);
  if (durationMs < 1_000) out.push({ path: ['duration'], message: 'must be at least 1s' });
  const names = new Map<string, number>();
  s.watches.forEach((w, i) => {
    if (names.has(w.name)) out.push({ path: ['watches', i, 'name'], message: `duplicate watch name "${w.name}" (also watches[${names.get(w.name)}])` });
    else names.set(w.name, i);
    const openAtMs = w.openAt !== undefined ? ms(w.openAt) : 0;
    if (openAtMs >= durationMs) out.push({ path: ['watches', i, 'openAt'], message: `opens at ${w.openAt}, not before the scenario's duration ${s.duration} ends` });
    const rv = w.resourceVersion;
    if (rv !== undefined && typeof rv === 'object' && 'fromStream' in rv) {
      const source = names.get(rv.fromStream);
      if (rv.fromStream === w.name) out.push({ path: ['watches', i, 'resourceVersion', 'fromStream'], message: 'a watch cannot take its resourceVersion from itself' });
      else if (source === undefined) {
        out.push({
          path: ['watches', i, 'resourceVersion', 'fromStream'],
          message: `no earlier watch named "${rv.fromStream}" in this scenario (watches: ${s.watches.map((x) => x.name).join(', ')})`,
        });
      } else if (ms(rv.at) > openAtMs) {
        out.push({ path: ['watches', i, 'resourceVersion', 'at'], message: `takes the RV at ${rv.at}, after the watch opens (openAt ${w.openAt ?? '0s'})` });
      }
    }
    if (w.role === 'resume' && (rv === undefined || typeof rv === 'string')) {
      out.push({ path: ['watches', i, 'role'], message: 'a resume watch needs resourceVersion: {fromStream: NAME, at: DURATION} or {fromWrite: N}' });
    }
  });
  const seed = s.workload?.seed;
  if (seed && seed.updates > seed.objects) out.push({ path: ['workload', 'seed', 'updates'], message: `updates (${seed.updates}) exceeds seed objects (${seed.objects})` });
  const creates = (seed?.objects ?? 0) + (s.workload?.writes ?? []).filter((w) => w.verb === 'create').length;
  s.workload?.writes?.forEach((w, i) => {
    if (ms(w.at) >= durationMs) out.push({ path: ['workload', 'writes', i, 'at'], message: `at ${w.at} is not before the scenario's duration ${s.duration} ends` });
    if (w.verb !== 'create' && (w.target ?? 0) >= creates) {
      out.push({ path: ['workload', 'writes', i, 'target'], message: `object ${w.target ?? 0} is never created (this scenario creates ${creates}: seeds first, then creates)` });
    }
    if (w.verb === 'create' && w.target !== undefined) out.push({ path: ['workload', 'writes', i, 'target'], message: 'create takes no target' });
  });
  s.workload?.churn?.forEach((c, i) => {
    const every = ms(c.every);
    if (every < 10) out.push({ path: ['workload', 'churn', i, 'every'], message: 'must be at least 10ms' });
    else if (ms(c.for) / every > 10_000) out.push({ path: ['workload', 'churn', i, 'for'], message: `more than 10000 writes (${c.for} every ${c.every})` });
    if (ms(c.from) >= durationMs) out.push({ path: ['workload', 'churn', i, 'from'], message: `starts at ${c.from}, not before the scenario's duration ${s.duration} ends` });
  });
  return out;
}

/** The folder of the built-in scenarios (scenarios/ at the package root). */
export function builtinScenarioDir(): string {
  // src/scenario/load.ts and dist/scenario/load.js both sit two levels below the package root.
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'scenarios');
}

export function loadScenarioFile(path: string, shownAs = path, builtin = false): LoadedScenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new WatchmarkError('WM_SCENARIO', `cannot read scenario file ${shownAs}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return { scenario: parseScenarioText(text, shownAs), file: shownAs, builtin };
}

/** Every built-in scenario, sorted by file name; problems of all files reported together. */
export function loadBuiltinScenarios(dir = builtinScenarioDir()): LoadedScenario[] {
  const files = readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
  const loaded: LoadedScenario[] = [];
  const errors: string[] = [];
  for (const f of files) {
    try {
      loaded.push(loadScenarioFile(join(dir, f), `scenarios/${f}`, true));
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  if (errors.length > 0) throw new WatchmarkError('WM_SCENARIO', errors.join('\n'));
  requireUniqueNames(loaded);
  return loaded;
}

function requireUniqueNames(loaded: LoadedScenario[]): void {
  const byName = new Map<string, string>();
  for (const l of loaded) {
    const other = byName.get(l.scenario.name);
    if (other !== undefined) {
      throw new WatchmarkError('WM_SCENARIO', `two scenarios are named "${l.scenario.name}": ${other} and ${l.file}`);
    }
    byName.set(l.scenario.name, l.file);
  }
}

function looksLikeFile(value: string): boolean {
  return /\.ya?ml$/i.test(value) || value.includes('/') || value.includes('\\');
}

/**
 * Resolves `--scenario` values (repeatable, comma-separated). None: the built-in scenarios of the
 * suite (quick or full). A value is a built-in scenario's name, `defaults` (the suite's built-in
 * set), or a path to a YAML file; explicitly named scenarios run whatever their `suites` say.
 */
export function selectScenarios(values: readonly string[] | undefined, suite: 'quick' | 'full', cwd = process.cwd()): LoadedScenario[] {
  const builtins = loadBuiltinScenarios();
  const defaults = builtins.filter((l) => l.scenario.suites.includes(suite));
  const items = (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v.length > 0);
  if (items.length === 0) return defaults;
  const picked: LoadedScenario[] = [];
  const add = (l: LoadedScenario) => {
    if (!picked.some((p) => p.scenario.name === l.scenario.name && p.file === l.file)) picked.push(l);
  };
  for (const item of items) {
    if (item === 'defaults') {
      defaults.forEach(add);
      continue;
    }
    const builtin = builtins.find((l) => l.scenario.name === item);
    if (builtin && !looksLikeFile(item)) {
      add(builtin);
      continue;
    }
    const path = resolve(cwd, item);
    if (existsSync(path) && statSync(path).isDirectory()) {
      throw new WatchmarkError('WM_SCENARIO', `--scenario ${item} is a directory; give a scenario .yaml file (or a built-in name)`);
    }
    if (existsSync(path) && statSync(path).isFile()) {
      add(loadScenarioFile(path, relative(cwd, path) || basename(path)));
      continue;
    }
    if (looksLikeFile(item)) throw new WatchmarkError('WM_SCENARIO', `scenario file ${item} not found`);
    throw new WatchmarkError(
      'WM_SCENARIO',
      `no scenario named "${item}" (built-in: ${builtins.map((l) => l.scenario.name).join(', ')}; or give a path to a .yaml file)`,
    );
  }
  requireUniqueNames(picked);
  return picked;
}
