/**
 * A loopback plain-HTTP server that answers version and discovery like a kube-apiserver serving
 * core/v1 configmaps (and LISTs with an empty list), and hands every watch to a scripted
 * misbehaviour: silence after the headers, a frame that never ends, garbage, a cut frame...
 * Used by the fault suite (test/faults/) with `watchmark observe configmaps --server URL`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Writes the watch response; resolve when done (the server then ends the body unless `keepOpen`). */
export type WatchBehaviour = (res: http.ServerResponse, signal: AbortSignal) => Promise<void | 'keep-open'>;

const CONFIGMAPS = {
  name: 'configmaps',
  singularName: 'configmap',
  namespaced: true,
  kind: 'ConfigMap',
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  shortNames: ['cm'],
};

const DISCOVERY: Record<string, unknown> = {
  '/version': { major: '1', minor: '35', gitVersion: 'v1.35.0-misbehaving', platform: 'linux/amd64' },
  '/api': { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] },
  '/api/v1': { kind: 'APIResourceList', groupVersion: 'v1', resources: [CONFIGMAPS] },
  '/apis': { kind: 'APIGroupList', apiVersion: 'v1', groups: [] },
};

export interface MisbehavingServer extends AsyncDisposable {
  url: string;
  /** Watch requests received so far. */
  watches: number;
}

/** The watch response head kube-apiserver sends (HTTP/1.1 chunked, flushed before the first event). */
export function watchHead(res: http.ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache, private' });
  res.flushHeaders();
}

/** Resolves after `ms`, or at once when `signal` aborts (the client went away). */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

/** Writes `chunk` and waits for the socket to drain (so a fast writer does not buffer unboundedly itself). */
export function write(res: http.ServerResponse, chunk: string | Uint8Array, signal: AbortSignal): Promise<void> {
  if (signal.aborted || res.destroyed) return Promise.resolve();
  if (res.write(chunk)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

export async function startMisbehavingServer(onWatch: WatchBehaviour): Promise<MisbehavingServer> {
  const active = new Set<AbortController>();
  const state = { watches: 0 };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://server');
    const discovery = DISCOVERY[url.pathname];
    if (discovery !== undefined) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(discovery));
      return;
    }
    if (!/^\/api\/v1\/(namespaces\/[^/]+\/)?configmaps$/.test(url.pathname)) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: 'the server could not find the requested resource' }));
      return;
    }
    if (url.searchParams.get('watch') !== 'true') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'ConfigMapList', apiVersion: 'v1', metadata: { resourceVersion: '100' }, items: [] }));
      return;
    }
    state.watches++;
    const controller = new AbortController();
    active.add(controller);
    res.on('close', () => controller.abort());
    onWatch(res, controller.signal)
      .then((after) => {
        if (after !== 'keep-open' && !res.destroyed) res.end();
      })
      .catch(() => res.destroy())
      .finally(() => active.delete(controller));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get watches() {
      return state.watches;
    },
    async [Symbol.asyncDispose]() {
      for (const controller of active) controller.abort();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
