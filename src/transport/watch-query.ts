/**
 * Query strings for watch and list requests, built from typed options only. Keys are sorted as
 * Go's url.Values.Encode sorts them (what client-go sends), unset options are omitted, and a
 * boolean set to false is sent as "false" (the caller chose it).
 */
import type { WatchOptions } from '../record/timeline.js';

/** The list parameters watchmark controls (metav1.ListOptions names). */
export interface ListQuery {
  resourceVersion?: string;
  resourceVersionMatch?: string;
  limit?: number;
  continue?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

/** `watch=true` plus the set options, e.g. "allowWatchBookmarks=true&resourceVersion=0&watch=true". */
export function buildWatchQuery(options: WatchOptions): string {
  const params: Record<string, string | undefined> = {
    watch: 'true',
    resourceVersion: options.resourceVersion,
    resourceVersionMatch: options.resourceVersionMatch,
    sendInitialEvents: booleanParam(options.sendInitialEvents),
    allowWatchBookmarks: booleanParam(options.allowWatchBookmarks),
    timeoutSeconds: integerParam('timeoutSeconds', options.timeoutSeconds),
    labelSelector: options.labelSelector,
    fieldSelector: options.fieldSelector,
  };
  return encodeSorted(params);
}

/** The list query, e.g. "limit=500&resourceVersion=0" (client-go <= v0.34 informers' first LIST). */
export function buildListQuery(query: ListQuery): string {
  return encodeSorted({
    resourceVersion: query.resourceVersion,
    resourceVersionMatch: query.resourceVersionMatch,
    limit: integerParam('limit', query.limit),
    continue: query.continue,
    labelSelector: query.labelSelector,
    fieldSelector: query.fieldSelector,
  });
}

function booleanParam(value: boolean | undefined): string | undefined {
  return value === undefined ? undefined : String(value);
}

function integerParam(name: string, value: number | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  return String(value);
}

function encodeSorted(params: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const key of Object.keys(params).sort()) {
    const value = params[key];
    if (value !== undefined) search.append(key, value);
  }
  return search.toString();
}
