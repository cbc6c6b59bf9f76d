import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rejection } from '../../test/support/rejection.js';
import { assetsProblem, ENVTEST_DEFAULT_ASSETS, etcdArgs, helpListsFlag, kubeApiserverArgs, resolveEnvtestAssets, type PathKind } from './envtest-assets.js';
import { selectTarget, type TargetSelection } from './select.js';

const CWD = '/work/project';

describe('resolveEnvtestAssets: where envtest looks for etcd and kube-apiserver', () => {
  it('--assets first, relative to the working directory, over KUBEBUILDER_ASSETS and the TEST_ASSET_* overrides', () => {
    const assets = resolveEnvtestAssets('testbed/bin/envtest', { KUBEBUILDER_ASSETS: '/k8s/1.37', TEST_ASSET_ETCD: '/opt/etcd' }, CWD);
    expect(assets).toEqual({
      dir: '/work/project/testbed/bin/envtest',
      dirFrom: '--assets',
      etcd: { name: 'etcd', path: '/work/project/testbed/bin/envtest/etcd', from: '--assets' },
      kubeApiserver: { name: 'kube-apiserver', path: '/work/project/testbed/bin/envtest/kube-apiserver', from: '--assets' },
    });
  });

  it('else KUBEBUILDER_ASSETS, as `setup-envtest use -p path` prints it', () => {
    const assets = resolveEnvtestAssets(undefined, { KUBEBUILDER_ASSETS: '/home/me/.local/share/kubebuilder-envtest/k8s/1.37.2-linux-amd64' }, CWD);
    expect(assets.dirFrom).toBe('KUBEBUILDER_ASSETS');
    expect(assets.kubeApiserver).toEqual({ name: 'kube-apiserver', path: '/home/me/.local/share/kubebuilder-envtest/k8s/1.37.2-linux-amd64/kube-apiserver', from: 'KUBEBUILDER_ASSETS' });
  });

  it('else controller-runtime\'s default /usr/local/kubebuilder/bin (an empty KUBEBUILDER_ASSETS counts as unset, as in envtest)', () => {
    for (const env of [{}, { KUBEBUILDER_ASSETS: '' }]) {
      const assets = resolveEnvtestAssets(undefined, env, CWD);
      expect([assets.dir, assets.dirFrom, assets.etcd.path]).toEqual([ENVTEST_DEFAULT_ASSETS, 'default', '/usr/local/kubebuilder/bin/etcd']);
    }
  });

  it('TEST_ASSET_ETCD and TEST_ASSET_KUBE_APISERVER replace one binary each', () => {
    const assets = resolveEnvtestAssets(undefined, { KUBEBUILDER_ASSETS: '/k8s', TEST_ASSET_KUBE_APISERVER: 'bin/my-fork-apiserver' }, CWD);
    expect(assets.etcd).toEqual({ name: 'etcd', path: '/k8s/etcd', from: 'KUBEBUILDER_ASSETS' });
    expect(assets.kubeApiserver).toEqual({ name: 'kube-apiserver', path: '/work/project/bin/my-fork-apiserver', from: 'TEST_ASSET_KUBE_APISERVER' });
  });
});

