/**
 * `watchmark observe`'s measurement: one watch of one resource, observed for a duration (or until
 * the server ends it, or `signal` aborts), recorded like a suite run's streams. The report is
 * `deriveReport(facts, record)`, as for `run`; live output only listens to the hooks.
 */
import type { Clock } from '../clock.js';
import { collectionPath, discoveryWithSignal, resolveResource } from '../discovery/resolve-resource.js';
import { isWatchListRequest } from '../record/requests.js';
import type { RunRecord, StreamRecord, TimelineEntry, WatchOptions } from '../record/timeline.js';
import { DEFAULT_CHECK_PARAMS } from '../checks/types.js';
import type { RunFacts, RunMeasurement } from '../report/derive-report.js';
import { every, keepAliveScheduler, type Scheduler } from '../scheduler.js';
import { describeTarget } from '../targets/describe.js';
import { withTargetClient, type TargetSelection } from '../targets/select.js';
import { redactConfig, type SecretRegistry } from '../transport/redact.js';
import { reflectorWarnings } from '../reflector/ticker.js';
import { describeResource } from './run-watchmark.js';
import type { SuiteClient } from './run-suite.js';

/** How often the live reflector-warning marks are brought up to date while no frame arrives. */
export const WARNING_POLL_MS = 250;

/** What `observe` watches and how long. */
export interface ObserveWatchConfig extends TargetSelection {
  resource: string;
  namespace?: string | undefined;
  /** A watch-list request as a client-go v0.35+ informer sends it; else a plain watch. */
  watchList: boolean;
  /** Plain watch: allowWatchBookmarks=true. */
  bookmarks: boolean;
  resourceVersion?: string | undefined;
  timeoutSeconds?: number | undefined;
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  durationMs: number;
}

/** Live hooks; all optional. */
export interface ObserveHooks {
  /** Once, as the watch is sent (`sentAtMs` on the run clock, taken just before). */
  onWatch?(watch: { basePath: string; options: WatchOptions; sentAtMs: number }): void;
  onEntry?(entry: TimelineEntry): void;
  /** Watch-list only: each moment a client-go v0.35+ reflector would log its warning, once, in time order. */
  onReflectorWarning?(warning: { atMs: number; line: string }): void;
}

export interface ObserveOptions {
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  clock: Clock;
  /** The observation window and the warning poll; default: Node timers. */
  scheduler?: Scheduler;
  notice?: (line: string) => void;
  /** Gets every credential the client sends, for redacting the outputs. */
  secrets?: SecretRegistry;
  hooks?: ObserveHooks;
}

/** The request options of the observed watch (kube-apiserver's metav1.ListOptions names). */
export function observeWatchOptions(config: ObserveWatchConfig): WatchOptions {
  return {
    ...(config.watchList
      ? { sendInitialEvents: true, allowWatchBookmarks: true, resourceVersionMatch: 'NotOlderThan' }
      : config.bookmarks
        ? { allowWatchBookmarks: true }
        : {}),
    ...(config.resourceVersion !== undefined ? { resourceVersion: config.resourceVersion } : {}),
    ...(config.timeoutSeconds !== undefined ? { timeoutSeconds: config.timeoutSeconds } : {}),
    ...(config.labelSelector ? { labelSelector: config.labelSelector } : {}),
    ...(config.fieldSelector ? { fieldSelector: config.fieldSelector } : {}),
  };
}

/**
 * Selects the target, resolves the resource and observes one watch of it (observeWatch). Returns
 * the facts and the record: no checks, no parameters of its own (the defaults; no scenarios, so
 * deriveReport runs every check once over the record). `config` is printed in the report, redacted.
 */
export async function measureObservation(config: ObserveWatchConfig, options: ObserveOptions): Promise<RunMeasurement> {
  const { clock, signal } = options;
  const startedAtMs = clock.nowMs();
  const selection = { env: options.env, signal, clock, ...(options.notice ? { notice: options.notice } : {}), ...(options.secrets ? { secrets: options.secrets } : {}) };
  return withTargetClient(config, selection, async (target, client) => {
    const targetInfo = await describeTarget(client, target, signal);
    const resource = await resolveResource(discoveryWithSignal(client, signal), config.resource);
    const namespace = resource.namespaced ? (config.namespace ?? target.namespace ?? 'default') : undefined;
    const spec = {
      id: 'observe#1',
      scenario: config.watchList ? 'watch-list' : 'watch',
      basePath: collectionPath(resource, namespace),
      ...(namespace ? { namespace } : {}),
      watched: { apiVersion: resource.apiVersion, kind: resource.kind, resource: resource.resource },
      options: observeWatchOptions(config),
    };
    const stream = await observeWatch(client, spec, { ...options, durationMs: config.durationMs });
    const record: RunRecord = { anchorWallMs: clock.anchorWallMs, streams: [stream], lists: [], writes: [], endedAtMs: clock.nowMs() };
    const facts: RunFacts = {
      target: targetInfo,
      resource: describeResource(resource, namespace),
      config: redactConfig({ ...config }),
      failOn: 'fail',
      startedAtMs,
      scenarios: [],
      checkParams: { defaults: { ...DEFAULT_CHECK_PARAMS }, overrides: {} },
      workload: null,
    };
    return { facts, record };
  });
}

/**
 * One watch, closed by watchmark after `durationMs` (a timer of `scheduler`) or when `signal`
 * aborts, unless the server ends it first. For a watch-list request, the reflector warnings are
 * brought up to date on every entry and every WARNING_POLL_MS (a warning is due at a tick even
 * when nothing arrives), each reported once.
 */
export async function observeWatch(
  client: Pick<SuiteClient, 'watch'>,
  spec: Parameters<SuiteClient['watch']>[0],
  options: { clock: Clock; signal: AbortSignal; durationMs: number; scheduler?: Scheduler; hooks?: ObserveHooks },
): Promise<StreamRecord> {
  const { clock, signal, hooks = {} } = options;
  const scheduler = options.scheduler ?? keepAliveScheduler;
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) stop.abort();
  const cancelWindow = scheduler.after(options.durationMs, () => stop.abort());

  // The stream as it grows (the transport hands over the record only at its end), for the live
  // reflector-warning marks; the report is derived from the transport's record.
  const soFar: StreamRecord = {
    id: spec.id,
    scenario: spec.scenario,
    request: { method: 'GET', path: spec.basePath, watched: spec.watched, options: spec.options, sentAtMs: clock.nowMs() },
    entries: [],
  };
  hooks.onWatch?.({ basePath: spec.basePath, options: spec.options, sentAtMs: soFar.request.sentAtMs });
  let warningsReported = 0;
  const reportWarnings = () => {
    const warnings = reflectorWarnings(soFar, clock.nowMs());
    for (const warning of warnings.slice(warningsReported)) hooks.onReflectorWarning?.(warning);
    warningsReported = Math.max(warningsReported, warnings.length);
  };
  const watchList = isWatchListRequest(spec.options);
  const cancelPoll = watchList ? every(scheduler, WARNING_POLL_MS, reportWarnings) : () => {};
  try {
    return await client.watch(spec, {
      signal: stop.signal,
      onEntry: (entry) => {
        soFar.entries.push(entry);
        if (watchList) reportWarnings();
        hooks.onEntry?.(entry);
      },
    });
  } finally {
    cancelWindow();
    cancelPoll();
    signal.removeEventListener('abort', onAbort);
  }
}
