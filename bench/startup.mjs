// Start-up time of the CLI (issue 15: <= 0.3 s for --version/--help, <= 0.5 s before the first
// request of a run). Run with `npm run bench:startup` (builds dist/ first). Prints figures only;
// nothing here asserts (timings on a shared machine are not test material).
//
//   node bench/startup.mjs [--rounds N] [--only a,b] [--base DIR] [--profile]
//
// Cases, alternated (the order rotates every round), each a fresh `node` process:
//   node            bare `node -e 0` (the floor: what Node itself costs)
//   version, help   `watchmark --version`, `watchmark --help`, spawn to exit
//   run-help        `watchmark run --help`, spawn to exit
//   run-server      `watchmark run --server http://127.0.0.1:PORT`: spawn to the arrival of its
//                   first request at a loopback server started here (it answers 404 to
//                   everything, so the run ends on its own right after: only the arrival counts)
//   run-kubeconfig  the same through a kubeconfig file (token user, context, namespace), so the
//                   kubeconfig loader is on the path
//   observe-kubeconfig  `watchmark observe` through the same kubeconfig
// Every child gets a fresh HOME, no KUBECONFIG, NO_COLOR and --progress none where it applies.
//
// --base DIR adds the same cases for another checkout (DIR/bin/watchmark.js, its dist/ built),
// named base:CASE, alternated with this one's: a before/after in one run.
// --profile runs each watchmark case once more under `node --cpu-prof` and prints where its CPU
// went before the end (or the first request), by package: node_modules/<package>, dist/<folder>,
// node's own modules; self time of the sampled functions, so module compilation shows up in the
// package whose code it belongs to or in "(program)".
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(fileURLToPath(new URL('..', import.meta.url)));
const RUN_TIMEOUT_MS = 20_000;

function parseArgs(argv) {
  const opts = { rounds: 7, only: null, base: null, profile: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--rounds') opts.rounds = Number(argv[++i]);
    else if (a === '--only') opts.only = argv[++i].split(',');
    else if (a === '--base') opts.base = resolve(argv[++i]);
    else if (a === '--profile') opts.profile = true;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!Number.isInteger(opts.rounds) || opts.rounds < 1) throw new Error('--rounds needs a positive integer');
  return opts;
}

/** A loopback server that notes when each request arrives (process.hrtime, ns) and answers 404. */
async function startServer() {
  const arrivals = [];
  const server = http.createServer((req, res) => {
    arrivals.push({ at: process.hrtime.bigint(), url: req.url });
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"kind":"Status","apiVersion":"v1","status":"Failure","message":"not found","reason":"NotFound","code":404}');
  });
  server.keepAliveTimeout = 100;
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { server, arrivals, url: `http://127.0.0.1:${server.address().port}` };
}

