import { describe, expect, it } from 'vitest';
import { closestMatch } from '../../src/config/closest-match.js';

describe('closestMatch()', () => {
  it.each([
    ['dkimSelector', ['dkimSelectors', 'sendingIps'], 'dkimSelectors'],
    ['mxhosts', ['mxHosts', 'spfInclude'], 'mxHosts'],
    ['baseURL', ['baseUrl', 'perId'], 'baseUrl'],
    ['timout', ['timeout', 'retries'], 'timeout'],
    ['foo', ['timeout', 'retries'], null],
    ['smtp', ['members', 'db', 'lang', 'dns'], null],
    ['x', [], null],
  ])('closestMatch("%s") is %s', (word, candidates, expected) => {
    expect(closestMatch(word, candidates)).toBe(expected);
  });
});
