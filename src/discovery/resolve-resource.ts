import { responseBodyExcerpt, WatchmarkError } from '../errors.js';
import type { WatchedKind } from '../record/timeline.js';
import type { TargetClient } from '../transport/client.js';

/** A resource as discovery describes it. */
export interface ResolvedResource extends WatchedKind {
  group: string;
  version: string;
  namespaced: boolean;
  verbs: string[];
  shortNames: string[];
  singularName: string;
}

/** The part of the transport client discovery needs (kept narrow so it is easy to fake). */
export interface DiscoveryClient {
  requestJson(method: 'GET', path: string): Promise<DiscoveryResponse>;
}

export interface DiscoveryResponse {
  status: number;
  body: unknown;
  text: string;
  /** Lower-cased names (content-type is quoted when the body is not JSON). */
  headers?: Record<string, string>;
}

export interface ApiResource {
  name: string;
  singularName?: string;
  namespaced: boolean;
  kind: string;
  verbs: string[];
  shortNames?: string[];
}

/**
 * Resolves a resource named as kubectl accepts it: plural (`configmaps`), singular
 * (`configmap`), kind (`ConfigMap`), short name (`cm`), or qualified by group
 * (`widgets.kinm.test`) or version and group (`widgets.v1.kinm.test`). Uses discovery:
 * `/api/v1` for the core group, `/apis` then `/apis/GROUP/VERSION` for the others (the group's
 * preferred version unless one is named).
 */
export async function resolveResource(client: DiscoveryClient, name: string): Promise<ResolvedResource> {
  const trimmed = name.trim();
  if (!/^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(trimmed)) {
    throw new WatchmarkError('WM_USAGE', `resource "${name}" is not a valid resource name`);
  }
  const [head, ...rest] = trimmed.split('.');
  const qualifier = rest.join('.');
  const candidates: Array<{ group: string; version: string }> = [];

  if (qualifier) {
    const groups = await listGroups(client);
    for (const g of groups) {
      if (g.name === qualifier) candidates.push({ group: g.name, version: g.preferredVersion });
      for (const v of g.versions) {
        if (`${v}.${g.name}` === qualifier) candidates.push({ group: g.name, version: v });
      }
    }
    if (qualifier === 'v1') candidates.push({ group: '', version: 'v1' });
    if (candidates.length === 0) {
      throw new WatchmarkError('WM_RESOURCE_NOT_FOUND', `the server has no API group "${qualifier}" (from resource "${name}")`);
    }
  } else {
    candidates.push({ group: '', version: 'v1' });
    for (const g of await listGroups(client)) candidates.push({ group: g.name, version: g.preferredVersion });
  }

  const wanted = head!.toLowerCase();
  for (const c of candidates) {
    const resources = await listResources(client, c.group, c.version);
    const match = resources.find(
      (r) =>
        !r.name.includes('/') &&
        (r.name === wanted ||
          r.singularName === wanted ||
          r.kind.toLowerCase() === wanted ||
          (r.shortNames ?? []).includes(wanted)),
    );
    if (match) {
      return {
        group: c.group,
        version: c.version,
        apiVersion: c.group ? `${c.group}/${c.version}` : c.version,
        kind: match.kind,
        resource: match.name,
        namespaced: match.namespaced,
        verbs: match.verbs,
        shortNames: match.shortNames ?? [],
        singularName: match.singularName || match.kind.toLowerCase(),
      };
    }
  }
  throw new WatchmarkError(
    'WM_RESOURCE_NOT_FOUND',
    `the server doesn't have a resource type "${name}" (searched ${candidates.length} group version${candidates.length === 1 ? '' : 's'})`,
  );
}

/** Collection path of a resource, e.g. /api/v1/namespaces/ns/configmaps or /apis/g/v/widgets. */
export function collectionPath(resource: Pick<ResolvedResource, 'group' | 'version' | 'resource' | 'namespaced'>, namespace?: string): string {
  const prefix = resource.group ? `/apis/${resource.group}/${resource.version}` : `/api/${resource.version}`;
  if (resource.namespaced && namespace) return `${prefix}/namespaces/${encodeURIComponent(namespace)}/${resource.resource}`;
  return `${prefix}/${resource.resource}`;
}

export interface GroupInfo {
  name: string;
  preferredVersion: string;
  versions: string[];
}

/** The API groups of `/apis`, each with its versions and preferred version. */
export async function listGroups(client: DiscoveryClient): Promise<GroupInfo[]> {
  const res = await getJson(client, '/apis');
  const groups = (res as { groups?: unknown }).groups;
  if (!Array.isArray(groups)) return [];
  const out: GroupInfo[] = [];
  for (const g of groups as Array<Record<string, unknown>>) {
    const name = typeof g.name === 'string' ? g.name : '';
    const versions = Array.isArray(g.versions)
      ? (g.versions as Array<Record<string, unknown>>).map((v) => String(v.version ?? '')).filter(Boolean)
      : [];
    const preferred = (g.preferredVersion as Record<string, unknown> | undefined)?.version;
    if (!name || versions.length === 0) continue;
    out.push({ name, versions, preferredVersion: typeof preferred === 'string' ? preferred : versions[0]! });
  }
  return out;
}

async function listResources(client: DiscoveryClient, group: string, version: string): Promise<ApiResource[]> {
  const path = group ? `/apis/${group}/${version}` : `/api/${version}`;
  const body = await getJson(client, path, true);
  const resources = (body as { resources?: unknown } | undefined)?.resources;
  return Array.isArray(resources) ? (resources as ApiResource[]) : [];
}

async function getJson(client: DiscoveryClient, path: string, allowNotFound = false): Promise<unknown> {
  const res = await client.requestJson('GET', path);
  if (res.status === 404 && allowNotFound) return undefined;
  if (res.status === 401 || res.status === 403) {
    throw new WatchmarkError('WM_AUTH', `discovery GET ${path} answered ${res.status}: ${statusMessage(res.body, res.text)}`);
  }
  if (res.status !== 200) {
    throw new WatchmarkError('WM_DISCOVERY', `discovery GET ${path} answered HTTP ${res.status}: ${statusMessage(res.body, res.text)}`);
  }
  return requireDiscoveryDocument(res, path);
}

/**
 * The body of a 200 discovery answer as a JSON object, or WM_DISCOVERY saying what came instead:
 * a web server or proxy in front of the wrong port answers HTML 200 to everything.
 */
export function requireDiscoveryDocument(res: DiscoveryResponse, path: string): Record<string, unknown> {
  const body = res.body;
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) return body as Record<string, unknown>;
  const contentType = res.headers?.['content-type'] ?? 'no content-type';
  const what =
    res.text.trim() === ''
      ? `an empty body (${contentType})`
      : body === undefined
        ? `a body that is not JSON (${contentType}): ${responseBodyExcerpt(undefined, res.text, 120)}`
        : `JSON that is not a discovery document (${contentType}): ${responseBodyExcerpt(body, res.text, 120)}`;
  throw new WatchmarkError('WM_DISCOVERY', `discovery GET ${path} answered HTTP 200 with ${what}; is this a Kubernetes API server?`);
}

/** The useful part of a response body for an error message (see responseBodyExcerpt). */
export function statusMessage(body: unknown, text: string): string {
  return responseBodyExcerpt(body, text);
}

/** Discovery through `client`, every request carrying `signal` (Ctrl-C). */
export function discoveryWithSignal(client: TargetClient, signal: AbortSignal): DiscoveryClient {
  return { requestJson: (method, path) => client.requestJson(method, path, { signal }) };
}
