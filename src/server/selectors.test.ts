import { describe, expect, it } from 'vitest';
import { checkFieldLabels, matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector, SelectorParseError } from './selectors.js';

const labels = { app: 'web', tier: 'front', version: '3' };

describe('label selectors', () => {
  it.each([
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app=api', false],
    ['app!=api', true],
    ['missing!=x', true],
    ['app in (web,api)', true],
    ['app in (api)', false],
    ['app notin (api, db)', true],
    ['missing notin (a)', true],
    ['app notin (web)', false],
    ['tier', true],
    ['missing', false],
    ['!missing', true],
    ['!app', false],
    ['app=web,tier=front', true],
    ['app=web, tier=back', false],
    ['version>2', true],
    ['version<3', false],
    ['app=web,!missing,tier in (front)', true],
  ])('%s matches %s', (selector, expected) => {
    expect(matchesLabels(parseLabelSelector(selector), labels)).toBe(expected);
  });

  it('treats a missing label map like no labels', () => {
    expect(matchesLabels(parseLabelSelector('!app'), undefined)).toBe(true);
    expect(matchesLabels(parseLabelSelector('app'), undefined)).toBe(false);
  });

  it('accepts an empty value and prefixed keys', () => {
    expect(matchesLabels(parseLabelSelector('app='), { app: '' })).toBe(true);
    expect(matchesLabels(parseLabelSelector('example.com/role=db'), { 'example.com/role': 'db' })).toBe(true);
  });

  it.each(['app in ()', 'app in web', '=x', 'app=web,', 'app=a b', 'Bad_Prefix/x=1', 'app=-bad-'])('rejects %s', (selector) => {
    expect(() => parseLabelSelector(selector)).toThrow(SelectorParseError);
  });
});

describe('field selectors', () => {
  const fields = { 'metadata.name': 'a,b', 'metadata.namespace': 'ns1' };

  it('matches =, == and != with escaped values', () => {
    expect(matchesFields(parseFieldSelector('metadata.name=a\\,b'), fields)).toBe(true);
    expect(matchesFields(parseFieldSelector('metadata.namespace==ns1,metadata.name!=x'), fields)).toBe(true);
    expect(matchesFields(parseFieldSelector('metadata.namespace!=ns1'), fields)).toBe(false);
    expect(matchesFields(parseFieldSelector(''), fields)).toBe(true);
  });

  it('rejects unsupported field labels with kube-apiserver\'s text', () => {
    const selector = parseFieldSelector('spec.nodeName=x');
    expect(() => checkFieldLabels(selector, ['metadata.name'])).toThrow('field label not supported: spec.nodeName');
  });

  it('rejects terms without an operator', () => {
    expect(() => parseFieldSelector('metadata.name')).toThrow("invalid selector: 'metadata.name'; can't understand 'metadata.name'");
  });
});
