/**
 * Field ownership (`metadata.managedFields`) and server-side apply for the two served types, as
 * kube-apiserver's field manager does it (apimachinery pkg/util/managedfields/internal and
 * sigs.k8s.io/structured-merge-diff/v4 merge/update.go). Pure.
 *
 * Reduced to what ConfigMap and Namespace have: the tracked fields are the string maps
 * (metadata.labels, metadata.annotations, data, binaryData: one field per key, plus the map itself
 * when an update creates or removes it, FieldsV1's ".") and atomic leaves (immutable, and
 * metadata.finalizers/ownerReferences, which kube tracks per element: here the list is one field).
 * Namespace spec/status are not tracked (status is reset for the main resource; the strategy sets
 * spec.finalizers after field management). The cap of 10 update managers is not applied.
 */

export interface ManagedFieldsEntry {
  /** Absent when empty (no fieldManager, no User-Agent): Go's JSON omits it (`omitempty`). */
  manager?: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time?: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, unknown>;
}

/** A field path (["data", "a"]) encoded as a JSON array: the key of a field set. */
type PathKey = string;

interface Flat {
  /** Leaf fields and their JSON-encoded values. */
  leaves: Map<PathKey, string>;
  /** Maps present (their own field, FieldsV1 "."). */
  maps: Set<PathKey>;
}

const COMMON_MAPS = [['metadata', 'labels'], ['metadata', 'annotations']];
const COMMON_LEAVES = [['metadata', 'finalizers'], ['metadata', 'ownerReferences']];
const TRACKED: Record<string, { maps: string[][]; leaves: string[][] }> = {
  ConfigMap: { maps: [...COMMON_MAPS, ['data'], ['binaryData']], leaves: [...COMMON_LEAVES, ['immutable']] },
  Namespace: { maps: COMMON_MAPS, leaves: COMMON_LEAVES },
};

function tracked(kind: string): { maps: string[][]; leaves: string[][] } {
  return TRACKED[kind] ?? { maps: COMMON_MAPS, leaves: COMMON_LEAVES };
}

function at(object: unknown, path: readonly string[]): unknown {
  let node = object;
  for (const key of path) {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

const key = (path: readonly string[]): PathKey => JSON.stringify(path);
const unkey = (k: PathKey): string[] => JSON.parse(k) as string[];

/** The tracked fields of an object. `applied`: an apply configuration, whose maps own only their keys. */
function flatten(kind: string, object: unknown, applied = false): Flat {
  const flat: Flat = { leaves: new Map(), maps: new Set() };
  const t = tracked(kind);
  for (const path of t.maps) {
    const value = at(object, path);
    if (!isMap(value)) continue;
    const entries = Object.entries(value);
    if (!applied || entries.length === 0) flat.maps.add(key(path));
    for (const [k, v] of entries) flat.leaves.set(key([...path, k]), JSON.stringify(v));
  }
  for (const path of t.leaves) {
    const value = at(object, path);
    if (value !== undefined && value !== null) flat.leaves.set(key(path), JSON.stringify(value));
  }
  return flat;
}

function fieldSet(flat: Flat): Set<PathKey> {
  return new Set([...flat.maps, ...flat.leaves.keys()]);
}

interface Comparison {
  /** Added or modified: what the writer takes from everyone else. */
  changed: Set<PathKey>;
  removed: Set<PathKey>;
}

function compare(before: Flat, after: Flat): Comparison {
  const changed = new Set<PathKey>();
  const removed = new Set<PathKey>();
  for (const [k, v] of after.leaves) if (before.leaves.get(k) !== v) changed.add(k);
  for (const k of after.maps) if (!before.maps.has(k)) changed.add(k);
  for (const k of before.leaves.keys()) if (!after.leaves.has(k)) removed.add(k);
  for (const k of before.maps) if (!after.maps.has(k)) removed.add(k);
  return { changed, removed };
}

interface Manager {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time?: string;
  fields: Set<PathKey>;
}

/** fieldmanager BuildManagerIdentifier: appliers are one manager whatever their apiVersion. */
function identity(m: Pick<Manager, 'manager' | 'operation' | 'apiVersion'>): string {
  return m.operation === 'Apply' ? `Apply ${m.manager}` : `Update ${m.manager} ${m.apiVersion}`;
}

/** fieldmanager printManager: `"kubectl-create" using v1` for updaters, `"kubectl"` for appliers. */
function printManager(m: Manager): string {
  return m.operation === 'Update' ? `${JSON.stringify(m.manager)} using ${m.apiVersion}` : JSON.stringify(m.manager);
}

function decodeFields(node: unknown, prefix: string[], out: Set<PathKey>): void {
  if (!isMap(node)) return;
  for (const [k, child] of Object.entries(node)) {
    if (k === '.') out.add(key(prefix));
    else if (k.startsWith('f:')) {
      const path = [...prefix, k.slice(2)];
      if (isMap(child) && Object.keys(child).length > 0) decodeFields(child, path, out);
      else out.add(key(path));
    }
  }
}

function encodeFields(fields: Set<PathKey>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const k of [...fields].sort()) {
    let node = root;
    for (const element of unkey(k)) node = (node[`f:${element}`] ??= {}) as Record<string, unknown>;
  }
  // A field that is also a parent (a map and its keys) lists itself as ".".
  for (const k of fields) {
    const path = unkey(k);
    const node = path.reduce<Record<string, unknown>>((n, e) => n[`f:${e}`] as Record<string, unknown>, root);
    if (Object.keys(node).length > 0) node['.'] = {};
  }
  return sortKeys(root);
}

function sortKeys(node: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(node).sort()) out[k] = sortKeys(node[k] as Record<string, unknown>);
  return out;
}

