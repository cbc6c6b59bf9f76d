import path from 'node:path';

/**
 * The envtest convention, as controller-runtime reads it (pkg/envtest/server.go: Start and
 * getBinAssetPath): a directory holding the `etcd` and `kube-apiserver` binaries that
 * setup-envtest installs, named by KUBEBUILDER_ASSETS, else /usr/local/kubebuilder/bin; each binary
 * can be overridden alone by TEST_ASSET_ETCD / TEST_ASSET_KUBE_APISERVER
 * (pkg/internal/testing/process/bin_path_finder.go). watchmark's `--assets DIR` is an explicit
 * choice on the command line, so it wins over all of them. Pure: the file checks are injected.
 */

/** controller-runtime's default assets directory (pkg/envtest/server.go defaultKubebuilderPath). */
export const ENVTEST_DEFAULT_ASSETS = '/usr/local/kubebuilder/bin';

/** Where the assets directory was named. */
export type AssetsDirOrigin = '--assets' | 'KUBEBUILDER_ASSETS' | 'default';

export interface EnvtestBinary {
  name: 'etcd' | 'kube-apiserver';
  path: string;
  /** The directory's origin, or the TEST_ASSET_* variable that named this binary alone. */
  from: AssetsDirOrigin | 'TEST_ASSET_ETCD' | 'TEST_ASSET_KUBE_APISERVER';
}

export interface EnvtestAssets {
  dir: string;
  dirFrom: AssetsDirOrigin;
  etcd: EnvtestBinary;
  kubeApiserver: EnvtestBinary;
}

const OVERRIDES = { etcd: 'TEST_ASSET_ETCD', 'kube-apiserver': 'TEST_ASSET_KUBE_APISERVER' } as const;

/** Where the two binaries are, and where each path came from (relative paths against `cwd`). */
export function resolveEnvtestAssets(assetsFlag: string | undefined, env: NodeJS.ProcessEnv, cwd = process.cwd()): EnvtestAssets {
  const [given, dirFrom]: [string, AssetsDirOrigin] =
    assetsFlag !== undefined ? [assetsFlag, '--assets'] : env.KUBEBUILDER_ASSETS ? [env.KUBEBUILDER_ASSETS, 'KUBEBUILDER_ASSETS'] : [ENVTEST_DEFAULT_ASSETS, 'default'];
  const dir = path.resolve(cwd, given);
  const binary = (name: EnvtestBinary['name']): EnvtestBinary => {
    const override = env[OVERRIDES[name]];
    if (assetsFlag === undefined && override) return { name, path: path.resolve(cwd, override), from: OVERRIDES[name] };
    return { name, path: path.join(dir, name), from: dirFrom };
  };
  return { dir, dirFrom, etcd: binary('etcd'), kubeApiserver: binary('kube-apiserver') };
}

export type PathKind = 'file' | 'dir' | 'missing';

/** "from --assets", "from KUBEBUILDER_ASSETS", or that it is the default because KUBEBUILDER_ASSETS is unset. */
export function originText(from: EnvtestBinary['from']): string {
  return from === 'default' ? 'controller-runtime\'s default, KUBEBUILDER_ASSETS being unset' : `from ${from}`;
}

const WHERE_FROM = 'point --assets or KUBEBUILDER_ASSETS at a directory with etcd and kube-apiserver (`setup-envtest use -p path` prints one; `npm run testbed:build` makes testbed/bin/envtest)';

/** Why the assets cannot be used (one line, naming the path looked at and its origin); undefined when both binaries are there. */
export function assetsProblem(assets: EnvtestAssets, kindOf: (p: string) => PathKind): string | undefined {
  const fromDir = [assets.etcd, assets.kubeApiserver].some((b) => b.from === assets.dirFrom);
  if (fromDir && kindOf(assets.dir) !== 'dir') {
    return `the envtest assets directory ${assets.dir} (${originText(assets.dirFrom)}) ${kindOf(assets.dir) === 'missing' ? 'does not exist' : 'is not a directory'}; ${WHERE_FROM}`;
  }
  const missing = [assets.etcd, assets.kubeApiserver].filter((b) => kindOf(b.path) !== 'file');
  if (missing.length === 0) return undefined;
  return `no ${missing.map((b) => `${b.name} at ${b.path} (${originText(b.from)})`).join(' and no ')}; ${WHERE_FROM}`;
}

/** Whether a binary's --help text lists `flag` (controller-runtime's process.State.CheckFlag does the same). */
export function helpListsFlag(helpText: string, flag: string): boolean {
  return new RegExp(`(^|\\s)--${flag.replace(/[-]/g, '\\-')}(?=[\\s=]|$)`, 'm').test(helpText);
}

export interface EtcdLaunch {
  dataDir: string;
  clientPort: number;
  peerPort: number;
  /** --unsafe-no-fsync exists (etcd >= 3.5). */
  unsafeNoFsync: boolean;
}

/**
 * etcd's flags as envtest sets them (pkg/internal/testing/controlplane/etcd.go defaultArgs): client
 * and peer URLs on a free loopback port each, a data dir, and no fsync where etcd has the flag.
 */
export function etcdArgs(launch: EtcdLaunch): string[] {
  const client = `http://127.0.0.1:${launch.clientPort}`;
  return [
    `--data-dir=${launch.dataDir}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=http://127.0.0.1:${launch.peerPort}`,
    ...(launch.unsafeNoFsync ? ['--unsafe-no-fsync=true'] : []),
  ];
}

/** The files envtest writes into kube-apiserver's cert dir (controlplane/apiserver.go, auth.go). */
export const ENVTEST_CERT_FILES = {
  servingCert: 'apiserver.crt',
  servingKey: 'apiserver.key',
  saCert: 'sa-signer.crt',
  saKey: 'sa-signer.key',
  clientCa: 'client-cert-auth-ca.crt',
} as const;

export interface KubeApiserverLaunch {
  certDir: string;
  securePort: number;
  etcdUrl: string;
}

/**
 * kube-apiserver's flags as envtest sets them (pkg/internal/testing/controlplane/apiserver.go
 * defaultArgs, plus --client-ca-file from auth.go CertAuthn.Configure): secure serving only, on
 * 127.0.0.1 and a free port, the serving certificate it finds in --cert-dir, service-account keys,
 * RBAC, and the ServiceAccount admission plugin off (no controller-manager creates the default
 * service accounts). No --advertise-address, as envtest: kube-apiserver advertises the host's
 * address in the `kubernetes` Endpoints (it listens only on 127.0.0.1); 1.37 refuses 127.0.0.1
 * there ("may not be in the loopback range") while its endpoint reconciler is on.
 */
export function kubeApiserverArgs(launch: KubeApiserverLaunch): string[] {
  const file = (name: string) => path.join(launch.certDir, name);
  return [
    `--bind-address=127.0.0.1`,
    `--secure-port=${launch.securePort}`,
    `--cert-dir=${launch.certDir}`,
    `--client-ca-file=${file(ENVTEST_CERT_FILES.clientCa)}`,
    `--etcd-servers=${launch.etcdUrl}`,
    `--service-cluster-ip-range=10.0.0.0/24`,
    `--allow-privileged=true`,
    `--disable-admission-plugins=ServiceAccount`,
    `--authorization-mode=RBAC`,
    `--service-account-issuer=https://127.0.0.1:${launch.securePort}/`,
    `--service-account-key-file=${file(ENVTEST_CERT_FILES.saCert)}`,
    `--service-account-signing-key-file=${file(ENVTEST_CERT_FILES.saKey)}`,
  ];
}
