import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../clock.js';
import type { ResolvedResource } from '../discovery/resolve-resource.js';
import { WatchmarkError } from '../errors.js';
import { GROUP_LABEL, MANAGED_BY_LABEL, RUN_LABEL, Workload, type WorkloadClient } from './workload.js';
import { rejection } from '../../test/support/rejection.js';
import { leftoverLines, TargetInventory } from './inventory.js';
import { CONFIGMAPS } from '../../test/support/fixtures.js';

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
interface Call {
  method: Method;
  path: string;
  body: unknown;
  atMs: number;
}
type Answer = { status: number; body?: unknown; text?: string };
/** Returns an answer, or undefined to let the fake API server answer. */
type Override = (call: Call) => Answer | undefined | Promise<Answer | undefined>;

const WIDGETS: ResolvedResource = { ...CONFIGMAPS, group: 'example.com', apiVersion: 'example.com/v1', kind: 'Widget', resource: 'widgets', shortNames: [], singularName: 'widget' };
const CLUSTER_WIDGETS: ResolvedResource = { ...WIDGETS, namespaced: false };

/**
 * A fake API server behind the WorkloadClient interface: every write bumps a global RV like
 * etcd does, objects are stored by path, deletes answer like kube-apiserver does for ConfigMaps
 * (a Success Status without resourceVersion). Each request takes 5 ms on the fake clock.
 * `override` scripts failures per call.
 */
class FakeApi implements WorkloadClient {
  readonly calls: Call[] = [];
  readonly objects = new Map<string, Record<string, unknown>>();
  rv = 100;
  override: Override = () => undefined;
  constructor(readonly clock: FakeClock) {}

  async requestJson(method: Method, path: string, options?: { body?: unknown; signal?: AbortSignal }) {
    const call: Call = { method, path, body: structuredClone(options?.body), atMs: this.clock.nowMs() };
    this.calls.push(call);
    this.clock.advance(5);
    const scripted = await this.override(call);
    const answer = scripted ?? this.serve(call);
    return { status: answer.status, body: answer.body, text: answer.text ?? (answer.body === undefined ? '' : JSON.stringify(answer.body)) };
  }

  private serve(call: Call): Answer {
    const body = call.body as { metadata: { name: string } } | undefined;
    if (call.method === 'POST') {
      const obj = { ...(body as object), metadata: { ...body!.metadata, resourceVersion: String(++this.rv), uid: `uid-${this.rv}` } };
      this.objects.set(`${call.path}/${body!.metadata.name}`, obj);
      return { status: 201, body: obj };
    }
    if (call.method === 'PUT') {
      if (!this.objects.has(call.path)) return { status: 404, body: { kind: 'Status', code: 404, message: 'not found' } };
      const obj = { ...(body as object), metadata: { ...body!.metadata, resourceVersion: String(++this.rv) } };
      this.objects.set(call.path, obj);
      return { status: 200, body: obj };
    }
    if (call.method === 'DELETE') {
      if (!this.objects.delete(call.path)) return { status: 404, body: { kind: 'Status', code: 404, reason: 'NotFound', message: 'not found' } };
      this.rv++;
      return { status: 200, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name: call.path.split('/').at(-1) } } };
    }
    return { status: 405, body: { message: 'method not allowed' } };
  }

  paths(method?: Method): string[] {
    return this.calls.filter((c) => method === undefined || c.method === method).map((c) => `${c.method} ${c.path}`);
  }
}

