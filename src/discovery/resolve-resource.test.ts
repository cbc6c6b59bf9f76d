import { describe, expect, it } from 'vitest';
import { WatchmarkError } from '../errors.js';
import { collectionPath, resolveResource, statusMessage } from './resolve-resource.js';
import { fakeDiscovery } from '../../test/support/fixtures.js';
import { rejection } from '../../test/support/rejection.js';


const verbs = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

/** A kube-apiserver-shaped discovery: core v1, apps v1, and a CRD group with two versions. */
function cluster(): ReturnType<typeof fakeDiscovery> {
  return fakeDiscovery({
    '/api/v1': {
      body: {
        kind: 'APIResourceList',
        groupVersion: 'v1',
        resources: [
          // Subresources come first on purpose: they carry the parent's kind and must never match.
          { name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] },
          { name: 'pods/status', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get', 'patch', 'update'] },
          { name: 'pods/eviction', singularName: '', namespaced: true, kind: 'Eviction', verbs: ['create'] },
          { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs, shortNames: ['po'] },
          { name: 'configmaps', singularName: 'configmap', namespaced: true, kind: 'ConfigMap', verbs, shortNames: ['cm'] },
          { name: 'namespaces', singularName: 'namespace', namespaced: false, kind: 'Namespace', verbs, shortNames: ['ns'] },
        ],
      },
    },
    '/apis': {
      body: {
        kind: 'APIGroupList',
        groups: [
          { name: 'apps', versions: [{ groupVersion: 'apps/v1', version: 'v1' }], preferredVersion: { groupVersion: 'apps/v1', version: 'v1' } },
          {
            name: 'example.com',
            versions: [
              { groupVersion: 'example.com/v2', version: 'v2' },
              { groupVersion: 'example.com/v1', version: 'v1' },
            ],
            preferredVersion: { groupVersion: 'example.com/v2', version: 'v2' },
          },
        ],
      },
    },
    '/apis/apps/v1': {
      body: { resources: [{ name: 'deployments', singularName: 'deployment', namespaced: true, kind: 'Deployment', verbs, shortNames: ['deploy'] }] },
    },
    '/apis/example.com/v2': {
      body: { resources: [{ name: 'widgets', singularName: 'widget', namespaced: true, kind: 'Widget', verbs: ['get', 'list', 'watch'], shortNames: ['wd'] }] },
    },
    '/apis/example.com/v1': {
      body: { resources: [{ name: 'widgets', singularName: 'widget', namespaced: true, kind: 'Widget', verbs, shortNames: ['wd'] }] },
    },
  });
}

