import { describe, expect, it } from 'vitest';
import { render } from '../src/i18n.js';

describe('render()', () => {
  it('fills placeholders and leaves unknown ones as written', () => {
    expect(render({ en: '{domain} has {missing}', fr: '' }, 'en', { domain: 'asso.example' })).toBe(
      'asso.example has {missing}',
    );
  });

  it('makes the word agree with the number as each language does', () => {
    const text = {
      en: '{error|error|errors}, {domains|domain|domains}',
      fr: '{error|erreur|erreurs}, {domains|domaine|domaines}',
    };
    expect(render(text, 'fr', { error: 0, domains: 1 })).toBe('0 erreur, 1 domaine');
    expect(render(text, 'fr', { error: 2, domains: 1500 })).toBe('2 erreurs, 1500 domaines');
    expect(render(text, 'en', { error: 0, domains: 1 })).toBe('0 errors, 1 domain');
    expect(render(text, 'en', { error: 1, domains: 2 })).toBe('1 error, 2 domains');
  });

  it('keeps a word that does not change', () => {
    expect(render({ en: '', fr: '{acknowledged|pris en compte|pris en compte}' }, 'fr', { acknowledged: 3 })).toBe(
      '3 pris en compte',
    );
  });
});
