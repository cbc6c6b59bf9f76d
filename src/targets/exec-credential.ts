/**
 * kubeconfig `exec` credential plugins (client.authentication.k8s.io v1 and v1beta1), run by
 * watchmark itself instead of @kubernetes/client-node 1.4, whose ExecAuth spawns the plugin with
 * no timeout and never kills it: a hanging plugin hung watchmark, ignored Ctrl-C and was left
 * running after exit. Here every run of a plugin is bounded (timeout, default 60 s), killed on
 * abort and on timeout (SIGTERM to its process group, then SIGKILL), and registered so that it
 * is killed when watchmark exits whatever the path (child-processes.ts).
 *
 * The protocol, as documented in "client-go credential plugins" (kubernetes.io, authentication):
 * the plugin gets KUBERNETES_EXEC_INFO, an ExecCredential whose spec says `interactive: false`
 * (watchmark gives it no stdin) and, with provideClusterInfo, the cluster; it prints an
 * ExecCredential of the same apiVersion whose status carries a token or a client certificate and
 * key, and optionally an expirationTimestamp until which the credential is reused.
 */
import { spawn } from 'node:child_process';
import { WatchmarkError } from '../errors.js';
import { realScheduler, type Scheduler } from '../scheduler.js';
import { signalChild, trackChild } from './child-processes.js';

export const EXEC_API_VERSIONS = ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1'] as const;
export type ExecApiVersion = (typeof EXEC_API_VERSIONS)[number];

/** How long a plugin may take when no --request-timeout is given. */
export const DEFAULT_EXEC_TIMEOUT_MS = 60_000;
/** Between SIGTERM and SIGKILL of a plugin that is being stopped. */
export const EXEC_KILL_GRACE_MS = 2_000;
/** A plugin's stdout beyond this is not a credential. */
const MAX_OUTPUT_BYTES = 1024 * 1024;

/** The `exec` section of a kubeconfig user, as @kubernetes/client-node parses it (camelCase keys). */
export interface ExecConfig {
  apiVersion?: string;
  command?: string;
  args?: string[];
  env?: Array<{ name: string; value: string }> | null;
  installHint?: string;
  provideClusterInfo?: boolean;
}

/** What provideClusterInfo hands the plugin (the kubeconfig cluster, with CA data base64 as in a kubeconfig). */
export interface ExecClusterInfo {
  server: string;
  'tls-server-name'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'certificate-authority-data'?: string;
  'proxy-url'?: string;
  config?: unknown;
}

export interface ExecCredential {
  token?: string;
  clientCertificateData?: string;
  clientKeyData?: string;
  /** Epoch ms; absent: the credential is derived again on the next call. */
  expiresAtWallMs?: number;
}

export interface ExecCredentialOptions {
  /** Kills a plugin still running and fails the call with WM_ABORTED. */
  signal?: AbortSignal;
  /** Per run of the plugin; default DEFAULT_EXEC_TIMEOUT_MS. */
  timeoutMs?: number;
  cluster?: ExecClusterInfo;
  /** Environment the plugin inherits (plus the kubeconfig's env entries). */
  env?: NodeJS.ProcessEnv;
  /** Times the plugin's timeout and its SIGTERM-to-SIGKILL grace; default realScheduler. */
  scheduler?: Scheduler;
  /** Wall clock for expirationTimestamp (injected for tests). */
  nowWallMs?: () => number;
  /** Where the kubeconfig came from, for messages. */
  origin?: string;
}

/**
 * One user's plugin: `get()` answers the cached credential while it has not expired, else runs
 * the plugin (one run at a time: concurrent callers share it).
 */
export class ExecCredentialProvider {
  private cached: ExecCredential | undefined;
  private pending: Promise<ExecCredential> | undefined;
  readonly apiVersion: ExecApiVersion;
  readonly command: string;

  constructor(
    private readonly exec: ExecConfig,
    private readonly options: ExecCredentialOptions = {},
  ) {
    const origin = options.origin ? ` in ${options.origin}` : '';
    if (!exec.command) throw new WatchmarkError('WM_KUBECONFIG', `exec credential plugin${origin} has no command`);
    this.command = exec.command;
    if (!EXEC_API_VERSIONS.includes(exec.apiVersion as ExecApiVersion)) {
      throw new WatchmarkError(
        'WM_KUBECONFIG',
        `exec credential plugin ${exec.command}${origin}: apiVersion "${exec.apiVersion ?? ''}" is not supported (use ${EXEC_API_VERSIONS.join(' or ')})`,
      );
    }
    this.apiVersion = exec.apiVersion as ExecApiVersion;
  }

  async get(): Promise<ExecCredential> {
    const now = (this.options.nowWallMs ?? Date.now)();
    if (this.cached?.expiresAtWallMs !== undefined && now < this.cached.expiresAtWallMs) return this.cached;
    if (!this.pending) {
      this.pending = this.run().finally(() => (this.pending = undefined));
    }
    const credential = await this.pending;
    this.cached = credential;
    return credential;
  }

  /** Authorization header for a token credential ({} when the plugin gave a client certificate only). */
  async headers(): Promise<Record<string, string>> {
    const credential = await this.get();
    return credential.token ? { authorization: `Bearer ${credential.token}` } : {};
  }

