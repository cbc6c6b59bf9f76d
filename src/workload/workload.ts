import pRetry, { AbortError } from 'p-retry';
import type { Clock } from '../clock.js';
import { collectionPath, statusMessage, type ResolvedResource } from '../discovery/resolve-resource.js';
import { WatchmarkError } from '../errors.js';
import type { WorkloadWrite } from '../record/timeline.js';

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
}

/**
 * Writes that make the watched resource's RV advance while watches are open: a temporary
 * namespace labelled as watchmark's, objects created, updated and deleted, and everything it
 * created removed again by cleanup() (called on success, error and Ctrl-C). Every write is
 * recorded with the RV the server acknowledged, for the checks that need "the RV advanced".
 */
export class Workload {
  readonly writes: WorkloadWrite[] = [];
  /** Namespace the objects live in (undefined for cluster-scoped resources). */
  namespace: string | undefined;
  private createdNamespace = false;
  private readonly live = new Map<string, KubeObject>();
  private counter = 0;

  constructor(
    private readonly client: WorkloadClient,
    private readonly resource: ResolvedResource,
    private readonly clock: Clock,
    private readonly options: WorkloadOptions,
  ) {}

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
    const res = await this.retrying(`create namespace ${name}`, signal, () =>
      this.client.requestJson('POST', '/api/v1/namespaces', {
        body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: this.labels } },
        ...(signal ? { signal } : {}),
      }),
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
    const obj = await this.write('create', name, 'POST', this.collection(), body, signal, [200, 201]);
    this.live.set(name, obj);
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
    this.live.set(name, obj);
  }

  async delete(name: string, signal?: AbortSignal): Promise<void> {
    await this.write('delete', name, 'DELETE', `${this.collection()}/${encodeURIComponent(name)}`, undefined, signal, [200, 202]);
    this.live.delete(name);
  }

  /** Names of objects created and not yet deleted. */
  liveNames(): string[] {
    return [...this.live.keys()];
  }

  /**
   * Removes everything this workload created. Never throws: returns the problems it met so the
   * caller can report them (a leftover object is worth a line, not a crash).
   */
  async cleanup(timeoutMs = 15_000): Promise<string[]> {
    const problems: string[] = [];
    const signal = AbortSignal.timeout(timeoutMs);
    for (const name of [...this.live.keys()]) {
      try {
        const res = await this.client.requestJson('DELETE', `${this.collection()}/${encodeURIComponent(name)}`, { signal });
        if (res.status !== 200 && res.status !== 202 && res.status !== 404) {
          problems.push(`delete ${this.resource.resource} ${name}: HTTP ${res.status}`);
        } else this.live.delete(name);
      } catch (err) {
        problems.push(`delete ${this.resource.resource} ${name}: ${(err as Error).message}`);
      }
    }
    if (this.createdNamespace && this.namespace) {
      try {
        const res = await this.client.requestJson('DELETE', `/api/v1/namespaces/${encodeURIComponent(this.namespace)}`, { signal });
        if (res.status !== 200 && res.status !== 202 && res.status !== 404) {
          problems.push(`delete namespace ${this.namespace}: HTTP ${res.status}`);
        } else this.createdNamespace = false;
      } catch (err) {
        problems.push(`delete namespace ${this.namespace}: ${(err as Error).message}`);
      }
    }
    return problems;
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
  ): Promise<KubeObject> {
    const sentAtMs = this.clock.nowMs();
    const res = await this.client.requestJson(method, path, { ...(body === undefined ? {} : { body }), ...(signal ? { signal } : {}) });
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

  private async retrying<T extends { status: number; body: unknown; text: string }>(
    what: string,
    signal: AbortSignal | undefined,
    fn: () => Promise<T>,
  ): Promise<T> {
    try {
      return await pRetry(
        async (attempt) => {
          const res = await fn();
          if (res.status === 429 || res.status >= 500) {
            // A coded error, so running out of retries ends the run like any other workload failure.
            throw new WatchmarkError(
              'WM_WORKLOAD',
              `cannot ${what}: HTTP ${res.status}: ${statusMessage(res.body, res.text)} (${attempt} attempt${attempt === 1 ? '' : 's'})`,
            );
          }
          return res;
        },
        {
          retries: 4,
          minTimeout: 200,
          maxTimeout: 2_000,
          ...(signal ? { signal } : {}),
          shouldRetry: ({ error }) => !(error instanceof WatchmarkError && error.code === 'WM_TLS') && !(error instanceof AbortError),
        },
      );
    } catch (err) {
      // p-retry rejects with the signal's bare reason when Ctrl-C lands during a backoff.
      if (signal?.aborted && !(err instanceof WatchmarkError && err.code === 'WM_ABORTED')) {
        throw new WatchmarkError('WM_ABORTED', `interrupted while trying to ${what}`, {}, { cause: err });
      }
      throw err;
    }
  }
}
