import type { Clock } from '../clock.js';
import { keepAliveScheduler, type Scheduler } from '../scheduler.js';
import { isChangeEvent, isInitialEventsEndBookmark, resourceVersionOf } from '../record/accessors.js';
import { isWatchListRequest } from '../record/requests.js';
import { collectionPath, type ResolvedResource } from '../discovery/resolve-resource.js';
import type {
  EventEntry,
  ListRecord,
  RunRecord,
  StreamRecord,
  StreamStartedFrom,
  TimelineEntry,
  WatchOptions,
  WorkloadWrite,
} from '../record/timeline.js';
import { buildWatchQuery } from '../transport/watch-query.js';
import type { Workload } from '../workload/workload.js';
import type { RvSource, StreamPlan, SuitePlan } from '../scenario/plan.js';

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
  /** Once, as the streams start opening: the observation window on the run's clock, and the planned streams. */
  onWindow?(window: SuiteWindow): void;
}

export interface SuiteWindow {
  /** clock.nowMs() when the streams start opening (every openAtMs is relative to it). */
  startMs: number;
  windowMs: number;
  /** A watch-list stream still awaiting its initial-events-end bookmark at windowMs is observed at most this long. */
  maxWindowMs: number;
  streams: Array<{ id: string; openAtMs: number; options: StreamPlan['options'] }>;
}

/**
 * Executes a suite plan: seeds the initial state, LISTs like a client-go <= v0.34 informer,
 * opens every stream at its `openAtMs` (at once by default), runs the workload's writes on
 * schedule, and stops observing at the end of the window (or when `signal` aborts). A stream
 * whose RV comes from the run (another stream's event or bookmark, a workload write) is opened
 * with the RV found when it is due, or, when there is none, recorded as `not-opened` with the
 * reason. Returns everything recorded; cleanup of the workload is the caller's job (it must also
 * happen on error and Ctrl-C). Every wait (a stream's opening, a write, the window, the watch-list
 * cap) is a timer of `scheduler` (default: Node timers that keep the process alive).
 */