  private run(): Promise<ExecCredential> {
    const { signal } = this.options;
    const timeoutMs = this.options.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
    const scheduler = this.options.scheduler ?? realScheduler;
    const name = this.describe();
    if (signal?.aborted) return Promise.reject(new WatchmarkError('WM_ABORTED', `interrupted before running ${name}`));
    const env: NodeJS.ProcessEnv = { ...(this.options.env ?? process.env) };
    for (const entry of this.exec.env ?? []) env[entry.name] = entry.value;
    env.KUBERNETES_EXEC_INFO = JSON.stringify(this.execInfo());

    return new Promise<ExecCredential>((resolve, reject) => {
      const child = spawn(this.command, this.exec.args ?? [], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      trackChild(child);
      const stdout: Buffer[] = [];
      let stdoutBytes = 0;
      let stderr = '';
      let settled = false;
      let cancelKill: () => void = () => {};
      const finish = (outcome: { ok: ExecCredential } | { error: WatchmarkError }) => {
        if (settled) return;
        settled = true;
        cancelTimeout();
        signal?.removeEventListener('abort', onAbort);
        if ('ok' in outcome) resolve(outcome.ok);
        else reject(outcome.error);
      };
      const stop = (error: WatchmarkError) => {
        finish({ error });
        signalChild(child, 'SIGTERM');
        cancelKill = scheduler.after(EXEC_KILL_GRACE_MS, () => signalChild(child, 'SIGKILL'));
      };
      const onAbort = () => stop(new WatchmarkError('WM_ABORTED', `interrupted while running ${name}`));
      signal?.addEventListener('abort', onAbort, { once: true });
      const cancelTimeout = scheduler.after(timeoutMs, () =>
        stop(new WatchmarkError('WM_AUTH', `${name} did not answer within ${formatMs(timeoutMs)}; stopped it`, { command: this.command, timeoutMs })),
      );
      child.stdout!.on('data', (chunk: Buffer) => {
        stdoutBytes += chunk.length;
        if (stdoutBytes > MAX_OUTPUT_BYTES) return stop(new WatchmarkError('WM_AUTH', `${name} printed more than ${MAX_OUTPUT_BYTES} bytes`));
        stdout.push(chunk);
      });
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (chunk: string) => {
        if (stderr.length < 4096) stderr += chunk;
      });
      child.once('error', (err: NodeJS.ErrnoException) => {
        const hint = err.code === 'ENOENT' && this.exec.installHint ? ` (${oneLine(this.exec.installHint)})` : '';
        finish({ error: new WatchmarkError('WM_AUTH', `cannot run ${name}: ${err.code === 'ENOENT' ? 'command not found' : err.message}${hint}`) });
      });
      child.once('close', (code, exitSignal) => {
        cancelKill();
        if (settled) return;
        if (code !== 0) {
          const said = oneLine(stderr);
          finish({
            error: new WatchmarkError('WM_AUTH', `${name} failed (${code === null ? `signal ${exitSignal}` : `exit code ${code}`})${said ? `: ${said}` : ''}`),
          });
          return;
        }
        try {
          finish({ ok: this.parse(Buffer.concat(stdout).toString('utf8')) });
        } catch (err) {
          finish({ error: err as WatchmarkError });
        }
      });
    });
  }

  private describe(): string {
    return `exec credential plugin "${this.command}"${this.options.origin ? ` (${this.options.origin})` : ''}`;
  }

  private execInfo(): Record<string, unknown> {
    const spec: Record<string, unknown> = { interactive: false };
    if (this.exec.provideClusterInfo && this.options.cluster) spec.cluster = this.options.cluster;
    return { apiVersion: this.apiVersion, kind: 'ExecCredential', spec };
  }

  /** The plugin's answer; never quotes it (it holds the credential). */
  private parse(text: string): ExecCredential {
    const name = this.describe();
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new WatchmarkError('WM_AUTH', `${name} did not print an ExecCredential (not JSON)`);
    }
    const obj = (value && typeof value === 'object' ? value : {}) as { apiVersion?: unknown; kind?: unknown; status?: unknown };
    if (obj.kind !== 'ExecCredential') throw new WatchmarkError('WM_AUTH', `${name} printed kind "${String(obj.kind ?? '')}", not ExecCredential`);
    if (obj.apiVersion !== this.apiVersion) {
      throw new WatchmarkError('WM_AUTH', `${name} answered apiVersion "${String(obj.apiVersion ?? '')}" to a ${this.apiVersion} request`);
    }
    const status = (obj.status && typeof obj.status === 'object' ? obj.status : {}) as Record<string, unknown>;
    const str = (key: string) => (typeof status[key] === 'string' && status[key] !== '' ? (status[key] as string) : undefined);
    const token = str('token');
    const cert = str('clientCertificateData');
    const key = str('clientKeyData');
    if (!token && !(cert && key)) {
      throw new WatchmarkError('WM_AUTH', `${name} gave neither a token nor a client certificate and key`);
    }
    if ((cert && !key) || (key && !cert)) {
      throw new WatchmarkError('WM_AUTH', `${name} gave a client ${cert ? 'certificate without its key' : 'key without its certificate'}`);
    }
    const expiry = str('expirationTimestamp');
    let expiresAtWallMs: number | undefined;
    if (expiry) {
      expiresAtWallMs = Date.parse(expiry);
      if (Number.isNaN(expiresAtWallMs)) throw new WatchmarkError('WM_AUTH', `${name} gave an expirationTimestamp that is not a time: "${expiry}"`);
    }
    return {
      ...(token ? { token } : {}),
      ...(cert ? { clientCertificateData: cert } : {}),
      ...(key ? { clientKeyData: key } : {}),
      ...(expiresAtWallMs !== undefined ? { expiresAtWallMs } : {}),
    };
  }
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 300);
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
