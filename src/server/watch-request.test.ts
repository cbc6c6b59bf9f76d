import { describe, expect, it } from 'vitest';
import { CONFIGMAPS, NAMESPACES } from './resources.js';
import { decodeListOptions, parseCollectionRequest, setListOptionsDefaults } from './watch-request.js';
import { statusOf } from './test-support.js';

/** namespace null: the all-namespaces or cluster-scoped path. */
const parse = (query: string, def = CONFIGMAPS, namespace: string | null = 'ns') =>
  parseCollectionRequest(def, namespace ?? undefined, new URLSearchParams(query));

const INVALID_PREFIX = 'ListOptions.meta.k8s.io "" is invalid: ';

describe('watch query validation (ValidateListOptions, WatchList on)', () => {
  it.each([
    [
      'watch=true&sendInitialEvents=true',
      'resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan',
    ],
    [
      'watch=true&sendInitialEvents=false',
      'resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan',
    ],
    [
      'watch=true&resourceVersionMatch=NotOlderThan',
      'resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided',
    ],
    [
      'watch=true&resourceVersion=5&resourceVersionMatch=NotOlderThan',
      'resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided',
    ],
    [
      'watch=true&sendInitialEvents=true&resourceVersionMatch=Exact',
      '[resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan, resourceVersionMatch: Unsupported value: "Exact": supported values: "NotOlderThan"]',
    ],
    [
      'watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&continue=abc',
      'resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when continue is provided',
    ],
    ['sendInitialEvents=true', 'sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list'],
    ['resourceVersionMatch=NotOlderThan', 'resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided'],
    [
      'resourceVersion=1&resourceVersionMatch=bogus',
      'resourceVersionMatch: Unsupported value: "bogus": supported values: "Exact", "NotOlderThan", ""',
    ],
  ])('%s -> 422 %s', (query, message) => {
    const status = statusOf(() => parse(query));
    expect(status).toMatchObject({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'Invalid',
      code: 422,
      message: INVALID_PREFIX + message,
      details: { group: 'meta.k8s.io', kind: 'ListOptions' },
    });
  });

  it('has no rule about allowWatchBookmarks', () => {
    const parsed = parse('watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan');
    expect(parsed).toMatchObject({ kind: 'watch', request: { sendInitialEvents: true, allowWatchBookmarks: false } });
  });

  it('lists the causes with their field and type', () => {
    const status = statusOf(() => parse('watch=1&sendInitialEvents=true'));
    expect(status.details?.causes).toEqual([
      {
        reason: 'FieldValueForbidden',
        message: 'Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan',
        field: 'resourceVersionMatch',
      },
    ]);
  });
});

describe('watch defaulting (SetListOptionsDefaults)', () => {
  it.each(['', '0'])('turns a legacy watch with RV %j into a watch-list request', (rv) => {
    const parsed = parse(`watch=true&resourceVersion=${rv}&allowWatchBookmarks=true`);
    expect(parsed).toMatchObject({ kind: 'watch', request: { sendInitialEvents: true, rv: 0, allowWatchBookmarks: true } });
  });

  it('leaves explicit RVs, explicit sendInitialEvents and lists alone', () => {
    expect(parse('watch=true&resourceVersion=7')).toMatchObject({ kind: 'watch', request: { rv: 7 } });
    expect((parse('watch=true&resourceVersion=7') as { request: object }).request).not.toHaveProperty('sendInitialEvents');
    const off = setListOptionsDefaults(decodeListOptions(new URLSearchParams('watch=1&sendInitialEvents=false&resourceVersionMatch=NotOlderThan')));
    expect(off.sendInitialEvents).toBe(false);
    expect(setListOptionsDefaults(decodeListOptions(new URLSearchParams(''))).sendInitialEvents).toBeUndefined();
  });

  it('reads bools the way apimachinery converts query strings', () => {
    expect(decodeListOptions(new URLSearchParams('watch=1')).watch).toBe(true);
    expect(decodeListOptions(new URLSearchParams('watch=True')).watch).toBe(true);
    expect(decodeListOptions(new URLSearchParams('watch=0')).watch).toBe(false);
    expect(decodeListOptions(new URLSearchParams('watch=FALSE')).watch).toBe(false);
    expect(decodeListOptions(new URLSearchParams('')).watch).toBe(false);
  });

  it('keeps positive timeoutSeconds only', () => {
    expect(parse('watch=1&timeoutSeconds=30')).toMatchObject({ request: { timeoutSeconds: 30 } });
    expect((parse('watch=1&timeoutSeconds=0') as { request: object }).request).not.toHaveProperty('timeoutSeconds');
  });
});

describe('other request errors', () => {
  it('answers malformed numbers, selectors and RVs with 400', () => {
    expect(statusOf(() => parse('watch=1&timeoutSeconds=abc'))).toMatchObject({ code: 400, reason: 'BadRequest' });
    expect(statusOf(() => parse('labelSelector=app in ()'))).toMatchObject({ code: 400 });
    expect(statusOf(() => parse('watch=1&resourceVersion=abc'))).toMatchObject({ code: 400 });
  });

  it('validates before checking field labels, as get.go does', () => {
    expect(statusOf(() => parse('watch=1&sendInitialEvents=true&fieldSelector=spec.x=1'))).toMatchObject({ code: 422 });
    expect(statusOf(() => parse('fieldSelector=spec.x=1'))).toMatchObject({
      code: 400,
      message: 'field label not supported: spec.x',
    });
    expect(parse('fieldSelector=status.phase=Active', NAMESPACES, null)).toMatchObject({ kind: 'list' });
  });

  it('scopes namespaced requests to their namespace only', () => {
    expect(parse('watch=1&resourceVersion=3')).toMatchObject({ request: { filter: { namespace: 'ns' } } });
    expect((parse('watch=1&resourceVersion=3', CONFIGMAPS, null) as { request: { filter: object } }).request.filter).not.toHaveProperty('namespace');
  });
});

describe('the WatchList feature gate off (kube-apiserver 1.33 default)', () => {
  const parseGateOff = (query: string) => parseCollectionRequest(CONFIGMAPS, undefined, new URLSearchParams(query), false, { watchListGate: false });

  it('rejects sendInitialEvents with 422, as apimachinery validateWatchOptions does', () => {
    const status = statusOf(() => parseGateOff('watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true'));
    expect(status).toMatchObject({
      code: 422,
      reason: 'Invalid',
      message: INVALID_PREFIX + 'sendInitialEvents: Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled',
    });
  });

  it('does not default legacy RV ""/"0" watches to watch-list', () => {
    for (const rv of ['', '0']) {
      const parsed = parseGateOff(`watch=true&resourceVersion=${rv}&allowWatchBookmarks=true`);
      expect(parsed.kind).toBe('watch');
      expect((parsed as { request: object }).request).not.toHaveProperty('sendInitialEvents');
    }
  });
});
