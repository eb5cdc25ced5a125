import { describe, expect, it } from 'vitest';
import { displayDomain } from '../../src/report/display-domain.js';

describe('displayDomain()', () => {
  it.each([
    ['asso.example', 'asso.example'],
    ['xn--cole-exemple-9db.example', 'école-exemple.example [xn--cole-exemple-9db.example]'],
    ['mairie.xn--brest-fsa.example', 'mairie.bresté.example [mairie.xn--brest-fsa.example]'],
    // An A-label that does not decode is shown as it is.
    ['xn--a.example', 'xn--a.example'],
  ])('shows %s as %s', (domain, shown) => {
    expect(displayDomain(domain)).toBe(shown);
  });
});
