/**
 * The embedded reference API server: an in-process, Kubernetes-compatible server for namespaces
 * and configmaps that watchmark runs by default and that `watchmark serve` exposes, so controllers
 * can be pointed at a (mis)behaving server. Loopback only.
 *
 * Deliberate differences from kube-apiserver >= 1.34 (profile `reference`):
 * - One RV counter and one event history for all resources; a bookmark carries the global RV, so
 *   a namespace write also lets configmap watchers' bookmarks through. (kube's per-resource cacher
 *   learns of other revisions only from etcd progress notifications, by default every 10 min.)
 * - History is kept by age only (historyWindowMs); see store.ts. It starts after the bootstrap
 *   namespaces (RV 2), as the watch cache starts at its initial LIST's RV.
 * - Bookmark timers are exact per watcher (kube: 1 s buckets, ~1 s jittered ticker).
 * - Bookmark objects carry only kind, apiVersion and metadata.resourceVersion (real built-in types
 *   also carry zero-valued spec/status).
 * - LIST ignores resourceVersion/resourceVersionMatch/limit/continue and answers the current state.
 * - DELETE of a configmap answers the deleted object (with the deletion RV), not a Success Status.
 * - Namespace deletion is immediate (configmaps first, each with its DELETED event); finalizers
 *   never block deletion.
 * - JSON and protobuf (objects, lists, Status, watch streams); discovery and /version in JSON only;
 *   no YAML, CBOR, Table or PartialObjectMetadata; no server-side apply, dry run, managedFields,
 *   generation, RBAC, admission, OpenAPI, aggregated discovery or WebSocket.
 * - `Accept: application/*` answers JSON (kube-apiserver: 406).
 * - A malformed resourceVersion is a 400 (kube's exact answer is unconfirmed).
 * - No Retry-After/429 cache-not-ready path and no etcd RequestWatchProgress error.
 */
import { randomBytes } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { systemClock, type Clock } from '../clock.js';
import { WatchmarkError } from '../errors.js';
import { generateSelfSignedTls } from '../tls/self-signed.js';
import { createRequestHandler, type HttpRequest, type HttpResponse } from './handlers.js';
import { renderKubeconfig } from './kubeconfig.js';
import { isServerProfile, profileBehaviour, SERVER_PROFILES, type ServerProfile } from './profiles.js';
import { NAMESPACES, RESOURCES, type ResourceName } from './resources.js';
import { keepAliveScheduler, realScheduler, type Scheduler } from '../scheduler.js';
import { listenLoopback } from './loopback-listener.js';
import { ObjectStore } from './store.js';
import { WatchHub } from './watch-hub.js';

export interface EmbeddedServerOptions {
  /** Default 'reference'. */
  profile?: ServerProfile;
  /** Periodic bookmark interval per watcher; default 60_000 (kube-apiserver defaultBookmarkFrequency). */
  bookmarkIntervalMs?: number;
  /** slow-initial-events-end only; default 15_000. */
  initialEventsEndDelayMs?: number;
  /** How long events stay replayable for watches from an RV; default 75_000 (DefaultEventFreshDuration). */
  historyWindowMs?: number;
  /** Default true: HTTPS with a CA generated at start. false: plain HTTP. */
  tls?: boolean;
  /** Default true when tls: h2 and http/1.1 via ALPN. Ignored without TLS (no h2c). */
  http2?: boolean;
  /** Bearer token; default 32 random bytes in hex. */
  token?: string;
  /** Default 0 (a free port). Always bound to 127.0.0.1. */
  port?: number;
  /**
   * The server's WatchList feature gate. Default true (kube-apiserver >= 1.34). false is
   * kube-apiserver 1.33's default: legacy RV ""/"0" watches are not defaulted to watch-list, and
   * sendInitialEvents is rejected with 422 Invalid (client-go then falls back to LIST+WATCH).
   */
  watchList?: boolean;
  /**
   * Per-resource profile and WatchList gate, as if that resource were served by another server
   * behind the same front door (an aggregated API server): e.g. `{ configmaps: { profile: 'kinm' } }`.
   * Resources not named here follow `profile` and `watchList`.
   */
  resourceOverrides?: Partial<Record<ResourceName, { profile?: ServerProfile; watchList?: boolean }>>;
  /**
   * Test-only (the scale bench): objects annotated with SEND_TIME_ANNOTATION are sent with the
   * server's send time in that annotation, per watcher (send-time-stamp.ts). Default false.
   */
  stampSendTime?: boolean;
}

