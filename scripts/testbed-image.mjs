#!/usr/bin/env node
// Builds local container images of the testbed servers from the binaries `npm run testbed:build`
// made (testbed/bin), with no base image to pull (FROM scratch: the binary, the shared libraries
// `ldd` lists, the dynamic loader and a writable /tmp), through the container engine's Docker API
// (testcontainers: Docker, or podman's service with DOCKER_HOST=unix:///run/podman/podman.sock).
//
//   npm run testbed:image            build both images
//   npm run testbed:image -- kine    only the named ones
//
// Images (tags :latest and the version of what they run, e.g. :v1.36.3):
//   watchmark-testbed/kube-apiserver  wm-kube-apiserver (kube-apiserver with embedded etcd),
//                                     listening on 0.0.0.0:6443 in the container; see README
//                                     "Real API servers" for its flags, env and mounts.
//   watchmark-testbed/kine            kine on 0.0.0.0:2379, SQLite in /var/lib/kine.
// Exit 2 when the binaries are not built or no engine is reachable; 1 when a build fails.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = process.env.WATCHMARK_TESTBED_BIN ?? path.join(root, 'testbed', 'bin');

/** name -> binary in testbed/bin, the Go module whose version tags the image, entrypoint args, dirs. */
export const TESTBED_IMAGES = [
  {
    name: 'kube-apiserver',
    image: 'watchmark-testbed/kube-apiserver',
    binary: 'wm-kube-apiserver',
    versionOf: 'k8s.io/kubernetes',
    cmd: ['--dir', '/var/lib/watchmark', '--info-file', '/var/lib/watchmark/info.json', '--bind-address', '0.0.0.0', '--port', '6443'],
    port: 6443,
    dirs: ['tmp', 'var/lib/watchmark'],
  },
  {
    name: 'kine',
    image: 'watchmark-testbed/kine',
    binary: 'kine',
    versionOf: 'github.com/k3s-io/kine',
    cmd: [
      '--listen-address=0.0.0.0:2379',
      '--endpoint=sqlite:///var/lib/kine/state.db?_journal=WAL&cache=shared&_busy_timeout=30000',
      '--metrics-bind-address=0',
      '--watch-progress-notify-interval=5s',
    ],
    port: 2379,
    dirs: ['tmp', 'var/lib/kine'],
  },
];

function fail(code, message) {
  console.error(`testbed:image: ${message}`);
  process.exit(code);
}

/** The shared libraries and loader `ldd` lists for `file` (absolute paths); [] for a static binary. */
export function sharedLibraries(lddOutput) {
  const libs = [];
  for (const line of lddOutput.split('\n')) {
    const m = /=>\s+(\/\S+)\s+\(/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m) libs.push(m[1]);
  }
  return libs;
}

/** The version of `module` a Go binary was built with (`go version -m`), or undefined. */
function goModuleVersion(file, module) {
  const res = spawnSync('go', ['version', '-m', file], { encoding: 'utf8' });
  if (res.status !== 0) return undefined;
  const lines = res.stdout.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const cols = lines[i].trim().split(/\s+/);
    if ((cols[0] === 'dep' || cols[0] === 'mod') && cols[1] === module) {
      const replaced = lines[i + 1]?.trim().split(/\s+/);
      return replaced?.[0] === '=>' && /^v\d/.test(replaced[2] ?? '') ? replaced[2] : cols[2];
    }
  }
  return undefined;
}