function setupWorkload(resource: ResolvedResource = CONFIGMAPS, options: { namespace?: string; template?: Record<string, unknown> } = {}) {
  const clock = new FakeClock(1_000);
  const api = new FakeApi(clock);
  const workload = new Workload(api, resource, clock, { runId: 'r1', ...options });
  return { clock, api, workload };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('Workload.setup', () => {
  it('creates a namespace named after the run, labelled as watchmark\'s', async () => {
    const { api, workload } = setupWorkload();
    await workload.setup();
    expect(workload.namespace).toBe('watchmark-r1');
    expect(api.calls).toHaveLength(1);
    expect(api.calls[0]).toMatchObject({
      method: 'POST',
      path: '/api/v1/namespaces',
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'watchmark-r1', labels: { [MANAGED_BY_LABEL]: 'watchmark', [RUN_LABEL]: 'r1' } } },
    });
    expect(MANAGED_BY_LABEL).toBe('app.kubernetes.io/managed-by');
    expect(RUN_LABEL).toBe('watchmark.io/run');
  });

  it('uses a given namespace without creating it, and needs none for cluster-scoped resources', async () => {
    const given = setupWorkload(CONFIGMAPS, { namespace: 'existing' });
    await given.workload.setup();
    expect(given.workload.namespace).toBe('existing');
    expect(given.api.calls).toEqual([]);

    const clusterScoped = setupWorkload(CLUSTER_WIDGETS);
    await clusterScoped.workload.setup();
    expect(clusterScoped.workload.namespace).toBeUndefined();
    expect(clusterScoped.api.calls).toEqual([]);
  });

  it('retries a transient 500 (and 429) on namespace creation with backoff', async () => {
    vi.useFakeTimers();
    const { api, workload } = setupWorkload();
    const answers: Answer[] = [
      { status: 500, body: { message: 'etcdserver: leader changed' } },
      { status: 429, body: { message: 'too many requests' } },
    ];
    const seenAt: number[] = [];
    api.override = () => {
      seenAt.push(Date.now());
      return answers.shift();
    };
    const done = workload.setup();
    await vi.runAllTimersAsync();
    await done;
    expect(workload.namespace).toBe('watchmark-r1');
    expect(api.paths()).toEqual(['POST /api/v1/namespaces', 'POST /api/v1/namespaces', 'POST /api/v1/namespaces']);
    // p-retry: minTimeout 200 ms, factor 2.
    expect(seenAt.slice(1).map((t, i) => t - seenAt[i]!)).toEqual([200, 400]);
  });

  it('does not retry a 403: one request, then WM_WORKLOAD with the server message', async () => {
    const { api, workload } = setupWorkload();
    api.override = () => ({ status: 403, body: { kind: 'Status', message: 'namespaces is forbidden: User "dev" cannot create resource' } });
    const err = await rejection(workload.setup());
    expect(err.code).toBe('WM_WORKLOAD');
    expect(err.message).toBe('cannot create namespace watchmark-r1: HTTP 403: namespaces is forbidden: User "dev" cannot create resource');
    expect(api.calls).toHaveLength(1);
    expect(workload.namespace).toBeUndefined();
    // Nothing was created, so cleanup has nothing to delete.
    expect(await workload.cleanup()).toEqual([]);
    expect(api.calls).toHaveLength(1);
  });

  it('gives up after 5 attempts at a persistent 500 with a coded error carrying the numbers', async () => {
    vi.useFakeTimers();
    const { api, workload } = setupWorkload();
    api.override = () => ({ status: 500, body: { message: 'etcdserver: request timed out' } });
    const done = rejection(workload.setup());
    await vi.runAllTimersAsync();
    const err = await done;
    expect(err.code).toBe('WM_WORKLOAD');
    expect(err.message).toBe('cannot create namespace watchmark-r1: HTTP 500: etcdserver: request timed out (5 attempts)');
    expect(api.calls).toHaveLength(5);
  });

  it('retries a transport failure but not a TLS failure', async () => {
    vi.useFakeTimers();
    const flaky = setupWorkload();
    let failures = 1;
    flaky.api.override = () => {
      if (failures-- > 0) throw new WatchmarkError('WM_CONNECT', 'connect ECONNREFUSED 127.0.0.1:6443');
      return undefined;
    };
    const done = flaky.workload.setup();
    await vi.runAllTimersAsync();
    await done;
    expect(flaky.api.calls).toHaveLength(2);

    const tls = setupWorkload();
    tls.api.override = () => {
      throw new WatchmarkError('WM_TLS', 'self-signed certificate');
    };
    expect((await rejection(tls.workload.setup())).code).toBe('WM_TLS');
    expect(tls.api.calls).toHaveLength(1);
  });

  it('an abort (Ctrl-C) during the backoff ends setup with WM_ABORTED, not a bare AbortError', async () => {
    vi.useFakeTimers();
    const { api, workload } = setupWorkload();
    const controller = new AbortController();
    api.override = () => ({ status: 503, body: { message: 'unavailable' } });
    const done = rejection(workload.setup(controller.signal));
    await vi.advanceTimersByTimeAsync(50); // first attempt answered, waiting 200 ms before the next
    controller.abort();
    const err = await done;
    expect(err.code).toBe('WM_ABORTED');
    expect(api.calls).toHaveLength(1);
  });
});

