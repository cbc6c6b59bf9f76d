import { describe, expect, it } from 'vitest';
import { checkNonApplyPatchOptions, fieldManagerOf, parseApplyRequest } from './apply-patch.js';
import { CONFIGMAPS, NAMESPACES } from './resources.js';
import { statusOf } from './test-support.js';

// The messages are kube-apiserver v1.37.2's answers to the same requests (testbed, recorded by hand).
const q = (s: string) => new URLSearchParams(s);
const parse = (body: string, query = 'fieldManager=m1', name = 'y1') => parseApplyRequest(CONFIGMAPS, body, q(query), 'ns', name);

describe('parseApplyRequest', () => {
  it('takes the JSON kubectl sends and the same configuration as YAML', () => {
    const json = '{"apiVersion":"v1","data":{"k1":"v1"},"kind":"ConfigMap","metadata":{"labels":{"a":"1"},"name":"y1","namespace":"ns"}}';
    const yaml = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y1\n  namespace: ns\n  labels:\n    a: "1"\ndata:\n  k1: v1\n';
    expect(parse(json)).toEqual(parse(yaml));
    expect(parse(json, 'fieldManager=kubectl&fieldValidation=Strict&force=false')).toMatchObject({ fieldManager: 'kubectl', force: false });
    expect(parse(json, 'fieldManager=kubectl&force=true').force).toBe(true);
    expect(parseApplyRequest(NAMESPACES, '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"n"}}', q('fieldManager=m'), undefined, 'n').config).toMatchObject({ kind: 'Namespace' });
  });

  it('answers bad requests as kube-apiserver does', () => {
    const ok = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"y1"}}';
    expect(statusOf(() => parse(ok, ''))).toMatchObject({
      code: 422,
      reason: 'Invalid',
      message: 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
    });
    const cases: Array<[string, string]> = [
      ['{"apiVersion":"v1","metadata":{"name":"y1"}}', 'invalid object type: /v1, Kind='],
      ['{"apiVersion":"v1","kind":"Secret","metadata":{"name":"y1"}}', 'invalid object type: /v1, Kind=Secret'],
      ['{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"other"}}', 'the name of the object (other) does not match the name on the URL (y1)'],
      ['{"apiVersion":"v1","kind":"ConfigMap"}', 'the name of the object (y1 based on URL) was undeterminable: name must be provided'],
      ['{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"y1","managedFields":[{"manager":"z"}]}}', 'metadata.managedFields must be nil'],
      ['[1]', 'error decoding patch: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type map[string]interface {}'],
    ];
    for (const [body, message] of cases) expect(statusOf(() => parse(body))).toMatchObject({ code: 400, reason: 'BadRequest', message });
    expect(statusOf(() => parse('apiVersion: v1\n kind: : x\n'))).toMatchObject({ code: 400, message: expect.stringMatching(/^error encoding patch: yaml: /) });
  });
});

describe('patch options and field managers', () => {
  it('refuses force on a non-apply patch', () => {
    expect(statusOf(() => checkNonApplyPatchOptions(q('force=false')))).toMatchObject({
      code: 422,
      message: 'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch',
      details: { group: 'meta.k8s.io', kind: 'PatchOptions', causes: [{ reason: 'FieldValueForbidden', field: 'force' }] },
    });
    expect(() => checkNonApplyPatchOptions(q('fieldManager=x'))).not.toThrow();
  });

  it('names an Update manager by fieldManager, else by the User-Agent up to its first "/"', () => {
    expect(fieldManagerOf(q('fieldManager=kubectl-label'), 'kubectl/v1.33.1')).toBe('kubectl-label');
    expect(fieldManagerOf(q(''), 'kubectl.1.33/v1.33.1 (linux/amd64) kubernetes/8adc0f0')).toBe('kubectl.1.33');
    expect(fieldManagerOf(q(''), undefined)).toBe('');
    expect(fieldManagerOf(q(''), 'x'.repeat(200))).toHaveLength(128);
  });
});
