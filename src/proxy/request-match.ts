/**
 * Which requests the proxy's faults touch: each request is classified as kube-apiserver reads it
 * (a watch-list, a watch, a list or anything else, and the resource its path names), and
 * `--match` / `--match-resource` select among them. Pure.
 */
import { WatchmarkError } from '../errors.js';

export type RequestKind = 'watch-list' | 'watch' | 'list' | 'other';
export const MATCH_VALUES = ['watch-list', 'watch', 'list', 'all'] as const;
export type MatchValue = (typeof MATCH_VALUES)[number];

export interface ClassifiedRequest {
  kind: RequestKind;
  /** The resource the path names, kubectl-style: `configmaps`, `widgets.example.com`; undefined for non-resource paths. */
  resource: string | undefined;
  /** The query's resourceVersion ("" when absent). */
  resourceVersion: string;
}

/**
 * apimachinery's query bools (`Convert_Slice_string_To_bool`): present and not "0"/"false" (any
 * case) is true, so `?watch=1` and `?watch=` are watches too.
 */
function queryBool(value: string | null): boolean {
  return value !== null && !(value === '0' || value.toLowerCase() === 'false');
}

/**
 * The resource a request path names, and whether it is a collection (no object name):
 * /api/v1[/namespaces/NS]/RESOURCE[/NAME[/SUB]], /apis/GROUP/VERSION/..., and the deprecated
 * /api/v1/watch/... form.
 */
export function resourceOfPath(pathname: string): { resource: string; collection: boolean } | undefined {
  const parts = pathname.split('/').filter((p) => p !== '');
  let group = '';
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) rest = parts.slice(2);
  else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1]!;
    rest = parts.slice(3);
  } else return undefined;
  if (rest[0] === 'watch') rest = rest.slice(1);
  // namespaces/NS/RESOURCE...: a namespaced resource; namespaces[/NAME] alone is the namespaces resource.
  if (rest[0] === 'namespaces' && rest.length >= 3) rest = rest.slice(2);
  const plural = rest[0];
  if (!plural) return undefined;
  return { resource: group === '' ? plural : `${plural}.${group}`, collection: rest.length === 1 };
}

/** How kube-apiserver reads a request: a GET with watch is a watch (a watch-list with sendInitialEvents=true), a GET of a collection a list. */
export function classifyRequest(method: string, pathAndQuery: string): ClassifiedRequest {
  const url = new URL(pathAndQuery, 'http://proxy.invalid');
  const target = resourceOfPath(url.pathname);
  const query = url.searchParams;
  const resourceVersion = query.get('resourceVersion') ?? '';
  const isWatch = method === 'GET' && target !== undefined && (queryBool(query.get('watch')) || url.pathname.includes('/watch/'));
  let kind: RequestKind = 'other';
  if (isWatch) kind = queryBool(query.get('sendInitialEvents')) ? 'watch-list' : 'watch';
  else if (method === 'GET' && target?.collection) kind = 'list';
  return { kind, resource: target?.resource, resourceVersion };
}

export interface RequestMatcher {
  kinds: readonly MatchValue[];
  resources: readonly string[];
}

/** `--match` values (repeatable, comma-separated; default watch) and `--match-resource` values. */
export function parseMatcher(match: readonly string[], resources: readonly string[]): RequestMatcher {
  const kinds = match.flatMap((m) => m.split(',')).map((m) => m.trim()).filter((m) => m !== '');
  for (const k of kinds) {
    if (!(MATCH_VALUES as readonly string[]).includes(k)) throw new WatchmarkError('WM_USAGE', `--match "${k}" is not one of ${MATCH_VALUES.join(', ')}`);
  }
  const names = resources.flatMap((r) => r.split(',')).map((r) => r.trim()).filter((r) => r !== '');
  for (const r of names) {
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(r)) throw new WatchmarkError('WM_USAGE', `--match-resource "${r}" is not a resource name (e.g. configmaps, widgets.example.com)`);
  }
  return { kinds: kinds.length === 0 ? ['watch'] : (kinds as MatchValue[]), resources: names };
}

/** `watch` takes every watch (watch-lists too); `watch-list` only watch-lists; a resource given as `widgets` matches it in any group. */
export function requestMatches(matcher: RequestMatcher, request: ClassifiedRequest): boolean {
  const kindOk = matcher.kinds.some((k) =>
    k === 'all' ? true : k === 'watch' ? request.kind === 'watch' || request.kind === 'watch-list' : k === request.kind,
  );
  if (!kindOk) return false;
  if (matcher.resources.length === 0) return true;
  const r = request.resource;
  return r !== undefined && matcher.resources.some((m) => m === r || (!m.includes('.') && r.split('.')[0] === m));
}

/**
 * ignore-send-initial-events: the query without sendInitialEvents and resourceVersionMatch, as a
 * server that drops them (kinm's WatchAdapter) reads the request.
 */
export function withoutInitialEvents(pathAndQuery: string): string {
  const q = pathAndQuery.indexOf('?');
  if (q < 0) return pathAndQuery;
  const query = new URLSearchParams(pathAndQuery.slice(q + 1));
  query.delete('sendInitialEvents');
  query.delete('resourceVersionMatch');
  const rest = query.toString();
  return rest === '' ? pathAndQuery.slice(0, q) : `${pathAndQuery.slice(0, q)}?${rest}`;
}
