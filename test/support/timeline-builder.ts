/**
 * Fluent builders for hand-made StreamRecords and RunRecords, so checks and verdicts can be
 * tested on exact timelines (STYLE.md: timing logic is tested on hand-built timelines, never sleeps).
 *
 *   const s = watchListStream('watch-list#1')
 *     .response(5)
 *     .added(10, 'a', '101')
 *     .endBookmark(12, '105')
 *     .close(10_005, 'server-eof')
 *     .build();
 *   const record = run().stream(s).write({ atMs: 20, resource: 'configmaps', name: 'a', resourceVersion: '106' }).build();
 */
import type {
  CloseReason,
  EventEntry,
  ListRecord,
  RunRecord,
  StreamRecord,
  TimelineEntry,
  WatchedKind,
  WatchOptions,
  WorkloadWrite,
} from '../../src/record/timeline.js';

export const CONFIGMAPS: WatchedKind = { apiVersion: 'v1', kind: 'ConfigMap', resource: 'configmaps' };
export const WIDGETS: WatchedKind = { apiVersion: 'kinm.test/v1', kind: 'Widget', resource: 'widgets' };

/** client-go v0.35 reflector watch-list options (tools/cache/reflector.go watchList). */
export const WATCH_LIST_OPTIONS: WatchOptions = {
  allowWatchBookmarks: true,
  sendInitialEvents: true,
  resourceVersionMatch: 'NotOlderThan',
  timeoutSeconds: 300,
};

export interface ObjectOverrides {
  /** Replaces the whole object (use `null`/`undefined`/anything to craft bad frames). */
  object?: unknown;
  kind?: string | null;
  apiVersion?: string | null;
  annotations?: Record<string, unknown>;
  labels?: Record<string, string>;
  /** Extra top-level fields merged into the object. */
  extra?: Record<string, unknown>;
}

export class StreamBuilder {
  private readonly entries: TimelineEntry[] = [];
  private seq = 0;
  private record: StreamRecord;

  constructor(id: string, options: WatchOptions = {}, scenario = 'watch') {
    this.record = {
      id,
      scenario,
      request: {
        method: 'GET',
        path: '',
        namespace: 'watchmark',
        watched: CONFIGMAPS,
        options: { ...options },
        sentAtMs: 0,
      },
      entries: this.entries,
    };
  }

  scenario(scenario: string): this {
    this.record.scenario = scenario;
    return this;
  }

  watched(watched: WatchedKind): this {
    this.record.request.watched = watched;
    return this;
  }

  namespace(namespace: string | undefined): this {
    if (namespace === undefined) delete this.record.request.namespace;
    else this.record.request.namespace = namespace;
    return this;
  }

  /** Merges request options (undefined values remove the option). */
  options(options: WatchOptions): this {
    const merged: Record<string, unknown> = { ...this.record.request.options };
    for (const [key, value] of Object.entries(options)) {
      if (value === undefined) delete merged[key];
      else merged[key] = value;
    }
    this.record.request.options = merged as WatchOptions;
    return this;
  }

  sentAt(sentAtMs: number): this {
    this.record.request.sentAtMs = sentAtMs;
    return this;
  }

  response(
    atMs: number,
    head: { status?: number; contentType?: string | null; httpVersion?: string; body?: string } = {},
  ): this {
    this.entries.push({
      kind: 'response',
      atMs,
      status: head.status ?? 200,
      httpVersion: head.httpVersion ?? '1.1',
      contentType: head.contentType === undefined ? 'application/json' : head.contentType,
      headers: {},
      ...(head.body !== undefined ? { body: head.body } : {}),
    });
    return this;
  }

  chunk(atMs: number, bytes: number): this {
    this.entries.push({ kind: 'chunk', atMs, bytes });
    return this;
  }

  /** Builds an object of the watched kind (or per overrides). */
  object(name: string | undefined, resourceVersion: string | undefined, overrides: ObjectOverrides = {}): unknown {
    if ('object' in overrides) return overrides.object;
    const { watched, namespace } = this.record.request;
    const metadata: Record<string, unknown> = {};
    if (name !== undefined) metadata['name'] = name;
    if (name !== undefined && namespace !== undefined) metadata['namespace'] = namespace;
    if (resourceVersion !== undefined) metadata['resourceVersion'] = resourceVersion;
    if (overrides.annotations !== undefined) metadata['annotations'] = overrides.annotations;
    if (overrides.labels !== undefined) metadata['labels'] = overrides.labels;
    const object: Record<string, unknown> = {};
    const kind = overrides.kind === undefined ? watched.kind : overrides.kind;
    const apiVersion = overrides.apiVersion === undefined ? watched.apiVersion : overrides.apiVersion;
    if (kind !== null) object['kind'] = kind;
    if (apiVersion !== null) object['apiVersion'] = apiVersion;
    object['metadata'] = metadata;
    return { ...object, ...overrides.extra };
  }

  /** Any event with an explicit type and object. */
  event(atMs: number, type: string, object: unknown): this {
    const entry: EventEntry = {
      kind: 'event',
      atMs,
      seq: this.seq++,
      type,
      object,
      bytes: JSON.stringify({ type, object })?.length ?? 0,
    };
    this.entries.push(entry);
    return this;
  }

  added(atMs: number, name: string, resourceVersion: string, overrides?: ObjectOverrides): this {
    return this.event(atMs, 'ADDED', this.object(name, resourceVersion, overrides));
  }

  modified(atMs: number, name: string, resourceVersion: string, overrides?: ObjectOverrides): this {
    return this.event(atMs, 'MODIFIED', this.object(name, resourceVersion, overrides));
  }

  deleted(atMs: number, name: string, resourceVersion: string, overrides?: ObjectOverrides): this {
    return this.event(atMs, 'DELETED', this.object(name, resourceVersion, overrides));
  }

