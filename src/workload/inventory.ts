/**
 * What watchmark has (or may have) created on the target right now: a live registry the workload
 * keeps up to date write by write, so that every way out of a run can say what is left — the
 * cleanup message after the first Ctrl-C, and the second Ctrl-C, which must print it
 * synchronously before process.exit(130) without waiting for anything.
 */

export interface TargetObjectRef {
  /** `namespaces` or the workload resource's plural (e.g. configmaps). */
  resource: string;
  /** API group ('' for core): kubectl needs `widgets.example.com`. */
  group: string;
  namespace?: string;
  name: string;
  /** The run's watchmark.io/run label value. */
  runId: string;
}

export interface InventoryEntry extends TargetObjectRef {
  /** `creating`: the create was sent and its answer has not arrived (it may have happened). */
  state: 'creating' | 'exists';
  /** Why cleanup could not remove it, when it tried. */
  problem?: string;
}

const keyOf = (ref: TargetObjectRef) => `${ref.group}/${ref.resource}/${ref.namespace ?? ''}/${ref.name}`;

export class TargetInventory {
  private readonly entries = new Map<string, InventoryEntry>();

  add(ref: TargetObjectRef, state: InventoryEntry['state']): void {
    this.entries.set(keyOf(ref), { ...ref, state });
  }

  get(ref: TargetObjectRef): InventoryEntry | undefined {
    return this.entries.get(keyOf(ref));
  }

  setProblem(ref: TargetObjectRef, problem: string): void {
    const entry = this.entries.get(keyOf(ref));
    if (entry) entry.problem = problem;
  }

  remove(ref: TargetObjectRef): void {
    this.entries.delete(keyOf(ref));
  }

  list(filter: (e: InventoryEntry) => boolean = () => true): InventoryEntry[] {
    return [...this.entries.values()].filter(filter).map((e) => ({ ...e }));
  }
}

/**
 * The process's inventory: the CLI's signal handler reads it (it has no handle on the running
 * command), and every Workload registers there unless given another one (tests).
 */
export const processInventory = new TargetInventory();

const kubectlResource = (r: { resource: string; group: string }) => (r.group ? `${r.resource}.${r.group}` : r.resource);

/** "namespace watchmark-ab12cd", "configmaps watchmark-ab12cd-0, watchmark-ab12cd-1 in namespace watchmark-ab12cd". */
export function describeObjects(refs: readonly TargetObjectRef[]): string {
  const groups = new Map<string, { kind: string; where: string; names: string[] }>();
  for (const ref of refs) {
    const kind = ref.resource === 'namespaces' && ref.group === '' ? 'namespace' : kubectlResource(ref);
    const where = ref.namespace ? ` in namespace ${ref.namespace}` : '';
    const group = groups.get(`${kind}|${where}`) ?? { kind, where, names: [] };
    group.names.push(ref.name);
    groups.set(`${kind}|${where}`, group);
  }
  return [...groups.values()].map((g) => `${g.kind} ${g.names.join(', ')}${g.where}`).join('; ');
}

/**
 * What is left and how to remove it, as lines for stderr: the objects (kind, namespace, names,
 * with a note on those whose create got no answer and on why removal failed) and a kubectl command
 * per namespace or collection. Objects inside a left namespace watchmark created go with it.
 */
export function leftoverLines(entries: readonly InventoryEntry[]): string[] {
  if (entries.length === 0) return [];
  const namespaces = entries.filter((e) => e.resource === 'namespaces' && e.group === '');
  const ownNamespaces = new Set(namespaces.map((e) => e.name));
  const objects = entries.filter((e) => !(e.resource === 'namespaces' && e.group === '') && !(e.namespace && ownNamespaces.has(e.namespace)));
  const lines: string[] = [];
  const notes = (e: InventoryEntry) =>
    [e.state === 'creating' ? 'its create got no answer: it may exist' : '', e.problem ?? ''].filter(Boolean).join('; ');
  for (const e of namespaces) {
    const note = notes(e);
    const inside = entries.filter((o) => o.namespace === e.name);
    lines.push(
      `left on the target: namespace ${e.name}${inside.length ? ` (with ${describeObjects(inside.map(({ namespace: _ns, ...o }) => o))})` : ''}${note ? ` (${note})` : ''}`,
    );
    lines.push(`  remove it with: kubectl delete namespace ${e.name}`);
  }
  const collections = new Map<string, InventoryEntry[]>();
  for (const e of objects) {
    const key = `${kubectlResource(e)}|${e.namespace ?? ''}|${e.runId}`;
    collections.set(key, [...(collections.get(key) ?? []), e]);
  }
  for (const group of collections.values()) {
    const first = group[0]!;
    const note = group.map(notes).filter(Boolean);
    lines.push(`left on the target: ${describeObjects(group)}${note.length ? ` (${[...new Set(note)].join('; ')})` : ''}`);
    lines.push(`  remove them with: kubectl delete ${kubectlResource(first)}${first.namespace ? ` -n ${first.namespace}` : ''} -l watchmark.io/run=${first.runId}`);
  }
  return lines;
}