export async function runSuite(args: {
  client: SuiteClient;
  plan: SuitePlan;
  resource: ResolvedResource;
  workload: Workload | null;
  clock: Clock;
  signal: AbortSignal;
  listener?: SuiteListener;
  scheduler?: Scheduler;
}): Promise<RunRecord> {
  const { client, plan, resource, workload, clock, signal, listener } = args;
  const scheduler = args.scheduler ?? keepAliveScheduler;
  const namespace = workload?.namespace;
  const basePath = collectionPath(resource, namespace);

  const seedTotal = plan.seeds.reduce((n, s) => n + s.objects, 0);
  listener?.onPhase?.('setup', `seeding ${seedTotal} ${resource.resource}`);
  // Each scenario's objects, in its creation order (seeds first): its writes' targets index these.
  const created = new Map<string, string[]>(plan.seeds.map((s) => [s.scenario, []]));
  if (workload) {
    for (const seed of plan.seeds) {
      const own = created.get(seed.scenario)!;
      for (let i = 0; i < seed.objects; i++) own.push(await workload.create(signal));
      for (let i = 0; i < seed.updates && i < own.length; i++) await workload.update(own[i]!, signal);
    }
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

  // Events of the streams other streams take their RV from, as they arrive.
  const sourceIds = new Set(plan.streams.flatMap((s) => (s.rv.kind === 'from-stream' ? [s.rv.stream] : [])));
  const delivered = new Map<string, EventEntry[]>(plan.streams.filter((s) => sourceIds.has(s.id)).map((s) => [s.id, []]));
  const watched = { apiVersion: resource.apiVersion, kind: resource.kind, resource: resource.resource };

  listener?.onPhase?.('observe', `${plan.streams.length} streams for ${Math.round(plan.windowMs / 1000)} s`);
  const openedAtMs = clock.nowMs();
  listener?.onWindow?.({
    startMs: openedAtMs,
    windowMs: plan.windowMs,
    maxWindowMs: Math.max(plan.windowMs, plan.watchListMaxWindowMs),
    streams: plan.streams.map((s) => ({ id: s.id, openAtMs: s.openAtMs ?? 0, options: s.options })),
  });
  const openStream = async (s: StreamPlan, i: number): Promise<StreamRecord> => {
    const signalOfStream = controllers[i]!.signal;
    if ((s.openAtMs ?? 0) > 0 && !(await delay(scheduler, openedAtMs + s.openAtMs! - clock.nowMs(), signalOfStream))) {
      return notOpened(s, 'the observation ended before the stream was due to open');
    }
    const start = resolveResourceVersion(s.rv, { listRv, delivered, writes: workload?.writes ?? null, streamsOpenedAtMs: openedAtMs });
    if ('notOpened' in start) return notOpened(s, start.notOpened);
    const options: WatchOptions = { ...s.options, ...(start.rv !== undefined ? { resourceVersion: start.rv } : {}) };
    awaitingEndBookmark[i] = isWatchListRequest(options);
    const record = await client.watch(
      { id: s.id, scenario: s.scenario, basePath, ...(namespace ? { namespace } : {}), watched, options },
      {
        signal: signalOfStream,
        onEntry: (e: TimelineEntry) => {
          listener?.onEntry?.(s.id, e);
          if (e.kind === 'event') delivered.get(s.id)?.push(e);
          if (awaitingEndBookmark[i] && e.kind === 'event' && isInitialEventsEndBookmark(e)) {
            awaitingEndBookmark[i] = false;
            if (windowOver) controllers[i]!.abort();
          }
        },
      },
    );
    return { ...record, ...(s.role ? { role: s.role } : {}), ...(start.startedFrom ? { startedFrom: start.startedFrom } : {}) };
  };
  /** The record of a stream watchmark did not open: its request as it would have been, and a `not-opened` close saying why. */
  const notOpened = (s: StreamPlan, reason: string): StreamRecord => {
    const atMs = clock.nowMs();
    const options: WatchOptions = { ...s.options };
    const record: StreamRecord = {
      id: s.id,
      scenario: s.scenario,
      ...(s.role ? { role: s.role } : {}),
      request: { method: 'GET', path: `${basePath}?${buildWatchQuery(options)}`, ...(namespace ? { namespace } : {}), watched, options, sentAtMs: atMs },
      entries: [{ kind: 'close', atMs, reason: 'not-opened', error: { code: 'WM_NOT_OPENED', message: `${s.id} was not opened: ${reason}` } }],
    };
    for (const entry of record.entries) listener?.onEntry?.(s.id, entry);
    return record;
  };
  const streamPromises = plan.streams.map(openStream);

  const writesAbort = new AbortController();
  const abortWrites = () => writesAbort.abort();
  signal.addEventListener('abort', abortWrites, { once: true });
  const writesDone = workload ? runWrites(plan, workload, created, clock, scheduler, openedAtMs, writesAbort.signal, listener) : Promise.resolve();
  const cancelWindow = scheduler.after(plan.windowMs, () => {
    windowOver = true;
    writesAbort.abort();
    controllers.forEach((c, i) => {
      if (!awaitingEndBookmark[i]) c.abort();
    });
  });
  const cancelCap = scheduler.after(Math.max(plan.windowMs, plan.watchListMaxWindowMs), abortAll);
  let streams: StreamRecord[];
  try {
    // Every stream resolves by itself (server close) or when its window ends.
    streams = await Promise.all(streamPromises);
    await writesDone;
  } finally {
    cancelWindow();
    cancelCap();
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

type ResolvedStart = { rv: string | undefined; startedFrom?: StreamStartedFrom } | { notOpened: string };

/**
 * The resourceVersion a stream opens with, from its plan's RvSource and what the run has seen so
 * far, or why there is none. `streamsOpenedAtMs` is the clock time the streams opened (from-stream offsets
 * are relative to it).
 */
export function resolveResourceVersion(
  source: RvSource,
  seen: { listRv: string | undefined; delivered: ReadonlyMap<string, readonly EventEntry[]>; writes: readonly WorkloadWrite[] | null; streamsOpenedAtMs: number },
): ResolvedStart {
  switch (source.kind) {
    case 'literal':
      return { rv: source.value };
    case 'from-list':
      return { rv: seen.listRv };
    case 'from-stream': {
      const events = seen.delivered.get(source.stream);
      if (events === undefined) return { notOpened: `its resourceVersion comes from stream ${source.stream}, which the plan does not open` };
      const of = source.of ?? 'any';
      const wanted = (event: EventEntry) => (of === 'event' ? isChangeEvent(event) : of === 'bookmark' ? event.type === 'BOOKMARK' : isChangeEvent(event) || event.type === 'BOOKMARK');
      const untilMs = seen.streamsOpenedAtMs + source.atMs;
      let last: EventEntry | undefined;
      for (const event of events) {
        if (event.atMs > untilMs) break;
        const rv = resourceVersionOf(event);
        if (wanted(event) && rv !== undefined && rv !== '') last = event;
      }
      const what = of === 'event' ? 'ADDED/MODIFIED/DELETED event' : of === 'bookmark' ? 'BOOKMARK' : 'event or BOOKMARK';
      if (last === undefined) {
        return { notOpened: `its resourceVersion comes from the last ${what} of ${source.stream} up to ${source.atMs} ms after the streams opened, and ${source.stream} delivered none with a resourceVersion by then` };
      }
      const rv = resourceVersionOf(last)!;
      return {
        rv,
        startedFrom: { kind: 'from-stream', stream: source.stream, of, resourceVersion: rv, eventSeq: last.seq, eventType: last.type, eventAtMs: last.atMs },
      };
    }
    case 'from-write': {
      if (seen.writes === null) return { notOpened: `its resourceVersion comes from workload write ${source.index}, and this run has no workload (read-only)` };
      const write = seen.writes[source.index];
      if (write === undefined) return { notOpened: `its resourceVersion comes from workload write ${source.index}, and the workload made only ${seen.writes.length} write(s) by then` };
      if (write.resourceVersion === undefined || write.resourceVersion === '') {
        return { notOpened: `its resourceVersion comes from workload write ${source.index} (${write.verb} of ${write.name}), which was acknowledged without a resourceVersion` };
      }
      return {
        rv: write.resourceVersion,
        startedFrom: { kind: 'from-write', index: source.index, resourceVersion: write.resourceVersion, verb: write.verb, name: write.name, writeAtMs: write.atMs },
      };
    }
  }
}

async function runWrites(
  plan: SuitePlan,
  workload: Workload,
  created: Map<string, string[]>,
  clock: Clock,
  scheduler: Scheduler,
  openedAtMs: number,
  signal: AbortSignal,
  listener: SuiteListener | undefined,
): Promise<void> {
  for (const step of plan.writes) {
    const waitMs = openedAtMs + step.atMs - clock.nowMs();
    if (waitMs > 0 && !(await delay(scheduler, waitMs, signal))) return;
    if (signal.aborted) return;
    try {
      let own = created.get(step.scenario);
      if (!own) created.set(step.scenario, (own = []));
      if (step.verb === 'create') own.push(await workload.create(signal));
      else {
        // An object whose create failed (reported) is skipped, not retried under another index.
        const name = own[step.target ?? 0];
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

/** Resolves true after ms (a timer of `scheduler`), false as soon as the signal aborts. */
function delay(scheduler: Scheduler, ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const cancel = scheduler.after(ms, () => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    });
    const onAbort = () => {
      cancel();
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
