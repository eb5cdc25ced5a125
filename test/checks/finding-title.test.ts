import { describe, expect, it } from 'vitest';
import { findingTitle, renderFindingTitle } from '../../src/checks/finding-title.js';
import { recordOwner } from '../../src/checks/record-owner.js';
import { parseSpfRecord } from '../../src/parse/parse-spf-record.js';
import { RecordSyntaxError, syntaxFaultValues } from '../../src/parse/record-syntax-error.js';
import { thrown } from '../helpers/thrown.js';

const META = { title: { en: 'No SPF record at "{domain}"', fr: 'Aucun enregistrement SPF pour « {domain} »' } };

describe('renderFindingTitle()', () => {
  it('renders the title alone when the values name no alias', () => {
    expect(renderFindingTitle(META, 'fr', { domain: 'asso.example' })).toBe(
      'Aucun enregistrement SPF pour « asso.example »',
    );
  });

  it('says what is wrong in a record that cannot be parsed, and where, in each language', () => {
    const error = thrown(() => parseSpfRecord('v=spf1 mx foo -all', 'asso.example'));
    if (!(error instanceof RecordSyntaxError)) throw new Error('no syntax error');
    const meta = {
      title: {
        en: 'SPF record at "{domain}" cannot be parsed',
        fr: 'L’enregistrement SPF de « {domain} » est illisible',
      },
    };
    const values = { domain: 'asso.example', ...syntaxFaultValues(error) };
    expect(renderFindingTitle(meta, 'en', values)).toBe(
      'SPF record at "asso.example" cannot be parsed: unknown mechanism "foo" at position 10',
    );
    expect(renderFindingTitle(meta, 'fr', values)).toBe(
      'L’enregistrement SPF de « asso.example » est illisible : mécanisme « foo » inconnu à la position 10',
    );
    // A finding recorded before the fault was kept in its values keeps its title alone.
    expect(renderFindingTitle(meta, 'fr', { domain: 'asso.example' })).toBe(
      'L’enregistrement SPF de « asso.example » est illisible',
    );
  });

  it('says in each language that the domain is an alias and where its records go', () => {
    const values = { domain: 'asso.example', ...recordOwner('asso.example', ['asso.hoster.example']).values };
    expect(renderFindingTitle(META, 'en', values)).toBe(
      'No SPF record at "asso.example" ("asso.example" is an alias of "asso.hoster.example": its records go there)',
    );
    expect(renderFindingTitle(META, 'fr', values)).toBe(
      'Aucun enregistrement SPF pour « asso.example » (« asso.example » est un alias de « asso.hoster.example » : ses enregistrements vont là)',
    );
  });

  it('says a record behind an alias is published, and changed, by whoever runs its canonical name', () => {
    const key = {
      title: { en: 'DKIM key "{selector}" has {bits} bits', fr: 'La clé DKIM « {selector} » fait {bits} bits' },
    };
    const alias = recordOwner('s1._domainkey.asso.example', ['s1._domainkey.provider.example'], 'published');
    const values = { selector: 's1', bits: 1024, ...alias.values };
    expect(renderFindingTitle(key, 'en', values)).toBe(
      'DKIM key "s1" has 1024 bits ("s1._domainkey.asso.example" is an alias of "s1._domainkey.provider.example": the record is published there, by whoever runs that name; change it there or ask them)',
    );
    expect(renderFindingTitle(key, 'fr', values)).toBe(
      'La clé DKIM « s1 » fait 1024 bits (« s1._domainkey.asso.example » est un alias de « s1._domainkey.provider.example » : l’enregistrement est publié là, par qui gère ce nom ; modifiez-le là ou demandez-le-lui)',
    );
  });

  it('says an alias leads to a name that publishes no such record', () => {
    const key = {
      title: { en: 'No DKIM key at selector "{selector}"', fr: 'Aucune clé DKIM pour le sélecteur « {selector} »' },
    };
    const values = {
      selector: 's1',
      ...recordOwner('s1._domainkey.asso.example', ['gone.provider.example'], 'dangling').values,
    };
    expect(renderFindingTitle(key, 'en', values)).toBe(
      'No DKIM key at selector "s1" ("s1._domainkey.asso.example" is an alias of "gone.provider.example", which publishes no such record: publish it there, ask whoever runs that name, or remove the alias)',
    );
    expect(renderFindingTitle(key, 'fr', values)).toBe(
      'Aucune clé DKIM pour le sélecteur « s1 » (« s1._domainkey.asso.example » est un alias de « gone.provider.example », qui ne publie pas cet enregistrement : publiez-le là, demandez-le à qui gère ce nom, ou retirez l’alias)',
    );
    // A note this facteur does not know (recorded by a later one) falls back to the alias domain's.
    expect(renderFindingTitle(key, 'en', { ...values, aliasNote: 'other' })).toMatch(/: its records go there\)$/);
  });
});

describe('findingTitle()', () => {
  it('renders a recorded alias finding again in the reader’s language', () => {
    const values = { domain: 'asso.example', alias: 'asso.example', canonicalName: 'asso.hoster.example' };
    expect(
      findingTitle(
        { message: 'No SPF record at "asso.example"', values },
        { ...META, severity: 'error', explanation: META.title, remediation: META.title },
        'fr',
      ),
    ).toMatch(/est un alias de « asso\.hoster\.example »/);
  });
});

describe('recordOwner()', () => {
  it.each([
    ['a name without alias owns its records', 'example.org', [], 'example.org'],
    ['an alias sends them to its canonical name', 'asso.example', ['asso.hoster.example'], 'asso.hoster.example'],
    ['a chain sends them to its end', 'asso.example', ['a.hoster.example', 'B.Hoster.Example.'], 'b.hoster.example'],
  ])('%s', (_name, name, cnames, owner) => {
    expect(recordOwner(name, cnames).owner).toBe(owner);
  });

  it('names the alias and the chain in evidence and values only for an alias', () => {
    expect(recordOwner('example.org', [])).toEqual({ owner: 'example.org', values: {}, evidence: {} });
    expect(recordOwner('asso.example', ['asso.hoster.example'])).toEqual({
      owner: 'asso.hoster.example',
      values: { alias: 'asso.example', canonicalName: 'asso.hoster.example' },
      evidence: {
        alias: { name: 'asso.example', canonicalName: 'asso.hoster.example', cnames: ['asso.hoster.example'] },
      },
    });
  });

  it('names the note in the values only when it is not the default', () => {
    expect(recordOwner('_dmarc.asso.example', ['x.dmarc.example'], 'published').values).toEqual({
      alias: '_dmarc.asso.example',
      canonicalName: 'x.dmarc.example',
      aliasNote: 'published',
    });
    expect(recordOwner('_dmarc.asso.example', [], 'dangling')).toEqual({
      owner: '_dmarc.asso.example',
      values: {},
      evidence: {},
    });
  });
});
