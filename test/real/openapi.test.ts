import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedServer, type StartedEmbeddedServer } from '../../src/server/index.js';
import { startTestbedTarget } from '../../src/targets/registry.js';
import { shouldSkip } from './testbed-support.js';

/**
 * `watchmark serve`'s /openapi documents against a real kube-apiserver (testbed): every schema the
 * embedded server declares must equal the real one on the fields it declares (types, formats,
 * defaults, x-kubernetes-* extensions; descriptions aside), its operations must carry the real
 * action, GVK and query parameters; and kubectl of every version on this machine must apply,
 * create and explain through it exactly as through kube-apiserver.
 */
const skip = shouldSkip(['kube-apiserver'], false);

type Json = Record<string, any>;

interface Endpoint {
  server: string;
  token: string;
  caPem: string;
  kubeconfig: string;
}

let real: Awaited<ReturnType<typeof startTestbedTarget>> | undefined;
let serve: StartedEmbeddedServer | undefined;
let realEndpoint: Endpoint;
let serveEndpoint: Endpoint;
const dir = mkdtempSync(path.join(tmpdir(), 'watchmark-openapi-'));

function kubeconfigFor(name: string, server: string, token: string, caPem: string): string {
  const file = path.join(dir, `${name}.kubeconfig`);
  const ca = Buffer.from(caPem).toString('base64');
  writeFileSync(
    file,
    `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: ${server}\n    certificate-authority-data: ${ca}\nusers:\n- name: u\n  user:\n    token: ${token}\ncontexts:\n- name: x\n  context:\n    cluster: c\n    user: u\n    namespace: default\ncurrent-context: x\n`,
    { mode: 0o600 },
  );
  return file;
}

beforeAll(async () => {
  if (skip) return;
  real = await startTestbedTarget('kube-apiserver');
  const caPem = readFileSync(real.info.caFile!, 'utf8');
  realEndpoint = { server: real.info.server, token: real.info.token!, caPem, kubeconfig: kubeconfigFor('real', real.info.server, real.info.token!, caPem) };
  serve = await startEmbeddedServer();
  serveEndpoint = { server: serve.url, token: serve.token, caPem: serve.caCertPem!, kubeconfig: kubeconfigFor('serve', serve.url, serve.token, serve.caCertPem!) };
}, 180_000);

afterAll(async () => {
  await serve?.stop();
  await real?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function getJson(endpoint: Endpoint, urlPath: string): Promise<Json> {
  const agent = new Agent({ connect: { ca: endpoint.caPem } });
  try {
    const res = await request(`${endpoint.server}${urlPath}`, { headers: { authorization: `Bearer ${endpoint.token}`, accept: 'application/json' }, dispatcher: agent });
    expect(res.statusCode, urlPath).toBe(200);
    return (await res.body.json()) as Json;
  } finally {
    await agent.close();
  }
}

async function v3CoreV1(endpoint: Endpoint): Promise<Json> {
  const root = await getJson(endpoint, '/openapi/v3');
  return getJson(endpoint, root.paths['api/v1'].serverRelativeURL);
}

/** A schema without its descriptions (serve may shorten them). */
function withoutDescriptions(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutDescriptions);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).filter(([k]) => k !== 'description').map(([k, v]) => [k, withoutDescriptions(v)]));
  return value;
}

/** The real schema restricted to what serve's declares: its properties, and its GVKs (v2 lists DeleteOptions under every group). */
function restrictedTo(realSchema: Json, mine: Json): Json {
  const out: Json = { ...realSchema };
  if (realSchema.properties) out.properties = Object.fromEntries(Object.keys(mine.properties ?? {}).map((k) => [k, realSchema.properties[k]]));
  const gvks = mine['x-kubernetes-group-version-kind'] as Json[] | undefined;
  if (gvks) out['x-kubernetes-group-version-kind'] = realSchema['x-kubernetes-group-version-kind'].filter((g: Json) => gvks.some((m) => m.group === g.group && m.version === g.version));
  return out;
}

function expectSchemasMatch(mine: Json, theirs: Json, where: string): void {
  expect(Object.keys(mine)).toContain('io.k8s.api.core.v1.ConfigMap');
  expect(Object.keys(mine)).toContain('io.k8s.api.core.v1.Namespace');
  for (const [name, schema] of Object.entries(mine)) {
    expect(theirs[name], `${where} ${name} exists in kube-apiserver`).toBeDefined();
    expect(withoutDescriptions(schema), `${where} ${name}`).toEqual(withoutDescriptions(restrictedTo(theirs[name], schema)));
  }
}

const paramKey = (p: Json): string => `${p.in}:${p.name}`;

