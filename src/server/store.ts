/**
 * The embedded server's storage: objects of every resource, one global resourceVersion counter
 * (an etcd revision: strictly increasing over all writes of all resources), and a time-bounded
 * event history that watches from an explicit RV replay.
 *
 * Simplifications, all deliberate:
 * - History retention is purely by age (`historyWindowMs`, default 75 s =
 *   DefaultEventFreshDuration). kube-apiserver's watch cache evicts events older than that only
 *   when its ring buffer is full, so it is usually more lenient; age-only eviction makes "too old
 *   resource version" reproducible with a short window.
 * - One history for all resources (kube-apiserver keeps one per resource in each cacher).
 * - Deleting a namespace removes its configmaps at once (one DELETED event each, in name order)
 *   and then the namespace, instead of kube's Terminating phase, namespace controller and
 *   finalizers. Finalizers on objects are stored but never block deletion.
 * - Updates that change nothing are no-ops without a new RV or event, as etcd3's GuaranteedUpdate.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { managedFieldsAfterUpdate, serverSideApply, type ManagedFieldsEntry, type Writer } from './managed-fields.js';
import {
  buildObject,
  checkTypeMeta,
  clientMetaFromBody,
  requireValidName,
  withResourceVersion,
  NAMESPACES,
  RESOURCES,
  type KubeObject,
  type ObjectMeta,
  type ResourceDef,
  type ResourceName,
} from './resources.js';
import {
  ApiStatusError,
  alreadyExists,
  badRequest,
  conflict,
  forbidden,
  invalid,
  notFound,
} from './status.js';

export type StoreEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  readonly type: StoreEventType;
  readonly resource: ResourceName;
  /** The write's resourceVersion. */
  readonly rv: number;
  /** ADDED/MODIFIED: the new state. DELETED: the last state, with the deletion RV. */
  readonly object: KubeObject;
  /** MODIFIED: the state before. DELETED: the last state with its own RV. */
  readonly prevObject?: KubeObject;
  /** Store clock time of the write (for history retention). */
  readonly atMs: number;
}

export interface StoredRecord {
  readonly object: KubeObject;
  /** RV of the write that created the object; differs from the object's RV once it was updated. */
  readonly createdRv: number;
}

export interface HistoryResult {
  /** Retained events with RV > the requested RV, oldest first (all of them when `expired`). */
  events: readonly StoreEvent[];
  /** Some events after the requested RV are gone. */
  expired: boolean;
  /** The newest RV no longer in the history (the "(oldest-1)" of kube's 410 message); 0 if none. */
  evictedThroughRv: number;
}

export interface DeletePreconditions {
  uid?: string;
  resourceVersion?: string;
}

export interface ObjectStoreOptions {
  clock: Clock;
  historyWindowMs: number;
  newUid?: () => string;
  /** Five characters for generateName (kube: `utilrand.String(5)` over "bcdfghjklmnpqrstvwxz2456789"). */
  randomSuffix?: () => string;
}

/** Namespaces kube-apiserver refuses to delete (`pkg/registry/core/namespace` + NamespaceLifecycle admission). */
const UNDELETABLE_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);

export class ObjectStore {
  private rv = 0;
  private readonly objects: Record<ResourceName, Map<string, StoredRecord>> = { namespaces: new Map(), configmaps: new Map() };
  private history: StoreEvent[] = [];
  private historyHead = 0;
  private evictedThroughRv = 0;
  private readonly listeners = new Set<(event: StoreEvent) => void>();
  private readonly clock: Clock;
  private readonly historyWindowMs: number;
  private readonly newUid: () => string;
  private readonly randomSuffix: () => string;

  constructor(options: ObjectStoreOptions) {
    this.clock = options.clock;
    this.historyWindowMs = options.historyWindowMs;
    this.newUid = options.newUid ?? randomUUID;
    this.randomSuffix = options.randomSuffix ?? defaultRandomSuffix;
  }

  currentRv(): number {
    return this.rv;
  }

  /** Registers a listener called synchronously after every write. Returns the unsubscribe function. */
  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get(resource: ResourceName, namespace: string | undefined, name: string): StoredRecord | undefined {
    return this.objects[resource].get(objectKey(namespace, name));
  }

