/**
 * The watch-list probe: the one request a client-go v0.35+ informer starts with, sent once to one
 * collection and recorded. watchmark closes the watch as soon as the answer is known (the
 * initial-events-end bookmark, an ERROR event or an undecodable frame) or when the probe wait is
 * over, so a healthy server costs one short watch. Read-only: nothing is created.
 */
import type { Clock } from '../clock.js';
import { collectionPath, type ResolvedResource } from '../discovery/resolve-resource.js';
import { isInitialEventsEndBookmark } from '../record/accessors.js';
import type { StreamRecord, TimelineEntry, WatchOptions } from '../record/timeline.js';
import type { TargetClient } from '../transport/client.js';
import { keepAliveScheduler, type Scheduler } from '../scheduler.js';

/** Default probe waits: `run --all-resources` answers quickly; `explain` waits long enough for client-go's 10 s and 20 s ticks. */
export const MATRIX_PROBE_TIMEOUT_MS = 10_000;
export const EXPLAIN_PROBE_TIMEOUT_MS = 25_000;

/**
 * The server-side deadline asked for is the probe wait plus this, so a server honouring
 * timeoutSeconds never ends the probe before watchmark does (client-go itself asks for 300-600 s:
 * minWatchTimeout 5 min × (1 + rand), reflector.go v0.35.0).
 */
export const PROBE_DEADLINE_SLACK_SECONDS = 5;

/**
 * The watch-list options exactly as the client-go v0.35 reflector sends them (watchList():
 * ResourceVersion = "" on the first attempt, so it is omitted; AllowWatchBookmarks, SendInitialEvents,
 * ResourceVersionMatch NotOlderThan, TimeoutSeconds).
 */
export function watchListProbeOptions(probeTimeoutMs: number): WatchOptions {
  return {
    sendInitialEvents: true,
    allowWatchBookmarks: true,
    resourceVersionMatch: 'NotOlderThan',
    timeoutSeconds: Math.ceil(probeTimeoutMs / 1000) + PROBE_DEADLINE_SLACK_SECONDS,
  };
}

/** One probe as recorded: plain data, the only input of the classification and the explanation. */
export interface WatchListProbe {
  resource: ResolvedResource;
  /** The namespace probed, or null for the all-namespaces (or cluster-scoped) path informers use. */
  namespace: string | null;
  /** How long watchmark waited for the answer. */
  probeTimeoutMs: number;
  stream: StreamRecord;
  /** When watchmark stopped reading (run clock). */
  endedAtMs: number;
}

export interface ProbeOptions {
  clock: Clock;
  probeTimeoutMs: number;
  /** Probe one namespace instead of all (namespaced resources only). */
  namespace?: string;
  /** Aborting ends the probe at once (Ctrl-C). */
  signal?: AbortSignal;
  id?: string;
  /** Called for every recorded entry (live output). */
  onEntry?: (entry: TimelineEntry) => void;
  /** The probe wait's timer; default: Node timers. */
  scheduler?: Scheduler;
}

/** Does this entry settle what client-go does (so the watch can be closed)? */
function isAnswer(entry: TimelineEntry): boolean {
  if (entry.kind === 'malformed') return true;
  if (entry.kind !== 'event') return false;
  // Any annotated bookmark settles it: of the watched kind it syncs, of another kind client-go skips
  // it and would never see a second one (kube-apiserver sends exactly one).
  return entry.type === 'ERROR' || isInitialEventsEndBookmark(entry);
}

export async function probeWatchList(client: TargetClient, resource: ResolvedResource, options: ProbeOptions): Promise<WatchListProbe> {
  const namespace = resource.namespaced && options.namespace ? options.namespace : null;
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) stop.abort();
  const cancelWait = (options.scheduler ?? keepAliveScheduler).after(options.probeTimeoutMs, () => stop.abort());
  try {
    const stream = await client.watch(
      {
        id: options.id ?? 'watch-list-probe#1',
        scenario: 'watch-list',
        basePath: collectionPath(resource, namespace ?? undefined),
        ...(namespace ? { namespace } : {}),
        watched: { apiVersion: resource.apiVersion, kind: resource.kind, resource: resource.resource },
        options: watchListProbeOptions(options.probeTimeoutMs),
      },
      {
        signal: stop.signal,
        onEntry: (entry) => {
          options.onEntry?.(entry);
          // Deferred: the recorder is still appending this entry.
          if (isAnswer(entry)) queueMicrotask(() => stop.abort());
        },
      },
    );
    return { resource, namespace, probeTimeoutMs: options.probeTimeoutMs, stream, endedAtMs: options.clock.nowMs() };
  } finally {
    cancelWait();
    options.signal?.removeEventListener('abort', onAbort);
  }
}
