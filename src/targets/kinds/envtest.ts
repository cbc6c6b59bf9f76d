import { execFile } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { WatchmarkError } from '../../errors.js';
import type { Connection } from '../../transport/connection.js';
import {
  assetsProblem,
  ENVTEST_CERT_FILES,
  etcdArgs,
  helpListsFlag,
  kubeApiserverArgs,
  originText,
  resolveEnvtestAssets,
  type PathKind,
} from '../envtest-assets.js';
import { defineTargetKind, type StartedKind } from '../kind.js';
import { forHttpStatus } from '../readiness.js';
import { freePort, testbedDir } from '../testbed.js';

/** The user watchmark authenticates as: an admin through group system:masters, as envtest's admin users are. */
const ENVTEST_USER = { name: 'watchmark', groups: ['system:masters'] } as const;

export interface EnvtestStarted extends StartedKind {
  /** The temp dir holding etcd's data, the certificates and the logs (removed on stop). */
  dir: string;
}

/**
 * The envtest convention (controller-runtime pkg/envtest): the `etcd` and `kube-apiserver`
 * binaries that setup-envtest installs (--assets DIR, else KUBEBUILDER_ASSETS, else
 * /usr/local/kubebuilder/bin; see envtest-assets.ts), started as envtest starts them: etcd on
 * loopback, then kube-apiserver with secure serving only, a serving certificate from its own CA,
 * and client-certificate authentication for an admin in system:masters. watchmark verifies the
 * serving certificate against that CA. `npm run testbed:build` makes such a directory,
 * testbed/bin/envtest, from Go modules.
 */
export const envtestKind = defineTargetKind<'envtest', 'envtest', EnvtestStarted>({
  name: 'envtest',
  help: 'setup-envtest\'s etcd and kube-apiserver, from $KUBEBUILDER_ASSETS',
  source: 'envtest',
  options: ['assets'],
  async start(startup, options) {
    const assets = resolveEnvtestAssets(options.assets, startup.env);
    const problem = assetsProblem(assets, pathKind);
    if (problem) throw new WatchmarkError('WM_TARGET', `--target envtest: ${problem}`, { assetsDir: assets.dir, from: assets.dirFrom });

    const { dir, logs } = testbedDir(startup, 'envtest');
    const dataDir = path.join(dir, 'etcd');
    const certDir = path.join(dir, 'certs');
    mkdirSync(dataDir, { mode: 0o700 });
    mkdirSync(certDir, { mode: 0o700 });

    // etcd (pkg/internal/testing/controlplane/etcd.go): ready when /health answers 200, as envtest's health check.
    const [clientPort, peerPort, securePort] = await threeFreePorts();
    const unsafeNoFsync = helpListsFlag(await helpText(assets.etcd.path), 'unsafe-no-fsync');
    const etcd = startup.spawn('etcd', assets.etcd.path, etcdArgs({ dataDir, clientPort, peerPort, unsafeNoFsync }), path.join(logs, 'etcd.log'));
    const etcdUrl = `http://127.0.0.1:${clientPort}`;
    await startup.waitFor(forHttpStatus('/health', plainConnection(etcdUrl)), etcd);

    // Certificates as envtest makes them (controlplane/apiserver.go populateAPIServerCerts, auth.go
    // CertAuthn): a serving CA and certificate for localhost and 127.0.0.1, a separate key pair for
    // service-account tokens, and a client CA that signs the admin's certificate.
    const { TinyCa } = await import('../../tls/tiny-ca.js');
    const servingCa = new TinyCa('watchmark-envtest-serving-ca');
    const serving = servingCa.issue({ commonName: 'localhost', usage: { serving: { ips: ['127.0.0.1'], dnsNames: ['localhost'] } } });
    const saSigner = new TinyCa('watchmark-envtest-service-accounts');
    const clientCa = new TinyCa('watchmark-envtest-client-ca');
    const client = clientCa.issue({ commonName: ENVTEST_USER.name, organizations: ENVTEST_USER.groups, usage: { client: true } });
    const write = (name: string, pem: string) => writeFileSync(path.join(certDir, name), pem, { mode: 0o600 });
    write(ENVTEST_CERT_FILES.servingCert, serving.certPem);
    write(ENVTEST_CERT_FILES.servingKey, serving.keyPem);
    write(ENVTEST_CERT_FILES.saCert, saSigner.cert.certPem);
    write(ENVTEST_CERT_FILES.saKey, saSigner.cert.keyPem);
    write(ENVTEST_CERT_FILES.clientCa, clientCa.cert.certPem);

    const apiserver = startup.spawn(
      'kube-apiserver',
      assets.kubeApiserver.path,
      kubeApiserverArgs({ certDir, securePort, etcdUrl }),
      path.join(logs, 'kube-apiserver.log'),
    );
    const server = `https://127.0.0.1:${securePort}`;
    const connection: Connection = {
      server,
      tls: { insecureSkipTlsVerify: false, caPem: servingCa.cert.certPem, certPem: client.certPem, keyPem: client.keyPem },
      allowH2: true,
      authHeaders: async () => ({}),
    };
    // envtest polls /healthz; /readyz also waits for the post-start hooks (RBAC bootstrap roles).
    await startup.waitFor(forHttpStatus('/readyz', connection), apiserver);
    return { connection, description: `envtest (etcd and kube-apiserver from ${assets.dir}, ${originText(assets.dirFrom)}) at ${server}`, dir };
  },
});

/** Three ports free on 127.0.0.1 now, all different (two asks in a row may get the same one back). */
async function threeFreePorts(): Promise<[number, number, number]> {
  const ports = new Set<number>();
  while (ports.size < 3) ports.add(await freePort());
  return [...ports] as [number, number, number];
}

function pathKind(p: string): PathKind {
  try {
    return statSync(p).isDirectory() ? 'dir' : 'file';
  } catch {
    return 'missing';
  }
}

/** A binary's --help text (stdout and stderr; its exit code does not matter), bounded to 30 s. */
function helpText(binary: string): Promise<string> {
  return new Promise((resolve) => {
    execFile(binary, ['--help'], { timeout: 30_000, maxBuffer: 8 * 1024 * 1024 }, (_err, stdout, stderr) => resolve(`${stdout}\n${stderr}`));
  });
}

function plainConnection(server: string): Connection {
  return { server, tls: { insecureSkipTlsVerify: false }, allowH2: false, authHeaders: async () => ({}) };
}