describe('resolveResource', () => {
  it.each(['configmaps', 'configmap', 'ConfigMap', 'cm', 'CM', ' configmaps '])('resolves %j to core v1 configmaps', async (name) => {
    const r = await resolveResource(cluster(), name);
    expect(r).toEqual({
      group: '',
      version: 'v1',
      apiVersion: 'v1',
      kind: 'ConfigMap',
      resource: 'configmaps',
      namespaced: true,
      verbs,
      shortNames: ['cm'],
      singularName: 'configmap',
    });
  });

  it('prefers the core group and searches the other groups at their preferred version', async () => {
    const d = cluster();
    const r = await resolveResource(d, 'deploy');
    expect(r).toMatchObject({ group: 'apps', version: 'v1', apiVersion: 'apps/v1', kind: 'Deployment', resource: 'deployments' });
    expect(d.paths).toEqual(['/apis', '/api/v1', '/apis/apps/v1']);
    const w = await resolveResource(cluster(), 'widgets');
    expect(w).toMatchObject({ group: 'example.com', version: 'v2', apiVersion: 'example.com/v2' });
  });

  it('widgets.example.com resolves in the named group at its preferred version', async () => {
    const d = cluster();
    const r = await resolveResource(d, 'widgets.example.com');
    expect(r).toMatchObject({ group: 'example.com', version: 'v2', apiVersion: 'example.com/v2', kind: 'Widget', resource: 'widgets' });
    expect(r.verbs).toEqual(['get', 'list', 'watch']);
    expect(d.paths).not.toContain('/api/v1');
  });

  it('widgets.v1.example.com resolves at the named version', async () => {
    const r = await resolveResource(cluster(), 'widget.v1.example.com');
    expect(r).toMatchObject({ group: 'example.com', version: 'v1', apiVersion: 'example.com/v1', resource: 'widgets' });
    expect(r.verbs).toEqual(verbs);
  });

  it('pods.v1 names the core group', async () => {
    expect(await resolveResource(cluster(), 'pods.v1')).toMatchObject({ group: '', version: 'v1', resource: 'pods' });
  });

  it('an unknown group is WM_RESOURCE_NOT_FOUND naming the group, without listing any resources', async () => {
    const d = cluster();
    const err = await rejection(resolveResource(d, 'widgets.nope.io'));
    expect(err.code).toBe('WM_RESOURCE_NOT_FOUND');
    expect(err.message).toContain('no API group "nope.io"');
    expect(d.paths).toEqual(['/apis']);
    // A version the group does not serve is an unknown qualifier too.
    expect((await rejection(resolveResource(cluster(), 'widgets.v9.example.com'))).code).toBe('WM_RESOURCE_NOT_FOUND');
  });

  it('an unknown resource is WM_RESOURCE_NOT_FOUND after searching every group version', async () => {
    const err = await rejection(resolveResource(cluster(), 'gizmos'));
    expect(err.code).toBe('WM_RESOURCE_NOT_FOUND');
    expect(err.message).toBe(`the server doesn't have a resource type "gizmos" (searched 3 group versions)`);
  });

  it('never matches a subresource, even one listed first that shares the kind', async () => {
    // "pod" would match pods/log and pods/status by kind if subresources were considered.
    expect(await resolveResource(cluster(), 'pod')).toMatchObject({ resource: 'pods', verbs });
    // "eviction" is only the kind of pods/eviction.
    expect((await rejection(resolveResource(cluster(), 'eviction'))).code).toBe('WM_RESOURCE_NOT_FOUND');
  });

  it.each(['pods/log', '', 'config maps', '-pods'])('rejects %j as not a resource name (WM_USAGE) without asking the server', async (name) => {
    const d = cluster();
    const err = await rejection(resolveResource(d, name));
    expect(err.code).toBe('WM_USAGE');
    expect(d.paths).toEqual([]);
  });

  it('a group version that 404s is skipped (an aggregated API that is down), not fatal', async () => {
    const d = fakeDiscovery({
      '/api/v1': { body: { resources: [] } },
      '/apis': {
        body: {
          groups: [
            { name: 'metrics.k8s.io', versions: [{ version: 'v1beta1' }], preferredVersion: { version: 'v1beta1' } },
            { name: 'example.com', versions: [{ version: 'v1' }] }, // no preferredVersion: the first one
          ],
        },
      },
      '/apis/example.com/v1': { body: { resources: [{ name: 'widgets', namespaced: false, kind: 'Widget', verbs }] } },
    });
    const r = await resolveResource(d, 'widget');
    // No singularName in discovery: the lower-cased kind stands in, as kubectl does.
    expect(r).toMatchObject({ group: 'example.com', version: 'v1', namespaced: false, singularName: 'widget', shortNames: [] });
  });

  it.each([401, 403])('HTTP %i from discovery is WM_AUTH with the server message', async (status) => {
    const d = fakeDiscovery({ '/apis': { status, body: { kind: 'Status', message: 'Unauthorized' } } });
    const err = await rejection(resolveResource(d, 'configmaps'));
    expect(err.code).toBe('WM_AUTH');
    expect(err.message).toBe(`discovery GET /apis answered ${status}: Unauthorized`);
  });

  it('a 401 on a group version is WM_AUTH too (not skipped like a 404)', async () => {
    const d = fakeDiscovery({
      '/apis': { body: { groups: [] } },
      '/api/v1': { status: 401, body: { message: 'Unauthorized' } },
    });
    expect((await rejection(resolveResource(d, 'configmaps'))).code).toBe('WM_AUTH');
  });

  it('HTTP 500 is WM_DISCOVERY with the status and message', async () => {
    const d = fakeDiscovery({
      '/apis': { body: { groups: [] } },
      '/api/v1': { status: 500, body: 'etcdserver: request timed out\nmore detail' },
    });
    const err = await rejection(resolveResource(d, 'configmaps'));
    expect(err.code).toBe('WM_DISCOVERY');
    expect(err.message).toBe('discovery GET /api/v1 answered HTTP 500: etcdserver: request timed out more detail');
  });

  it('/apis answering 404 is WM_DISCOVERY (every server has /apis)', async () => {
    const d = fakeDiscovery({ '/api/v1': { body: { resources: [] } } });
    expect((await rejection(resolveResource(d, 'configmaps'))).code).toBe('WM_DISCOVERY');
  });
});

