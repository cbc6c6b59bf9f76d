import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Report } from '../src/report/model.js';
import { isolatedEnv, REPO } from './support/cli.js';
import { validateJsonSchema } from './support/json-schema.js';

/**
 * action.yml, the composite GitHub Action: parsed, checked for inputs that go nowhere, and its run
 * step executed as the runner would (bash -eo pipefail, inputs through `${{ }}` into env, outputs
 * through $GITHUB_OUTPUT) against the real CLI, so the flags it builds are the CLI's own.
 */
interface Step {
  name: string;
  id?: string;
  uses?: string;
  if?: string;
  shell?: string;
  run?: string;
  'working-directory'?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}
interface Action {
  inputs: Record<string, { description: string; default?: string }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: Step[] };
}

const action = parse(readFileSync(path.join(REPO, 'action.yml'), 'utf8'), { strict: true, uniqueKeys: true }) as Action;
const steps = action.runs.steps;
const step = (name: RegExp): Step => {
  const found = steps.find((s) => name.test(s.name));
  expect(found, `a step named ${name}`).toBeDefined();
  return found!;
};
const RUN = step(/^Run watchmark$/);
const UPLOAD = step(/^Upload/);
const EXIT = step(/^Exit/);

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Evaluates the `${{ }}` expressions the action uses, as the runner would; any other expression is an error. */
function substitute(text: string, inputs: Record<string, string>, stepOutputs: Record<string, string> = {}): string {
  return text.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expr: string) => {
    let m: RegExpExecArray | null;
    if ((m = /^inputs\.([\w-]+)$/.exec(expr))) {
      const input = action.inputs[m[1]!];
      if (input === undefined) throw new Error(`undeclared input ${m[1]}`);
      return inputs[m[1]!] ?? input.default ?? '';
    }
    if (expr === 'github.action_path') return REPO;
    if ((m = /^steps\.run\.outputs\.([\w-]+)$/.exec(expr))) return stepOutputs[m[1]!] ?? '';
    throw new Error(`unexpected expression ${expr}`);
  });
}

interface StepResult {
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
}

/** Runs a bash step as the runner does: `bash --noprofile --norc -eo pipefail`, env from `env:`, cwd the workspace. */
async function runStep(s: Step, workspace: string, inputs: Record<string, string>, stepOutputs: Record<string, string> = {}): Promise<StepResult> {
  expect(s.shell).toBe('bash');
  const outputFile = path.join(workspace, '.github-output');
  writeFileSync(outputFile, '');
  const env = isolatedEnv({ GITHUB_OUTPUT: outputFile, GITHUB_WORKSPACE: workspace });
  for (const [key, value] of Object.entries(s.env ?? {})) env[key] = substitute(value, inputs, stepOutputs);
  const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', s.run!], { cwd: workspace, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const killer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 150_000);
  try {
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    const outputs = Object.fromEntries(
      readFileSync(outputFile, 'utf8')
        .split('\n')
        .filter((line) => line.includes('='))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    return { code, stdout, stderr, outputs };
  } finally {
    clearTimeout(killer);
    try {
      process.kill(-child.pid!, 'SIGKILL'); // whatever the step left running
    } catch {
      // already gone
    }
  }
}

function workspace(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'watchmark-action-'));
  dirs.push(dir);
  return dir;
}

