import { describe, expect, it } from 'vitest';
import { WatchmarkError } from '../errors.js';
import { classifyRequest, parseMatcher, requestMatches, resourceOfPath, withoutInitialEvents, type ClassifiedRequest } from './request-match.js';

describe('classifyRequest', () => {
  it.each([
    ['/api/v1/configmaps?watch=true', 'watch', 'configmaps'],
    ['/api/v1/namespaces/default/configmaps?watch=1', 'watch', 'configmaps'],
    ['/api/v1/namespaces/default/configmaps?watch=', 'watch', 'configmaps'],
    ['/api/v1/namespaces/default/configmaps?watch=TRUE', 'watch', 'configmaps'],
    ['/api/v1/namespaces/default/configmaps?watch=false', 'list', 'configmaps'],
    ['/api/v1/namespaces/default/configmaps?watch=0', 'list', 'configmaps'],
    ['/api/v1/namespaces/default/configmaps?watch=False', 'list', 'configmaps'],
    ['/api/v1/namespaces/default/configmaps', 'list', 'configmaps'],
    ['/api/v1/namespaces/default/configmaps/cm-1', 'other', 'configmaps'],
    ['/api/v1/namespaces/default/pods/p-1/log', 'other', 'pods'],
    ['/api/v1/namespaces?watch=true', 'watch', 'namespaces'],
    ['/api/v1/namespaces', 'list', 'namespaces'],
    ['/api/v1/namespaces/default', 'other', 'namespaces'],
    ['/api/v1/nodes?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan', 'watch-list', 'nodes'],
    ['/apis/apps/v1/deployments?watch=true&sendInitialEvents=true', 'watch-list', 'deployments.apps'],
    ['/apis/apps/v1/namespaces/ns/deployments?watch=true&sendInitialEvents=false', 'watch', 'deployments.apps'],
    ['/apis/example.com/v1/widgets?watch=true', 'watch', 'widgets.example.com'],
    ['/apis/example.com/v1/namespaces/ns/widgets', 'list', 'widgets.example.com'],
    ['/api/v1/watch/namespaces/default/configmaps', 'watch', 'configmaps'],
    ['/api/v1/watch/configmaps', 'watch', 'configmaps'],
    ['/apis/apps/v1/watch/namespaces/ns/deployments/d-1', 'watch', 'deployments.apps'],
    ['/api/v1/watch/configmaps?sendInitialEvents=true', 'watch-list', 'configmaps'],
    ['/version', 'other', undefined],
    ['/api', 'other', undefined],
    ['/api/v1', 'other', undefined],
    ['/apis/apps/v1', 'other', undefined],
    ['/openapi/v2?watch=true', 'other', undefined],
  ])('GET %s is a %s of %s', (path, kind, resource) => {
    const c = classifyRequest('GET', path);
    expect(c.kind).toBe(kind);
    expect(c.resource).toBe(resource);
  });

  it('only a GET watches or lists', () => {
    expect(classifyRequest('POST', '/api/v1/namespaces/default/configmaps').kind).toBe('other');
    expect(classifyRequest('DELETE', '/api/v1/namespaces/default/configmaps?watch=true').kind).toBe('other');
  });

  it('keeps the query resourceVersion ("" when absent)', () => {
    expect(classifyRequest('GET', '/api/v1/configmaps?watch=1&resourceVersion=42').resourceVersion).toBe('42');
    expect(classifyRequest('GET', '/api/v1/configmaps?watch=1').resourceVersion).toBe('');
  });

  it('resourceOfPath tells a collection from a named object', () => {
    expect(resourceOfPath('/api/v1/namespaces/ns/secrets')).toEqual({ resource: 'secrets', collection: true });
    expect(resourceOfPath('/api/v1/namespaces/ns/secrets/s')).toEqual({ resource: 'secrets', collection: false });
    expect(resourceOfPath('/healthz')).toBeUndefined();
  });
});

