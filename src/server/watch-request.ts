/**
 * LIST/WATCH query handling exactly in kube-apiserver's order (`pkg/endpoints/handlers/get.go`
 * ListResource, v0.35.0): decode the query (syntax errors: 400), `SetListOptionsDefaults` with the
 * WatchList gate on, `ValidateListOptions` (422 Invalid, `ListOptions.meta.k8s.io "" is invalid`),
 * field-label conversion (400), then the storage parses the resourceVersion. Pure.
 */
import {
  checkFieldLabels,
  parseFieldSelector,
  parseLabelSelector,
  SelectorParseError,
  type FieldSelector,
  type LabelSelector,
} from './selectors.js';
import type { ResourceDef } from './resources.js';
import { ApiStatusError, badRequest, invalid, notSupportedDetail, type FieldError } from './status.js';
import type { WatchFilter } from './watch-filter.js';

/** The decoded query (`metainternalversion.ListOptions`). */
export interface ListOptions {
  watch: boolean;
  resourceVersion: string;
  resourceVersionMatch: string;
  /** Absent when the query has no sendInitialEvents (a *bool in Go). */
  sendInitialEvents?: boolean;
  allowWatchBookmarks: boolean;
  timeoutSeconds?: number;
  limit?: number;
  continue: string;
  labelSelector: LabelSelector;
  fieldSelector: FieldSelector;
}

/**
 * apimachinery's query conversion for bools (`Convert_Slice_string_To_bool`): present and not
 * "0"/"false" (any case) means true, so `?watch=1`, `?watch=true` and even `?watch=` are watches.
 */
function queryBool(value: string | null): boolean {
  if (value === null) return false;
  return !(value === '0' || value.toLowerCase() === 'false');
}

function queryInt(query: URLSearchParams, name: string): number | undefined {
  const value = query.get(name);
  if (value === null || value === '') return undefined;
  if (!/^[-+]?\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new ApiStatusError(badRequest(`strconv.ParseInt: parsing ${JSON.stringify(value)}: invalid syntax`));
  }
  return Number(value);
}

/** `ParameterCodec.DecodeParameters`: 400 BadRequest on malformed numbers or selectors. */
export function decodeListOptions(query: URLSearchParams): ListOptions {
  let labelSelector: LabelSelector;
  let fieldSelector: FieldSelector;
  try {
    labelSelector = parseLabelSelector(query.get('labelSelector') ?? '');
    fieldSelector = parseFieldSelector(query.get('fieldSelector') ?? '');
  } catch (err) {
    if (err instanceof SelectorParseError) throw new ApiStatusError(badRequest(err.message));
    throw err;
  }
  const options: ListOptions = {
    watch: queryBool(query.get('watch')),
    resourceVersion: query.get('resourceVersion') ?? '',
    resourceVersionMatch: query.get('resourceVersionMatch') ?? '',
    allowWatchBookmarks: queryBool(query.get('allowWatchBookmarks')),
    continue: query.get('continue') ?? '',
    labelSelector,
    fieldSelector,
  };
  const sendInitialEvents = query.get('sendInitialEvents');
  if (sendInitialEvents !== null) options.sendInitialEvents = queryBool(sendInitialEvents);
  const timeoutSeconds = queryInt(query, 'timeoutSeconds');
  if (timeoutSeconds !== undefined) options.timeoutSeconds = timeoutSeconds;
  const limit = queryInt(query, 'limit');
  if (limit !== undefined) options.limit = limit;
  return options;
}

/**
 * `SetListOptionsDefaults` (apimachinery `pkg/apis/meta/internalversion/defaults.go`) with the
 * WatchList gate on: a legacy watch with RV ""/"0", no sendInitialEvents and no RVM becomes a
 * watch-list request. Storage cannot tell it from an explicit one. With the gate off (kube-apiserver
 * 1.33's default) nothing is defaulted.
 */
export function setListOptionsDefaults(options: ListOptions, watchListGate = true): ListOptions {
  if (
    watchListGate &&
    options.watch &&
    options.sendInitialEvents === undefined &&
    options.resourceVersionMatch === '' &&
    (options.resourceVersion === '' || options.resourceVersion === '0')
  ) {
    return { ...options, sendInitialEvents: true, resourceVersionMatch: 'NotOlderThan' };
  }
  return options;
}

const RVM = 'resourceVersionMatch';

/**
 * `ValidateListOptions` (apimachinery `pkg/apis/meta/internalversion/validation/validation.go`)
 * with the WatchList gate on, or off (`watchListGate` false: sendInitialEvents is then forbidden
 * for watches, the 422 that makes client-go fall back to LIST+WATCH). No rule involves
 * allowWatchBookmarks.
 */
