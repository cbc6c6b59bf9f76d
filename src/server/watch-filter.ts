/**
 * Which event, if any, a watcher sees for a store write. Pure.
 *
 * kube-apiserver's cacher (`cache_watcher.go` convertToWatchEvent, v0.35.0) compares the object
 * before and after the write against the watcher's filter:
 *   matched before | matches now | event
 *   no             | yes         | ADDED    (new state)
 *   yes            | yes         | MODIFIED (new state)
 *   yes            | no          | DELETED  (previous state, with the write's RV)
 * A real delete is "matches now: no", so it is DELETED with the last state and the deletion RV.
 * kinm instead applies the selector as a plain predicate to the event's own object.
 */
import { matchesFields, matchesLabels, type FieldSelector, type LabelSelector } from './selectors.js';
import { withResourceVersion, type KubeObject, type ResourceDef } from './resources.js';
import type { StoreEvent, StoreEventType } from './store.js';

export interface WatchFilter {
  /** Namespace of a namespaced request; absent for all-namespaces and cluster-scoped requests. */
  namespace?: string;
  labels: LabelSelector;
  fields: FieldSelector;
}

export interface WatchEventOut {
  type: StoreEventType;
  object: KubeObject;
}

export function objectMatches(def: ResourceDef, filter: WatchFilter, object: KubeObject): boolean {
  if (filter.namespace !== undefined && object.metadata.namespace !== filter.namespace) return false;
  if (!matchesLabels(filter.labels, object.metadata.labels)) return false;
  if (filter.fields.requirements.length > 0 && !matchesFields(filter.fields, def.fieldsOf(object))) return false;
  return true;
}

/** kube-apiserver's transition rules (see the file comment). */
export function cacherWatchEvent(def: ResourceDef, filter: WatchFilter, event: StoreEvent): WatchEventOut | null {
  const matchesNow = event.type !== 'DELETED' && objectMatches(def, filter, event.object);
  const matchedBefore = event.prevObject !== undefined && objectMatches(def, filter, event.prevObject);
  if (matchesNow) return { type: matchedBefore ? 'MODIFIED' : 'ADDED', object: event.object };
  if (!matchedBefore) return null;
  return { type: 'DELETED', object: event.type === 'DELETED' ? event.object : deletedView(event) };
}

/** kinm: the event's own object through the predicate, event type unchanged. */
export function predicateWatchEvent(def: ResourceDef, filter: WatchFilter, event: StoreEvent): WatchEventOut | null {
  return objectMatches(def, filter, event.object) ? { type: event.type, object: event.object } : null;
}

const deletedViews = new WeakMap<StoreEvent, KubeObject>();

/**
 * The previous state with the write's RV, built once per event so that every watcher shares one
 * object (and therefore one serialized frame).
 */
function deletedView(event: StoreEvent): KubeObject {
  let view = deletedViews.get(event);
  if (!view) {
    view = withResourceVersion(event.prevObject!, event.rv);
    deletedViews.set(event, view);
  }
  return view;
}