/** A build context: rootfs/ with the binary, its libraries and dirs, and a Dockerfile. */
function buildContext(spec) {
  const ctx = mkdtempSync(path.join(tmpdir(), `watchmark-image-${spec.name}-`));
  const rootfs = path.join(ctx, 'rootfs');
  const binary = path.join(bin, spec.binary);
  mkdirSync(path.join(rootfs, 'usr/local/bin'), { recursive: true });
  copyFileSync(binary, path.join(rootfs, 'usr/local/bin', spec.binary));
  chmodSync(path.join(rootfs, 'usr/local/bin', spec.binary), 0o755);
  const ldd = spawnSync('ldd', [binary], { encoding: 'utf8' });
  const libs = ldd.status === 0 ? sharedLibraries(ldd.stdout) : [];
  for (const lib of libs) {
    mkdirSync(path.join(rootfs, path.dirname(lib)), { recursive: true });
    copyFileSync(lib, path.join(rootfs, lib)); // follows symlinks: the library's content under the name ldd gave
  }
  for (const dir of spec.dirs) {
    mkdirSync(path.join(rootfs, dir), { recursive: true });
    chmodSync(path.join(rootfs, dir), 0o1777);
  }
  writeFileSync(
    path.join(ctx, 'Dockerfile'),
    [
      'FROM scratch',
      'COPY rootfs/ /',
      `ENTRYPOINT ${JSON.stringify([`/usr/local/bin/${spec.binary}`])}`,
      `CMD ${JSON.stringify(spec.cmd)}`,
      `EXPOSE ${spec.port}`,
      'LABEL dev.watchmark.testbed="true"',
      '',
    ].join('\n'),
  );
  return { ctx, libs };
}

async function main() {
  const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const unknown = only.filter((n) => !TESTBED_IMAGES.some((s) => s.name === n));
  if (unknown.length) fail(2, `unknown image(s) ${unknown.join(', ')} (known: ${TESTBED_IMAGES.map((s) => s.name).join(', ')})`);
  const specs = TESTBED_IMAGES.filter((s) => !only.length || only.includes(s.name));
  const missing = specs.filter((s) => !existsSync(path.join(bin, s.binary))).map((s) => s.binary);
  if (missing.length) fail(2, `testbed binar${missing.length === 1 ? 'y' : 'ies'} not built (${missing.join(', ')}); build with \`npm run testbed:build\` first`);

  const { GenericContainer, getContainerRuntimeClient } = await import('testcontainers');
  let client;
  try {
    client = await getContainerRuntimeClient();
  } catch (err) {
    fail(
      2,
      `no container engine reachable (DOCKER_HOST=${process.env.DOCKER_HOST ?? 'unset'}; tried testcontainers' strategies: ${String(err?.message ?? err).split('\n')[0]}); ` +
        'start Docker, or podman: `podman system service --time=0 unix:///run/podman/podman.sock &` and DOCKER_HOST=unix:///run/podman/podman.sock',
    );
  }
  console.log(`testbed:image: engine at ${client.info.containerRuntime.remoteSocketPath ?? client.info.containerRuntime.host} (server ${client.info.containerRuntime.serverVersion ?? '?'}, ${client.info.containerRuntime.operatingSystem ?? '?'})`);
  let failed = 0;
  for (const spec of specs) {
    const startedMs = Date.now();
    const version = goModuleVersion(path.join(bin, spec.binary), spec.versionOf);
    const { ctx, libs } = buildContext(spec);
    const latest = `${spec.image}:latest`;
    try {
      await GenericContainer.fromDockerfile(ctx).build(latest, { deleteOnExit: false });
      const tags = [latest];
      if (version) {
        await client.container.dockerode.getImage(latest).tag({ repo: spec.image, tag: version });
        tags.push(`${spec.image}:${version}`);
      }
      console.log(
        `testbed:image: built ${tags.join(', ')} (${spec.binary}${libs.length ? ` + ${libs.map((l) => path.basename(l)).join(', ')}` : ', static'}) in ${((Date.now() - startedMs) / 1000).toFixed(1)} s`,
      );
    } catch (err) {
      failed++;
      console.error(`testbed:image: ${spec.name}: build failed: ${String(err?.message ?? err).split('\n')[0]} (details: DEBUG=testcontainers* npm run testbed:image)`);
    } finally {
      rmSync(ctx, { recursive: true, force: true });
    }
  }
  if (failed) process.exit(1);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
