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

  it('writes the agreeing word alone for a verb or pronoun further on', () => {
    const text = {
      en: '{count|address was|addresses were} mailed; --force mails {count:it|them} again',
      fr: '{count|adresse a|adresses ont} déjà été {count:envoyée|envoyées} ; --force {count:la|les} renvoie',
    };
    expect(render(text, 'en', { count: 1 })).toBe('1 address was mailed; --force mails it again');
    expect(render(text, 'fr', { count: 3 })).toBe('3 adresses ont déjà été envoyées ; --force les renvoie');
  });

  it('keeps a word that does not change', () => {
    expect(render({ en: '', fr: '{acknowledged|pris en compte|pris en compte}' }, 'fr', { acknowledged: 3 })).toBe(
      '3 pris en compte',
    );
  });
});
