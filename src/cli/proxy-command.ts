import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { systemClock } from '../clock.js';
import { WatchmarkError } from '../errors.js';
import { checkOutputPaths, describeFsError } from '../output-file.js';
import { parseFaults } from '../proxy/faults.js';
import { startProxy, type ProxyRecordEntry } from '../proxy/proxy-server.js';
import { parseMatcher } from '../proxy/request-match.js';
import { realScheduler } from '../scheduler.js';
import { selectTarget, targetNotice } from '../targets/select.js';
import type { ConnectionFlags } from '../targets/types.js';
import { registeringSecrets } from '../transport/redact.js';
import { parseDurationMs } from '../units.js';
import { ProxyConfigSchema, parseConfig } from './config.js';
import { writeOutputFile, type CliIo } from './io.js';

interface ProxyFlags extends Omit<ConnectionFlags, 'requestTimeoutMs'> {
  listen: string;
  fault?: string[];
  match?: string[];
  matchResource?: string[];
  kubeconfigOut?: string;
  record?: string;
  seed?: string;
  plainHttp: boolean;
  embedded: boolean;
  target?: string;
  profile: string;
  requestTimeout?: string;
  assets?: string;
  image?: string;
  containerPort?: string;
  env?: string[];
  arg?: string[];
  readyPath?: string;
  containerKubeconfig?: string;
}

/** `--listen`: 127.0.0.1:PORT, localhost:PORT, :PORT or PORT; the proxy listens on loopback only. */
export function parseListen(value: string): number {
  const m = /^(?:(127\.0\.0\.1|localhost)?:)?(\d{1,5})$/.exec(value.trim());
  if (!m) {
    const host = value.includes(':') ? value.slice(0, value.lastIndexOf(':')) : value;
    if (value.includes(':') && host !== '' && host !== '127.0.0.1' && host !== 'localhost') {
      throw new WatchmarkError('WM_USAGE', `--listen "${value}": watchmark proxy listens on 127.0.0.1 only (it holds the target's credentials)`);
    }
    throw new WatchmarkError('WM_USAGE', `--listen "${value}" is not 127.0.0.1:PORT (0 = a free port)`);
  }
  const port = Number(m[2]);
  if (port > 65535) throw new WatchmarkError('WM_USAGE', `--listen "${value}": port ${port} is out of range`);
  return port;
}

/**
 * `watchmark proxy`: starts the fault-injecting proxy in front of the target and runs until
 * Ctrl-C. Prints where it listens and a kubeconfig for it (the proxy's own token, 0600; a
 * kubeconfig written to the temp dir is removed on exit), then one line per request a fault
 * touched and per fault applied.
 */
export async function proxyCommand(flags: ProxyFlags, io: CliIo, signal: AbortSignal): Promise<number> {
  const faults = parseFaults(flags.fault ?? []);
  const matcher = parseMatcher(flags.match ?? [], flags.matchResource ?? []);
  const port = parseListen(flags.listen);
  const { listen: _l, fault: _f, match: _m, matchResource: _r, plainHttp, requestTimeout, seed, embedded, ...rest } = flags;
  const config = parseConfig(ProxyConfigSchema, {
    ...rest,
    ...(requestTimeout !== undefined ? { requestTimeoutMs: parseDurationMs(requestTimeout, '--request-timeout') } : {}),
    ...(seed !== undefined ? { seed: /^\d+$/.test(seed) ? Number(seed) : NaN } : {}),
    ...(embedded && rest.target === undefined ? { target: 'embedded' } : {}),
    port,
    tls: !plainHttp,
  });
  checkOutputPaths([['--kubeconfig-out', config.kubeconfigOut], ['--record', config.record]]);
  if (faults.length === 0) io.stderr.write('watchmark: no --fault given: the proxy passes everything through unchanged\n');

  const target = await selectTarget(config, io.env, signal);
  let recordFd: number | undefined;
  let proxy: Awaited<ReturnType<typeof startProxy>> | undefined;
  const temporary = !config.kubeconfigOut;
  let kubeconfigFile: string | undefined;
  try {
    const notice = targetNotice(config, target);
    if (notice) io.stderr.write(`watchmark: ${notice}\n`);
    if (config.record) {
      try {
        // As every other output file: checkOutputPaths accepted it because missing directories are created.
        mkdirSync(path.dirname(config.record), { recursive: true });
        recordFd = openSync(config.record, 'w', 0o600);
      } catch (err) {
        throw new WatchmarkError('WM_OUTPUT', `--record ${config.record}: ${describeFsError(err)}`);
      }
    }
    const redact = io.secrets?.redact ?? ((s: string) => s);
    const fd = recordFd;
    proxy = await startProxy({
      upstream: io.secrets ? registeringSecrets(target.connection, io.secrets) : target.connection,
      faults,
      matcher,
      port: config.port,
      tls: config.tls,
      clock: systemClock(),
      scheduler: realScheduler,
      seed: config.seed,
      requestTimeoutMs: config.requestTimeoutMs,
      log: (line) => io.stdout.write(`proxy: ${line}\n`),
      ...(fd !== undefined ? { record: (entry: ProxyRecordEntry) => writeSync(fd, `${redact(JSON.stringify(entry))}\n`) } : {}),
    });
    kubeconfigFile = config.kubeconfigOut ?? path.join(tmpdir(), `watchmark-proxy-${new URL(proxy.url).port}.kubeconfig`);
    writeOutputFile(kubeconfigFile, proxy.kubeconfigYaml(target.namespace ? { namespace: target.namespace } : {}), io, '--kubeconfig-out', { mode: 0o600 });
    io.stdout.write(
      [
        `watchmark proxy listening at ${proxy.url}, forwarding to ${target.connection.server}`,
        `  faults: ${faults.length > 0 ? faults.map((f) => f.text).join(', ') : 'none (pass-through)'}`,
        `  applied to: ${matcher.kinds.join(', ')} requests${matcher.resources.length > 0 ? ` of ${matcher.resources.join(', ')}` : ''}`,
        `  kubeconfig: ${kubeconfigFile}${temporary ? ' (removed when the proxy stops)' : ''}`,
        `  try: KUBECONFIG=${kubeconfigFile} your-controller   (or kubectl --kubeconfig ${kubeconfigFile} get configmaps -w)`,
        '  press Ctrl-C to stop',
      ].join('\n') + '\n',
    );
    await new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
    return 0;
  } finally {
    await proxy?.stop();
    await target.stop();
    if (recordFd !== undefined) closeSync(recordFd);
    if (temporary && kubeconfigFile) rmSync(kubeconfigFile, { force: true });
    if (proxy) {
      const totals = Object.entries(proxy.totals()).map(([f, n]) => `${f} x${n}`);
      io.stderr.write(`watchmark: proxy stopped; ${proxy.touched().length} request(s) touched${totals.length > 0 ? `; ${totals.join(', ')}` : ''}\n`);
    }
  }
}