export interface StartedEmbeddedServer extends AsyncDisposable {
  /** `https://127.0.0.1:PORT` (or http://). */
  url: string;
  token: string;
  /** PEM of the CA that signed the serving certificate (TLS only). */
  caCertPem?: string;
  profile: ServerProfile;
  /** A kubeconfig with server, CA data and token. */
  kubeconfigYaml(opts?: { contextName?: string; namespace?: string }): string;
  currentResourceVersion(): string;
  stats(): { watchers: number };
  /**
   * Test-only, with `stampSendTime`: for each stamped frame since the last call, its stamp and the
   * time the server handed it on to the connection, epoch ms (send-time-stamp.ts). Empty otherwise.
   */
  takeStampedFlushes(): Array<[stampedAtMs: number, flushedAtMs: number]>;
  /** Ends every open watch and closes the listener; bounded in time. Idempotent. */
  stop(): Promise<void>;
}

/** Internal knobs for tests (not part of the CLI surface). */
export interface EmbeddedServerInternals {
  clock?: Clock;
  scheduler?: Scheduler;
  random?: () => number;
}

/** How long stop() lets responses and HTTP/2 sessions finish before destroying sockets. */
const STOP_GRACE_MS = 1_000;
/**
 * HTTP/2 streams per connection the server announces. Aggregated API servers built on
 * k8s.io/apiserver RecommendedOptions announce 1000; kube-apiserver itself announces 100 unless
 * --http2-max-streams-per-connection is set (k8s.io/apiserver v0.37 secure_serving.go).
 */
const HTTP2_MAX_CONCURRENT_STREAMS = 1_000;

function checkOptions(opts: EmbeddedServerOptions): void {
  if (opts.profile !== undefined && !isServerProfile(opts.profile)) {
    throw new WatchmarkError('WM_USAGE', `unknown server profile "${opts.profile}" (expected one of ${SERVER_PROFILES.join(', ')})`);
  }
  const positive = (name: string, value: number | undefined, allowZero: boolean) => {
    if (value === undefined) return;
    if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
      throw new WatchmarkError('WM_USAGE', `${name} must be a ${allowZero ? 'non-negative' : 'positive'} number of milliseconds, got ${value}`);
    }
  };
  for (const [resource, override] of Object.entries(opts.resourceOverrides ?? {})) {
    if (!Object.hasOwn(RESOURCES, resource)) {
      throw new WatchmarkError('WM_USAGE', `resourceOverrides: the embedded server does not serve "${resource}" (it serves ${Object.keys(RESOURCES).join(', ')})`);
    }
    if (override?.profile !== undefined && !isServerProfile(override.profile)) {
      throw new WatchmarkError('WM_USAGE', `resourceOverrides.${resource}: unknown server profile "${override.profile}" (expected one of ${SERVER_PROFILES.join(', ')})`);
    }
  }
  positive('bookmarkIntervalMs', opts.bookmarkIntervalMs, false);
  positive('initialEventsEndDelayMs', opts.initialEventsEndDelayMs, true);
  positive('historyWindowMs', opts.historyWindowMs, true);
  if (opts.port !== undefined && (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535)) {
    throw new WatchmarkError('WM_USAGE', `port must be an integer in 0..65535, got ${opts.port}`);
  }
  if (opts.token !== undefined && !/^\S+$/.test(opts.token)) {
    throw new WatchmarkError('WM_USAGE', 'token must be non-empty and contain no whitespace');
  }
}