describe('Workload writes', () => {
  it('records create, update and delete with the acknowledged RV and request/response times', async () => {
    const { api, workload } = setupWorkload();
    await workload.setup(); // RV 101
    const name = await workload.create(); // RV 102
    expect(name).toBe('watchmark-r1-0');
    await workload.update(name); // RV 103
    await workload.delete(name); // Success Status: no RV
    const base = '/api/v1/namespaces/watchmark-r1/configmaps';
    expect(api.paths()).toEqual(['POST /api/v1/namespaces', `POST ${base}`, `PUT ${base}/${name}`, `DELETE ${base}/${name}`]);
    expect(workload.writes).toEqual([
      { verb: 'create', resource: 'configmaps', namespace: 'watchmark-r1', name, resourceVersion: '102', sentAtMs: 1_005, atMs: 1_010 },
      { verb: 'update', resource: 'configmaps', namespace: 'watchmark-r1', name, resourceVersion: '103', sentAtMs: 1_010, atMs: 1_015 },
      { verb: 'delete', resource: 'configmaps', namespace: 'watchmark-r1', name, sentAtMs: 1_015, atMs: 1_020 },
    ]);
    expect(workload.liveNames()).toEqual([]);
  });

  it('creates labelled ConfigMaps and updates them with the RV it was given, changing data and an annotation', async () => {
    const { api, workload } = setupWorkload();
    await workload.setup();
    const name = await workload.create();
    expect(api.calls[1]!.body).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: 'watchmark-r1', labels: { [MANAGED_BY_LABEL]: 'watchmark', [RUN_LABEL]: 'r1', [GROUP_LABEL]: 'a' } },
      data: { step: '0' },
    });
    await workload.update(name);
    await workload.update(name);
    const [first, second] = [api.calls[2]!.body, api.calls[3]!.body] as Array<{ metadata: Record<string, unknown>; data: unknown }>;
    // The PUT carries the RV of the object as last acknowledged (optimistic concurrency).
    expect(first!.metadata).toMatchObject({ resourceVersion: '102', annotations: { 'watchmark.io/step': '1' } });
    expect(first!.data).toEqual({ step: '1' });
    expect(second!.metadata).toMatchObject({ resourceVersion: '103', annotations: { 'watchmark.io/step': '2' } });
    expect(second!.data).toEqual({ step: '2' });
  });

  it('writes other resources without ConfigMap data, under their group path', async () => {
    const { api, workload } = setupWorkload(WIDGETS);
    await workload.setup();
    await workload.create();
    expect(api.calls[1]!.path).toBe('/apis/example.com/v1/namespaces/watchmark-r1/widgets');
    expect(api.calls[1]!.body).not.toHaveProperty('data');
    expect(api.calls[1]!.body).toMatchObject({ apiVersion: 'example.com/v1', kind: 'Widget' });
  });

  it("creates a scenario's objectTemplate with watchmark's name, namespace and labels, and keeps its content on update", async () => {
    const template = {
      metadata: { name: 'ignored', namespace: 'ignored', labels: { app: 'demo', [RUN_LABEL]: 'spoofed' } },
      spec: { size: 3 },
    };
    const { api, workload } = setupWorkload(WIDGETS, { template });
    await workload.setup();
    const name = await workload.create();
    expect(api.calls[1]!.body).toEqual({
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name, namespace: 'watchmark-r1', labels: { app: 'demo', [MANAGED_BY_LABEL]: 'watchmark', [RUN_LABEL]: 'r1', [GROUP_LABEL]: 'a' } },
      spec: { size: 3 },
    });
    await workload.update(name);
    expect(api.calls[2]!.body).toMatchObject({ spec: { size: 3 }, metadata: { annotations: { 'watchmark.io/step': '1' } } });
    // A ConfigMap template replaces the default data rather than being mixed with it.
    const cm = setupWorkload(CONFIGMAPS, { template: { data: { mine: 'x' } } });
    await cm.workload.setup();
    await cm.workload.create();
    expect(cm.api.calls[1]!.body).toMatchObject({ data: { mine: 'x' } });
    expect((cm.api.calls[1]!.body as { data: object }).data).not.toHaveProperty('step');
  });

  it('records the RV of a delete answered with the object (graceful deletion)', async () => {
    const { api, workload } = setupWorkload();
    await workload.setup();
    const name = await workload.create();
    api.override = (call) => (call.method === 'DELETE' ? { status: 200, body: { kind: 'ConfigMap', metadata: { name, resourceVersion: '150', deletionTimestamp: 'now' } } } : undefined);
    await workload.delete(name);
    expect(workload.writes.at(-1)).toMatchObject({ verb: 'delete', resourceVersion: '150' });
  });

  it('a rejected write throws WM_WORKLOAD, records nothing and keeps no object', async () => {
    const { api, workload } = setupWorkload();
    await workload.setup();
    api.override = () => ({ status: 422, body: { kind: 'Status', message: 'ConfigMap "x" is invalid' } });
    const err = await rejection(workload.create());
    expect(err.code).toBe('WM_WORKLOAD');
    expect(err.message).toBe('workload create configmaps watchmark-r1-0: HTTP 422: ConfigMap "x" is invalid');
    expect(workload.writes).toEqual([]);
    expect(workload.liveNames()).toEqual([]);
  });

  it('refuses to update an object it does not hold', async () => {
    const { workload } = setupWorkload();
    await workload.setup();
    expect((await rejection(workload.update('someone-elses'))).code).toBe('WM_INTERNAL');
  });
});