  /** Current objects of a resource (optionally one namespace), sorted by namespace then name (etcd key order). */
  list(resource: ResourceName, namespace?: string): StoredRecord[] {
    const out: StoredRecord[] = [];
    for (const record of this.objects[resource].values()) {
      if (namespace === undefined || record.object.metadata.namespace === namespace) out.push(record);
    }
    return out.sort((a, b) => compareKeys(a.object, b.object));
  }

  /**
   * Starts the replayable history at the current RV, as kube-apiserver's watch cache starts at
   * the RV of its initial LIST: everything written so far (the bootstrap objects) can be listed
   * but not replayed, so a watch from an RV below the current one is too old (apiserver v0.35.0
   * pkg/storage/cacher/watch_cache.go getAllEventsSinceLocked: with nothing evicted yet, the
   * oldest deliverable event is listResourceVersion+1, and RVs below listResourceVersion get
   * "too old resource version: RV (listResourceVersion)").
   */
  startHistoryAtCurrentRv(): void {
    this.evictedThroughRv = this.rv;
    this.history = [];
    this.historyHead = 0;
  }

  /**
   * Retained events with RV > `sinceRv`; `expired` when some were evicted (sinceRv is older than
   * the retained history). kube's rule (watch_cache.go getAllEventsSinceLocked): too old iff
   * sinceRv < oldest-1, with oldest the first retained event.
   */
  historySince(sinceRv: number): HistoryResult {
    this.evictExpired();
    // Binary search for the first event with rv > sinceRv.
    let lo = this.historyHead;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.history[mid]!.rv <= sinceRv) lo = mid + 1;
      else hi = mid;
    }
    return { events: this.history.slice(lo), expired: sinceRv < this.evictedThroughRv, evictedThroughRv: this.evictedThroughRv };
  }

  /**
   * `fieldManager` records the write in managedFields as an Update by that manager (kube-apiserver's
   * field manager); `managedFields` (server-side apply) sets them as given instead.
   */
  create(def: ResourceDef, body: Record<string, unknown>, pathNamespace?: string, fieldManager?: string, managedFields?: ManagedFieldsEntry[]): KubeObject {
    checkTypeMeta(def, body);
    const meta = clientMetaFromBody(def, body);
    const namespace = this.checkNamespace(def, meta.namespace, pathNamespace);
    requireValidName(def, meta);
    let name = meta.name;
    if (!name) {
      // generateName: retry on the (unlikely) collision rather than answering 409 as kube may.
      do name = `${meta.generateName}${this.randomSuffix()}`;
      while (this.objects[def.resource].has(objectKey(namespace, name)));
    }
    if (this.objects[def.resource].has(objectKey(namespace, name))) {
      throw new ApiStatusError(alreadyExists(def.resource, name));
    }
    const content = def.contentFromBody(body);
    const rv = this.rv + 1;
    let labels = meta.labels;
    if (def === NAMESPACES) {
      // NamespaceDefaultLabelName feature (GA 1.22): every namespace carries its name as a label.
      labels = { ...labels, 'kubernetes.io/metadata.name': name };
    }
    const objectMeta: ObjectMeta = {
      name,
      uid: this.newUid(),
      resourceVersion: String(rv),
      creationTimestamp: this.timestamp(),
    };
    if (meta.generateName) objectMeta.generateName = meta.generateName;
    if (namespace) objectMeta.namespace = namespace;
    if (labels) objectMeta.labels = labels;
    if (meta.annotations) objectMeta.annotations = meta.annotations;
    if (meta.ownerReferences) objectMeta.ownerReferences = meta.ownerReferences;
    if (meta.finalizers) objectMeta.finalizers = meta.finalizers;
    const object = withManagedFields(def, undefined, buildObject(def, objectMeta, content), this.writer(fieldManager), managedFields ?? requestedManagedFields(body));
    this.commit({ type: 'ADDED', resource: def.resource, rv, object, atMs: this.clock.nowMs() }, { object, createdRv: rv });
    return object;
  }

  /** PUT semantics: optimistic concurrency when the body carries metadata.resourceVersion. */
  update(
    def: ResourceDef,
    body: Record<string, unknown>,
    pathNamespace: string | undefined,
    pathName: string,
    fieldManager?: string,
    managedFields?: ManagedFieldsEntry[],
  ): KubeObject {
    checkTypeMeta(def, body);
    const meta = clientMetaFromBody(def, body);
    const namespace = def.namespaced ? pathNamespace : undefined;
    if (def.namespaced && meta.namespace && meta.namespace !== pathNamespace) {
      throw new ApiStatusError(badRequest('the namespace of the provided object does not match the namespace sent on the request'));
    }
    if (meta.name !== pathName) {
      throw new ApiStatusError(badRequest(`the name of the object (${meta.name ?? ''}) does not match the name on the URL (${pathName})`));
    }
    const existing = this.get(def.resource, namespace, pathName);
    if (!existing) throw new ApiStatusError(notFound(def.resource, pathName));
    const old = existing.object;
    if (meta.resourceVersion !== undefined && meta.resourceVersion !== old.metadata.resourceVersion) {
      throw new ApiStatusError(conflict(def.resource, pathName));
    }
    const content = def.contentFromBody(body);
    if (old.immutable === true && !sameJson(contentWithoutMeta(old), content)) {
      throw new ApiStatusError(
        invalid('', def.kind, pathName, [{ type: 'Forbidden', field: 'data', detail: 'field is immutable when `immutable` is set' }]),
      );
    }
    const objectMeta: ObjectMeta = {
      name: pathName,
      uid: old.metadata.uid,
      resourceVersion: old.metadata.resourceVersion,
      creationTimestamp: old.metadata.creationTimestamp,
    };
    if (meta.generateName ?? old.metadata.generateName) objectMeta.generateName = meta.generateName ?? old.metadata.generateName!;
    if (namespace) objectMeta.namespace = namespace;
    let labels = meta.labels;
    if (def === NAMESPACES) labels = { ...labels, 'kubernetes.io/metadata.name': pathName };
    if (labels) objectMeta.labels = labels;
    if (meta.annotations) objectMeta.annotations = meta.annotations;
    if (meta.ownerReferences) objectMeta.ownerReferences = meta.ownerReferences;
    if (meta.finalizers) objectMeta.finalizers = meta.finalizers;
    if (old.metadata.managedFields) objectMeta.managedFields = old.metadata.managedFields;
    const candidate = withManagedFields(def, old, buildObject(def, objectMeta, content), this.writer(fieldManager), managedFields ?? requestedManagedFields(body));
    if (sameJson(candidate, old)) return old;
    const rv = this.rv + 1;
    const object = withResourceVersion(candidate, rv);
    this.commit(
      { type: 'MODIFIED', resource: def.resource, rv, object, prevObject: old, atMs: this.clock.nowMs() },
      { object, createdRv: existing.createdRv },
    );
    return object;
  }

  /**
   * Server-side apply of `config` by `fieldManager` (managed-fields.ts): creates the object when
   * absent (`created` true), else merges it into the current one as an update.
   */
  apply(def: ResourceDef, config: Record<string, unknown>, namespace: string | undefined, name: string, fieldManager: string, force: boolean): { object: KubeObject; created: boolean } {
    const existing = this.get(def.resource, def.namespaced ? namespace : undefined, name);
    const result = serverSideApply(def.kind, existing?.object as Record<string, unknown> | undefined, config, this.writer(fieldManager)!, force);
    const managed = (result.object.metadata as { managedFields?: ManagedFieldsEntry[] }).managedFields ?? [];
    if (!existing) return { object: this.create(def, result.object, namespace, undefined, managed), created: true };
    return { object: this.update(def, result.object, namespace, name, undefined, managed), created: false };
  }

  /** Removes an object; returns its last state with the deletion RV (what the DELETED event carries). */
  delete(def: ResourceDef, namespace: string | undefined, name: string, preconditions: DeletePreconditions = {}): KubeObject {
    const ns = def.namespaced ? namespace : undefined;
    const existing = this.get(def.resource, ns, name);
    if (!existing) throw new ApiStatusError(notFound(def.resource, name));
    const old = existing.object;
    if (preconditions.uid !== undefined && preconditions.uid !== old.metadata.uid) {
      throw new ApiStatusError(
        conflict(def.resource, name, `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${old.metadata.uid}`),
      );
    }
    if (preconditions.resourceVersion !== undefined && preconditions.resourceVersion !== old.metadata.resourceVersion) {
      throw new ApiStatusError(
        conflict(
          def.resource,
          name,
          `Precondition failed: ResourceVersion in precondition: ${preconditions.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion}`,
        ),
      );
    }
    if (def === NAMESPACES) {
      if (UNDELETABLE_NAMESPACES.has(name)) {
        throw new ApiStatusError(forbidden('namespaces', name, 'this namespace may not be deleted'));
      }
      for (const record of this.list('configmaps', name)) this.remove(RESOURCES.configmaps, record);
    }
    return this.remove(def, existing);
  }

  private remove(def: ResourceDef, record: StoredRecord): KubeObject {
    const rv = this.rv + 1;
    const object = withResourceVersion(record.object, rv);
    this.commit({ type: 'DELETED', resource: def.resource, rv, object, prevObject: record.object, atMs: this.clock.nowMs() }, null);
    return object;
  }

  private checkNamespace(def: ResourceDef, bodyNamespace: string | undefined, pathNamespace: string | undefined): string | undefined {
    if (!def.namespaced) return undefined;
    if (bodyNamespace && bodyNamespace !== pathNamespace) {
      throw new ApiStatusError(badRequest('the namespace of the provided object does not match the namespace sent on the request'));
    }
    const namespace = pathNamespace!;
    if (!this.get('namespaces', undefined, namespace)) {
      // NamespaceLifecycle admission: `namespaces "x" not found`.
      throw new ApiStatusError(notFound('namespaces', namespace));
    }
    return namespace;
  }

  private commit(event: StoreEvent, record: StoredRecord | null): void {
    this.rv = event.rv;
    const key = objectKey(event.object.metadata.namespace, event.object.metadata.name);
    if (record) this.objects[event.resource].set(key, record);
    else this.objects[event.resource].delete(key);
    this.history.push(event);
    this.evictExpired();
    for (const listener of this.listeners) listener(event);
  }

  private evictExpired(): void {
    const cutoffMs = this.clock.nowMs() - this.historyWindowMs;
    while (this.historyHead < this.history.length && this.history[this.historyHead]!.atMs < cutoffMs) {
      this.evictedThroughRv = this.history[this.historyHead]!.rv;
      this.historyHead++;
    }
    if (this.historyHead > 1024 && this.historyHead * 2 > this.history.length) {
      this.history = this.history.slice(this.historyHead);
      this.historyHead = 0;
    }
  }

  private writer(fieldManager: string | undefined): Writer | undefined {
    return fieldManager === undefined ? undefined : { manager: fieldManager, time: this.timestamp() };
  }

  private timestamp(): string {
    return new Date(this.clock.anchorWallMs + this.clock.nowMs()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
}

/** The object with its managedFields after this write: as given (apply), or an Update by `writer` from the ones it asks for, or unchanged. */
function withManagedFields(def: ResourceDef, before: KubeObject | undefined, object: KubeObject, writer?: Writer, given?: ManagedFieldsEntry[] | { requested: unknown }): KubeObject {
  const requested = given !== undefined && !Array.isArray(given) ? given.requested : undefined;
  const entries = Array.isArray(given) ? given : writer ? managedFieldsAfterUpdate(def.kind, before, object, writer, requested) : undefined;
  if (entries === undefined) return object;
  const { managedFields: _old, ...metadata } = object.metadata;
  return buildObject(def, { ...metadata, managedFields: entries }, contentWithoutMeta(object));
}

function requestedManagedFields(body: Record<string, unknown>): { requested: unknown } {
  const metadata = body.metadata as { managedFields?: unknown } | undefined;
  return { requested: metadata?.managedFields };
}

function objectKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

function compareKeys(a: KubeObject, b: KubeObject): number {
  const an = a.metadata.namespace ?? '';
  const bn = b.metadata.namespace ?? '';
  if (an !== bn) return an < bn ? -1 : 1;
  return a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
}

function contentWithoutMeta(object: KubeObject): Record<string, unknown> {
  const { kind: _kind, apiVersion: _apiVersion, metadata: _metadata, ...content } = object;
  return content;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
function defaultRandomSuffix(): string {
  let out = '';
  for (let i = 0; i < 5; i++) out += SUFFIX_ALPHABET[Math.floor(Math.random() * SUFFIX_ALPHABET.length)];
  return out;
}
