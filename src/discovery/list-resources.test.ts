import { describe, expect, it } from 'vitest';
import { rejection } from '../../test/support/rejection.js';
import { listWatchableResources, qualifiedName } from './list-resources.js';
import { fakeDiscovery } from '../../test/support/fixtures.js';


const all = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

function cluster() {
  return fakeDiscovery({
    '/api/v1': {
      body: {
        resources: [
          { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: all, shortNames: ['po'] },
          { name: 'pods/status', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get', 'list', 'watch'] },
          { name: 'bindings', singularName: 'binding', namespaced: true, kind: 'Binding', verbs: ['create'] },
          { name: 'componentstatuses', singularName: 'componentstatus', namespaced: false, kind: 'ComponentStatus', verbs: ['get', 'list'] },
          { name: 'namespaces', singularName: 'namespace', namespaced: false, kind: 'Namespace', verbs: all },
        ],
      },
    },
    '/apis': {
      body: {
        groups: [
          {
            name: 'example.com',
            versions: [{ version: 'v2' }, { version: 'v1' }],
            preferredVersion: { groupVersion: 'example.com/v2', version: 'v2' },
          },
          { name: 'metrics.k8s.io', versions: [{ version: 'v1beta1' }], preferredVersion: { version: 'v1beta1' } },
        ],
      },
    },
    '/apis/example.com/v2': { body: { resources: [{ name: 'widgets', singularName: 'widget', namespaced: true, kind: 'Widget', verbs: ['get', 'list', 'watch'] }] } },
    '/apis/example.com/v1': { body: { resources: [{ name: 'oldwidgets', namespaced: true, kind: 'OldWidget', verbs: all }] } },
    '/apis/metrics.k8s.io/v1beta1': { status: 503, body: { kind: 'Status', message: 'the server is currently unable to handle the request' } },
  });
}

describe('listWatchableResources', () => {
  it('lists core and every group\'s preferred version, only top-level resources with list and watch', async () => {
    const client = cluster();
    const inventory = await listWatchableResources(client);
    expect(inventory.resources.map((r) => `${qualifiedName(r)} ${r.apiVersion} ${r.kind} ${r.namespaced}`)).toEqual([
      'pods v1 Pod true',
      'namespaces v1 Namespace false',
      'widgets.example.com example.com/v2 Widget true',
    ]);
    expect(client.paths).not.toContain('/apis/example.com/v1');
  });

  it('records a group version that does not answer (an unavailable aggregated API) instead of failing', async () => {
    const inventory = await listWatchableResources(cluster());
    expect(inventory.problems).toEqual([{ groupVersion: 'metrics.k8s.io/v1beta1', status: 503, message: 'the server is currently unable to handle the request' }]);
  });

  it('lists the named groups of a server that serves no core /api/v1 (kinm: 404 with a pretty-printed body)', async () => {
    const paths = JSON.stringify({ paths: ['/apis', '/apis/kinm.test', '/apis/kinm.test/v1'] }, null, 2);
    const client = fakeDiscovery({
      '/api/v1': { status: 404, body: paths },
      '/apis': { body: { groups: [{ name: 'kinm.test', versions: [{ version: 'v1' }], preferredVersion: { version: 'v1' } }] } },
      '/apis/kinm.test/v1': { body: { resources: [{ name: 'widgets', singularName: 'widget', namespaced: true, kind: 'Widget', verbs: all }] } },
    });
    const inventory = await listWatchableResources(client);
    expect(inventory.resources.map((r) => `${qualifiedName(r)} ${r.apiVersion} ${r.kind} ${r.namespaced}`)).toEqual(['widgets.kinm.test kinm.test/v1 Widget true']);
    expect(inventory.problems).toEqual([]);
  });

  it('fails with WM_DISCOVERY naming both when neither /api/v1 nor /apis answers', async () => {
    const err = await rejection(listWatchableResources(fakeDiscovery({})));
    expect(err.code).toBe('WM_DISCOVERY');
    expect(err.message).toBe(
      'the server serves no API discovery: GET /api/v1 answered HTTP 404 (the server could not find the requested resource) and GET /apis answered HTTP 404: the server could not find the requested resource',
    );
  });

  it('fails with WM_AUTH or WM_DISCOVERY when core discovery does not answer', async () => {
    expect((await rejection(listWatchableResources(fakeDiscovery({ '/api/v1': { status: 403, body: { message: 'forbidden' } } })))).code).toBe('WM_AUTH');
    expect((await rejection(listWatchableResources(fakeDiscovery({ '/api/v1': { status: 500, body: 'etcdserver: leader changed' } })))).code).toBe('WM_DISCOVERY');
  });

  it('HTML 200 to /api/v1 is WM_DISCOVERY naming the path, not an empty inventory or a TypeError', async () => {
    const webServer = {
      async requestJson() {
        return { status: 200, body: undefined, text: '<html>hello</html>', headers: { 'content-type': 'text/html; charset=utf-8' } };
      },
    };
    const err = await rejection(listWatchableResources(webServer));
    expect([err.code, err.message]).toEqual([
      'WM_DISCOVERY',
      'discovery GET /api/v1 answered HTTP 200 with a body that is not JSON (text/html; charset=utf-8): <html>hello</html>; is this a Kubernetes API server?',
    ]);
  });
});
