import type { DiscoveryClient, ResolvedResource } from '../../src/discovery/resolve-resource.js';
import type { Report } from '../../src/report/model.js';

/** configmaps as discovery resolves them on kube-apiserver, with the verbs the workload needs. */
export const CONFIGMAPS: ResolvedResource = {
  group: '',
  version: 'v1',
  apiVersion: 'v1',
  kind: 'ConfigMap',
  resource: 'configmaps',
  namespaced: true,
  verbs: ['create', 'delete', 'get', 'list', 'update', 'watch'],
  shortNames: ['cm'],
  singularName: 'configmap',
};

/** A target as a report describes one given with --server. */
export const FLAGS_TARGET: Report['target'] = {
  server: 'https://127.0.0.1:6443',
  source: 'flags',
  serverVersion: 'v1.34.0',
  description: 'server https://127.0.0.1:6443 (flags)',
};

/** Discovery documents by path; anything else is a 404. Records the paths asked for. */
export function fakeDiscovery(docs: Record<string, { status?: number; body: unknown }>): DiscoveryClient & { paths: string[] } {
  const paths: string[] = [];
  return {
    paths,
    async requestJson(_method, path) {
      paths.push(path);
      const doc = docs[path];
      if (!doc) return { status: 404, body: { kind: 'Status', message: 'the server could not find the requested resource' }, text: '' };
      return { status: doc.status ?? 200, body: doc.body, text: typeof doc.body === 'string' ? doc.body : JSON.stringify(doc.body) };
    },
  };
}
