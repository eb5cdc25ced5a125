import { describe, expect, it } from 'vitest';
import { findingTitle, renderFindingTitle } from '../../src/checks/finding-title.js';
import { recordOwner } from '../../src/checks/record-owner.js';

const META = { title: { en: 'No SPF record at "{domain}"', fr: 'Aucun enregistrement SPF pour « {domain} »' } };

describe('renderFindingTitle()', () => {
  it('renders the title alone when the values name no alias', () => {
    expect(renderFindingTitle(META, 'fr', { domain: 'asso.example' })).toBe(
      'Aucun enregistrement SPF pour « asso.example »',
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
});