describe('Workload.cleanup', () => {
  it('deletes exactly the live objects it created, then its namespace', async () => {
    const { api, workload } = setupWorkload();
    await workload.setup();
    const a = await workload.create();
    const b = await workload.create();
    const c = await workload.create();
    await workload.delete(b);
    api.calls.length = 0;
    expect(await workload.cleanup()).toEqual([]);
    const base = '/api/v1/namespaces/watchmark-r1/configmaps';
    expect(api.paths()).toEqual([`DELETE ${base}/${a}`, `DELETE ${base}/${c}`, 'DELETE /api/v1/namespaces/watchmark-r1']);
    expect(workload.liveNames()).toEqual([]);
  });

  it('is idempotent: a second cleanup sends nothing', async () => {
    const { api, workload } = setupWorkload();
    await workload.setup();
    await workload.create();
    expect(await workload.cleanup()).toEqual([]);
    const sent = api.calls.length;
    expect(await workload.cleanup()).toEqual([]);
    expect(api.calls).toHaveLength(sent);
  });

  it('never deletes a namespace it was given', async () => {
    const { api, workload } = setupWorkload(CONFIGMAPS, { namespace: 'existing' });
    await workload.setup();
    const name = await workload.create();
    api.calls.length = 0;
    expect(await workload.cleanup()).toEqual([]);
    expect(api.paths()).toEqual([`DELETE /api/v1/namespaces/existing/configmaps/${name}`]);
  });

  it('treats 404 as already gone', async () => {
    const { api, workload } = setupWorkload();
    await workload.setup();
    await workload.create();
    api.objects.clear(); // someone else deleted the object and the namespace
    expect(await workload.cleanup()).toEqual([]);
    expect(workload.liveNames()).toEqual([]);
    api.calls.length = 0;
    expect(await workload.cleanup()).toEqual([]);
    expect(api.calls).toEqual([]);
  });

  it('reports other failures instead of throwing, and a later cleanup retries only what is left', async () => {
    const { api, workload } = setupWorkload();
    await workload.setup();
    const a = await workload.create();
    const b = await workload.create();
    api.override = (call) => {
      if (call.method !== 'DELETE') return undefined;
      if (call.path.endsWith(a)) return { status: 500, body: { message: 'boom' } };
      if (call.path.endsWith(b)) throw new WatchmarkError('WM_CONNECT', 'socket hang up');
      return { status: 403, body: { message: 'forbidden' } }; // the namespace
    };
    const problems = await workload.cleanup();
    expect(problems).toEqual([
      `delete configmaps ${a}: HTTP 500`,
      `delete configmaps ${b}: socket hang up`,
      'delete namespace watchmark-r1: HTTP 403',
    ]);
    expect(workload.liveNames()).toEqual([a, b]);

    api.override = () => undefined;
    api.calls.length = 0;
    expect(await workload.cleanup()).toEqual([]);
    const base = '/api/v1/namespaces/watchmark-r1/configmaps';
    expect(api.paths()).toEqual([`DELETE ${base}/${a}`, `DELETE ${base}/${b}`, 'DELETE /api/v1/namespaces/watchmark-r1']);
  });

  it('accepts 202 (deletion in progress) for the namespace', async () => {
    const { api, workload } = setupWorkload();
    await workload.setup();
    api.override = (call) => (call.method === 'DELETE' ? { status: 202, body: { kind: 'Namespace', status: { phase: 'Terminating' } } } : undefined);
    expect(await workload.cleanup()).toEqual([]);
    api.calls.length = 0;
    expect(await workload.cleanup()).toEqual([]);
    expect(api.calls).toEqual([]);
  });
});

