import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from './support/cli.js';

// What `npm pack` (and so `npm publish`) ships. Relies on dist/ as `npm run build` leaves it
// (`npm test` builds first); --ignore-scripts keeps pack from rebuilding it.
const run = promisify(execFile);
const TIMEOUT_MS = 60_000;

interface PackEntry {
  path: string;
}

let files: string[];
let work: string;

beforeAll(async () => {
  expect(existsSync(path.join(REPO, 'dist', 'index.js')), 'dist/ is built (npm run build)').toBe(true);
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO, timeout: TIMEOUT_MS });
  const [pack] = JSON.parse(stdout) as Array<{ files: PackEntry[] }>;
  files = pack!.files.map((f) => f.path).sort();
  work = mkdtempSync(path.join(tmpdir(), 'watchmark-pack-'));
}, TIMEOUT_MS);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('npm pack contents', () => {
  it('ships the CLI, the library with its types, the scenarios and both schemas', () => {
    const scenarios = readdirSync(path.join(REPO, 'scenarios')).filter((f) => f.endsWith('.yaml'));
    expect(scenarios.length).toBeGreaterThan(5);
    const expected = [
      'package.json',
      'README.md',
      'bin/watchmark.js',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/cli/main.js',
      'dist/report/report-schema.js',
      'scenarios/scenario.schema.json',
      'schemas/report.schema.json',
      ...scenarios.map((f) => `scenarios/${f}`),
      'LICENSE',
    ];
    for (const file of expected) expect(files, file).toContain(file);
  });

  it('ships no tests, sources, source maps, testbed, artifacts, CI or dev scripts', () => {
    const forbidden = [
      /\.map$/,
      /\.test\.(js|d\.ts)$/,
      /(^|\/)test-support\.(js|d\.ts)$/,
      /^src\//,
      /^test\//,
      /^testbed\//,
      /^test-artifacts\//,
      /^\.ci\//,
      /^bench\//,
      /^scripts\//,
      /^node_modules\//,
      /^tsconfig/,
      /^vitest\.config/,
    ];
    const shipped = files.filter((f) => forbidden.some((re) => re.test(f)));
    expect(shipped).toEqual([]);
  });

  it('ships only dist/ files compiled from a current source (no leftovers of moved or deleted files)', () => {
    const orphans = files
      .filter((f) => f.startsWith('dist/'))
      .filter((f) => !existsSync(path.join(REPO, 'src', f.slice('dist/'.length).replace(/\.d\.ts$|\.js$/, '.ts'))));
    expect(orphans).toEqual([]);
  });

  it('builds without source maps, and no shipped JS points at one (they would name src/, which is not shipped)', () => {
    // dist/ is plain ES2022 that tsc only stripped types from, and users never see stack traces
    // (errors are one-line messages), so maps would only point at files the package leaves out.
    const config = ts.getParsedCommandLineOfConfigFile(path.join(REPO, 'tsconfig.build.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
    expect(config?.options.sourceMap).toBeFalsy();
    expect(config?.options.declarationMap).toBeFalsy();
    expect(config?.options.inlineSourceMap).toBeFalsy();
    const pointing = files.filter((f) => f.endsWith('.js') && readFileSync(path.join(REPO, f), 'utf8').includes('//# sourceMappingURL='));
    expect(pointing).toEqual([]);
  });

  it('the packed package runs: --version, run --help and a run through a token kubeconfig work without @kubernetes/client-node installed', async () => {
    // Unpack the real tarball, give it every dependency except @kubernetes/client-node: the CLI
    // must load it only for a kubeconfig user with an auth-provider (OIDC, GCP, Azure), never for
    // --version, help, or a kubeconfig with a token (it is about half a second of start-up).
    await run('npm', ['pack', '--ignore-scripts', '--pack-destination', work], { cwd: REPO, timeout: TIMEOUT_MS });
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
    expect(tarball).toBeDefined();
    await run('tar', ['xzf', tarball!], { cwd: work, timeout: TIMEOUT_MS });
    const pkg = path.join(work, 'package');
    const modules = path.join(pkg, 'node_modules');
    mkdirSync(modules);
    for (const entry of readdirSync(path.join(REPO, 'node_modules'))) {
      if (entry === '@kubernetes' || entry === '.bin') continue;
      symlinkSync(path.join(REPO, 'node_modules', entry), path.join(modules, entry));
    }
    const version = await run(process.execPath, [path.join(pkg, 'bin', 'watchmark.js'), '--version'], { cwd: work, timeout: TIMEOUT_MS });
    expect(version.stdout.trim()).toBe((JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version);
    const help = await run(process.execPath, [path.join(pkg, 'bin', 'watchmark.js'), 'run', '--help'], { cwd: work, timeout: TIMEOUT_MS });
    expect(help.stdout).toMatch(/--json <file>/);
    // A run through a kubeconfig reaches the server: its first request arrives with the token
    // (the server answers 404 to everything, so the run ends there, exit 2).
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization}`);
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}');
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    try {
      const kubeconfig = path.join(work, 'kubeconfig');
      const { port } = server.address() as { port: number };
      writeFileSync(kubeconfig, `apiVersion: v1
clusters: [{ name: c, cluster: { server: "http://127.0.0.1:${port}" } }]
users: [{ name: u, user: { token: packed-token-123 } }]
contexts: [{ name: main, context: { cluster: c, user: u } }]
current-context: main
`);
      const home = path.join(work, 'home');
      mkdirSync(home);
      const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, NO_COLOR: '1' };
      delete env.KUBECONFIG;
      delete env.GITHUB_ACTIONS;
      const ended = await run(process.execPath, [path.join(pkg, 'bin', 'watchmark.js'), 'run', '--kubeconfig', kubeconfig, '--quick', '--progress', 'none'], { cwd: work, env, timeout: TIMEOUT_MS }).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code?: number; stderr?: string }) => e,
      );
      expect([ended.code, ended.stderr]).toEqual([2, expect.stringMatching(/discovery GET \/api.* answered HTTP 404/)]);
      expect(seen[0]).toBe('GET /version Bearer packed-token-123');
    } finally {
      server.close();
    }
    // ...and it does need the package where a kubeconfig is read: the check above can fail.
    const probe = await run(process.execPath, ['--input-type=module', '-e', "import('@kubernetes/client-node').then(() => console.log('loaded'), (e) => console.log(e.code))"], {
      cwd: pkg,
      timeout: TIMEOUT_MS,
    });
    expect(probe.stdout.trim()).toBe('ERR_MODULE_NOT_FOUND');
  }, TIMEOUT_MS);
});