describe('collectionPath', () => {
  const configmaps = { group: '', version: 'v1', resource: 'configmaps', namespaced: true };
  const widgets = { group: 'example.com', version: 'v1', resource: 'widgets', namespaced: true };
  const namespaces = { group: '', version: 'v1', resource: 'namespaces', namespaced: false };

  it('builds core, group, namespaced and all-namespaces paths', () => {
    expect(collectionPath(configmaps, 'ns1')).toBe('/api/v1/namespaces/ns1/configmaps');
    expect(collectionPath(configmaps)).toBe('/api/v1/configmaps');
    expect(collectionPath(widgets, 'ns1')).toBe('/apis/example.com/v1/namespaces/ns1/widgets');
    expect(collectionPath(widgets)).toBe('/apis/example.com/v1/widgets');
  });

  it('ignores a namespace for cluster-scoped resources and escapes namespace names', () => {
    expect(collectionPath(namespaces, 'ns1')).toBe('/api/v1/namespaces');
    expect(collectionPath(configmaps, 'a/b')).toBe('/api/v1/namespaces/a%2Fb/configmaps');
  });
});

describe('statusMessage', () => {
  it('takes a Status message, else the whole body on one line, cut at 300 characters', () => {
    expect(statusMessage({ message: 'forbidden' }, 'ignored')).toBe('forbidden');
    expect(statusMessage(undefined, '  first\nsecond')).toBe('first second');
    expect(statusMessage(undefined, 'x'.repeat(400))).toBe(`${'x'.repeat(300)}…`);
    expect(statusMessage(null, '   ')).toBe('(empty body)');
  });

  it("quotes a pretty-printed non-Status JSON body (kinm's 404), not its first line \"{\"", () => {
    const text = JSON.stringify({ paths: ['/apis', '/apis/kinm.test', '/apis/kinm.test/v1', '/healthz'] }, null, 2);
    expect(text.split('\n')[0]).toBe('{');
    expect(statusMessage(JSON.parse(text), text)).toBe('{"paths":["/apis","/apis/kinm.test","/apis/kinm.test/v1","/healthz"]}');
    // Also when only the text is at hand (a recorded watch response body).
    expect(statusMessage(undefined, text)).toBe('{"paths":["/apis","/apis/kinm.test","/apis/kinm.test/v1","/healthz"]}');
  });
});

describe('resolveResource against something that is not an API server', () => {
  /** What TargetClient returns for a web page: body undefined (not JSON), the text, the content type. */
  const webServer = {
    async requestJson(_method: 'GET', _path: string) {
      return { status: 200, body: undefined, text: '<!doctype html>\n<html><body>Welcome to nginx!</body></html>', headers: { 'content-type': 'text/html' } };
    },
  };

  it('HTML 200 to discovery is WM_DISCOVERY naming the path and what came, not a TypeError', async () => {
    const err = await rejection(resolveResource(webServer, 'configmaps'));
    expect(err.code).toBe('WM_DISCOVERY');
    expect(err.message).toBe(
      'discovery GET /apis answered HTTP 200 with a body that is not JSON (text/html): <!doctype html> <html><body>Welcome to nginx!</body></html>; is this a Kubernetes API server?',
    );
  });

  it('an empty 200 body and JSON that is not an object are named as such', async () => {
    const answering = (text: string, body: unknown) => ({
      async requestJson() {
        return { status: 200, body, text, headers: { 'content-type': 'application/json' } };
      },
    });
    expect((await rejection(resolveResource(answering('', undefined), 'cm'))).message).toBe(
      'discovery GET /apis answered HTTP 200 with an empty body (application/json); is this a Kubernetes API server?',
    );
    expect((await rejection(resolveResource(answering('["a"]', ['a']), 'cm'))).message).toBe(
      'discovery GET /apis answered HTTP 200 with JSON that is not a discovery document (application/json): ["a"]; is this a Kubernetes API server?',
    );
  });
});
