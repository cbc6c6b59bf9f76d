#!/usr/bin/env node
// Builds the real-target testbed (Go modules under testbed/) into testbed/bin/, incrementally:
// a binary newer than every go.mod, go.sum and .go file of its module is left alone (and Go's
// own build cache makes the rest cheap). Prints what it built and how long each step took.
//
//   npm run testbed:build            build what is out of date
//   npm run testbed:build -- --force rebuild everything
//   npm run testbed:build -- kine    only the named targets (or groups: envtest)
//   WATCHMARK_TESTBED_BIN=dir npm run testbed:build   build into dir instead of testbed/bin
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const testbed = path.join(root, 'testbed');
// WATCHMARK_TESTBED_BIN (as src/targets/testbed.ts reads it) builds into another directory, e.g. a
// worktree's private one while testbed/bin is shared.
const bin = process.env.WATCHMARK_TESTBED_BIN ? path.resolve(process.env.WATCHMARK_TESTBED_BIN) : path.join(testbed, 'bin');

/**
 * name -> module dir, output binary, package to build, extra go build flags and env.
 * kine is built as its own scripts/build does (CGO sqlite with sqlite_unlock_notify, version
 * stamped from go.mod). kinm is not here: the Go module proxy answers 403 for
 * github.com/obot-platform/kinm, so it cannot be built from modules (see README).
 */
export const TESTBED_BINARIES = [
  { name: 'kube-apiserver', dir: 'kube-apiserver', out: 'wm-kube-apiserver', pkg: '.', flags: [], env: {} },
  {
    name: 'kine',
    dir: 'kine',
    out: 'kine',
    pkg: 'github.com/k3s-io/kine',
    flags: ['-tags', 'sqlite_unlock_notify', '-ldflags', '-s -w -X github.com/k3s-io/kine/pkg/version.Version={version:github.com/k3s-io/kine}'],
    env: { CGO_ENABLED: '1' },
  },
  { name: 'informer-probe', dir: 'informer-probe', out: 'informer-probe', pkg: '.', flags: [], env: {} },
  // testbed/bin/envtest/ is laid out like setup-envtest's assets (KUBEBUILDER_ASSETS) for
  // `--target envtest`: upstream's own main packages, kept in go.mod by its `tool` lines. etcd
  // reports its version from go.etcd.io/etcd/api/v3/version; kube-apiserver's is stamped as
  // Kubernetes' release builds do (hack/lib/version.sh: -X on k8s.io/component-base/version).
  { name: 'envtest-etcd', group: 'envtest', dir: 'kube-apiserver', out: 'envtest/etcd', pkg: 'go.etcd.io/etcd/server/v3', flags: [], env: {} },
  {
    name: 'envtest-kube-apiserver',
    group: 'envtest',
    dir: 'kube-apiserver',
    out: 'envtest/kube-apiserver',
    pkg: 'k8s.io/kubernetes/cmd/kube-apiserver',
    flags: [
      '-ldflags',
      ['gitVersion={version:k8s.io/kubernetes}', 'gitMajor={major:k8s.io/kubernetes}', 'gitMinor={minor:k8s.io/kubernetes}', 'gitTreeState=clean']
        .map((kv) => `-X k8s.io/component-base/version.${kv}`)
        .join(' '),
    ],
    env: {},
  },
];

/**
 * Replaces {version:MODULE} with the module's version pinned in the module's go.mod, and
 * {major:MODULE} / {minor:MODULE} with its first two numbers (v1.37.2 -> 1, 37).
 */
function expandFlags(flags, dir) {
  return flags.map((f) =>
    f.replace(/\{(version|major|minor):([^}]+)\}/g, (_, part, mod) => {
      const res = spawnSync('go', ['list', '-m', '-f', '{{.Version}}', mod], { cwd: dir, encoding: 'utf8', env: { ...process.env, GOTOOLCHAIN: 'local' } });
      const version = res.status === 0 ? res.stdout.trim() : 'unknown';
      if (part === 'version') return version;
      const m = /^v(\d+)\.(\d+)\./.exec(version);
      return m ? m[part === 'major' ? 1 : 2] : 'unknown';
    }),
  );
}

function newestInput(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestInput(p));
    else if (/(\.go|go\.mod|go\.sum)$/.test(entry.name)) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

function main() {
  const args = process.argv.slice(2);
  const force = args.includes('--force');
  const only = args.filter((a) => !a.startsWith('--'));
  const unknown = only.filter((n) => !TESTBED_BINARIES.some((b) => b.name === n || b.group === n));
  if (unknown.length) {
    console.error(`testbed:build: unknown target(s) ${unknown.join(', ')} (known: ${TESTBED_BINARIES.map((b) => b.name).join(', ')}; groups: ${[...new Set(TESTBED_BINARIES.flatMap((b) => (b.group ? [b.group] : [])))].join(', ')})`);
    process.exit(2);
  }
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.status !== 0) {
    console.error('testbed:build: Go is not installed (the real-target testbed is built from Go modules; install Go >= 1.25)');
    process.exit(2);
  }
  console.log(`testbed:build: ${go.stdout.trim()}`);
  const started = Date.now();
  let failed = 0;
  for (const b of TESTBED_BINARIES) {
    if (only.length && !only.includes(b.name) && !(b.group && only.includes(b.group))) continue;
    const dir = path.join(testbed, b.dir);
    const out = path.join(bin, b.out);
    if (!existsSync(path.join(dir, 'go.mod'))) {
      console.error(`testbed:build: ${b.name}: ${path.relative(root, dir)}/go.mod is missing`);
      failed++;
      continue;
    }
    if (!force && existsSync(out) && statSync(out).mtimeMs >= newestInput(dir)) {
      console.log(`testbed:build: ${b.name}: up to date (${path.relative(root, out)})`);
      continue;
    }
    mkdirSync(path.dirname(out), { recursive: true });
    const t0 = Date.now();
    const res = spawnSync('go', ['build', '-trimpath', ...expandFlags(b.flags, dir), '-o', out, b.pkg], {
      cwd: dir,
      stdio: 'inherit',
      env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=readonly', ...b.env },
    });
    const secs = ((Date.now() - t0) / 1000).toFixed(1);
    if (res.status !== 0) {
      console.error(`testbed:build: ${b.name}: go build failed after ${secs} s`);
      failed++;
    } else {
      const mb = (statSync(out).size / 1024 / 1024).toFixed(0);
      console.log(`testbed:build: ${b.name}: built ${path.relative(root, out)} (${mb} MB) in ${secs} s`);
    }
  }
  console.log(`testbed:build: done in ${((Date.now() - started) / 1000).toFixed(1)} s${failed ? `, ${failed} failed` : ''}`);
  process.exit(failed ? 1 : 0);
}

main();