  /** A BOOKMARK like kube-apiserver's: an empty object of the watched kind with only metadata.resourceVersion set. */
  bookmark(atMs: number, resourceVersion: string | undefined, overrides?: ObjectOverrides): this {
    return this.event(atMs, 'BOOKMARK', this.object(undefined, resourceVersion, overrides));
  }

  /** The initial-events-end bookmark (annotation value defaults to exactly "true"). */
  endBookmark(atMs: number, resourceVersion: string | undefined, value: unknown = 'true', overrides: ObjectOverrides = {}): this {
    return this.bookmark(atMs, resourceVersion, {
      ...overrides,
      annotations: { 'k8s.io/initial-events-end': value, ...overrides.annotations },
    });
  }

  /** An ERROR event carrying a metav1.Status (override `object` for non-Status payloads). */
  error(atMs: number, status: { code: number; reason: string; message?: string; causes?: Array<{ reason: string; message?: string }> }, overrides: ObjectOverrides = {}): this {
    const object =
      'object' in overrides
        ? overrides.object
        : {
            kind: 'Status',
            apiVersion: 'v1',
            metadata: {},
            status: 'Failure',
            message: status.message ?? status.reason,
            reason: status.reason,
            code: status.code,
            ...(status.causes !== undefined ? { details: { causes: status.causes } } : {}),
          };
    return this.event(atMs, 'ERROR', object);
  }

  malformed(atMs: number, raw: string, error = 'Unexpected token in JSON'): this {
    this.entries.push({ kind: 'malformed', atMs, raw, error });
    return this;
  }

  /** What the decoder counted without keeping (decode/watch-frames.ts). */
  dropped(atMs: number, counts: { malformedFrames?: number; undecodedBytes?: number }): this {
    this.entries.push({ kind: 'dropped', atMs, malformedFrames: counts.malformedFrames ?? 0, undecodedBytes: counts.undecodedBytes ?? 0 });
    return this;
  }

  close(atMs: number, reason: CloseReason = 'server-eof', error?: { code: string; message: string }): this {
    this.entries.push({ kind: 'close', atMs, reason, ...(error !== undefined ? { error } : {}) });
    return this;
  }

  /** The request path defaults to the collection of the watched kind and namespace with `?watch=true`. */
  build(): StreamRecord {
    const built = structuredClone(this.record);
    if (built.request.path === '') built.request.path = `${collectionPath(built.request.watched, built.request.namespace)}?watch=true`;
    return built;
  }
}

/** Like discovery's collectionPath: /api/v1[/namespaces/ns]/configmaps, /apis/group/version[/namespaces/ns]/widgets. */
export function collectionPath(watched: WatchedKind, namespace?: string): string {
  const prefix = watched.apiVersion.includes('/') ? `/apis/${watched.apiVersion}` : `/api/${watched.apiVersion}`;
  return `${prefix}${namespace !== undefined ? `/namespaces/${namespace}` : ''}/${watched.resource}`;
}

export function stream(id: string, options: WatchOptions = {}, scenario = 'watch'): StreamBuilder {
  return new StreamBuilder(id, options, scenario);
}

/** A client-go v0.35 watch-list stream (scenario `watch-list`), request sent at 0. */
export function watchListStream(id = 'watch-list#1', options: WatchOptions = {}): StreamBuilder {
  return new StreamBuilder(id, WATCH_LIST_OPTIONS, 'watch-list').options(options);
}

/** A plain client-go watch from an explicit RV (what the reflector does after a LIST). */
export function plainWatchStream(id = 'watch#1', resourceVersion = '100', options: WatchOptions = {}): StreamBuilder {
  return new StreamBuilder(id, { resourceVersion, allowWatchBookmarks: true, timeoutSeconds: 300 }, 'watch').options(options);
}

export class RunBuilder {
  private readonly record: RunRecord = { anchorWallMs: Date.UTC(2026, 0, 1), streams: [], lists: [], writes: [], endedAtMs: 0 };
  private endedExplicitly = false;

  stream(stream: StreamRecord | StreamBuilder): this {
    this.record.streams.push(stream instanceof StreamBuilder ? stream.build() : stream);
    return this;
  }

  list(list: Partial<ListRecord> & { sentAtMs: number; atMs: number }): this {
    this.record.lists.push({
      id: `list#${this.record.lists.length + 1}`,
      scenario: 'list',
      path: '/api/v1/namespaces/watchmark/configmaps?limit=500&resourceVersion=0',
      status: 200,
      itemCount: 0,
      resourceVersion: '100',
      ...list,
    });
    return this;
  }

  write(write: Partial<WorkloadWrite> & { atMs: number; resource: string; name: string }): this {
    this.record.writes.push({ sentAtMs: write.atMs - 5, verb: 'update', namespace: 'watchmark', ...write });
    return this;
  }

  endedAt(endedAtMs: number): this {
    this.record.endedAtMs = endedAtMs;
    this.endedExplicitly = true;
    return this;
  }

  build(): RunRecord {
    const record = structuredClone(this.record);
    if (!this.endedExplicitly) {
      let last = 0;
      for (const s of record.streams) for (const entry of s.entries) last = Math.max(last, entry.atMs);
      for (const list of record.lists) last = Math.max(last, list.atMs);
      for (const write of record.writes) last = Math.max(last, write.atMs);
      record.endedAtMs = last;
    }
    return record;
  }
}

export function run(): RunBuilder {
  return new RunBuilder();
}

/** A one-stream run. */
export function runOf(...streams: Array<StreamRecord | StreamBuilder>): RunRecord {
  const builder = run();
  for (const s of streams) builder.stream(s);
  return builder.build();
}