export async function startEmbeddedServer(
  opts: EmbeddedServerOptions = {},
  internals: EmbeddedServerInternals = {},
): Promise<StartedEmbeddedServer> {
  checkOptions(opts);
  const profile = opts.profile ?? 'reference';
  const clock = internals.clock ?? systemClock();
  const store = new ObjectStore({ clock, historyWindowMs: opts.historyWindowMs ?? 75_000 });
  let stampedFlushes: Array<[number, number]> = [];
  for (const name of ['default', 'kube-system']) store.create(NAMESPACES, { metadata: { name } });
  // Like the watch cache after its initial LIST: the bootstrap objects are state, not history, so
  // a watch from RV 1 gets 410 "too old resource version: 1 (2)".
  store.startHistoryAtCurrentRv();
  const hub = new WatchHub(store);
  const token = opts.token ?? randomBytes(32).toString('hex');
  const useTls = opts.tls ?? true;
  const useHttp2 = useTls && (opts.http2 ?? true);
  const tlsMaterial = useTls ? generateSelfSignedTls() : undefined;

  let serverAddress = '127.0.0.1:0';
  const inflight = new Set<HttpResponse>();
  const handler = createRequestHandler({
    store,
    hub,
    behaviour: profileBehaviour(profile),
    clock,
    scheduler: internals.scheduler ?? realScheduler,
    random: internals.random ?? Math.random,
    token,
    serverAddress: () => serverAddress,
    bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 60_000,
    initialEventsEndDelayMs: opts.initialEventsEndDelayMs ?? 15_000,
    watchListGate: opts.watchList ?? true,
    ...(opts.stampSendTime ? { stampSendTime: () => performance.timeOrigin + performance.now(), onStampedFlushed: (stampedAtMs: number, flushedAtMs: number) => stampedFlushes.push([stampedAtMs, flushedAtMs]) } : {}),
    resourceOverrides: Object.fromEntries(
      Object.entries(opts.resourceOverrides ?? {}).map(([resource, override]) => [
        resource,
        {
          ...(override?.profile !== undefined ? { behaviour: profileBehaviour(override.profile) } : {}),
          ...(override?.watchList !== undefined ? { watchListGate: override.watchList } : {}),
        },
      ]),
    ),
  });
  const trackedHandler = (req: HttpRequest, res: HttpResponse) => {
    inflight.add(res);
    const done = () => inflight.delete(res);
    res.once('finish', done);
    res.once('close', done);
    handler(req, res);
  };

  const { server, port, sockets, sessions } = await listenLoopback({
    mode: useHttp2 ? 'h2' : useTls ? 'https' : 'http',
    ...(tlsMaterial ? { tls: tlsMaterial } : {}),
    handler: trackedHandler,
    port: opts.port ?? 0,
    h2Settings: { maxConcurrentStreams: HTTP2_MAX_CONCURRENT_STREAMS },
    listenError: (err) =>
      new WatchmarkError('WM_TARGET', `embedded server cannot listen on 127.0.0.1:${opts.port ?? 0}: ${err.message}`, { code: err.code }, { cause: err }),
  });
  serverAddress = `127.0.0.1:${port}`;
  const url = `${useTls ? 'https' : 'http'}://127.0.0.1:${port}`;

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      hub.closeAll();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Let the ended watch responses (and any other request) finish, bounded.
      await waitUntil(() => inflight.size === 0, STOP_GRACE_MS, keepAliveScheduler);
      for (const session of sessions) session.close();
      for (const socket of sockets) {
        const alpn = (socket as TLSSocket).alpnProtocol;
        if (alpn !== 'h2') socket.destroy();
      }
      // Shutdown's safety nets run on real, process-holding timers whatever scheduler the watch sessions use.
      const cancelForced = keepAliveScheduler.after(STOP_GRACE_MS, () => {
        for (const session of sessions) session.destroy();
        for (const socket of sockets) socket.destroy();
      });
      await closed;
      cancelForced();
      hub.dispose();
    })();
    return stopping;
  };

  const started: StartedEmbeddedServer = {
    url,
    token,
    profile,
    kubeconfigYaml: (kubeconfigOpts = {}) => {
      const params: Parameters<typeof renderKubeconfig>[0] = { url, token, ...kubeconfigOpts };
      if (tlsMaterial) params.caCertPem = tlsMaterial.caCertPem;
      return renderKubeconfig(params);
    },
    currentResourceVersion: () => String(store.currentRv()),
    stats: () => ({ watchers: hub.size }),
    takeStampedFlushes: () => {
      const taken = stampedFlushes;
      stampedFlushes = [];
      return taken;
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
  if (tlsMaterial) started.caCertPem = tlsMaterial.caCertPem;
  return started;
}

const POLL_MS = 5;

/** Resolves once `condition` holds, polled every 5 ms, or after `limitMs` worth of polls (at least `limitMs`: timers fire late, never early). */
function waitUntil(condition: () => boolean, limitMs: number, scheduler: Scheduler): Promise<void> {
  return new Promise((resolve) => {
    let polls = 0;
    const poll = () => {
      if (condition() || polls * POLL_MS >= limitMs) resolve();
      else {
        polls++;
        scheduler.after(POLL_MS, poll);
      }
    };
    poll();
  });
}
