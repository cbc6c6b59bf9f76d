import { describe, expect, it } from 'vitest';
import { buildListQuery, buildWatchQuery } from './watch-query.js';

describe('buildWatchQuery', () => {
  it('sends watch=true alone when no option is set', () => {
    expect(buildWatchQuery({})).toBe('watch=true');
  });

  it('sends every set option, keys sorted as Go url.Values.Encode sorts them', () => {
    expect(
      buildWatchQuery({
        resourceVersion: '12345',
        resourceVersionMatch: 'NotOlderThan',
        sendInitialEvents: true,
        allowWatchBookmarks: true,
        timeoutSeconds: 540,
        labelSelector: 'app=web,tier in (a,b)',
        fieldSelector: 'metadata.name=x',
      }),
    ).toBe(
      'allowWatchBookmarks=true&fieldSelector=metadata.name%3Dx&labelSelector=app%3Dweb%2Ctier+in+%28a%2Cb%29' +
        '&resourceVersion=12345&resourceVersionMatch=NotOlderThan&sendInitialEvents=true&timeoutSeconds=540&watch=true',
    );
  });

  it('omits unset options and sends booleans set to false', () => {
    expect(buildWatchQuery({ resourceVersion: '', allowWatchBookmarks: false, sendInitialEvents: undefined })).toBe(
      'allowWatchBookmarks=false&resourceVersion=&watch=true',
    );
    expect(buildWatchQuery({ timeoutSeconds: 0 })).toBe('timeoutSeconds=0&watch=true');
  });

  it('round-trips through URLSearchParams', () => {
    const query = new URLSearchParams(buildWatchQuery({ labelSelector: 'a=b&c=d', resourceVersion: '0' }));
    expect(query.get('labelSelector')).toBe('a=b&c=d');
    expect(query.get('resourceVersion')).toBe('0');
    expect(query.get('watch')).toBe('true');
  });

  it('rejects a timeout that is not a non-negative integer (a programming error)', () => {
    expect(() => buildWatchQuery({ timeoutSeconds: 1.5 })).toThrow(RangeError);
    expect(() => buildWatchQuery({ timeoutSeconds: -1 })).toThrow(/timeoutSeconds/);
  });
});

describe('buildListQuery', () => {
  it('builds what a client-go <= v0.34 informer sends first', () => {
    expect(buildListQuery({ resourceVersion: '0', limit: 500 })).toBe('limit=500&resourceVersion=0');
  });

  it('carries a continue token and selectors', () => {
    expect(buildListQuery({ continue: 'eyJ2Ijo=', labelSelector: 'x=y' })).toBe('continue=eyJ2Ijo%3D&labelSelector=x%3Dy');
  });
});
