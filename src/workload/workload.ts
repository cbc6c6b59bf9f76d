import type { Clock } from '../clock.js';
import { collectionPath, statusMessage, type ResolvedResource } from '../discovery/resolve-resource.js';
import { WatchmarkError } from '../errors.js';
import type { WorkloadWrite } from '../record/timeline.js';
import { processInventory, type TargetInventory, type TargetObjectRef } from './inventory.js';
import { retryTransient } from './retry.js';

/** The part of the transport client the workload needs. */
export interface WorkloadClient {
  requestJson(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    options?: { body?: unknown; signal?: AbortSignal },
  ): Promise<{ status: number; body: unknown; text: string }>;
}

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const RUN_LABEL = 'watchmark.io/run';
/**
 * Alternates a/b over the objects the workload creates (the first is a), so that a selector
 * `watchmark.io/group=a` matches some of them: what a controller's selector informer watches.
 */
export const GROUP_LABEL = 'watchmark.io/group';

interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

export interface WorkloadOptions {
  runId: string;
  /** Use this existing namespace instead of creating a temporary one (it is then never deleted). */
  namespace?: string;
  /**
   * The object to create (a scenario's objectTemplate), for resources watchmark cannot fill in by
   * itself: apiVersion/kind default to the resource's, and metadata name, namespace and
   * watchmark's labels are always set by the workload (the template's other labels are kept).
   */
  template?: Record<string, unknown>;
  /** Where the workload registers what exists on the target (default: the process's inventory). */
  inventory?: TargetInventory;
}

type Answer = { status: number; body: unknown; text: string };
const refKey = (ref: TargetObjectRef) => `${ref.group}/${ref.resource}/${ref.namespace ?? ''}/${ref.name}`;

/**
 * Writes that make the watched resource's RV advance while watches are open: a temporary
 * namespace labelled as watchmark's, objects created, updated and deleted, and everything it
 * created removed again by cleanup() (called on success, error and Ctrl-C). Every write is
 * recorded with the RV the server acknowledged, for the checks that need "the RV advanced".
 *
 * Ctrl-C while a write is in flight: the caller gets WM_ABORTED at once, but the request itself
 * is not cancelled — a create whose answer has not arrived may still happen on the server, and
 * cancelling it would only hide the answer. It goes on in the background until cleanup() has
 * its answer (or cleanup's deadline passes), so cleanup knows what to delete. Everything created
 * or possibly created is registered in the inventory (inventory.ts) until it is known gone.
 */
export class Workload {
  readonly writes: WorkloadWrite[] = [];
  /** Namespace the objects live in (undefined for cluster-scoped resources). */
  namespace: string | undefined;
  private createdNamespace = false;
  private readonly live = new Map<string, KubeObject>();
  private counter = 0;
  /** Aborted by cleanup's deadline only: in-flight writes are not cancelled by Ctrl-C. */
  private readonly settle = new AbortController();
  private readonly inFlight = new Set<Promise<unknown>>();
  /** A create got no answer, or an answer that does not say it failed: cleanup also searches by label. */
  private uncertain = { namespace: false, objects: false };
  private readonly inventory: TargetInventory;
  /** What cleanup removed (for the interrupt message). */
  readonly removed: TargetObjectRef[] = [];

  constructor(
    private readonly client: WorkloadClient,
    private readonly resource: ResolvedResource,
    private readonly clock: Clock,
    private readonly options: WorkloadOptions,
  ) {
    this.inventory = options.inventory ?? processInventory;
  }

  get labels(): Record<string, string> {
    return { [MANAGED_BY_LABEL]: 'watchmark', [RUN_LABEL]: this.options.runId };
  }