describe('parseMatcher and requestMatches', () => {
  const req = (kind: ClassifiedRequest['kind'], resource: string | undefined): ClassifiedRequest => ({ kind, resource, resourceVersion: '' });

  it('defaults to every watch (watch-lists too), any resource', () => {
    const m = parseMatcher([], []);
    expect(m).toEqual({ kinds: ['watch'], resources: [] });
    expect(requestMatches(m, req('watch', 'configmaps'))).toBe(true);
    expect(requestMatches(m, req('watch-list', 'configmaps'))).toBe(true);
    expect(requestMatches(m, req('list', 'configmaps'))).toBe(false);
    expect(requestMatches(m, req('other', undefined))).toBe(false);
  });

  it('watch-list takes only watch-lists; list only lists; all everything', () => {
    const wl = parseMatcher(['watch-list'], []);
    expect(requestMatches(wl, req('watch-list', 'pods'))).toBe(true);
    expect(requestMatches(wl, req('watch', 'pods'))).toBe(false);
    const list = parseMatcher(['list'], []);
    expect(requestMatches(list, req('list', 'pods'))).toBe(true);
    expect(requestMatches(list, req('watch', 'pods'))).toBe(false);
    const all = parseMatcher(['all'], []);
    for (const kind of ['watch-list', 'watch', 'list', 'other'] as const) expect(requestMatches(all, req(kind, undefined))).toBe(true);
  });

  it('takes repeated and comma-separated kinds', () => {
    const m = parseMatcher(['list, watch-list', 'watch'], []);
    expect(m.kinds).toEqual(['list', 'watch-list', 'watch']);
  });

  it('a resource matches by plural in any group, or exactly by plural.group', () => {
    const plural = parseMatcher(['all'], ['deployments']);
    expect(requestMatches(plural, req('watch', 'deployments.apps'))).toBe(true);
    expect(requestMatches(plural, req('watch', 'deployments'))).toBe(true);
    expect(requestMatches(plural, req('watch', 'replicasets.apps'))).toBe(false);
    expect(requestMatches(plural, req('other', undefined))).toBe(false);
    const grouped = parseMatcher(['all'], ['deployments.apps']);
    expect(requestMatches(grouped, req('watch', 'deployments.apps'))).toBe(true);
    expect(requestMatches(grouped, req('watch', 'deployments.example.com'))).toBe(false);
    expect(requestMatches(grouped, req('watch', 'deployments'))).toBe(false);
    const two = parseMatcher(['watch'], ['configmaps,secrets']);
    expect(two.resources).toEqual(['configmaps', 'secrets']);
    expect(requestMatches(two, req('watch', 'secrets'))).toBe(true);
    expect(requestMatches(two, req('watch', 'pods'))).toBe(false);
  });

  it.each([
    [['watches'], [], '--match "watches" is not one of watch-list, watch, list, all'],
    [['watch,lists'], [], '--match "lists"'],
    [[], ['ConfigMaps'], '--match-resource "ConfigMaps" is not a resource name'],
    [[], ['config maps'], '--match-resource "config maps"'],
    [[], ['-pods'], '--match-resource "-pods"'],
  ])('refuses --match %j --match-resource %j', (match, resources, message) => {
    let thrown: unknown;
    try {
      parseMatcher(match, resources);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(WatchmarkError);
    expect((thrown as WatchmarkError).code).toBe('WM_USAGE');
    expect((thrown as WatchmarkError).message).toContain(message);
  });
});

describe('withoutInitialEvents', () => {
  it('drops sendInitialEvents and resourceVersionMatch, keeping the rest', () => {
    expect(withoutInitialEvents('/api/v1/configmaps?allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&sendInitialEvents=true&watch=true')).toBe(
      '/api/v1/configmaps?allowWatchBookmarks=true&watch=true',
    );
    expect(classifyRequest('GET', withoutInitialEvents('/api/v1/configmaps?watch=1&sendInitialEvents=true')).kind).toBe('watch');
  });

  it('leaves a path without those parameters alone and drops an emptied query', () => {
    expect(withoutInitialEvents('/api/v1/configmaps')).toBe('/api/v1/configmaps');
    expect(withoutInitialEvents('/api/v1/configmaps?sendInitialEvents=true')).toBe('/api/v1/configmaps');
  });
});
