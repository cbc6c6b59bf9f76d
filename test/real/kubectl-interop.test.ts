import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestbedTarget } from '../../src/targets/registry.js';
import { startCli, type RunningCli } from '../support/cli.js';
import { shouldSkip } from './testbed-support.js';

/**
 * kubectl interop (issue 13, item 2): every kubectl binary on the machine (`kubectl.1.27` ..
 * `kubectl.1.33` beside the file `kubectl` links to) runs one script against `watchmark serve`
 * and against the real testbed kube-apiserver, each version in its own namespace, and every step
 * must come out the same on both.
 *
 * What is compared per step: the exit code; stdout of the mutating commands ("configmap/x
 * labeled"), with the server URL masked; for the read steps (`get -o json`), the visible objects:
 * names, data, binaryData, labels, annotations (kubectl's last-applied-configuration included: kubectl
 * writes it from the same manifest for both, and kube-apiserver rewrites it on kubectl's
 * server-side apply), and the managed fields as (manager, operation,
 * fieldsV1) sorted by manager and operation, without their times; for `get -w`, the lines it
 * prints up to the event of a change made while it watches; for a failing step, the first line of
 * stderr (the server's error: a conflict must be the same conflict), with the server URL and temp
 * dir masked. Each kubectl call is bounded (30 s); both servers run the script at once, versions
 * one after another: about 75 s for the seven versions on a 2-core machine. Not compared: the rest of stderr, uids, resourceVersions, timestamps, and the namespace after its delete (kube-apiserver
 * without a namespace controller leaves it Terminating; serve removes it at once, documented).
 */

const STEP_TIMEOUT_MS = 30_000;

/** The kubectl binaries beside the one on PATH, by version: [['1.27', path], ...]. */
function kubectlBinaries(): Array<[string, string]> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'kubectl');
    if (!dir || !existsSync(candidate)) continue;
    const home = path.dirname(realpathSync(candidate));
    return readdirSync(home)
      .map((f) => /^kubectl\.(1\.\d+)$/.exec(f))
      .filter((m): m is RegExpExecArray => m !== null && Number(m[1]!.split('.')[1]) >= 27)
      .map((m): [string, string] => [m[1]!, path.join(home, m[0])])
      .sort((a, b) => Number(a[0].split('.')[1]) - Number(b[0].split('.')[1]));
  }
  return [];
}

