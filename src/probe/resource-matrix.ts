/**
 * `watchmark run --all-resources` as a library call: discover every listable and watchable
 * resource, send each one the watch-list probe (bounded concurrency, each watch closed as soon as
 * its answer is known), classify, and stop the target — also on Ctrl-C (`signal`) and on errors.
 * Read-only: creates nothing on the target.
 */
import { systemClock, type Clock } from '../clock.js';
import { listWatchableResources, qualifiedName } from '../discovery/list-resources.js';
import { discoveryWithSignal, type ResolvedResource } from '../discovery/resolve-resource.js';
import { WatchmarkError } from '../errors.js';
import { describeTarget } from '../targets/describe.js';
import { withTargetClient, type TargetSelection } from '../targets/select.js';
import type { TargetClient } from '../transport/client.js';
import type { SecretRegistry } from '../transport/redact.js';
import { classifyWatchListProbe } from './classify.js';
import { buildResourceMatrix, type ResourceMatrix, type ResourceMatrixRow } from './matrix-model.js';
import { MATRIX_PROBE_TIMEOUT_MS, probeWatchList, type WatchListProbe } from './watch-list-probe.js';

/** Probes in flight at once: enough to finish a cluster's ~60 resources in seconds, few enough not to load it. */
export const DEFAULT_PROBE_CONCURRENCY = 6;

export interface ProbeResourcesOptions {
  clock: Clock;
  probeTimeoutMs: number;
  concurrency?: number;
  namespace?: string;
  signal?: AbortSignal;
  onProbe?: (probe: WatchListProbe) => void;
}

/** Probes every resource, at most `concurrency` at a time; results in the order of `resources`. */
export async function probeResources(client: TargetClient, resources: ResolvedResource[], options: ProbeResourcesOptions): Promise<WatchListProbe[]> {
  const results: WatchListProbe[] = new Array(resources.length);
  let next = 0;
  const worker = async () => {
    while (next < resources.length && !options.signal?.aborted) {
      const index = next++;
      const probe = await probeWatchList(client, resources[index]!, {
        clock: options.clock,
        probeTimeoutMs: options.probeTimeoutMs,
        id: `watch-list-probe#${index + 1}`,
        ...(options.namespace ? { namespace: options.namespace } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      results[index] = probe;
      options.onProbe?.(probe);
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? DEFAULT_PROBE_CONCURRENCY, resources.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return results;
}

export function matrixRow(probe: WatchListProbe): ResourceMatrixRow {
  const { resource } = probe;
  const verdict = classifyWatchListProbe(probe.stream, probe.probeTimeoutMs);
  return {
    name: qualifiedName(resource),
    resource: resource.resource,
    group: resource.group,
    version: resource.version,
    kind: resource.kind,
    namespaced: resource.namespaced,
    path: probe.stream.request.path,
    ...verdict,
  };
}

/** What the matrix needs from `run`'s config: the target, and optionally the wait and a namespace. */
export interface ResourceMatrixConfig extends TargetSelection {
  /** Default MATRIX_PROBE_TIMEOUT_MS (10 s). */
  probeTimeoutMs?: number;
}

export async function runResourceMatrix(
  config: ResourceMatrixConfig,
  options: { env?: NodeJS.ProcessEnv; signal?: AbortSignal; clock?: Clock; concurrency?: number; notice?: (line: string) => void; secrets?: SecretRegistry } = {},
): Promise<ResourceMatrix> {
  const clock = options.clock ?? systemClock();
  const signal = options.signal ?? new AbortController().signal;
  const probeTimeoutMs = config.probeTimeoutMs ?? MATRIX_PROBE_TIMEOUT_MS;
  const concurrency = options.concurrency ?? DEFAULT_PROBE_CONCURRENCY;
  const startedAtMs = clock.nowMs();
  return withTargetClient(config, { env: options.env ?? process.env, signal, clock, ...(options.notice ? { notice: options.notice } : {}), ...(options.secrets ? { secrets: options.secrets } : {}) }, async (target, client) => {
    const targetInfo = await describeTarget(client, target, signal);
    const inventory = await listWatchableResources(discoveryWithSignal(client, signal));
    options.notice?.(
      `probing ${inventory.resources.length} listable and watchable resources with a watch-list request each (${concurrency} at a time, up to ${probeTimeoutMs / 1000} s each)`,
    );
    const probes = await probeResources(client, inventory.resources, {
      clock,
      probeTimeoutMs,
      concurrency,
      signal,
      ...(config.namespace ? { namespace: config.namespace } : {}),
    });
    if (signal.aborted) throw new WatchmarkError('WM_ABORTED', 'interrupted');
    return buildResourceMatrix({
      target: targetInfo,
      rows: probes.map(matrixRow),
      discoveryProblems: inventory.problems,
      probeTimeoutMs,
      concurrency,
      namespace: config.namespace ?? null,
      startedAtWallMs: clock.anchorWallMs + startedAtMs,
      durationMs: clock.nowMs() - startedAtMs,
    });
  });
}