describe('action.yml (composite GitHub Action)', () => {
  it('is a composite action; every input is used and every input used is declared', () => {
    expect(action.runs.using).toBe('composite');
    const used = new Set([...JSON.stringify(steps).matchAll(/\$\{\{\s*inputs\.([\w-]+)\s*\}\}/g)].map((m) => m[1]));
    expect([...used].sort()).toEqual(Object.keys(action.inputs).sort());
    for (const name of ['target', 'kubeconfig', 'context', 'resource', 'fail-on', 'quick', 'scenario', 'args']) expect(action.inputs, name).toHaveProperty(name);
    for (const [name, input] of Object.entries(action.inputs)) expect(input.description, name).toBeTruthy();
  });

  it('pastes no expression into a script: inputs reach the run steps through env only', () => {
    for (const s of steps) if (s.run !== undefined) expect(s.run, s.name).not.toMatch(/\$\{\{/);
    // ...and the run step reads every input it gets.
    for (const key of Object.keys(RUN.env ?? {})) expect(RUN.run, key).toContain(`$${key}`);
  });

  it('installs Node and watchmark from the action’s own directory (npm ci builds it through prepare)', () => {
    const node = step(/Node/);
    expect(node.uses).toMatch(/^actions\/setup-node@v\d+$/);
    expect(node.with?.['node-version']).toBe('${{ inputs.node-version }}');
    const install = step(/^Install/);
    expect(install['working-directory']).toBe('${{ github.action_path }}');
    expect(install.run).toMatch(/^npm ci\b/);
    const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.prepare).toBe('npm run build');
    expect(RUN.env?.WATCHMARK_BIN).toBe('${{ github.action_path }}/bin/watchmark.js');
    expect(steps.indexOf(node)).toBeLessThan(steps.indexOf(install));
    expect(steps.indexOf(install)).toBeLessThan(steps.indexOf(RUN));
  });

  it('uploads the reports and exits with the code even when the run fails', () => {
    expect(UPLOAD.uses).toMatch(/^actions\/upload-artifact@v\d+$/);
    expect(UPLOAD.with?.name).toBe('${{ inputs.artifact-name }}');
    for (const s of [UPLOAD, EXIT]) expect(s.if, s.name).toMatch(/^\$\{\{ (!cancelled\(\)|always\(\)) \}\}$/);
    expect(steps.indexOf(RUN)).toBeLessThan(steps.indexOf(UPLOAD));
    expect(steps.at(-1)).toBe(EXIT);
    expect(action.outputs['exit-code']?.value).toBe('${{ steps.run.outputs.exit-code }}');
    expect(RUN.id).toBe('run');
  });

  it('is what the README’s workflow example uses, with inputs the action declares', () => {
    const readme = readFileSync(path.join(REPO, 'README.md'), 'utf8');
    const block = /```yaml\n(# \.github\/workflows\/watch-conformance\.yaml\n[\s\S]*?)```/.exec(readme);
    expect(block, 'the workflow example in the README').not.toBeNull();
    const workflow = parse(block![1]!) as { jobs: Record<string, { steps: Array<{ uses?: string; with?: Record<string, unknown> }> }> };
    const uses = Object.values(workflow.jobs).flatMap((job) => job.steps.filter((s) => s.uses === 'OWNER/watchmark@v1'));
    expect(uses).toHaveLength(1);
    expect(Object.keys(uses[0]!.with ?? {}).filter((key) => !(key in action.inputs))).toEqual([]);
    expect(readme).toMatch(/`OWNER\/watchmark@v1` stands for/);
  });

  it.each([
    ['0', 0],
    ['1', 1],
    ['2', 2],
    ['', 2], // the run step broke before writing one
  ])('the last step exits with the run step’s exit code %j', async (exitCode, expected) => {
    const res = await runStep(EXIT, workspace(), {}, { 'exit-code': exitCode });
    expect(res.code).toBe(expected);
  });

  it(
    'runs the real CLI with the inputs, writes the reports where the upload step looks, and passes on a failing exit code',
    async () => {
      const ws = workspace();
      const inputs = {
        target: 'embedded',
        resource: 'configmaps',
        'fail-on': 'warn',
        quick: 'true',
        scenario: 'watch-list',
        args: '--profile kinm  --max-event-latency 30s --progress none',
        'report-dir': 'out/reports',
      };
      const res = await runStep(RUN, ws, inputs);
      expect(res.code, res.stderr).toBe(0); // the step itself succeeds; the last one exits with the code
      expect(res.outputs['exit-code'], res.stderr + res.stdout).toBe('1'); // kinm never sends the end bookmark
      expect(res.stderr).toMatch(/started the embedded API server \(profile kinm\)/);
      // The uploaded paths are exactly the files the run wrote, and the action's outputs name them.
      const uploaded = substitute(UPLOAD.with!.path!, inputs).trim().split('\n').map((p) => p.trim());
      expect(uploaded.sort()).toEqual([res.outputs.html, res.outputs.junit, res.outputs.json].sort());
      for (const file of uploaded) expect(existsSync(path.join(ws, file)), file).toBe(true);
      expect(readFileSync(path.join(ws, res.outputs.html!), 'utf8')).toMatch(/^<!doctype html>/i);
      expect(readFileSync(path.join(ws, res.outputs.junit!), 'utf8')).toMatch(/<testsuites[\s>]/);
      // Every input reached the CLI: the report says so.
      const report = JSON.parse(readFileSync(path.join(ws, res.outputs.json!), 'utf8')) as Report;
      const schema = JSON.parse(readFileSync(path.join(REPO, 'schemas', 'report.schema.json'), 'utf8')) as Record<string, unknown>;
      expect(validateJsonSchema(schema, report)).toEqual([]);
      expect(report.target.source).toBe('embedded');
      expect(report.target.description).toMatch(/profile kinm/);
      expect(report.resource?.name).toBe('configmaps');
      expect(report.failOn).toBe('warn');
      expect(report.scenarios.map((s) => s.name)).toEqual(['watch-list']);
      expect(report.checkParams.base.maxEventLatencyMs).toBe(30_000);
      expect(report.verdict).toBe('fail');
    },
    160_000,
  );

  it('passes kubeconfig and context to the CLI (a context the kubeconfig lacks: exit code 2, named)', async () => {
    const ws = workspace();
    writeFileSync(
      path.join(ws, 'ci.kubeconfig'),
      'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: x}}]\ncontexts: [{name: a, context: {cluster: c, user: u}}]\ncurrent-context: a\n',
    );
    const res = await runStep(RUN, ws, { kubeconfig: 'ci.kubeconfig', context: 'ci-cluster' });
    expect(res.code, res.stderr).toBe(0);
    expect(res.outputs['exit-code']).toBe('2');
    expect(res.stderr).toMatch(/context "ci-cluster" not found in kubeconfig ci\.kubeconfig \(known: a\)/);
  });

  it.each([
    [{ quick: 'yes' }, /::error::watchmark action: input quick must be true or false, not "yes"/],
    [{ 'report-dir': '' }, /::error::watchmark action: input report-dir must not be empty/],
    [{ 'fail-on': 'sometimes' }, /--fail-on/],
  ])('refuses bad inputs with exit code 2: %j', async (inputs, message) => {
    const res = await runStep(RUN, workspace(), { target: 'embedded', ...inputs });
    expect(res.code, res.stderr).toBe(0);
    expect(res.outputs['exit-code']).toBe('2');
    expect(res.stdout + res.stderr).toMatch(message);
  });
});
