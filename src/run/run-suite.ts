import type { Clock } from '../clock.js';
import { isInitialEventsEndBookmark, isWatchListRequest } from '../record/derive.js';
import { collectionPath, type ResolvedResource } from '../discovery/resolve-resource.js';
import type { ListRecord, RunRecord, StreamRecord, TimelineEntry, WatchOptions } from '../record/timeline.js';
import type { Workload } from '../workload/workload.js';
import type { SuitePlan } from './plan.js';

/** What the runner needs from the transport (TargetClient satisfies it). */
export interface SuiteClient {
  watch(
    spec: {
      id: string;
      scenario: string;
      basePath: string;
      namespace?: string;
      watched: { apiVersion: string; kind: string; resource: string };
      options: WatchOptions;
    },
    opts: { signal: AbortSignal; onEntry?: (entry: TimelineEntry) => void },
  ): Promise<StreamRecord>;
  list(
    spec: { id: string; scenario: string; path: string },
    opts?: { signal?: AbortSignal },
  ): Promise<ListRecord>;
}

/** Hooks for live progress; all optional. */
export interface SuiteListener {
  onPhase?(phase: 'setup' | 'observe' | 'cleanup', detail: string): void;
  onEntry?(streamId: string, entry: TimelineEntry): void;
  onWriteError?(message: string): void;
}

/**
 * Executes a suite plan: seeds the initial state, LISTs like a client-go <= v0.34 informer,
 * opens every stream at once, runs the workload's writes on schedule, and stops observing at
 * the end of the window (or when `signal` aborts). Returns everything recorded; cleanup of the
 * workload is the caller's job (it must also happen on error and Ctrl-C).
 */
export async function runSuite(args: {
  client: SuiteClient;
  plan: SuitePlan;
  resource: ResolvedResource;
  workload: Workload | null;
  clock: Clock;
  signal: AbortSignal;
  listener?: SuiteListener;
}): Promise<RunRecord> {
  const { client, plan, resource, workload, clock, signal, listener } = args;
  const namespace = workload?.namespace;
  const basePath = collectionPath(resource, namespace);

  listener?.onPhase?.('setup', `seeding ${plan.seedObjects} ${resource.resource}`);
  const created: string[] = [];
  if (workload) {
    for (let i = 0; i < plan.seedObjects; i++) created.push(await workload.create(signal));
    for (let i = 0; i < plan.seedUpdates && i < created.length; i++) await workload.update(created[i]!, signal);
  }

  const lists: ListRecord[] = [];
  const listRecord = await client.list(
    { id: plan.list.id, scenario: plan.list.scenario, path: `${basePath}?resourceVersion=0&limit=500` },
    { signal },
  );
  lists.push(listRecord);
  const listRv = listRecord.resourceVersion;

  // One controller per stream: the window closes ordinary streams at windowMs; a watch-list
  // stream still waiting for its initial-events-end bookmark then stays open until the bookmark
  // arrives or watchListMaxWindowMs passes.
  const controllers = plan.streams.map(() => new AbortController());
  // Set for watch-list requests until their initial-events-end bookmark arrives.
  const awaitingEndBookmark = plan.streams.map(() => false);
  let windowOver = false;
  const abortAll = () => controllers.forEach((c) => c.abort());
  signal.addEventListener('abort', abortAll, { once: true });

  listener?.onPhase?.('observe', `${plan.streams.length} streams for ${Math.round(plan.windowMs / 1000)} s`);
  const openedAtMs = clock.nowMs();
  const streamPromises = plan.streams.map((s, i) => {
    const rv = s.rv.kind === 'from-list' ? listRv : s.rv.value;
    const options: WatchOptions = { ...s.options, ...(rv !== undefined ? { resourceVersion: rv } : {}) };
    awaitingEndBookmark[i] = isWatchListRequest(options);
    return client.watch(
      {
        id: s.id,
        scenario: s.scenario,
        basePath,
        ...(namespace ? { namespace } : {}),
        watched: { apiVersion: resource.apiVersion, kind: resource.kind, resource: resource.resource },
        options,
      },
      {
        signal: controllers[i]!.signal,
        onEntry: (e: TimelineEntry) => {
          listener?.onEntry?.(s.id, e);
          if (awaitingEndBookmark[i] && e.kind === 'event' && isInitialEventsEndBookmark(e)) {
            awaitingEndBookmark[i] = false;
            if (windowOver) controllers[i]!.abort();
          }
        },
      },
    );
  });

  const writesAbort = new AbortController();
  const abortWrites = () => writesAbort.abort();
  signal.addEventListener('abort', abortWrites, { once: true });
  const writesDone = workload ? runWrites(plan, workload, created, clock, openedAtMs, writesAbort.signal, listener) : Promise.resolve();
  const windowTimer = setTimeout(() => {
    windowOver = true;
    writesAbort.abort();
    controllers.forEach((c, i) => {
      if (!awaitingEndBookmark[i]) c.abort();
    });
  }, plan.windowMs);
  const capTimer = setTimeout(abortAll, Math.max(plan.windowMs, plan.watchListMaxWindowMs));
  let streams: StreamRecord[];
  try {
    // Every stream resolves by itself (server close) or when its window ends.
    streams = await Promise.all(streamPromises);
    await writesDone;
  } finally {
    clearTimeout(windowTimer);
    clearTimeout(capTimer);
    abortAll();
    writesAbort.abort();
    signal.removeEventListener('abort', abortAll);
    signal.removeEventListener('abort', abortWrites);
  }
  return {
    anchorWallMs: clock.anchorWallMs,
    streams,
    lists,
    writes: workload ? [...workload.writes] : [],
    endedAtMs: clock.nowMs(),
  };
}

async function runWrites(
  plan: SuitePlan,
  workload: Workload,
  created: string[],
  clock: Clock,
  openedAtMs: number,
  signal: AbortSignal,
  listener: SuiteListener | undefined,
): Promise<void> {
  for (const step of plan.writes) {
    const waitMs = openedAtMs + step.atMs - clock.nowMs();
    if (waitMs > 0 && !(await delay(waitMs, signal))) return;
    if (signal.aborted) return;
    try {
      if (step.verb === 'create') created.push(await workload.create(signal));
      else {
        const name = created[step.target ?? 0];
        if (!name) continue;
        if (step.verb === 'update') await workload.update(name, signal);
        else await workload.delete(name, signal);
      }
    } catch (err) {
      if (signal.aborted) return;
      // A failed write is reported but does not stop the observation: the streams are the subject.
      listener?.onWriteError?.((err as Error).message);
    }
  }
}

/** Resolves true after ms, false as soon as the signal aborts. */
function delay(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