function isEntry(value: unknown): value is ManagedFieldsEntry {
  if (!isMap(value)) return false;
  return (value.manager === undefined || typeof value.manager === 'string') && (value.operation === 'Apply' || value.operation === 'Update') && value.fieldsType === 'FieldsV1' && isMap(value.fieldsV1);
}

function decodeManagers(entries: readonly ManagedFieldsEntry[] | undefined): Manager[] {
  return (entries ?? []).map((e) => {
    const fields = new Set<PathKey>();
    decodeFields(e.fieldsV1, [], fields);
    return { manager: e.manager ?? '', operation: e.operation, apiVersion: e.apiVersion, ...(e.time ? { time: e.time } : {}), fields };
  });
}

/** Encoded and in kube's order (fieldmanager sortEncodedManagedFields): operation, time, manager. */
function encodeManagers(managers: Manager[]): ManagedFieldsEntry[] {
  const seconds = (m: Manager) => (m.time ? Date.parse(m.time) : 0);
  return managers
    .filter((m) => m.fields.size > 0)
    .sort((p, q) => (p.operation !== q.operation ? (p.operation < q.operation ? -1 : 1) : seconds(p) - seconds(q) || (p.manager < q.manager ? -1 : p.manager > q.manager ? 1 : 0)))
    .map((m) => ({
      ...(m.manager !== '' ? { manager: m.manager } : {}),
      operation: m.operation,
      apiVersion: m.apiVersion,
      ...(m.time ? { time: m.time } : {}),
      fieldsType: 'FieldsV1' as const,
      fieldsV1: encodeFields(m.fields),
    }));
}

export interface FieldConflict {
  manager: string;
  /** smd Path.String(): `.data.a`. */
  field: string;
  /** The field set key (internal). */
  path?: PathKey;
}

export class ApplyConflictError extends Error {
  override name = 'ApplyConflictError';
  constructor(readonly conflicts: readonly FieldConflict[]) {
    super(conflictMessage(conflicts));
  }
}

/** fieldmanager getConflictMessage (internal/conflict.go). */
export function conflictMessage(conflicts: readonly FieldConflict[]): string {
  if (conflicts.length === 1) return `Apply failed with 1 conflict: conflict with ${conflicts[0]!.manager}: ${conflicts[0]!.field}`;
  const byManager = new Map<string, string[]>();
  for (const c of conflicts) byManager.set(c.manager, [...(byManager.get(c.manager) ?? []), c.field]);
  const lines: string[] = [];
  for (const manager of [...byManager.keys()].sort()) {
    lines.push(`conflicts with ${manager}:`);
    for (const field of byManager.get(manager)!) lines.push(`- ${field}`);
  }
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
}