describe.skipIf(skip)('/openapi of watchmark serve against kube-apiserver (testbed)', () => {
  it('declares the v3 and v2 schemas exactly as kube-apiserver does, field for field', async () => {
    const [mine3, theirs3] = await Promise.all([v3CoreV1(serveEndpoint), v3CoreV1(realEndpoint)]);
    expectSchemasMatch(mine3.components.schemas, theirs3.components.schemas, 'v3');
    const [mine2, theirs2] = await Promise.all([getJson(serveEndpoint, '/openapi/v2'), getJson(realEndpoint, '/openapi/v2')]);
    expectSchemasMatch(mine2.definitions, theirs2.definitions, 'v2');
  });

  it('declares its v3 operations with kube-apiserver\'s action, GVK and query parameters (fieldValidation, dryRun, fieldManager...)', async () => {
    const [mine, theirs] = await Promise.all([v3CoreV1(serveEndpoint), v3CoreV1(realEndpoint)]);
    const writes: string[] = [];
    for (const [p, item] of Object.entries(mine.paths as Json)) {
      const realItem = theirs.paths[p];
      expect(realItem, p).toBeDefined();
      const realPathParams = new Map((realItem.parameters as Json[]).map((x) => [paramKey(x), x]));
      for (const param of item.parameters as Json[]) expect(withoutDescriptions(param), `${p} ${paramKey(param)}`).toEqual(withoutDescriptions(realPathParams.get(paramKey(param))));
      for (const [method, op] of Object.entries(item as Json)) {
        if (method === 'parameters') continue;
        const realOp = realItem[method];
        expect(realOp, `${method} ${p}`).toBeDefined();
        expect([op.operationId, op['x-kubernetes-action'], op['x-kubernetes-group-version-kind']]).toEqual([realOp.operationId, realOp['x-kubernetes-action'], realOp['x-kubernetes-group-version-kind']]);
        const realParams = new Map(((realOp.parameters ?? []) as Json[]).map((x) => [paramKey(x), x]));
        for (const param of (op.parameters ?? []) as Json[]) expect(withoutDescriptions(param), `${method} ${p} ${paramKey(param)}`).toEqual(withoutDescriptions(realParams.get(paramKey(param))));
        if (['post', 'put', 'patch'].includes(method)) writes.push(`${method} ${p}: ${(op.parameters as Json[]).map((x) => x.name).join(',')}`);
      }
    }
    expect(writes.length).toBeGreaterThanOrEqual(4);
    for (const w of writes) expect(w).toMatch(/: dryRun,fieldManager,fieldValidation/);
  });

  it('lets every kubectl on this machine apply, create (unknown fields refused) and explain through serve as through kube-apiserver', async () => {
    const binaries = kubectlBinaries();
    if (binaries.length === 0) {
      if (process.env.CI) throw new Error('no kubectl.1.NN binaries found beside kubectl on PATH');
      console.log('kubectl interop skipped: no kubectl.1.NN binaries beside kubectl on PATH');
      return;
    }
    for (const kubectl of binaries) {
      const version = path.basename(kubectl).replace('kubectl.', '');
      const [onServe, onReal] = await Promise.all([kubectlScript(kubectl, serveEndpoint, `serve-${version}`), kubectlScript(kubectl, realEndpoint, `real-${version}`)]);
      expect(onServe, `kubectl ${version} against serve`).toEqual(onReal);
      expect(onServe.map((s) => s.code), `kubectl ${version}`).toEqual([0, 0, 0, 0, 1, 0, 1]);
    }
  }, 300_000);
});

/** kubectl.1.NN beside the kubectl on PATH (the Google Cloud CLI packages them so). */
function kubectlBinaries(): string[] {
  for (const entry of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(entry, 'kubectl');
    if (!existsSync(candidate)) continue;
    const binDir = path.dirname(realpathSync(candidate));
    return readdirSync(binDir)
      .filter((f) => /^kubectl\.1\.\d+$/.test(f))
      .sort((a, b) => Number(a.split('.')[2]) - Number(b.split('.')[2]))
      .map((f) => path.join(binDir, f));
  }
  return [];
}

interface Step {
  step: string;
  code: number;
  stdout: string;
  /** The first line of stderr with the request-specific parts removed. */
  stderr: string;
}

function run(kubectl: string, args: string[], home: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(kubectl, args, { env: { PATH: process.env.PATH ?? '', HOME: home }, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function kubectlScript(kubectl: string, endpoint: Endpoint, label: string): Promise<Step[]> {
  const home = path.join(dir, label);
  mkdirSync(home, { recursive: true });
  const version = path.basename(kubectl).replace('kubectl.1.', '');
  const manifest = (name: string, value: string): string => {
    // One manifest path for both servers: kubectl's messages name the file.
    const file = path.join(dir, `${name}-${value}.yaml`);
    writeFileSync(file, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: default\ndata:\n  a: "${value}"\n`);
    return file;
  };
  const unknownFieldManifest = (v: string): string => {
    const file = path.join(dir, `unknown-${v}.yaml`);
    writeFileSync(file, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: unknown-${v}\n  namespace: default\n  bogus: 1\ndata:\n  a: "1"\nextra: 2\n`);
    return file;
  };
  const steps: [string, string[]][] = [
    ['apply', ['apply', '-f', manifest(`apply-${version}`, '1')]],
    ['apply changed', ['apply', '-f', manifest(`apply-${version}`, '2')]],
    ['get', ['get', 'configmap', `apply-${version}`, '-o', 'jsonpath={.data.a}']],
    ['create', ['create', '-f', manifest(`create-${version}`, '1')]],
    ['create again', ['create', '-f', manifest(`create-${version}`, '1')]],
    ['explain', ['explain', 'configmap.data']],
    // kubectl leaves unknown fields to the server's strict decoding (fieldValidation=Strict).
    ['create unknown field', ['create', '-f', unknownFieldManifest(version)]],
  ];
  const out: Step[] = [];
  for (const [step, args] of steps) {
    const r = await run(kubectl, ['--kubeconfig', endpoint.kubeconfig, ...args], home);
    out.push({ step, code: r.code, stdout: r.stdout, stderr: (r.stderr.split('\n')[0] ?? '').replaceAll(endpoint.server, 'SERVER') });
  }
  return out;
}
