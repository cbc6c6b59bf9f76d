/** URL paths to routes. Pure. */
import type { OpenApiRoute } from './openapi-handler.js';
import { RESOURCES, type ResourceDef } from './resources.js';

export type Route =
  | { kind: 'health' }
  | { kind: 'version' }
  | { kind: 'api' }
  | { kind: 'api-v1' }
  | { kind: 'apis' }
  /** namespace: the path's namespace; absent for cluster-scoped and all-namespaces paths. */
  | { kind: 'collection'; def: ResourceDef; namespace?: string; forceWatch: boolean }
  | { kind: 'object'; def: ResourceDef; namespace?: string; name: string; forceWatch: boolean }
  /** /openapi/v2, /openapi/v3 and /openapi/v3/<group-version> (openapi-handler.ts). */
  | { kind: 'openapi'; route: OpenApiRoute }
  | { kind: 'not-found' };

/** Paths that answer without authentication (kube's system:public-info-viewer). */
export function isPublicRoute(route: Route): boolean {
  return route.kind === 'health' || route.kind === 'version';
}

export function routeRequest(pathname: string): Route {
  let segments: string[];
  try {
    segments = pathname
      .split('/')
      .filter((s) => s !== '')
      .map((s) => decodeURIComponent(s));
  } catch {
    return { kind: 'not-found' };
  }
  const [first, second] = segments;
  if (first === 'healthz' || first === 'livez' || first === 'readyz') return { kind: 'health' };
  if (first === 'version' && segments.length === 1) return { kind: 'version' };
  if (first === 'apis' && segments.length === 1) return { kind: 'apis' };
  if (first === 'openapi' && second === 'v2' && segments.length === 2) return { kind: 'openapi', route: { version: 'v2' } };
  if (first === 'openapi' && second === 'v3') {
    return { kind: 'openapi', route: segments.length === 2 ? { version: 'v3' } : { version: 'v3', groupVersion: segments.slice(2).join('/') } };
  }
  if (first !== 'api') return { kind: 'not-found' };
  if (segments.length === 1) return { kind: 'api' };
  if (second !== 'v1') return { kind: 'not-found' };
  if (segments.length === 2) return { kind: 'api-v1' };

  let rest = segments.slice(2);
  let forceWatch = false;
  if (rest[0] === 'watch') {
    // Deprecated /api/v1/watch/... paths, still served by kube-apiserver.
    forceWatch = true;
    rest = rest.slice(1);
  }
  const [a, b, c, d, ...extra] = rest;
  if (extra.length > 0) return { kind: 'not-found' };
  if (a === 'configmaps' && b === undefined) return { kind: 'collection', def: RESOURCES.configmaps, forceWatch };
  if (a !== 'namespaces') return { kind: 'not-found' };
  if (b === undefined) return { kind: 'collection', def: RESOURCES.namespaces, forceWatch };
  if (c === undefined) return { kind: 'object', def: RESOURCES.namespaces, name: b, forceWatch };
  if (c !== 'configmaps') return { kind: 'not-found' };
  if (d === undefined) return { kind: 'collection', def: RESOURCES.configmaps, namespace: b, forceWatch };
  return { kind: 'object', def: RESOURCES.configmaps, namespace: b, name: d, forceWatch };
}