function writeKubeconfig(dir, serverUrl) {
  const file = join(dir, 'kubeconfig');
  writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: bench\n  cluster:\n    server: ${serverUrl}`,
      'users:',
      '- name: bench\n  user:\n    token: bench-token-0123456789',
      'contexts:',
      '- name: bench\n  context:\n    cluster: bench\n    user: bench\n    namespace: default',
      'current-context: bench',
      '',
    ].join('\n'),
  );
  return file;
}

/** The cases for one checkout: name -> { args, waitsForRequest }. */
function casesFor(repo, serverUrl, kubeconfig) {
  const bin = join(repo, 'bin', 'watchmark.js');
  return {
    node: { args: ['-e', '0'] },
    version: { args: [bin, '--version'] },
    help: { args: [bin, '--help'] },
    'run-help': { args: [bin, 'run', '--help'] },
    'run-server': { args: [bin, 'run', '--server', serverUrl, '--quick', '--progress', 'none'], waitsForRequest: true },
    'run-kubeconfig': { args: [bin, 'run', '--kubeconfig', kubeconfig, '--quick', '--progress', 'none'], waitsForRequest: true },
    'observe-kubeconfig': { args: [bin, 'observe', 'configmaps', '--kubeconfig', kubeconfig], waitsForRequest: true },
  };
}

/**
 * Spawns one case; resolves with the ms from spawn to exit, or to the first request's arrival
 * (then the child, which ends on its own after the 404s, is waited for too, and killed if it hangs).
 */
function runOnce(spec, env, server, extraNodeArgs = []) {
  return new Promise((ok, fail) => {
    const seen = server.arrivals.length;
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [...extraNodeArgs, ...spec.args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.on('error', fail);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const ended = process.hrtime.bigint();
      if (spec.waitsForRequest) {
        const first = server.arrivals[seen];
        if (!first) return fail(new Error(`${spec.args.slice(1).join(' ')}: no request arrived (exit ${code ?? signal}): ${stderr.trim()}`));
        return ok({ ms: Number(first.at - started) / 1e6, cutAt: first.at });
      }
      if (code !== 0) return fail(new Error(`${spec.args.join(' ')}: exit ${code ?? signal}: ${stderr.trim()}`));
      ok({ ms: Number(ended - started) / 1e6, cutAt: null });
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (ms) => `${(ms / 1000).toFixed(3)}`;

/** Where a script URL's code belongs: a package under node_modules, a dist/ folder, or node itself. */
function ownerOf(url) {
  if (!url) return null;
  if (url.startsWith('node:')) return 'node (built-in modules)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + '/node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  const dist = url.indexOf('/dist/');
  if (dist >= 0) {
    const rest = url.slice(dist + '/dist/'.length).split('/');
    return rest.length > 1 ? `watchmark dist/${rest[0]}/` : 'watchmark dist/*.js';
  }
  if (url.includes('/bin/watchmark.js')) return 'watchmark bin/';
  return url;
}

/**
 * CPU per owner in a .cpuprofile, counting only samples taken before cutAt (hrtime ns; V8's
 * profile clock is the same monotonic clock, in µs). A sample belongs to the innermost frame on
 * its stack that is watchmark's or a package's code (so node's own helpers called from a package
 * count for the package); samples with no such frame are node's own work, mostly loading,
 * compiling and linking modules ("node: module loading"), or V8's (GC, program).
 */
function profileByOwner(profile, cutAt) {
  const cutUs = cutAt === null ? Infinity : Number(cutAt / 1000n);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const ownerCache = new Map();
  const ownerOfNode = (id) => {
    if (ownerCache.has(id)) return ownerCache.get(id);
    let owner = null;
    let loading = false;
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const { url, functionName } = byId.get(cur).callFrame;
      const o = ownerOf(url);
      if (o && !o.startsWith('node')) {
        owner = o;
        break;
      }
      if (url.includes('internal/modules/')) loading = true;
    }
    if (!owner) {
      const fn = byId.get(id).callFrame.functionName;
      owner = fn.startsWith('(') && fn !== '(root)' ? fn : loading ? 'node: module loading' : 'node: other';
    }
    ownerCache.set(id, owner);
    return owner;
  };
  const ms = new Map();
  let t = profile.startTime;
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i];
    if (t > cutUs) break;
    const delta = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const owner = ownerOfNode(profile.samples[i]);
    ms.set(owner, (ms.get(owner) ?? 0) + delta);
    total += delta;
  }
  return { total, rows: [...ms].sort((a, b) => b[1] - a[1]).map(([owner, m]) => ({ owner, ms: m })) };
}

/**
 * Hooks (--import) that list every module file the child loads, with its size, into the file
 * $WATCHMARK_BENCH_MODULE_LIST: ESM through a module.register load hook, CommonJS through
 * Module.prototype._compile (require() inside CommonJS packages never reaches the ESM hooks).
 */
const LOAD_HOOKS = [
  "import { appendFileSync } from 'node:fs';",
  'let file;',
  'export function initialize(data) { file = data; }',
  'export async function load(url, context, next) {',
  '  const r = await next(url, context);',
  "  if (r.source != null) appendFileSync(file, `${url}\\t${r.source.length}\\n`);",
  '  return r;',
  '}',
].join('\n');
const LIST_HOOK = [
  "import { register, Module } from 'node:module';",
  "import { appendFileSync } from 'node:fs';",
  'const file = process.env.WATCHMARK_BENCH_MODULE_LIST;',
  "register(new URL('./load-hooks.mjs', import.meta.url), { data: file });",
  'const compile = Module.prototype._compile;',
  'Module.prototype._compile = function (content, filename) {',
  "  appendFileSync(file, `file://${filename}\\t${content.length}\\n`);",
  '  return compile.call(this, content, filename);',
  '};',
].join('\n');

/** Files and bytes loaded per owner, from the hook's list (a file listed twice counts once). */
function modulesByOwner(listFile) {
  const seen = new Map();
  let text = '';
  try {
    text = readFileSync(listFile, 'utf8');
  } catch {
    return new Map();
  }
  for (const line of text.split('\n')) {
    const [url, size] = line.split('\t');
    if (url && !url.startsWith('node:')) seen.set(url, Math.max(seen.get(url) ?? 0, Number(size)));
  }
  const by = new Map();
  for (const [url, size] of seen) {
    const o = ownerOf(url);
    const e = by.get(o) ?? { files: 0, bytes: 0 };
    e.files++;
    e.bytes += size;
    by.set(o, e);
  }
  return by;
}