interface KubectlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function kubectl(bin: string, kubeconfig: string, home: string, args: string[], timeoutMs = STEP_TIMEOUT_MS): Promise<KubectlResult> {
  return new Promise((resolve) => {
    const child = spawn(bin, args, { env: { ...process.env, KUBECONFIG: kubeconfig, HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const killer = setTimeout(() => {
      stderr += `\n(killed after ${timeoutMs} ms)`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** What a step shows: the comparable part of its outcome. */
interface Outcome {
  code: number | null;
  shown: unknown;
  /** For the failure message only (not compared). */
  stderr: string;
}

interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  fieldsV1?: unknown;
}

interface VisibleSource {
  metadata?: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string>; managedFields?: ManagedFieldsEntry[] };
  data?: unknown;
  binaryData?: unknown;
}

function visibleObject(o: VisibleSource): unknown {
  const annotations = o.metadata?.annotations ?? {};
  const managed = (o.metadata?.managedFields ?? [])
    .map((m) => ({ manager: m.manager, operation: m.operation, fieldsV1: m.fieldsV1 }))
    .sort((a, b) => `${a.manager} ${a.operation}`.localeCompare(`${b.manager} ${b.operation}`));
  return { name: o.metadata?.name, data: o.data, binaryData: o.binaryData, labels: o.metadata?.labels, annotations, managed };
}

function visibleJson(stdout: string): unknown {
  try {
    const parsed = JSON.parse(stdout) as VisibleSource & { items?: VisibleSource[] };
    return parsed.items ? parsed.items.map(visibleObject) : visibleObject(parsed);
  } catch {
    return { unparsable: stdout.slice(0, 200) };
  }
}

type StepKind = 'text' | 'json' | 'watch';
interface Step {
  name: string;
  args: string[];
  kind: StepKind;
}

/** Manifests for `create -f` and `apply -f`, written once per namespace. */
function manifests(dir: string, ns: string): Record<string, string> {
  const cm = (name: string, data: Record<string, string>, labels: Record<string, string> = {}) =>
    JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, labels }, data });
  const files: Record<string, string> = {
    'created.json': cm('from-file', { one: '1' }),
    'csa-1.json': cm('csa', { a: '1', b: '2' }, { app: 'csa' }),
    'csa-2.json': cm('csa', { a: '10', c: '3' }, { app: 'csa' }),
    // YAML, as people write it: kubectl converts it to JSON before sending.
    'ssa-1.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\n  namespace: ${ns}\n  labels:\n    app: ssa\ndata:\n  a: "1"\n  b: "2"\n`,
    'ssa-2.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\n  namespace: ${ns}\n  labels:\n    app: ssa\ndata:\n  a: "10"\n  c: "3"\n`,
    'ssa-other.json': cm('ssa', { a: '99' }),
    'nv-csa.json': cm('nv', { a: '1', b: '2' }, { x: '1' }),
    'nv-ssa-1.json': cm('nv', { a: '5' }),
    'nv-ssa-2.json': cm('nv', { a: '6', c: '7' }),
  };
  const paths: Record<string, string> = {};
  for (const [file, text] of Object.entries(files)) {
    paths[file] = path.join(dir, file);
    writeFileSync(paths[file]!, text);
  }
  return paths;
}

function script(ns: string, files: Record<string, string>): Step[] {
  const n = ['-n', ns];
  const shown = ['--show-managed-fields', '-o', 'json'];
  return [
    { name: 'create namespace', args: ['create', 'namespace', ns], kind: 'text' },
    { name: 'create configmap --from-literal', args: [...n, 'create', 'configmap', 'imp', '--from-literal=a=1'], kind: 'text' },
    { name: 'create -f', args: [...n, 'create', '-f', files['created.json']!], kind: 'text' },
    { name: 'get', args: [...n, 'get', 'configmap', 'imp', ...shown], kind: 'json' },
    { name: 'list', args: [...n, 'get', 'configmaps', ...shown], kind: 'json' },
    { name: 'get -w', args: [...n, 'get', 'configmaps', '-w', '-o', 'name'], kind: 'watch' },
    { name: 'label', args: [...n, 'label', 'configmap', 'imp', 'tier=web'], kind: 'text' },
    { name: 'annotate', args: [...n, 'annotate', 'configmap', 'imp', 'note=hi'], kind: 'text' },
    { name: 'patch --type merge', args: [...n, 'patch', 'configmap', 'imp', '--type', 'merge', '-p', '{"data":{"b":"2"}}'], kind: 'text' },
    { name: 'patch --type json', args: [...n, 'patch', 'configmap', 'imp', '--type', 'json', '-p', '[{"op":"add","path":"/data/c","value":"3"}]'], kind: 'text' },
    { name: 'patch (strategic)', args: [...n, 'patch', 'configmap', 'imp', '-p', '{"data":{"d":"4"},"metadata":{"labels":{"tier":null}}}'], kind: 'text' },
    { name: 'get after patches', args: [...n, 'get', 'configmap', 'imp', ...shown], kind: 'json' },
    { name: 'apply -f (create)', args: [...n, 'apply', '-f', files['csa-1.json']!], kind: 'text' },
    { name: 'apply -f (change)', args: [...n, 'apply', '-f', files['csa-2.json']!], kind: 'text' },
    { name: 'get after apply -f', args: [...n, 'get', 'configmap', 'csa', ...shown], kind: 'json' },
    { name: 'apply --server-side (create)', args: [...n, 'apply', '--server-side', '-f', files['ssa-1.yaml']!], kind: 'text' },
    { name: 'apply --server-side (change)', args: [...n, 'apply', '--server-side', '-f', files['ssa-2.yaml']!], kind: 'text' },
    { name: 'get after apply --server-side', args: [...n, 'get', 'configmap', 'ssa', ...shown], kind: 'json' },
    { name: 'apply --server-side (conflict)', args: [...n, 'apply', '--server-side', '--field-manager', 'other', '-f', files['ssa-other.json']!], kind: 'text' },
    { name: 'apply --server-side --force-conflicts', args: [...n, 'apply', '--server-side', '--field-manager', 'other', '--force-conflicts', '-f', files['ssa-other.json']!], kind: 'text' },
    { name: 'get after --force-conflicts', args: [...n, 'get', 'configmap', 'ssa', ...shown], kind: 'json' },
    // Without kubectl's client-side validation (which needs /openapi): the server's part alone,
    // with kubectl's move from client-side to server-side apply (conflicts the last-applied
    // annotation still matches are allowed, kubectl then migrates managedFields by JSON patch).
    { name: 'apply --validate=false -f', args: [...n, 'apply', '--validate=false', '-f', files['nv-csa.json']!], kind: 'text' },
    { name: 'apply --server-side --validate=false over client-side apply', args: [...n, 'apply', '--server-side', '--validate=false', '-f', files['nv-ssa-1.json']!], kind: 'text' },
    { name: 'get after the move to server-side apply', args: [...n, 'get', 'configmap', 'nv', ...shown], kind: 'json' },
    { name: 'apply --server-side --validate=false (change)', args: [...n, 'apply', '--server-side', '--validate=false', '-f', files['nv-ssa-2.json']!], kind: 'text' },
    { name: 'get after apply --server-side --validate=false', args: [...n, 'get', 'configmap', 'nv', ...shown], kind: 'json' },
    { name: 'delete', args: [...n, 'delete', 'configmap', 'imp'], kind: 'text' },
    { name: 'list after delete', args: [...n, 'get', 'configmaps', ...shown], kind: 'json' },
    { name: 'get deleted', args: [...n, 'get', 'configmap', 'imp', '-o', 'json'], kind: 'text' },
    // Without --wait=false kubectl waits for the namespace to go, which on kube-apiserver without
    // a namespace controller is never.
    { name: 'delete namespace', args: ['delete', 'namespace', ns, '--wait=false'], kind: 'text' },
  ];
}

interface Server {
  name: 'serve' | 'kube-apiserver';
  kubeconfig: string;
  server: string;
}

/**
 * `get -w` bounded: waits for the listing lines (as many as `get -o name` shows), makes a change
 * with a second kubectl, waits for its event line, then kills the watch. Its outcome is the lines
 * seen (the kill is the expected end).
 */
async function watchStep(bin: string, srv: Server, home: string, ns: string, args: string[]): Promise<Outcome> {
  const child = spawn(bin, args, { env: { ...process.env, KUBECONFIG: srv.kubeconfig, HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const lines = () => stdout.split('\n').filter((l) => l !== '');
  const waitLines = (count: number) =>
    new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), STEP_TIMEOUT_MS);
      const check = () => {
        if (lines().length >= count) {
          clearTimeout(timer);
          resolve(true);
        }
      };
      child.stdout.on('data', check);
      child.on('close', () => {
        clearTimeout(timer);
        resolve(lines().length >= count);
      });
      check();
    });
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    const listed = await kubectl(bin, srv.kubeconfig, home, ['-n', ns, 'get', 'configmaps', '-o', 'name']);
    const count = listed.stdout.split('\n').filter((l) => l !== '').length;
    if (!(await waitLines(count))) return { code: child.exitCode, shown: lines(), stderr };
    const change = await kubectl(bin, srv.kubeconfig, home, ['-n', ns, 'label', 'configmap', 'imp', 'watched=yes']);
    if (change.code !== 0) return { code: change.code, shown: lines(), stderr: change.stderr };
    const sawEvent = await waitLines(count + 1);
    return { code: sawEvent ? 0 : child.exitCode, shown: lines(), stderr };
  } finally {
    child.kill('SIGKILL');
  }
}

async function runScript(bin: string, srv: Server, ns: string, dir: string): Promise<Map<string, Outcome>> {
  const home = mkdtempSync(path.join(dir, `home-${srv.name}-`));
  const files = manifests(mkdtempSync(path.join(dir, `files-${srv.name}-`)), ns);
  const out = new Map<string, Outcome>();
  for (const step of script(ns, files)) {
    if (step.kind === 'watch') {
      out.set(step.name, await watchStep(bin, srv, home, ns, step.args));
      continue;
    }
    const res = await kubectl(bin, srv.kubeconfig, home, step.args);
    const mask = (text: string) => text.split(srv.server).join('<server>').split(dir).join('<tmp>').trim();
    const stderr = mask(res.stderr);
    const shown = step.kind === 'json' && res.code === 0 ? visibleJson(res.stdout) : mask(res.stdout);
    out.set(step.name, { code: res.code, shown: res.code === 0 ? shown : { stdout: shown, error: firstErrorLine(stderr) }, stderr });
  }
  return out;
}

/** kubectl's error line, without klog lines (I/W1202 ...). */
function firstErrorLine(stderr: string): string {
  return stderr.split('\n').find((l) => l.trim() !== '' && !/^[IW]\d{4} /.test(l)) ?? '';
}

function brief(o: Outcome | undefined): string {
  if (!o) return 'not run';
  const shown = typeof o.shown === 'string' ? o.shown : JSON.stringify(o.shown);
  return `exit ${o.code} ${shown.slice(0, 500)}`;
}

/** The differing steps of one version: `<version> <step>: serve <..> | kube-apiserver <..>`. */
function differences(version: string, serve: Map<string, Outcome>, kube: Map<string, Outcome>): string[] {
  const diffs: string[] = [];
  for (const [step, k] of kube) {
    const s = serve.get(step);
    if (s && s.code === k.code && JSON.stringify(s.shown) === JSON.stringify(k.shown)) continue;
    diffs.push(`kubectl ${version} "${step}": serve ${brief(s)} | kube-apiserver ${brief(k)}`);
  }
  return diffs;
}

const binaries = kubectlBinaries();
const skipTestbed = shouldSkip(['kube-apiserver'], false);
if (binaries.length === 0 && !process.env.CI) console.log('kubectl interop test skipped: no kubectl.1.NN binaries beside kubectl on PATH');
const skip = skipTestbed || (binaries.length === 0 && !process.env.CI);

describe('kubectl interop: watchmark serve behaves as kube-apiserver', () => {
  let dir: string;
  let serve: RunningCli | undefined;
  let kube: Awaited<ReturnType<typeof startTestbedTarget>> | undefined;
  const servers: Server[] = [];

  beforeAll(async () => {
    if (skip) return;
    dir = mkdtempSync(path.join(tmpdir(), 'watchmark-kubectl-'));
    const serveKubeconfig = path.join(dir, 'serve.kubeconfig');
    serve = startCli(['serve', '--kubeconfig-out', serveKubeconfig], { timeoutMs: 600_000 });
    kube = await startTestbedTarget('kube-apiserver');
    await serve.waitFor(/listening at https:\/\/127\.0\.0\.1:\d+/);
    const serveUrl = /listening at (https:\/\/127\.0\.0\.1:\d+)/.exec(serve.output().stderr + serve.output().stdout)![1]!;
    servers.push({ name: 'serve', kubeconfig: serveKubeconfig, server: serveUrl });
    servers.push({ name: 'kube-apiserver', kubeconfig: String(kube.info.kubeconfig), server: kube.info.server });
  });
  afterAll(async () => {
    serve?.child.kill('SIGINT');
    await serve?.result;
    await kube?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(skip)('finds kubectl binaries', () => {
    expect(binaries.map(([v]) => v).length, 'no kubectl.1.NN beside kubectl on PATH').toBeGreaterThan(0);
  });

  it.skipIf(skip || binaries.length === 0).each(binaries.length > 0 ? binaries : [['none', '']])('kubectl %s: every step as against kube-apiserver', async (version, bin) => {
    const ns = `wm-interop-${version.replace('.', '-')}`;
    const startedAt = Date.now();
    const [onServe, onKube] = await Promise.all(servers.map((srv) => runScript(bin, srv, ns, dir)));
    console.log(`kubectl ${version}: script ran in ${((Date.now() - startedAt) / 1000).toFixed(1)} s on both servers`);
    const diffs = differences(version, onServe!, onKube!);
    expect(diffs.length, `kubectl ${version} differs on ${diffs.length} step(s):\n${diffs.join('\n')}`).toBe(0);
  });
});
