import { describe, expect, it } from 'vitest';
import { formatLocation, InputError, inputErrorText, type InputLocation } from '../src/errors.js';

describe('formatLocation()', () => {
  it.each<[InputLocation, string, string]>([
    [{ file: 'members.csv', line: 3 }, 'members.csv:3', 'members.csv:3'],
    [{ line: 3 }, 'line 3', 'ligne 3'],
    [{ record: '_dmarc.example.org' }, 'record "_dmarc.example.org"', 'enregistrement « _dmarc.example.org »'],
    [{ setting: 'bounces.imap.host' }, 'setting "bounces.imap.host"', 'réglage « bounces.imap.host »'],
    [
      { address: 'sympa@lists.example.org' },
      'address "sympa@lists.example.org"',
      'adresse « sympa@lists.example.org »',
    ],
    [{ list: 'info' }, 'list "info"', 'liste « info »'],
    [{ campaign: 'velo' }, 'campaign "velo"', 'campagne « velo »'],
    [{ run: 12 }, 'run 12', 'passage 12'],
    [
      { file: 'sympa.sqlite', record: 'x@d.example info' },
      'sympa.sqlite record "x@d.example info"',
      'sympa.sqlite enregistrement « x@d.example info »',
    ],
  ])('names %o by its kind in English and French', (location, en, fr) => {
    expect(formatLocation(location, 'en')).toBe(en);
    expect(formatLocation(location, 'fr')).toBe(fr);
  });
});

describe('inputErrorText()', () => {
  it('ends a config error with the setting at fault, not a record', () => {
    const error = new InputError(
      { en: 'Cannot open IMAP', fr: 'Impossible d’ouvrir IMAP' },
      { setting: 'bounces.imap' },
    );
    expect(inputErrorText(error, 'fr')).toBe('Impossible d’ouvrir IMAP (réglage « bounces.imap »)');
    expect(inputErrorText(error, 'en')).toBe('Cannot open IMAP (setting "bounces.imap")');
  });

  it('adds no location a message already names, in either language', () => {
    const error = new InputError(
      {
        en: 'Cannot find campaign "velo" in the database',
        fr: 'Impossible de trouver la campagne « velo » dans la base',
      },
      { campaign: 'velo' },
    );
    expect(inputErrorText(error, 'en')).toBe('Cannot find campaign "velo" in the database');
    expect(inputErrorText(error, 'fr')).toBe('Impossible de trouver la campagne « velo » dans la base');
  });
});
