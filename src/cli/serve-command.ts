import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseConfig, ServeConfigSchema } from './config.js';
import { parseDurationMs } from '../units.js';
import { WatchmarkError } from '../errors.js';
import { checkOutputPaths } from '../output-file.js';
import { PROFILES, startEmbeddedServer } from '../server/index.js';
import { writeOutputFile, type CliIo } from './io.js';

interface ServeFlags {
  profile: string;
  bookmarkInterval: string;
  initialEventsEndDelay?: string;
  port: string;
  kubeconfigOut?: string;
  plainHttp: boolean;
  watchList: boolean;
  resourceProfile?: string[];
}

/** `--resource-profile configmaps=kinm` (repeatable) -> { configmaps: 'kinm' }. */
export function parseResourceProfiles(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    if (eq <= 0 || eq === value.length - 1) {
      throw new WatchmarkError('WM_USAGE', `--resource-profile "${value}" is not RESOURCE=PROFILE (e.g. configmaps=kinm)`);
    }
    const resource = value.slice(0, eq).trim();
    if (resource in out) throw new WatchmarkError('WM_USAGE', `--resource-profile names ${resource} twice`);
    out[resource] = value.slice(eq + 1).trim();
  }
  return out;
}

/**
 * `watchmark serve`: runs the embedded server until Ctrl-C. The token only ever goes into the
 * kubeconfig file (mode 0600); a kubeconfig written to the temp dir is removed on exit.
 */
export async function serveCommand(flags: ServeFlags, io: CliIo, signal: AbortSignal): Promise<number> {
  const port = Number(flags.port);
  if (!Number.isInteger(port)) throw new WatchmarkError('WM_USAGE', `--port "${flags.port}" is not a port number`);
  const config = parseConfig(ServeConfigSchema, {
    profile: flags.profile,
    bookmarkIntervalMs: parseDurationMs(flags.bookmarkInterval, '--bookmark-interval'),
    ...(flags.initialEventsEndDelay !== undefined
      ? { initialEventsEndDelayMs: parseDurationMs(flags.initialEventsEndDelay, '--initial-events-end-delay') }
      : {}),
    port,
    tls: !flags.plainHttp,
    ...(flags.kubeconfigOut ? { kubeconfigOut: flags.kubeconfigOut } : {}),
    watchList: flags.watchList,
    resourceProfile: parseResourceProfiles(flags.resourceProfile ?? []),
  });
  // Before the server starts: a bad --kubeconfig-out fails at once, not after the listener is up.
  checkOutputPaths([['--kubeconfig-out', config.kubeconfigOut]]);
  const server = await startEmbeddedServer({
    profile: config.profile,
    bookmarkIntervalMs: config.bookmarkIntervalMs,
    ...(config.initialEventsEndDelayMs !== undefined ? { initialEventsEndDelayMs: config.initialEventsEndDelayMs } : {}),
    port: config.port,
    tls: config.tls,
    watchList: config.watchList,
    resourceOverrides: Object.fromEntries(Object.entries(config.resourceProfile).map(([resource, profile]) => [resource, { profile }])),
  });
  const temporary = !config.kubeconfigOut;
  const kubeconfigFile = config.kubeconfigOut ?? path.join(tmpdir(), `watchmark-serve-${new URL(server.url).port}.kubeconfig`);
  try {
    // 0600 from the start (the kubeconfig holds the token); a device or FIFO is written through, never chmod'ed.
    writeOutputFile(kubeconfigFile, server.kubeconfigYaml(), io, '--kubeconfig-out', { mode: 0o600 });
    const profile = PROFILES.find((p) => p.name === config.profile);
    io.stdout.write(
      [
        `watchmark embedded API server (profile ${config.profile}) listening at ${server.url}`,
        profile ? `  ${profile.description}` : '',
        config.watchList ? '' : '  WatchList feature gate off: sendInitialEvents is answered 422 (kube-apiserver 1.33 default)',
        ...Object.entries(config.resourceProfile).map(([resource, p]) => `  ${resource}: profile ${p}`),
        `  kubeconfig: ${kubeconfigFile}${temporary ? ' (removed when the server stops)' : ''}`,
        `  try: kubectl --kubeconfig ${kubeconfigFile} get configmaps -A`,
        '  press Ctrl-C to stop',
        '',
      ]
        .filter((l) => l !== '')
        .join('\n') + '\n',
    );
    await new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
    return 0;
  } finally {
    await server.stop();
    if (temporary) rmSync(kubeconfigFile, { force: true });
    io.stderr.write('watchmark: server stopped\n');
  }
}