describe('assetsProblem: one line naming the path looked at and where it came from', () => {
  const fs = (entries: Record<string, PathKind>) => (p: string): PathKind => entries[p] ?? 'missing';

  it('a missing directory, with the way to get one', () => {
    const problem = assetsProblem(resolveEnvtestAssets('missing', {}, CWD), fs({}));
    expect(problem).toBe(
      'the envtest assets directory /work/project/missing (from --assets) does not exist; point --assets or KUBEBUILDER_ASSETS at a directory with etcd and kube-apiserver (`setup-envtest use -p path` prints one; `npm run testbed:build` makes testbed/bin/envtest)',
    );
    expect(problem).not.toContain('\n');
    expect(assetsProblem(resolveEnvtestAssets(undefined, {}, CWD), fs({}))).toMatch(/^the envtest assets directory \/usr\/local\/kubebuilder\/bin \(controller-runtime's default, KUBEBUILDER_ASSETS being unset\) does not exist; /);
    expect(assetsProblem(resolveEnvtestAssets(undefined, { KUBEBUILDER_ASSETS: '/k8s' }, CWD), fs({ '/k8s': 'file' }))).toMatch(/^the envtest assets directory \/k8s \(from KUBEBUILDER_ASSETS\) is not a directory; /);
  });

  it('a missing binary, each named with its origin', () => {
    const assets = resolveEnvtestAssets(undefined, { KUBEBUILDER_ASSETS: '/k8s', TEST_ASSET_ETCD: '/opt/etcd' }, CWD);
    expect(assetsProblem(assets, fs({ '/k8s': 'dir' }))).toMatch(/^no etcd at \/opt\/etcd \(from TEST_ASSET_ETCD\) and no kube-apiserver at \/k8s\/kube-apiserver \(from KUBEBUILDER_ASSETS\); point --assets/);
    expect(assetsProblem(assets, fs({ '/k8s': 'dir', '/opt/etcd': 'file', '/k8s/kube-apiserver': 'file' }))).toBeUndefined();
  });

  it('both binaries named by TEST_ASSET_*: the directory is not needed', () => {
    const assets = resolveEnvtestAssets(undefined, { TEST_ASSET_ETCD: '/a/etcd', TEST_ASSET_KUBE_APISERVER: '/b/kube-apiserver' }, CWD);
    expect(assetsProblem(assets, fs({ '/a/etcd': 'file', '/b/kube-apiserver': 'file' }))).toBeUndefined();
  });
});

describe('the flags envtest starts its processes with', () => {
  it('etcd: client and peer URLs on loopback, the data dir, no fsync only where etcd has the flag', () => {
    const launch = { dataDir: '/t/etcd', clientPort: 2379, peerPort: 2380 };
    expect(etcdArgs({ ...launch, unsafeNoFsync: true })).toEqual([
      '--data-dir=/t/etcd',
      '--listen-client-urls=http://127.0.0.1:2379',
      '--advertise-client-urls=http://127.0.0.1:2379',
      '--listen-peer-urls=http://127.0.0.1:2380',
      '--unsafe-no-fsync=true',
    ]);
    expect(etcdArgs({ ...launch, unsafeNoFsync: false })).not.toContain('--unsafe-no-fsync=true');
  });

  it('kube-apiserver: secure serving on 127.0.0.1 only, client-certificate authn, RBAC, service-account keys in the cert dir', () => {
    expect(kubeApiserverArgs({ certDir: '/t/certs', securePort: 6443, etcdUrl: 'http://127.0.0.1:2379' })).toEqual([
      '--bind-address=127.0.0.1',
      '--secure-port=6443',
      '--cert-dir=/t/certs',
      '--client-ca-file=/t/certs/client-cert-auth-ca.crt',
      '--etcd-servers=http://127.0.0.1:2379',
      '--service-cluster-ip-range=10.0.0.0/24',
      '--allow-privileged=true',
      '--disable-admission-plugins=ServiceAccount',
      '--authorization-mode=RBAC',
      '--service-account-issuer=https://127.0.0.1:6443/',
      '--service-account-key-file=/t/certs/sa-signer.crt',
      '--service-account-signing-key-file=/t/certs/sa-signer.key',
    ]);
  });

  it('helpListsFlag finds a flag in a --help text, not a longer flag that starts with it', () => {
    const help = '      --unsafe-no-fsync   Disables fsync, unsafe, will cause data loss.\n  --data-dir \'${name}.etcd\'';
    expect(helpListsFlag(help, 'unsafe-no-fsync')).toBe(true);
    expect(helpListsFlag(help, 'data-dir')).toBe(true);
    expect(helpListsFlag(help, 'unsafe')).toBe(false);
    expect(helpListsFlag('', 'unsafe-no-fsync')).toBe(false);
  });
});

describe('--target envtest through selectTarget', () => {
  const selection = (extra: Partial<TargetSelection>): TargetSelection => ({ profile: 'reference', ...extra });
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('--assets for any other target, or none, is a usage error before anything starts', async () => {
    expect((await rejection(selectTarget(selection({ assets: '/x' }), {}))).message).toBe('--assets applies to --target envtest');
    const kine = await rejection(selectTarget(selection({ target: 'kine', assets: '/x' }), {}));
    expect([kine.code, kine.message]).toEqual(['WM_USAGE', '--assets applies to --target envtest, not --target kine']);
    expect((await rejection(selectTarget(selection({ embedded: true, assets: '/x' }), {}))).message).toBe('--assets applies to --target envtest, not --target embedded');
  });

  it('a missing assets directory or binary fails with WM_TARGET, naming the path and where it came from', async () => {
    const missing = await rejection(selectTarget(selection({ target: 'envtest', assets: '/nonexistent/envtest' }), {}));
    expect(missing.code).toBe('WM_TARGET');
    expect(missing.message).toMatch(/^--target envtest: the envtest assets directory \/nonexistent\/envtest \(from --assets\) does not exist; .*`npm run testbed:build` makes testbed\/bin\/envtest\)$/);
    const dir = mkdtempSync(path.join(tmpdir(), 'watchmark-assets-test-'));
    dirs.push(dir);
    mkdirSync(path.join(dir, 'kube-apiserver'));
    writeFileSync(path.join(dir, 'etcd'), '');
    const noApiserver = await rejection(selectTarget(selection({ target: 'envtest' }), { KUBEBUILDER_ASSETS: dir }));
    expect(noApiserver.message).toMatch(new RegExp(`^--target envtest: no kube-apiserver at ${dir}/kube-apiserver \\(from KUBEBUILDER_ASSETS\\); `));
  });
});