/**
 * smd Updater.update: managers other than `writer` lose the fields the write changed (a conflict
 * unless `force`) and the fields it removed.
 */
function takeOwnership(managers: Manager[], writer: string, cmp: Comparison, force: boolean): void {
  const conflicts: FieldConflict[] = [];
  for (const m of managers) {
    if (identity(m) === writer) continue;
    for (const k of m.fields) {
      if (cmp.changed.has(k)) conflicts.push({ manager: printManager(m), field: unkey(k).map((e) => `.${e}`).join(''), path: k });
    }
  }
  if (!force && conflicts.length > 0) throw new ApplyConflictError(conflicts);
  for (const m of managers) {
    if (identity(m) === writer) continue;
    for (const k of [...m.fields]) if (cmp.changed.has(k) || cmp.removed.has(k)) m.fields.delete(k);
  }
}

export interface Writer {
  manager: string;
  /** RFC 3339, seconds. */
  time: string;
}

/**
 * An Update (create, update, any non-apply patch): the writer's Update entry gains every field it
 * changed (with the time), everyone else loses them. `before` undefined for a create. `requested`:
 * the managedFields the written object carries; as kube-apiserver's decodeLiveOrNew, an empty list
 * resets them, valid entries replace the current ones (kubectl's client-side to server-side apply
 * upgrade sends a JSON patch of /metadata/managedFields), anything else keeps the current ones.
 */
export function managedFieldsAfterUpdate(kind: string, before: unknown, after: unknown, writer: Writer, requested?: unknown): ManagedFieldsEntry[] {
  const current = before === undefined ? undefined : (at(before, ['metadata', 'managedFields']) as ManagedFieldsEntry[]);
  const managers = decodeManagers(Array.isArray(requested) && (requested.length === 0 || requested.every(isEntry)) ? requested : current);
  const cmp = compare(flatten(kind, before), flatten(kind, after));
  takeOwnership(managers, '(current-operation)', cmp, true);
  if (cmp.changed.size > 0) {
    const id = identity({ manager: writer.manager, operation: 'Update', apiVersion: 'v1' });
    let entry = managers.find((m) => identity(m) === id);
    if (!entry) managers.push((entry = { manager: writer.manager, operation: 'Update', apiVersion: 'v1', fields: new Set() }));
    for (const k of cmp.changed) entry.fields.add(k);
    entry.time = writer.time;
  }
  return encodeManagers(managers);
}

function deepClone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function removeAt(object: Record<string, unknown>, path: readonly string[]): void {
  const parent = at(object, path.slice(0, -1));
  if (isMap(parent)) delete parent[path[path.length - 1]!];
}

/**
 * Server-side apply (smd Updater.Apply): `config` merged into `live` (maps by key, other fields
 * replaced); the fields this manager applied last time and no longer applies are removed unless
 * another manager owns them; changing a field another manager owns is a conflict unless `force`,
 * which takes it over. Returns the new object (with its managedFields; live's own managedFields are
 * the history) and whether anything but the managed fields changed. `live` undefined: a create.
 */
export function serverSideApply(
  kind: string,
  live: Record<string, unknown> | undefined,
  config: Record<string, unknown>,
  writer: Writer,
  force: boolean,
): { object: Record<string, unknown>; changed: boolean } {
  try {
    return applyOnce(kind, live, config, writer, force);
  } catch (err) {
    // lastAppliedManager: kubectl's first server-side apply over a client-side applied object may
    // take the fields the last-applied annotation still matches.
    if (!(err instanceof ApplyConflictError) || writer.manager !== 'kubectl') throw err;
    const allowed = inSyncWithLastApplied(kind, live);
    if (allowed === undefined) throw err;
    const remaining = err.conflicts.filter((c) => !allowed.has(c.path!));
    if (remaining.length > 0) throw new ApplyConflictError(remaining);
    return applyOnce(kind, live, config, writer, true);
  }
}

