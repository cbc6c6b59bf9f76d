import { describe, expect, it } from 'vitest';
import { applyJsonPatch, applyMergePatch, PatchError } from './patch.js';

describe('applyMergePatch (RFC 7386)', () => {
  it('merges objects, deletes nulls, replaces arrays and scalars', () => {
    const target = { metadata: { name: 'a', labels: { x: '1', y: '2' }, finalizers: ['f1'] }, data: { k: 'v' } };
    expect(applyMergePatch(target, { metadata: { labels: { x: null, z: '3' }, finalizers: ['f2'] }, data: null })).toEqual({
      metadata: { name: 'a', labels: { y: '2', z: '3' }, finalizers: ['f2'] },
    });
    expect(target.metadata.labels).toEqual({ x: '1', y: '2' });
  });

  it('drops strategic-merge-patch directives when asked', () => {
    expect(applyMergePatch({ a: 1 }, { $patch: 'replace', b: { '$setElementOrder/x': [] } }, true)).toEqual({ a: 1, b: {} });
  });
});

describe('applyJsonPatch (RFC 6902)', () => {
  it('applies add, remove, replace, move, copy and test on a copy', () => {
    const target = { data: { a: '1', b: '2' }, list: ['x'] };
    const result = applyJsonPatch(target, [
      { op: 'test', path: '/data/a', value: '1' },
      { op: 'add', path: '/data/c', value: '3' },
      { op: 'remove', path: '/data/b' },
      { op: 'replace', path: '/data/a', value: 'A' },
      { op: 'add', path: '/list/-', value: 'y' },
      { op: 'copy', from: '/data/c', path: '/data/d' },
      { op: 'move', from: '/data/c', path: '/data/e~1f' },
    ]);
    expect(result).toEqual({ data: { a: 'A', d: '3', 'e/f': '3' }, list: ['x', 'y'] });
    expect(target).toEqual({ data: { a: '1', b: '2' }, list: ['x'] });
  });

  it('fails on missing paths and failed tests', () => {
    expect(() => applyJsonPatch({}, [{ op: 'remove', path: '/nope' }])).toThrow(PatchError);
    expect(() => applyJsonPatch({ a: 1 }, [{ op: 'test', path: '/a', value: 2 }])).toThrow('testing value /a failed');
    expect(() => applyJsonPatch({}, { op: 'add' })).toThrow(PatchError);
  });
});
