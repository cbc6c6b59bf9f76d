/**
 * A small JSON Schema (draft 2020-12) validator for the subset schemas/report.schema.json uses
 * (no validator is among the dependencies, and none is added for a test). A keyword outside the
 * subset throws, so the schema cannot use one this validator would silently ignore.
 * json-schema.test.ts shows each keyword rejecting what it must.
 */
type Schema = { [keyword: string]: unknown };

const ANNOTATIONS = new Set(['$schema', '$id', 'title', 'description', '$defs']);
const KEYWORDS = new Set([...ANNOTATIONS, 'type', 'properties', 'required', 'additionalProperties', 'items', 'enum', 'const', '$ref', 'anyOf', 'minimum', 'format']);

// RFC 3339 date-time, as JSON Schema's `format: date-time` means it.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

/** The errors of `value` against `schema` (empty when valid), each as `<JSON pointer>: <what is wrong>`. */
export function validateJsonSchema(schema: Schema, value: unknown): string[] {
  const errors: string[] = [];
  check(schema, value, '', schema, errors);
  return errors;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function hasType(value: unknown, type: string): boolean {
  const actual = typeOf(value);
  return actual === type || (type === 'number' && actual === 'integer');
}

function check(schema: Schema, value: unknown, at: string, root: Schema, errors: string[]): void {
  for (const keyword of Object.keys(schema)) {
    if (!KEYWORDS.has(keyword)) throw new Error(`${at || '/'}: unsupported JSON Schema keyword ${keyword}`);
  }
  const where = at || '/';
  if (schema.$ref !== undefined) {
    const ref = schema.$ref as string;
    const match = /^#\/\$defs\/([^/]+)$/.exec(ref);
    const target = match ? (root.$defs as Record<string, Schema> | undefined)?.[match[1]!] : undefined;
    if (target === undefined) throw new Error(`${where}: unresolvable $ref ${ref}`);
    check(target, value, at, root, errors);
  }
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!types.some((t) => hasType(value, t))) {
      errors.push(`${where}: expected ${types.join(' or ')}, got ${typeOf(value)}`);
      return;
    }
  }
  if (schema.const !== undefined && JSON.stringify(value) !== JSON.stringify(schema.const)) {
    errors.push(`${where}: expected ${JSON.stringify(schema.const)}, got ${JSON.stringify(value)}`);
  }
  if (schema.enum !== undefined && !(schema.enum as unknown[]).some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    errors.push(`${where}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  }
  if (schema.minimum !== undefined && typeof value === 'number' && value < (schema.minimum as number)) {
    errors.push(`${where}: ${value} is below the minimum ${String(schema.minimum)}`);
  }
  if (schema.format !== undefined) {
    if (schema.format !== 'date-time') throw new Error(`${where}: unsupported format ${String(schema.format)}`);
    if (typeof value === 'string' && (!DATE_TIME.test(value) || Number.isNaN(Date.parse(value)))) errors.push(`${where}: ${JSON.stringify(value)} is not a date-time`);
  }
  if (schema.anyOf !== undefined) {
    const branches = schema.anyOf as Schema[];
    const results = branches.map((branch) => {
      const branchErrors: string[] = [];
      check(branch, value, at, root, branchErrors);
      return branchErrors;
    });
    if (!results.some((r) => r.length === 0)) errors.push(`${where}: matches none of anyOf (${results.map((r) => r.join('; ')).join(' | ')})`);
  }
  if (Array.isArray(value) && schema.items !== undefined) {
    value.forEach((item, i) => check(schema.items as Schema, item, `${at}/${i}`, root, errors));
  }
  if (typeOf(value) === 'object') {
    const object = value as Record<string, unknown>;
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const key of (schema.required ?? []) as string[]) {
      if (!Object.hasOwn(object, key)) errors.push(`${where}: missing required property ${key}`);
    }
    for (const [key, item] of Object.entries(object)) {
      const path = `${at}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
      if (Object.hasOwn(properties, key)) check(properties[key]!, item, path, root, errors);
      else if (schema.additionalProperties === false) errors.push(`${where}: unknown property ${key}`);
      else if (typeof schema.additionalProperties === 'object' && schema.additionalProperties !== null) check(schema.additionalProperties as Schema, item, path, root, errors);
    }
  }
}
