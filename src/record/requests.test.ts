import { describe, expect, it } from 'vitest';
import { WIDGETS, plainWatchStream, run } from '../../test/support/timeline-builder.js';
import { objectKeyOf } from './accessors.js';
import {
  collectionKeyOf,
  initialStateModeOf,
  isLegacyInitialStateWatch,
  isVeryShortWatch,
  isWatchListRequest,
  listsOfCollection,
  mediaTypeOf,
} from './requests.js';

describe('request classification', () => {
  it('recognises the exact client-go watch-list request', () => {
    expect(isWatchListRequest({ sendInitialEvents: true, allowWatchBookmarks: true, resourceVersionMatch: 'NotOlderThan' })).toBe(true);
    expect(isWatchListRequest({ sendInitialEvents: true, resourceVersionMatch: 'NotOlderThan' })).toBe(false);
    expect(isWatchListRequest({ sendInitialEvents: true, allowWatchBookmarks: true })).toBe(false);
  });

  it('recognises legacy RV ""/"0"/unset watches', () => {
    expect(isLegacyInitialStateWatch({})).toBe(true);
    expect(isLegacyInitialStateWatch({ resourceVersion: '0', allowWatchBookmarks: true })).toBe(true);
    expect(isLegacyInitialStateWatch({ resourceVersion: '' })).toBe(true);
    expect(isLegacyInitialStateWatch({ resourceVersion: '5' })).toBe(false);
    expect(isLegacyInitialStateWatch({ sendInitialEvents: false })).toBe(false);
    expect(initialStateModeOf({ resourceVersion: '5' })).toBe('none');
    expect(initialStateModeOf({ sendInitialEvents: true })).toBe('initial-events-without-marker');
  });

  it('takes the media type like mime.ParseMediaType', () => {
    expect(mediaTypeOf('application/json;stream=watch')).toBe('application/json');
    expect(mediaTypeOf(' Application/JSON ; charset=utf-8')).toBe('application/json');
    expect(mediaTypeOf('')).toBeNull();
    expect(mediaTypeOf(null)).toBeNull();
  });
});

describe('isVeryShortWatch', () => {
  it('is a server close under 1 s after the request with no frames', () => {
    expect(isVeryShortWatch(plainWatchStream().response(5).close(300, 'server-eof').build())).toBe(true);
    expect(isVeryShortWatch(plainWatchStream().response(5).bookmark(100, '5').close(300).build())).toBe(false);
    expect(isVeryShortWatch(plainWatchStream().response(5).close(1_000).build())).toBe(false);
    expect(isVeryShortWatch(plainWatchStream().response(5).close(300, 'client-abort').build())).toBe(false);
  });
});

describe('collections and object keys', () => {
  it('compares paths without the query, and matches the LIST of the same collection', () => {
    const a = plainWatchStream('a').build();
    const b = plainWatchStream('b', '7', { labelSelector: 'x=y' }).build();
    expect(a.request.path).toBe('/api/v1/namespaces/watchmark/configmaps?watch=true');
    expect(collectionKeyOf(a)).toBe(collectionKeyOf(b));
    expect(collectionKeyOf(a)).not.toBe(collectionKeyOf(plainWatchStream('c').watched(WIDGETS).build()));
    const record = run().list({ sentAtMs: 0, atMs: 1 }).list({ sentAtMs: 0, atMs: 1, path: '/api/v1/namespaces/other/configmaps?limit=500' }).build();
    expect(listsOfCollection(a, record.lists).map((list) => list.id)).toEqual(['list#1']);
  });

  it('names objects namespace/name', () => {
    expect(objectKeyOf({ metadata: { name: 'a', namespace: 'ns' } })).toBe('ns/a');
    expect(objectKeyOf({ metadata: { name: 'node-1' } })).toBe('node-1');
    expect(objectKeyOf({ metadata: {} })).toBeUndefined();
  });
});