export function validateListOptions(options: ListOptions, watchListGate = true): FieldError[] {
  const errs: FieldError[] = [];
  const match = options.resourceVersionMatch;
  if (options.watch) {
    if (options.sendInitialEvents !== undefined && match !== 'NotOlderThan') {
      errs.push({ type: 'Forbidden', field: RVM, detail: 'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan' });
    }
    if (options.sendInitialEvents !== undefined && !watchListGate) {
      errs.push({ type: 'Forbidden', field: 'sendInitialEvents', detail: 'sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled' });
    }
    if (match !== '') {
      if (options.sendInitialEvents === undefined) {
        errs.push({ type: 'Forbidden', field: RVM, detail: 'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided' });
      }
      if (match !== 'NotOlderThan') {
        errs.push({ type: 'NotSupported', field: RVM, badValue: match, detail: notSupportedDetail(['NotOlderThan']) });
      }
      if (options.continue !== '') {
        errs.push({ type: 'Forbidden', field: RVM, detail: 'resourceVersionMatch is forbidden when continue is provided' });
      }
    }
    return errs;
  }
  if (match !== '') {
    if (options.resourceVersion === '') {
      errs.push({ type: 'Forbidden', field: RVM, detail: 'resourceVersionMatch is forbidden unless resourceVersion is provided' });
    }
    if (options.continue !== '') {
      errs.push({ type: 'Forbidden', field: RVM, detail: 'resourceVersionMatch is forbidden when continue is provided' });
    }
    if (match !== 'Exact' && match !== 'NotOlderThan') {
      errs.push({ type: 'NotSupported', field: RVM, badValue: match, detail: notSupportedDetail(['Exact', 'NotOlderThan', '']) });
    }
    if (match === 'Exact' && options.resourceVersion === '0') {
      errs.push({ type: 'Forbidden', field: RVM, detail: 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"' });
    }
  }
  if (options.sendInitialEvents !== undefined) {
    errs.push({ type: 'Forbidden', field: 'sendInitialEvents', detail: 'sendInitialEvents is forbidden for list' });
  }
  return errs;
}

/**
 * `APIObjectVersioner.ParseResourceVersion`: "" and "0" are 0. A malformed RV is answered 400
 * here; the exact code kube-apiserver uses is UNCONFIRMED (spec 2.2).
 */
export function parseResourceVersion(resourceVersion: string): number {
  if (resourceVersion === '' || resourceVersion === '0') return 0;
  if (!/^\d+$/.test(resourceVersion) || !Number.isSafeInteger(Number(resourceVersion))) {
    throw new ApiStatusError(
      badRequest(
        `resourceVersion: Invalid value: ${JSON.stringify(resourceVersion)}: strconv.ParseUint: parsing ${JSON.stringify(resourceVersion)}: invalid syntax`,
      ),
    );
  }
  return Number(resourceVersion);
}

/** What a watch handler needs, after defaulting and validation. */
export interface WatchRequest {
  /** As sent (after defaulting): "", "0" or digits. */
  resourceVersion: string;
  /** Parsed: 0 for "" and "0". */
  rv: number;
  sendInitialEvents?: boolean;
  allowWatchBookmarks: boolean;
  /** Positive seconds, or absent (the server then picks [1800, 3600) s). */
  timeoutSeconds?: number;
  filter: WatchFilter;
}

export type ListOrWatch = { kind: 'list'; filter: WatchFilter; options: ListOptions } | { kind: 'watch'; request: WatchRequest };

/**
 * The whole pipeline for a GET on a collection. `namespace` is the path's namespace (absent for
 * all-namespaces or cluster-scoped paths); `forceWatch` is set for the legacy `/watch/` paths;
 * `watchListGate` is the server's WatchList feature gate (default on, as in kube-apiserver >= 1.34).
 * Throws ApiStatusError (400 or 422).
 */
export function parseCollectionRequest(
  def: ResourceDef,
  namespace: string | undefined,
  query: URLSearchParams,
  forceWatch = false,
  gates: { watchListGate?: boolean } = {},
): ListOrWatch {
  const watchListGate = gates.watchListGate ?? true;
  let options = decodeListOptions(query);
  if (forceWatch) options = { ...options, watch: true };
  options = setListOptionsDefaults(options, watchListGate);
  const errs = validateListOptions(options, watchListGate);
  if (errs.length > 0) throw new ApiStatusError(invalid('meta.k8s.io', 'ListOptions', '', errs));
  try {
    checkFieldLabels(options.fieldSelector, def.fieldLabels);
  } catch (err) {
    if (err instanceof SelectorParseError) throw new ApiStatusError(badRequest(err.message));
    throw err;
  }
  const filter: WatchFilter = { labels: options.labelSelector, fields: options.fieldSelector };
  if (def.namespaced && namespace !== undefined) filter.namespace = namespace;
  const rv = parseResourceVersion(options.resourceVersion);
  if (!options.watch) return { kind: 'list', filter, options };
  const request: WatchRequest = {
    resourceVersion: options.resourceVersion,
    rv,
    allowWatchBookmarks: options.allowWatchBookmarks,
    filter,
  };
  if (options.sendInitialEvents !== undefined) request.sendInitialEvents = options.sendInitialEvents;
  if (options.timeoutSeconds !== undefined && options.timeoutSeconds > 0) request.timeoutSeconds = options.timeoutSeconds;
  return { kind: 'watch', request };
}
