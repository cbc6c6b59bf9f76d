import { describe, expect, it } from 'vitest';
import { acceptsJson, bodyFormat, negotiateOutput } from './negotiation.js';
import { routeRequest } from './routes.js';

describe('acceptsJson', () => {
  it.each([
    [undefined, true],
    ['', true],
    ['application/json', true],
    ['application/json, */*', true],
    ['*/*', true],
    ['application/*', true],
    ['application/vnd.kubernetes.protobuf, application/json', true],
    ['application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json', true],
    ['application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json', true],
    ['application/json;as=Table;v=v1;g=meta.k8s.io', false],
    ['application/vnd.kubernetes.protobuf', false],
    ['application/yaml', false],
    ['application/json;q=0', false],
  ])('%j -> %s', (accept, expected) => {
    expect(acceptsJson(accept)).toBe(expected);
  });
});

describe('negotiateOutput', () => {
  const PB = 'application/vnd.kubernetes.protobuf';
  // The cases checked against kube-apiserver v1.37 (testbed) where it can answer both formats.
  it.each([
    [undefined, 'json'],
    ['', 'json'],
    [`${PB},application/json`, 'protobuf'],
    [`application/json,${PB}`, 'json'],
    [`application/json;q=0.5,${PB}`, 'protobuf'],
    [`${PB};q=0.5,application/json`, 'json'],
    [`${PB};q=0,application/json`, 'json'],
    [`${PB};stream=watch`, 'protobuf'],
    [`${PB};stream=watch;q=0.5,application/json`, 'json'],
    [`${PB};as=Table;v=v1;g=meta.k8s.io,application/json`, 'json'],
    ['application/json;as=Table;v=v1;g=meta.k8s.io,application/json', 'json'],
    ['*/*', 'json'],
    [`*/*,${PB}`, 'protobuf'],
    ['application/json, */*', 'json'],
    ['application/yaml', null],
    ['application/json;as=Table;v=v1;g=meta.k8s.io', null],
  ])('%j -> %s', (accept, expected) => {
    expect(negotiateOutput(accept)).toBe(expected);
  });

  it('only offers what the route can produce', () => {
    expect(negotiateOutput(PB, ['json'])).toBeNull();
    expect(negotiateOutput(`${PB},application/json`, ['json'])).toBe('json');
  });
});

describe('bodyFormat', () => {
  it('classifies request bodies', () => {
    expect(bodyFormat(undefined)).toBe('json');
    expect(bodyFormat('application/json; charset=utf-8')).toBe('json');
    expect(bodyFormat('application/vnd.kubernetes.protobuf')).toBe('protobuf');
    expect(bodyFormat('application/merge-patch+json')).toBe('merge-patch');
    expect(bodyFormat('application/apply-patch+yaml')).toBe('apply-patch');
    expect(bodyFormat('text/plain')).toBe('other');
  });
});

describe('routeRequest', () => {
  it('maps kube paths to routes', () => {
    expect(routeRequest('/api/v1/namespaces/ns/configmaps/x')).toMatchObject({ kind: 'object', namespace: 'ns', name: 'x', forceWatch: false });
    expect(routeRequest('/api/v1/watch/namespaces/ns/configmaps')).toMatchObject({ kind: 'collection', namespace: 'ns', forceWatch: true });
    expect(routeRequest('/api/v1/configmaps')).toMatchObject({ kind: 'collection', forceWatch: false });
    expect(routeRequest('/api/v1/configmaps').kind === 'collection' && 'namespace' in routeRequest('/api/v1/configmaps')).toBe(false);
    expect(routeRequest('/api/v1/namespaces/x')).toMatchObject({ kind: 'object', name: 'x' });
    expect(routeRequest('/api/v1/namespaces/x/pods').kind).toBe('not-found');
    expect(routeRequest('/readyz/ping').kind).toBe('health');
    expect(routeRequest('/api/v1/').kind).toBe('api-v1');
  });
});
