import { describe, expect, it } from 'vitest';
import { TRUNCATED_AT_END } from '../decode/watch-frames.js';
import type { EventEntry, MalformedFrameEntry } from '../record/timeline.js';
import { clientNodeEventEffect, clientNodeMalformedEffect, isClientNodeWatchShape } from './client-node-watch.js';

const event = (type: string, object: unknown): EventEntry => ({ kind: 'event', atMs: 0, seq: 0, type, object, bytes: 0 });
const malformed = (raw: string, error = 'invalid JSON'): MalformedFrameEntry => ({ kind: 'malformed', atMs: 0, raw, error });
const cm = (rv?: string) => ({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'a', ...(rv !== undefined ? { resourceVersion: rv } : {}) } });

describe('clientNodeEventEffect / clientNodeMalformedEffect (cache.js watchHandler, watch.js line handler, 1.4.0)', () => {
  it.each([
    ['ADDED with an object', event('ADDED', cm('101')), { kind: 'accepted', rv: '101' }],
    ['DELETED with an object without RV', event('DELETED', cm()), { kind: 'accepted', rv: '' }],
    ['BOOKMARK (only its RV is used)', event('BOOKMARK', { metadata: { resourceVersion: '150' } }), { kind: 'accepted', rv: '150' }],
    ['BOOKMARK without metadata', event('BOOKMARK', { kind: 'ConfigMap' }), { kind: 'accepted', rv: '' }],
    ['an unknown type (falls through to the RV update)', event('FOO', cm('160')), { kind: 'accepted', rv: '160' }],
    ['ERROR 410', event('ERROR', { kind: 'Status', apiVersion: 'v1', code: 410, reason: 'Expired' }), { kind: 'expired' }],
    ['ERROR 500', event('ERROR', { kind: 'Status', apiVersion: 'v1', code: 500, message: 'x' }), { kind: 'dropped', what: 'an ERROR event ("x")' }],
    ['ERROR without object', event('ERROR', undefined), { kind: 'crash', error: "TypeError: Cannot read properties of undefined (reading 'code')" }],
    ['ADDED without object', event('ADDED', undefined), { kind: 'crash', error: "TypeError: Cannot read properties of undefined (reading 'metadata')" }],
    ['MODIFIED with object null', event('MODIFIED', null), { kind: 'crash', error: "TypeError: Cannot read properties of null (reading 'metadata')" }],
    ['ADDED whose object has no metadata', event('ADDED', { kind: 'ConfigMap' }), { kind: 'crash', error: "TypeError: Cannot read properties of undefined (reading 'namespace')" }],
    ['BOOKMARK without object', event('BOOKMARK', undefined), { kind: 'crash', error: "TypeError: Cannot read properties of undefined (reading 'metadata')" }],
  ])('%s', (_name, entry, effect) => {
    expect(clientNodeEventEffect(entry)).toEqual(effect);
  });

  it.each([
    ['an unparsable line is ignored', malformed('this is not json'), 'dropped'],
    ['a truncated final frame is ignored', malformed('{"type":"ADDED","object":{"ki', TRUNCATED_AT_END), 'dropped'],
    ['JSON null is ignored (null.type throws inside the try)', malformed('null', 'not a JSON object: got null'), 'dropped'],
    ['a JSON number crashes (data.object undefined)', malformed('42', 'not a JSON object: got a number'), 'crash'],
    ['a JSON array crashes', malformed('[1]', 'not a JSON object: got an array'), 'crash'],
  ])('%s', (_name, frame, kind) => {
    expect(clientNodeMalformedEffect(frame).kind).toBe(kind);
  });
});

describe('isClientNodeWatchShape (cache.js l.119-128: watch=true&resourceVersion=<rv>)', () => {
  it('accepts a watch from an explicit RV without bookmarks, with or without timeoutSeconds', () => {
    expect(isClientNodeWatchShape({ resourceVersion: '100' })).toBe(true);
    expect(isClientNodeWatchShape({ resourceVersion: '100', timeoutSeconds: 10 })).toBe(true);
  });

  it('rejects bookmarks, watch-list, RV ""/"0"/unset and selectors', () => {
    expect(isClientNodeWatchShape({ resourceVersion: '100', allowWatchBookmarks: true })).toBe(false);
    expect(isClientNodeWatchShape({ sendInitialEvents: true, resourceVersionMatch: 'NotOlderThan', allowWatchBookmarks: true })).toBe(false);
    expect(isClientNodeWatchShape({ resourceVersion: '0' })).toBe(false);
    expect(isClientNodeWatchShape({ resourceVersion: '' })).toBe(false);
    expect(isClientNodeWatchShape({})).toBe(false);
    expect(isClientNodeWatchShape({ resourceVersion: '100', labelSelector: 'a=b' })).toBe(false);
  });
});
