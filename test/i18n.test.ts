import { describe, expect, it } from 'vitest';
import { fillText, joinTexts, render, untranslated } from '../src/i18n.js';

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

describe('fillText()', () => {
  it('renders every language, a nested text in the language being rendered and a plain value verbatim', () => {
    const detail = {
      en: 'no reply from 192.0.2.53:53 within 2000 ms',
      fr: 'pas de réponse de 192.0.2.53:53 en 2000 ms',
    };
    expect(
      fillText(
        {
          en: 'lookup of "{name}" failed ({detail}), {count|try|tries}',
          fr: 'requête de « {name} » échouée ({detail}), {count|essai|essais}',
        },
        { name: 'asso.example', detail, count: 2 },
      ),
    ).toEqual({
      en: 'lookup of "asso.example" failed (no reply from 192.0.2.53:53 within 2000 ms), 2 tries',
      fr: 'requête de « asso.example » échouée (pas de réponse de 192.0.2.53:53 en 2000 ms), 2 essais',
    });
  });
});

describe('untranslated() and joinTexts()', () => {
  it('keeps a technical text the same in every language', () => {
    expect(untranslated('554 5.7.1 no')).toEqual({ en: '554 5.7.1 no', fr: '554 5.7.1 no' });
  });

  it('joins texts with each language’s separator', () => {
    const texts = [
      { en: 'a failed', fr: 'a a échoué' },
      { en: 'b failed', fr: 'b a échoué' },
    ];
    expect(joinTexts(texts, { en: '; ', fr: ' ; ' })).toEqual({
      en: 'a failed; b failed',
      fr: 'a a échoué ; b a échoué',
    });
  });
});
