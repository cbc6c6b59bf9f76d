import { WatchmarkError } from '../errors.js';
import { listGroups, requireDiscoveryDocument, statusMessage, type ApiResource, type DiscoveryClient, type GroupInfo, type ResolvedResource } from './resolve-resource.js';

/** A group version whose resource list could not be read (e.g. an aggregated API that is down: 503). */
export interface DiscoveryProblem {
  /** "v1" or "group/version". */
  groupVersion: string;
  /** HTTP status, or 0 when the request failed in transport. */
  status: number;
  message: string;
}

export interface ResourceInventory {
  /** Every top-level resource (no "x/y" subresources) whose verbs include list and watch, in discovery order. */
  resources: ResolvedResource[];
  problems: DiscoveryProblem[];
}

/**
 * Every listable and watchable resource the server serves, read from legacy discovery: `/api/v1`,
 * then `/apis` and each group's preferred version (built-in groups, CRDs and aggregated APIs alike;
 * a CRD or aggregated API has no other marker in discovery). A server may serve only named API
 * groups (kinm, aggregated and shim servers: `/api/v1` answers 404), as `resolveResource` already
 * allows; it must serve at least one of the two. A group version that does not answer (an
 * unavailable aggregated API answers 503) becomes a problem, not an error, so one broken
 * APIService does not hide the rest.
 */
export async function listWatchableResources(client: DiscoveryClient): Promise<ResourceInventory> {
  const resources: ResolvedResource[] = [];
  const problems: DiscoveryProblem[] = [];
  const core = await client.requestJson('GET', '/api/v1');
  if (core.status === 401 || core.status === 403) {
    throw new WatchmarkError('WM_AUTH', `discovery GET /api/v1 answered ${core.status}: ${statusMessage(core.body, core.text)}`);
  }
  const coreServed = core.status !== 404;
  if (coreServed && core.status !== 200) {
    throw new WatchmarkError('WM_DISCOVERY', `discovery GET /api/v1 answered HTTP ${core.status}: ${statusMessage(core.body, core.text)}`);
  }
  if (coreServed) resources.push(...watchableOf(requireDiscoveryDocument(core, '/api/v1'), '', 'v1'));

  let groups: GroupInfo[];
  try {
    groups = await listGroups(client);
  } catch (err) {
    if (coreServed || !(err instanceof WatchmarkError) || err.code !== 'WM_DISCOVERY') throw err;
    throw new WatchmarkError(
      'WM_DISCOVERY',
      `the server serves no API discovery: GET /api/v1 answered HTTP 404 (${statusMessage(core.body, core.text)}) and ${err.message.replace(/^discovery /, '')}`,
    );
  }
  for (const group of groups) {
    const path = `/apis/${group.name}/${group.preferredVersion}`;
    const groupVersion = `${group.name}/${group.preferredVersion}`;
    let res: { status: number; body: unknown; text: string };
    try {
      res = await client.requestJson('GET', path);
    } catch (err) {
      if (err instanceof WatchmarkError && err.code === 'WM_ABORTED') throw err;
      problems.push({ groupVersion, status: 0, message: err instanceof Error ? err.message : String(err) });
      continue;
    }
    if (res.status !== 200) {
      problems.push({ groupVersion, status: res.status, message: statusMessage(res.body, res.text) });
      continue;
    }
    resources.push(...watchableOf(res.body, group.name, group.preferredVersion));
  }
  return { resources, problems };
}

function watchableOf(body: unknown, group: string, version: string): ResolvedResource[] {
  const list = (body as { resources?: unknown } | undefined)?.resources;
  if (!Array.isArray(list)) return [];
  const out: ResolvedResource[] = [];
  for (const r of list as ApiResource[]) {
    if (typeof r?.name !== 'string' || r.name.includes('/') || typeof r.kind !== 'string') continue;
    const verbs = Array.isArray(r.verbs) ? r.verbs.filter((v): v is string => typeof v === 'string') : [];
    if (!verbs.includes('list') || !verbs.includes('watch')) continue;
    out.push({
      group,
      version,
      apiVersion: group ? `${group}/${version}` : version,
      kind: r.kind,
      resource: r.name,
      namespaced: r.namespaced === true,
      verbs,
      shortNames: Array.isArray(r.shortNames) ? r.shortNames : [],
      singularName: r.singularName || r.kind.toLowerCase(),
    });
  }
  return out;
}

/** kubectl's name for a resource: `configmaps`, `deployments.apps`, `widgets.example.com`. */
export function qualifiedName(resource: Pick<ResolvedResource, 'resource' | 'group'>): string {
  return resource.group ? `${resource.resource}.${resource.group}` : resource.resource;
}
