import { randomBytes } from 'node:crypto';
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { WatchmarkError } from '../../errors.js';
import type { Connection } from '../../transport/connection.js';
import type { ContainerSpec, CredentialFile } from '../container-options.js';
import type { RunningContainer } from '../container-engine.js';
import { defineTargetKind, type StartedKind, type Startup } from '../kind.js';
import { forHttpStatus, pollingStrategy } from '../readiness.js';

export interface ContainerStarted extends StartedKind {
  containerId: string;
}

/** The options a container kind takes (kind.ts TargetKindOptions). */
export const CONTAINER_OPTIONS = ['image', 'containerPort', 'env', 'arg', 'readyPath', 'containerKubeconfig'] as const;

/**
 * `--target container --image IMAGE`: an API server's container image (a fork's, or the testbed's
 * from `npm run testbed:image`) started through testcontainers on Docker or podman, its port
 * published on 127.0.0.1 only. Credentials: watchmark generates a CA, a serving certificate for
 * 127.0.0.1/localhost and an admin token, mounts them read-only in /watchmark (container-options.ts
 * CREDENTIAL_FILES, with WATCHMARK_* variables naming them) and verifies TLS against that CA; or,
 * with --container-kubeconfig PATH, uses the kubeconfig the container writes there. Ready when GET
 * --ready-path answers 200; removed on stop, on a failed start and on Ctrl-C.
 */
export const containerKind = defineTargetKind<'container', 'container', ContainerStarted>({
  name: 'container',
  help: 'an API server\'s container image through Docker or podman (testcontainers)',
  source: 'container',
  options: CONTAINER_OPTIONS,
  async start(startup, options) {
    // Loaded on start: the registry (and so --help) stays free of yaml, node-forge and testcontainers.
    const { CREDENTIALS_DIR, containerSpec, credentialEnv } = await import('../container-options.js');
    const spec = containerSpec(options);
    const { runContainer } = await import('../container-engine.js');
    const credentials = spec.containerKubeconfig === undefined ? await writeCredentials(startup) : undefined;
    const container = await runContainer(startup, {
      target: 'container',
      image: spec.image,
      containerPort: spec.containerPort,
      env: { ...(credentials ? credentialEnv() : {}), ...spec.env },
      command: spec.command,
      ...(credentials ? { binds: [{ source: credentials.dir, target: CREDENTIALS_DIR, mode: 'ro' as const }] } : {}),
    });
    const server = `https://127.0.0.1:${container.hostPort}`;
    return withLogTail(container, async () => {
      const connection = credentials ? credentialConnection(server, credentials) : await kubeconfigConnection(startup, container, spec, server);
      await startup.waitFor(forHttpStatus(spec.readyPath, connection), container);
      return { connection, description: `container ${spec.image} (${container.id.slice(0, 12)}) at ${server}`, containerId: container.id };
    });
  },
});

interface Credentials {
  dir: string;
  caPem: string;
  token: string;
}

/**
 * The CA, serving certificate and token, in a fresh temp dir (removed on stop). Readable by all
 * (dir 0755, files 0644): images often run as a non-root user (distroless: 65532), and these are
 * throwaway credentials of a server that listens on 127.0.0.1 for one run.
 */
async function writeCredentials(startup: Startup): Promise<Credentials & { files: Record<CredentialFile, string> }> {
  const { generateSelfSignedTls } = await import('../../tls/self-signed.js');
  const { tokenAuthCsv } = await import('../container-options.js');
  const dir = startup.tempDir('watchmark-container-');
  chmodSync(dir, 0o755);
  const tls = generateSelfSignedTls('watchmark-container');
  const token = randomBytes(24).toString('hex');
  const files: Record<CredentialFile, string> = {
    'ca.crt': tls.caCertPem,
    'tls.crt': tls.certPem + tls.caCertPem,
    'tls.key': tls.keyPem,
    token: `${token}\n`,
    'tokens.csv': tokenAuthCsv(token),
  };
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content, { mode: 0o644 });
  return { dir, caPem: tls.caCertPem, token, files };
}

function credentialConnection(server: string, credentials: Credentials): Connection {
  return {
    server,
    tls: { insecureSkipTlsVerify: false, caPem: credentials.caPem },
    allowH2: true,
    authHeaders: async (): Promise<Record<string, string>> => ({ authorization: `Bearer ${credentials.token}` }),
  };
}

/** Waits for the kubeconfig the container writes, then connects through it (pointed at the mapped port). */
async function kubeconfigConnection(startup: Startup, container: RunningContainer, spec: ContainerSpec, server: string): Promise<Connection> {
  const inside = spec.containerKubeconfig!;
  const text = await startup.waitFor(
    pollingStrategy<string>(`the container's kubeconfig (${inside}) to be written`, 200, async () => {
      const content = await container.readFile(inside);
      return content?.trim() ? { ready: true, value: content } : { ready: false, last: content === undefined ? 'no file yet' : 'empty' };
    }),
    container,
  );
  const { connectThroughKubeconfig } = await import('../container-engine.js');
  return connectThroughKubeconfig(startup, text, server, `--container-kubeconfig ${inside}`);
}

/** Runs `body`; a failure other than Ctrl-C gets the container's last log lines (as a process's log tail). */
async function withLogTail<T>(container: RunningContainer, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof WatchmarkError && err.code !== 'WM_ABORTED') {
      throw new WatchmarkError(err.code, `${err.message}\n${await container.logTail()}`, err.details, { cause: err });
    }
    throw err;
  }
}