/**
 * A server slower than Ctrl-C: requests matching `held` wait for release() before the fake server
 * handles them, and, as undici does, the caller's signal rejects the request at once
 * (WM_ABORTED) while the server still handles it when released: the create happens anyway.
 */
function slowServer(resource: ResolvedResource, held: (method: Method, path: string) => boolean) {
  const clock = new FakeClock();
  const api = new FakeApi(clock);
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const client: WorkloadClient = {
    requestJson(method, path, options = {}) {
      const served = held(method, path) ? gate.then(() => api.requestJson(method, path, options)) : api.requestJson(method, path, options);
      const { signal } = options;
      if (!signal) return served;
      return new Promise((resolve, reject) => {
        if (signal.aborted) return reject(new WatchmarkError('WM_ABORTED', 'aborted'));
        signal.addEventListener('abort', () => reject(new WatchmarkError('WM_ABORTED', 'aborted')), { once: true });
        served.then(resolve, reject);
      });
    },
  };
  const inventory = new TargetInventory();
  const workload = new Workload(client, resource, clock, { runId: 'r1', inventory });
  // The fake lists nothing by label: answer label lists from its store.
  api.override = (call) => {
    if (call.method !== 'GET') return undefined;
    const [collection] = call.path.split('?');
    const items = [...api.objects.entries()].filter(([p]) => p.startsWith(`${collection}/`) && p.split('/').length === collection!.split('/').length + 1).map(([, o]) => o);
    return { status: 200, body: { items } };
  };
  return { api, workload, inventory, release };
}

