import { describe, expect, it } from 'vitest';
import { validateJsonSchema } from './support/json-schema.js';

// The validator behind test/report-schema.test.ts: each keyword must reject what it forbids, or
// the report schema's tests could only pass.
const SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  properties: {
    version: { const: 1 },
    name: { type: 'string' },
    count: { type: 'integer', minimum: 0 },
    ratio: { type: 'number' },
    status: { type: 'string', enum: ['pass', 'fail'] },
    at: { type: 'string', format: 'date-time' },
    owner: { anyOf: [{ $ref: '#/$defs/person' }, { type: 'null' }] },
    tags: { type: 'array', items: { type: 'string' } },
    limit: { type: ['number', 'null'] },
    free: { type: 'object' },
    byName: { type: 'object', additionalProperties: { $ref: '#/$defs/person' } },
  },
  required: ['version', 'name'],
  additionalProperties: false,
  $defs: {
    person: { type: 'object', properties: { login: { type: 'string' } }, required: ['login'], additionalProperties: false },
  },
};

const VALID = {
  version: 1,
  name: 'x',
  count: 3,
  ratio: 0.5,
  status: 'pass',
  at: '2026-01-02T03:04:05.678Z',
  owner: { login: 'a' },
  tags: ['t'],
  limit: null,
  free: { anything: [1, { deep: true }] },
  byName: { a: { login: 'a' } },
};

describe('validateJsonSchema (test support)', () => {
  it('accepts a valid document, with optional properties absent too', () => {
    expect(validateJsonSchema(SCHEMA, VALID)).toEqual([]);
    expect(validateJsonSchema(SCHEMA, { version: 1, name: 'x', owner: null, limit: 2 })).toEqual([]);
  });

  it.each([
    ['a wrong type', { ...VALID, name: 5 }, '/name: expected string, got integer'],
    ['a fraction where an integer is due', { ...VALID, count: 1.5 }, '/count: expected integer, got number'],
    ['a number below the minimum', { ...VALID, count: -1 }, '/count: -1 is below the minimum 0'],
    ['a missing required field', { version: 1 }, '/: missing required property name'],
    ['an unknown property', { ...VALID, extra: true }, '/: unknown property extra'],
    ['a bad enum value', { ...VALID, status: 'maybe' }, '/status: "maybe" is not one of ["pass","fail"]'],
    ['a wrong const', { ...VALID, version: 2 }, '/version: expected 1, got 2'],
    ['a bad date-time', { ...VALID, at: 'yesterday' }, '/at: "yesterday" is not a date-time'],
    ['a wrong array item', { ...VALID, tags: ['a', 2] }, '/tags/1: expected string, got integer'],
    ['null where the type list has no null', { ...VALID, ratio: null }, '/ratio: expected number, got null'],
    ['a wrong value under additionalProperties', { ...VALID, byName: { b: { login: 1 } } }, '/byName/b/login: expected string, got integer'],
    ['an unknown property inside a $ref', { ...VALID, byName: { b: { login: 'b', admin: true } } }, '/byName/b: unknown property admin'],
  ])('rejects %s', (_what, doc, error) => {
    expect(validateJsonSchema(SCHEMA, doc)).toContain(error);
  });

  it('rejects a value that matches no anyOf branch, saying why for each', () => {
    const errors = validateJsonSchema(SCHEMA, { ...VALID, owner: { name: 'a' } });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^\/owner: matches none of anyOf \(.*missing required property login.*unknown property name.*\| \/owner: expected null, got object\)$/);
  });

  it('refuses schemas it cannot check instead of passing them', () => {
    expect(() => validateJsonSchema({ type: 'string', pattern: '^a' }, 'b')).toThrow(/unsupported JSON Schema keyword pattern/);
    expect(() => validateJsonSchema({ $ref: '#/$defs/missing' }, 1)).toThrow(/unresolvable \$ref/);
    expect(() => validateJsonSchema({ type: 'string', format: 'uri' }, 'x')).toThrow(/unsupported format uri/);
  });
});