  /** Creates the namespace (unless one was given) with bounded retries of transient failures. */
  async setup(signal?: AbortSignal): Promise<void> {
    if (!this.resource.namespaced) return;
    if (this.options.namespace) {
      this.namespace = this.options.namespace;
      return;
    }
    const name = `watchmark-${this.options.runId}`;
    const ref = this.namespaceRef(name);
    const res = await retryTransient(`create namespace ${name}`, signal, () =>
      this.send(
        'POST',
        '/api/v1/namespaces',
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: this.labels } },
        signal,
        { ref, kind: 'namespace' },
      ),
    );
    if (res.status === 404) {
      // Servers that serve only their own API groups (kinm, aggregated and shim servers) have no
      // namespaces resource to create one in, yet serve namespaced resources in any namespace.
      throw new WatchmarkError(
        'WM_WORKLOAD',
        `cannot create namespace ${name}: the server has no namespaces resource (POST /api/v1/namespaces answered HTTP 404: ${statusMessage(res.body, res.text)}); ` +
          `pass --namespace NAME to run in a namespace the server accepts (kinm-like servers need it)`,
      );
    }
    if (res.status !== 201 && res.status !== 200) {
      throw new WatchmarkError('WM_WORKLOAD', `cannot create namespace ${name}: HTTP ${res.status}: ${statusMessage(res.body, res.text)}`);
    }
    this.namespace = name;
    this.createdNamespace = true;
  }

  /** Creates one object; returns its name. */
  async create(signal?: AbortSignal): Promise<string> {
    const name = `watchmark-${this.options.runId}-${this.counter++}`;
    const template = (this.options.template ?? {}) as KubeObject;
    const body: KubeObject = {
      ...(this.options.template ? {} : this.isConfigMap() ? { data: { step: '0' } } : {}),
      ...template,
      apiVersion: template.apiVersion ?? this.resource.apiVersion,
      kind: template.kind ?? this.resource.kind,
      metadata: {
        ...(template.metadata ?? {}),
        name,
        labels: { ...(template.metadata?.labels ?? {}), ...this.labels, [GROUP_LABEL]: this.counter % 2 === 1 ? 'a' : 'b' },
        ...(this.namespace ? { namespace: this.namespace } : {}),
      },
    };
    const obj = await this.write('create', name, 'POST', this.collection(), body, signal, [200, 201], { ref: this.objectRef(name), kind: 'object' });
    return name;
  }

  /** Updates a previously created object (a data/annotation change, so the RV advances). */
  async update(name: string, signal?: AbortSignal): Promise<void> {
    const current = this.live.get(name);
    if (!current) throw new WatchmarkError('WM_INTERNAL', `workload: no live object ${name} to update`);
    const step = String(Number(current.metadata?.annotations?.['watchmark.io/step'] ?? '0') + 1);
    const body: KubeObject = {
      ...current,
      metadata: { ...current.metadata, annotations: { ...(current.metadata?.annotations ?? {}), 'watchmark.io/step': step } },
      ...(this.isConfigMap() && !this.options.template ? { data: { step } } : {}),
    };
    const obj = await this.write('update', name, 'PUT', `${this.collection()}/${encodeURIComponent(name)}`, body, signal, [200]);
    if (this.live.has(name)) this.live.set(name, obj);
  }

  async delete(name: string, signal?: AbortSignal): Promise<void> {
    await this.write('delete', name, 'DELETE', `${this.collection()}/${encodeURIComponent(name)}`, undefined, signal, [200, 202], { ref: this.objectRef(name), kind: 'delete' });
  }

  /** Names of objects created and not yet deleted. */
  liveNames(): string[] {
    return [...this.live.keys()];
  }

  /**
   * Removes everything this workload created or may have created, within `timeoutMs` in all:
   * waits for writes still in flight (a create may yet succeed), deletes by name, and, when a
   * create's outcome was not known, lists by the run's label (watchmark.io/run) and deletes what
   * it finds. Never throws: returns the problems it met so the caller can report them (a
   * leftover object is worth a line, not a crash); what is left stays in the inventory, named.
   */
  async cleanup(timeoutMs = 15_000): Promise<string[]> {
    const problems: string[] = [];
    const signal = AbortSignal.timeout(timeoutMs);
    const cut = () => this.settle.abort();
    signal.addEventListener('abort', cut, { once: true });
    try {
      await this.settleInFlight(signal);
      const mine = (filter: (ref: TargetObjectRef) => boolean) => this.inventory.list((e) => this.registered.has(refKey(e)) && filter(e));
      const isNamespace = (ref: TargetObjectRef) => ref.resource === 'namespaces' && ref.group === '';
      for (const entry of mine((e) => !isNamespace(e))) {
        await this.remove(entry, `${collectionPath(this.resource, entry.namespace)}/${encodeURIComponent(entry.name)}`, this.resource.resource, signal, problems);
      }
      if (this.uncertain.objects && (this.namespace || !this.resource.namespaced)) {
        for (const name of await this.findByRunLabel(collectionPath(this.resource, this.namespace), signal, problems)) {
          this.adopt(this.objectRef(name));
          await this.remove({ ...this.objectRef(name), state: 'exists' }, `${this.collection()}/${encodeURIComponent(name)}`, this.resource.resource, signal, problems);
        }
        if (!problems.length) this.uncertain.objects = false;
      }
      for (const entry of mine(isNamespace)) {
        await this.remove(entry, `/api/v1/namespaces/${encodeURIComponent(entry.name)}`, 'namespace', signal, problems);
      }
      if (this.uncertain.namespace) {
        for (const name of await this.findByRunLabel('/api/v1/namespaces', signal, problems)) {
          this.adopt(this.namespaceRef(name));
          await this.remove({ ...this.namespaceRef(name), state: 'exists' }, `/api/v1/namespaces/${encodeURIComponent(name)}`, 'namespace', signal, problems);
        }
        if (!problems.length) this.uncertain.namespace = false;
      }
      if (mine(isNamespace).length === 0) this.createdNamespace = false;
    } finally {
      signal.removeEventListener('abort', cut);
    }
    return problems;
  }

  /** Waits for the writes still in flight to get their answer, or for the deadline. */
  private async settleInFlight(deadline: AbortSignal): Promise<void> {
    if (this.inFlight.size === 0) return;
    await new Promise<void>((resolve) => {
      if (deadline.aborted) return resolve();
      deadline.addEventListener('abort', () => resolve(), { once: true });
      void Promise.allSettled([...this.inFlight]).then(() => resolve());
    });
  }

  private async remove(
    entry: TargetObjectRef & { state: 'creating' | 'exists' },
    path: string,
    what: string,
    signal: AbortSignal,
    problems: string[],
  ): Promise<void> {
    try {
      const res = await this.client.requestJson('DELETE', path, { signal });
      if (res.status === 200 || res.status === 202) {
        this.inventory.remove(entry);
        this.removed.push({ resource: entry.resource, group: entry.group, ...(entry.namespace ? { namespace: entry.namespace } : {}), name: entry.name, runId: entry.runId });
        this.live.delete(entry.name);
      } else if (res.status === 404) {
        // Gone, or never created — unless its create is still unanswered: it may land later.
        if (!(entry.state === 'creating' && this.isStillInFlight(entry))) this.inventory.remove(entry);
        this.live.delete(entry.name);
      } else {
        const problem = `delete ${what} ${entry.name}: HTTP ${res.status}`;
        problems.push(problem);
        this.inventory.setProblem(entry, `delete answered HTTP ${res.status}`);
      }
    } catch (err) {
      problems.push(`delete ${what} ${entry.name}: ${(err as Error).message}`);
      this.inventory.setProblem(entry, `delete failed: ${(err as Error).message}`);
    }
  }

  /** Names of what carries this run's label in `collection` (empty, with a problem, if it cannot tell). */
  private async findByRunLabel(collection: string, signal: AbortSignal, problems: string[]): Promise<string[]> {
    const selector = encodeURIComponent(`${RUN_LABEL}=${this.options.runId}`);
    try {
      const res = await this.client.requestJson('GET', `${collection}?labelSelector=${selector}`, { signal });
      if (res.status !== 200) {
        problems.push(`list ${collection} by label ${RUN_LABEL}=${this.options.runId}: HTTP ${res.status}`);
        return [];
      }
      const items = (res.body as { items?: KubeObject[] } | undefined)?.items ?? [];
      return items.flatMap((o) => (typeof o.metadata?.name === 'string' ? [o.metadata.name] : []));
    } catch (err) {
      problems.push(`list ${collection} by label ${RUN_LABEL}=${this.options.runId}: ${(err as Error).message}`);
      return [];
    }
  }

  private readonly pendingCreates = new Set<string>();
  /** What this workload put into the inventory (the inventory is shared by the process). */
  private readonly registered = new Set<string>();
  private isStillInFlight(ref: TargetObjectRef): boolean {
    return this.pendingCreates.has(`${ref.resource}/${ref.name}`);
  }

  /** Something found by the run's label: registered as existing until removed. */
  private adopt(ref: TargetObjectRef): void {
    if (!this.inventory.get(ref)) this.inventory.add(ref, 'exists');
    this.registered.add(refKey(ref));
  }

  private namespaceRef(name: string): TargetObjectRef {
    return { resource: 'namespaces', group: '', name, runId: this.options.runId };
  }

  private objectRef(name: string): TargetObjectRef {
    return { resource: this.resource.resource, group: this.resource.group, ...(this.namespace ? { namespace: this.namespace } : {}), name, runId: this.options.runId };
  }

  /**
   * Sends one write. The request runs to its answer whatever the caller's signal does (only
   * cleanup's deadline cuts it); the caller stops waiting with WM_ABORTED when its signal aborts.
   * For a create, the inventory holds the object as `creating` from before the request until
   * the answer says whether it exists; a delete removes it once answered.
   */
  private send(
    method: 'POST' | 'PUT' | 'DELETE',
    path: string,
    body: unknown,
    signal: AbortSignal | undefined,
    track?: { ref: TargetObjectRef; kind: 'namespace' | 'object' | 'delete' },
  ): Promise<Answer> {
    if (signal?.aborted) return Promise.reject(new WatchmarkError('WM_ABORTED', `interrupted before ${method} ${path}`));
    const creating = track && track.kind !== 'delete';
    const pendingKey = track ? `${track.ref.resource}/${track.ref.name}` : '';
    if (creating) {
      this.inventory.add(track.ref, 'creating');
      this.registered.add(refKey(track.ref));
      this.pendingCreates.add(pendingKey);
    }
    const request = this.client.requestJson(method, path, { ...(body === undefined ? {} : { body }), signal: this.settle.signal });
    const settled = request.then(
      (res) => {
        if (!track) return;
        const ok = res.status >= 200 && res.status < 300;
        if (track.kind === 'delete') {
          if (ok || res.status === 404) {
            this.inventory.remove(track.ref);
            this.live.delete(track.ref.name);
          }
        } else if (ok) {
          this.inventory.add(track.ref, 'exists');
          if (track.kind === 'namespace') this.createdNamespace = true;
          else this.live.set(track.ref.name, (res.body ?? {}) as KubeObject);
        } else if (res.status >= 400 && res.status < 500 && res.status !== 429 && res.status !== 408) {
          this.inventory.remove(track.ref); // refused: it was not created
        } else this.markUncertain(track.kind);
      },
      () => {
        if (creating) this.markUncertain(track.kind);
      },
    );
    const tracked = settled.finally(() => {
      this.inFlight.delete(tracked);
      if (creating) this.pendingCreates.delete(pendingKey);
    });
    this.inFlight.add(tracked);
    if (!signal) return request;
    return new Promise<Answer>((resolve, reject) => {
      const onAbort = () => reject(new WatchmarkError('WM_ABORTED', `interrupted while waiting for ${method} ${path} (the request goes on; cleanup waits for its answer)`));
      signal.addEventListener('abort', onAbort, { once: true });
      request.then(
        (res) => {
          signal.removeEventListener('abort', onAbort);
          resolve(res);
        },
        (err: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(err);
        },
      );
    });
  }

  private markUncertain(kind: 'namespace' | 'object' | 'delete'): void {
    if (kind === 'namespace') this.uncertain.namespace = true;
    else if (kind === 'object') this.uncertain.objects = true;
  }

  private isConfigMap(): boolean {
    return this.resource.group === '' && this.resource.resource === 'configmaps';
  }

  private collection(): string {
    return collectionPath(this.resource, this.namespace);
  }

  private async write(
    verb: WorkloadWrite['verb'],
    name: string,
    method: 'POST' | 'PUT' | 'DELETE',
    path: string,
    body: unknown,
    signal: AbortSignal | undefined,
    okStatuses: number[],
    track?: { ref: TargetObjectRef; kind: 'object' | 'delete' },
  ): Promise<KubeObject> {
    const sentAtMs = this.clock.nowMs();
    const res = await this.send(method, path, body, signal, track);
    const atMs = this.clock.nowMs();
    if (!okStatuses.includes(res.status)) {
      throw new WatchmarkError(
        'WM_WORKLOAD',
        `workload ${verb} ${this.resource.resource} ${name}: HTTP ${res.status}: ${statusMessage(res.body, res.text)}`,
      );
    }
    const obj = (res.body ?? {}) as KubeObject;
    const rv = obj.metadata?.resourceVersion;
    this.writes.push({
      atMs,
      sentAtMs,
      verb,
      resource: this.resource.resource,
      ...(this.namespace ? { namespace: this.namespace } : {}),
      name,
      ...(rv ? { resourceVersion: rv } : {}),
    });
    return obj;
  }
}