async function profileOnce(name, spec, env, server) {
  const dir = mkdtempSync(join(tmpdir(), 'watchmark-startup-prof-'));
  try {
    const hook = join(dir, 'list-hook.mjs');
    writeFileSync(hook, LIST_HOOK);
    writeFileSync(join(dir, 'load-hooks.mjs'), LOAD_HOOKS);
    const listFile = join(dir, 'modules.tsv');
    const { ms, cutAt } = await runOnce(spec, env, server, ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', '200']);
    // The module list comes from a second run: the hook's own cost stays out of the profile.
    await runOnce(spec, { ...env, WATCHMARK_BENCH_MODULE_LIST: listFile }, server, ['--import', hook]);
    const modules = modulesByOwner(listFile);
    const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
    if (files.length !== 1) return console.log(`\n${name}: no profile written`);
    const { total, rows } = profileByOwner(JSON.parse(readFileSync(join(dir, files[0]), 'utf8')), cutAt);
    const loaded = [...modules.values()].reduce((a, e) => ({ files: a.files + e.files, bytes: a.bytes + e.bytes }), { files: 0, bytes: 0 });
    console.log(`\n${name}: ${fmt(ms)} s under --cpu-prof; ${total.toFixed(0)} ms of CPU ${cutAt === null ? 'to exit' : 'before the first request'}; ${loaded.files} module files (${(loaded.bytes / 1024).toFixed(0)} KiB) loaded in all. By owner:`);
    for (const r of rows.filter((r) => r.ms >= 3)) {
      const m = modules.get(r.owner);
      console.log(`  ${r.ms.toFixed(0).padStart(5)} ms  ${r.owner}${m ? ` (${m.files} files, ${(m.bytes / 1024).toFixed(0)} KiB)` : ''}`);
    }
    const heavy = [...modules].filter(([o]) => !rows.some((r) => r.owner === o && r.ms >= 3)).sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 6);
    if (heavy.length) console.log(`  also loaded: ${heavy.map(([o, m]) => `${o} (${m.files} files, ${(m.bytes / 1024).toFixed(0)} KiB)`).join(', ')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const home = mkdtempSync(join(tmpdir(), 'watchmark-startup-'));
  const { server, ...srv } = await startServer();
  const state = { arrivals: srv.arrivals };
  try {
    const kubeconfig = writeKubeconfig(home, srv.url);
    const env = { ...process.env, HOME: home, NO_COLOR: '1' };
    for (const k of ['KUBECONFIG', 'FORCE_COLOR', 'GITHUB_ACTIONS', 'GITHUB_STEP_SUMMARY', 'NODE_OPTIONS']) delete env[k];
    const cases = new Map();
    for (const [name, spec] of Object.entries(casesFor(REPO, srv.url, kubeconfig))) cases.set(name, spec);
    if (opts.base) {
      for (const [name, spec] of Object.entries(casesFor(opts.base, srv.url, kubeconfig))) if (name !== 'node') cases.set(`base:${name}`, spec);
    }
    const names = [...cases.keys()].filter((n) => !opts.only || opts.only.includes(n.replace(/^base:/, '')));
    console.log(`node ${process.version}, ${opts.rounds} rounds, cases alternated; seconds from spawn to exit (run/observe: to the first request's arrival)`);
    const results = new Map(names.map((n) => [n, []]));
    // One untimed pass first: the first spawn of each pays for a cold disk cache.
    for (const n of names) await runOnce(cases.get(n), env, state);
    for (let round = 0; round < opts.rounds; round++) {
      const order = names.map((_, i) => names[(i + round) % names.length]);
      for (const n of order) results.get(n).push((await runOnce(cases.get(n), env, state)).ms);
    }
    const floor = median(results.get('node') ?? [0]);
    console.log(`\n${'case'.padEnd(26)} ${'median s'.padStart(8)} ${'min s'.padStart(7)} ${'max s'.padStart(7)} ${'- node s'.padStart(8)}`);
    for (const n of names) {
      const xs = results.get(n);
      console.log(`${n.padEnd(26)} ${fmt(median(xs)).padStart(8)} ${fmt(Math.min(...xs)).padStart(7)} ${fmt(Math.max(...xs)).padStart(7)} ${(n === 'node' || !results.has('node') ? '' : fmt(median(xs) - floor)).padStart(8)}`);
    }
    if (opts.profile) {
      for (const n of names) if (n !== 'node') await profileOnce(n, cases.get(n), env, state);
    }
  } finally {
    server.close();
    server.closeAllConnections?.();
    rmSync(home, { recursive: true, force: true });
  }
}

await main();
