/**
 * PATCH bodies: JSON merge patch (RFC 7386), strategic merge patch reduced to a merge patch, and
 * JSON patch (RFC 6902). Pure. Server-side apply is apply-patch.ts and managed-fields.ts.
 *
 * Strategic merge patch differs from a merge patch only for lists with a patch strategy; for
 * ConfigMap and Namespace those are metadata.finalizers and metadata.ownerReferences, which this
 * server replaces as a whole instead of merging. SMP directives (`$patch`, `$setElementOrder/...`,
 * `$retainKeys`, `$deleteFromPrimitiveList/...`) are dropped.
 */

export class PatchError extends Error {
  override name = 'PatchError';
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(value: unknown): value is Record<string, Json> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function applyMergePatch(target: unknown, patch: unknown, dropDirectives = false): unknown {
  if (!isObject(patch)) return patch;
  const base: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (dropDirectives && key.startsWith('$')) continue;
    if (value === null) delete base[key];
    else base[key] = applyMergePatch(base[key], value, dropDirectives);
  }
  return base;
}

interface JsonPatchOperation {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchError(`invalid JSON pointer ${JSON.stringify(pointer)}`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

function parentOf(doc: unknown, tokens: string[], pointer: string): { parent: Record<string, unknown> | unknown[]; key: string } {
  let node: unknown = doc;
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(node)) node = node[Number(token)];
    else if (isObject(node)) node = node[token];
    else node = undefined;
    if (node === undefined) throw new PatchError(`doc is missing path: ${pointer}`);
  }
  if (!Array.isArray(node) && !isObject(node)) throw new PatchError(`doc is missing path: ${pointer}`);
  return { parent: node, key: tokens[tokens.length - 1]! };
}

function getAt(doc: unknown, pointer: string): unknown {
  let node: unknown = doc;
  for (const token of parsePointer(pointer)) {
    if (Array.isArray(node)) node = node[Number(token)];
    else if (isObject(node)) node = Object.prototype.hasOwnProperty.call(node, token) ? node[token] : undefined;
    else node = undefined;
    if (node === undefined) throw new PatchError(`doc is missing path: ${pointer}`);
  }
  return node;
}

function arrayIndex(parent: unknown[], key: string, forInsert: boolean, pointer: string): number {
  if (forInsert && key === '-') return parent.length;
  if (!/^\d+$/.test(key)) throw new PatchError(`invalid array index in ${pointer}`);
  const index = Number(key);
  if (index > parent.length || (!forInsert && index === parent.length)) throw new PatchError(`array index out of bounds in ${pointer}`);
  return index;
}

function removeAt(doc: unknown, pointer: string): unknown {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) throw new PatchError('cannot remove the whole document');
  const { parent, key } = parentOf(doc, tokens, pointer);
  if (Array.isArray(parent)) {
    const index = arrayIndex(parent, key, false, pointer);
    return parent.splice(index, 1)[0];
  }
  if (!Object.prototype.hasOwnProperty.call(parent, key)) throw new PatchError(`doc is missing key: ${pointer}`);
  const old = parent[key];
  delete parent[key];
  return old;
}

function addAt(doc: unknown, pointer: string, value: unknown): unknown {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return value;
  const { parent, key } = parentOf(doc, tokens, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, true, pointer), 0, value);
  else parent[key] = value;
  return doc;
}

/** RFC 6902 on a copy of `target`. */
export function applyJsonPatch(target: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) throw new PatchError('a JSON patch must be an array of operations');
  let doc = clone(target);
  for (const raw of operations) {
    if (!isObject(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') {
      throw new PatchError('each JSON patch operation needs "op" and "path"');
    }
    const op = raw as unknown as JsonPatchOperation;
    switch (op.op) {
      case 'add':
        doc = addAt(doc, op.path, clone(op.value));
        break;
      case 'remove':
        removeAt(doc, op.path);
        break;
      case 'replace':
        if (parsePointer(op.path).length === 0) {
          doc = clone(op.value);
        } else {
          removeAt(doc, op.path);
          doc = addAt(doc, op.path, clone(op.value));
        }
        break;
      case 'move': {
        const value = removeAt(doc, op.from ?? '');
        doc = addAt(doc, op.path, value);
        break;
      }
      case 'copy':
        doc = addAt(doc, op.path, clone(getAt(doc, op.from ?? '')));
        break;
      case 'test':
        if (JSON.stringify(getAt(doc, op.path)) !== JSON.stringify(op.value)) {
          throw new PatchError(`testing value ${op.path} failed`);
        }
        break;
      default:
        throw new PatchError(`Unexpected kind: ${op.op}`);
    }
  }
  return doc;
}