describe('Workload: Ctrl-C while a create is in flight', () => {
  it('namespace: setup fails with WM_ABORTED at once; cleanup waits for the create\'s answer and removes the namespace', async () => {
    const { api, workload, inventory, release } = slowServer(CONFIGMAPS, (m, p) => m === 'POST' && p === '/api/v1/namespaces');
    const controller = new AbortController();
    const setup = rejection(workload.setup(controller.signal));
    await Promise.resolve();
    controller.abort();
    expect((await setup).code).toBe('WM_ABORTED');
    // What exists on the target while the answer is awaited: possibly the namespace.
    expect(inventory.list()).toEqual([{ resource: 'namespaces', group: '', name: 'watchmark-r1', runId: 'r1', state: 'creating' }]);
    const cleaned = workload.cleanup();
    release(); // the server creates the namespace after all
    expect(await cleaned).toEqual([]);
    expect([...api.objects.keys()]).toEqual([]);
    expect(api.paths('DELETE')).toEqual(['DELETE /api/v1/namespaces/watchmark-r1']);
    expect(workload.removed).toEqual([{ resource: 'namespaces', group: '', name: 'watchmark-r1', runId: 'r1' }]);
    expect(inventory.list()).toEqual([]);
  });

  it('object: the caller stops waiting; cleanup deletes the object once created, then the namespace', async () => {
    const { api, workload, inventory, release } = slowServer(CONFIGMAPS, (m, p) => m === 'POST' && p.endsWith('/configmaps'));
    await workload.setup();
    const controller = new AbortController();
    const create = rejection(workload.create(controller.signal));
    await Promise.resolve();
    controller.abort();
    expect((await create).code).toBe('WM_ABORTED');
    const cleaned = workload.cleanup();
    release();
    expect(await cleaned).toEqual([]);
    expect([...api.objects.keys()]).toEqual([]);
    expect(api.paths('DELETE')).toEqual([
      'DELETE /api/v1/namespaces/watchmark-r1/configmaps/watchmark-r1-0',
      'DELETE /api/v1/namespaces/watchmark-r1',
    ]);
    expect(inventory.list()).toEqual([]);
  });

  it('a create still unanswered at cleanup\'s deadline stays named as possibly existing, with the kubectl command', async () => {
    const { workload, inventory } = slowServer(CONFIGMAPS, (m, p) => m === 'POST' && p === '/api/v1/namespaces');
    const controller = new AbortController();
    const setup = rejection(workload.setup(controller.signal));
    controller.abort();
    await setup;
    await workload.cleanup(50); // never released: the server never answers
    const left = inventory.list();
    expect(left).toEqual([{ resource: 'namespaces', group: '', name: 'watchmark-r1', runId: 'r1', state: 'creating', problem: expect.any(String) }]);
    expect(leftoverLines(left)[0]).toMatch(/^left on the target: namespace watchmark-r1 \(its create got no answer: it may exist/);
    expect(leftoverLines(left)[1]).toBe('  remove it with: kubectl delete namespace watchmark-r1');
  });

  it('a create whose answer was lost (transport error) is searched for by the run label and removed', async () => {
    const clock = new FakeClock();
    const api = new FakeApi(clock);
    const inventory = new TargetInventory();
    let first = true;
    const client: WorkloadClient = {
      async requestJson(method, path, options = {}) {
        if (method === 'GET') {
          const items = [...api.objects.entries()].filter(([p]) => p.startsWith('/api/v1/namespaces/ns/configmaps/')).map(([, o]) => o);
          api.calls.push({ method, path, body: undefined, atMs: 0 });
          return { status: 200, body: { items }, text: '' };
        }
        const res = await api.requestJson(method, path, options);
        if (method === 'POST' && first) {
          first = false; // created, but the answer never reached us
          throw new WatchmarkError('WM_CONNECT', 'connection reset');
        }
        return res;
      },
    };
    const workload = new Workload(client, CONFIGMAPS, clock, { runId: 'r1', namespace: 'ns', inventory });
    await workload.setup();
    expect((await rejection(workload.create())).code).toBe('WM_CONNECT');
    expect(await workload.cleanup()).toEqual([]);
    expect(api.paths()).toContain(`GET /api/v1/namespaces/ns/configmaps?labelSelector=${encodeURIComponent('watchmark.io/run=r1')}`);
    expect([...api.objects.keys()]).toEqual([]);
    expect(inventory.list()).toEqual([]);
  });
});

describe('leftoverLines', () => {
  it('names what is left by kind, namespace and name, with a kubectl command per namespace or collection', () => {
    expect(
      leftoverLines([
        { resource: 'configmaps', group: '', namespace: 'team', name: 'watchmark-ab-0', runId: 'ab', state: 'exists' },
        { resource: 'configmaps', group: '', namespace: 'team', name: 'watchmark-ab-1', runId: 'ab', state: 'exists', problem: 'delete answered HTTP 500' },
        { resource: 'widgets', group: 'example.com', name: 'watchmark-ab-2', runId: 'ab', state: 'exists' },
      ]),
    ).toEqual([
      'left on the target: configmaps watchmark-ab-0, watchmark-ab-1 in namespace team (delete answered HTTP 500)',
      '  remove them with: kubectl delete configmaps -n team -l watchmark.io/run=ab',
      'left on the target: widgets.example.com watchmark-ab-2',
      '  remove them with: kubectl delete widgets.example.com -l watchmark.io/run=ab',
    ]);
    expect(
      leftoverLines([
        { resource: 'namespaces', group: '', name: 'watchmark-ab', runId: 'ab', state: 'exists' },
        { resource: 'configmaps', group: '', namespace: 'watchmark-ab', name: 'watchmark-ab-0', runId: 'ab', state: 'exists' },
      ]),
    ).toEqual(['left on the target: namespace watchmark-ab (with configmaps watchmark-ab-0)', '  remove it with: kubectl delete namespace watchmark-ab']);
  });
});