/** The fields of the last-applied annotation whose value the live object still has (none: no usable annotation). */
function inSyncWithLastApplied(kind: string, live: Record<string, unknown> | undefined): Set<PathKey> | undefined {
  const text = at(live, ['metadata', 'annotations', LAST_APPLIED]);
  if (typeof text !== 'string' || text === '') return undefined;
  let lastApplied: unknown;
  try {
    lastApplied = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (at(lastApplied, ['apiVersion']) !== 'v1') return undefined;
  const liveFields = flatten(kind, live);
  const allowed = new Set<PathKey>();
  for (const [k, v] of flatten(kind, lastApplied, true).leaves) if (liveFields.leaves.get(k) === v) allowed.add(k);
  return allowed;
}

function applyOnce(
  kind: string,
  live: Record<string, unknown> | undefined,
  config: Record<string, unknown>,
  writer: Writer,
  force: boolean,
): { object: Record<string, unknown>; changed: boolean } {
  const managers = decodeManagers(live === undefined ? undefined : (at(live, ['metadata', 'managedFields']) as ManagedFieldsEntry[]));
  const base = deepClone(live ?? {});
  const merged = mergeApplied(base, deepClone(config));
  const id = identity({ manager: writer.manager, operation: 'Apply', apiVersion: 'v1' });
  const previous = managers.find((m) => identity(m) === id);
  const applied = fieldSet(flatten(kind, config, true));
  // Prune: what this manager applied before and dropped now goes, unless someone else owns it.
  // A map goes only with its last key (smd prune adds back owned and never-owned items).
  const mapKeys = new Set(tracked(kind).maps.map(key));
  for (const k of previous?.fields ?? []) {
    if (applied.has(k) || mapKeys.has(k) || managers.some((m) => m !== previous && m.fields.has(k))) continue;
    removeAt(merged, unkey(k));
  }
  dropEmptyMaps(kind, merged);
  const cmp = compare(flatten(kind, live), flatten(kind, merged));
  takeOwnership(managers, id, cmp, force);
  const changed = cmp.changed.size > 0 || cmp.removed.size > 0;
  const entry: Manager = { manager: writer.manager, operation: 'Apply', apiVersion: 'v1', fields: applied };
  // managedFieldsUpdater: the time moves only when the object changed.
  const time = changed ? writer.time : previous?.time;
  if (time) entry.time = time;
  const others = managers.filter((m) => m !== previous);
  const metadata = (isMap(merged.metadata) ? merged.metadata : (merged.metadata = {})) as Record<string, unknown>;
  metadata.managedFields = encodeManagers([entry, ...others]);
  // lastAppliedUpdater: kubectl's own server-side apply keeps a client-side apply annotation in step.
  const annotations = metadata.annotations;
  if (writer.manager === 'kubectl' && isMap(annotations) && typeof annotations[LAST_APPLIED] === 'string') {
    annotations[LAST_APPLIED] = lastAppliedText(config);
  }
  return { object: merged, changed };
}

export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * fieldmanager buildLastApplied: the configuration without the annotation, as Go's json.Encoder
 * writes an unstructured object (sorted keys, HTML characters escaped, a trailing newline).
 */
export function lastAppliedText(config: Record<string, unknown>): string {
  const copy = deepClone(config);
  const annotations = at(copy, ['metadata', 'annotations']);
  if (isMap(annotations)) delete annotations[LAST_APPLIED];
  const sorted = (v: unknown): unknown => (Array.isArray(v) ? v.map(sorted) : isMap(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted(v[k])])) : v);
  const escapes: Record<string, string> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029' };
  return `${JSON.stringify(sorted(copy)).replace(/[<>&\u2028\u2029]/g, (c) => escapes[c]!)}\n`;
}

function mergeApplied(live: Record<string, unknown>, config: Record<string, unknown>): Record<string, unknown> {
  for (const [k, v] of Object.entries(config)) {
    if (k === 'managedFields') continue;
    live[k] = isMap(v) && isMap(live[k]) ? mergeApplied(live[k] as Record<string, unknown>, v) : v;
  }
  return live;
}

/** Go's omitempty: a map pruned to nothing is not serialized. */
function dropEmptyMaps(kind: string, object: Record<string, unknown>): void {
  for (const path of tracked(kind).maps) {
    const value = at(object, path);
    if (isMap(value) && Object.keys(value).length === 0) removeAt(object, path);
  }
}
