import { describe, expect, it } from 'vitest';
import dmarcPolicy from '../../checks/dmarc-policy.js';
import { docsLink } from '../../src/config/docs-link.js';

describe('docsLink()', () => {
  it('gives the RFC section without a docs section', () => {
    expect(docsLink(undefined)('dmarc.policy_none', dmarcPolicy)).toBe(dmarcPolicy.rfc);
    expect(docsLink({})('dmarc.policy_none', dmarcPolicy)).toBe(dmarcPolicy.rfc);
  });

  it('appends the finding id to the wiki base URL', () => {
    const link = docsLink({ baseUrl: 'https://wiki.hebergeur.example/facteur/' });
    expect(link('dmarc.policy_none', dmarcPolicy)).toBe('https://wiki.hebergeur.example/facteur/dmarc.policy_none');
  });

  it('prefers the page named for the id, and falls back for the others', () => {
    const link = docsLink({ perId: { 'dmarc.policy_none': 'https://wiki.hebergeur.example/dmarc-quarantaine' } });
    expect(link('dmarc.policy_none', dmarcPolicy)).toBe('https://wiki.hebergeur.example/dmarc-quarantaine');
    expect(link('dmarc.sp_none', dmarcPolicy)).toBe(dmarcPolicy.rfc);
    const both = docsLink({
      baseUrl: 'https://wiki.hebergeur.example/facteur/',
      perId: { 'dmarc.policy_none': 'https://wiki.hebergeur.example/dmarc-quarantaine' },
    });
    expect(both('dmarc.policy_none', dmarcPolicy)).toBe('https://wiki.hebergeur.example/dmarc-quarantaine');
    expect(both('dmarc.sp_none', dmarcPolicy)).toBe('https://wiki.hebergeur.example/facteur/dmarc.sp_none');
  });
});
