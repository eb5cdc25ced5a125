import { describe, expect, it } from 'vitest';
import {
  groupUndecided,
  reasonsLine,
  recordUndecided,
  UNDECIDED_CAUSES,
  undecidedByDns,
  undecidedByLookup,
  undecidedParts,
  undecidedReason,
} from '../../src/checks/undecided.js';
import { DnsLookupError } from '../../src/dns/types.js';

describe('UNDECIDED_CAUSES', () => {
  it('has words in both languages for every cause, each its own', () => {
    const texts = Object.values(UNDECIDED_CAUSES);
    for (const text of texts) {
      expect(text.en).not.toBe('');
      expect(text.fr).not.toBe(text.en);
    }
    expect(new Set(texts.map((text) => text.fr)).size).toBe(texts.length);
  });
});

describe('undecidedByDns()', () => {
  it('takes the DNS failure as the cause and its detail as the reason', () => {
    const detail = { en: '192.0.2.53:53 answered SERVFAIL', fr: '192.0.2.53:53 a répondu SERVFAIL' };
    expect(undecidedByDns('mail', { error: 'servfail', detail })).toEqual({
      subject: 'mail',
      cause: 'servfail',
      reason: detail,
    });
  });
});

describe('undecidedByLookup()', () => {
  it('takes the lookup’s failure as the cause and its message in both languages as the reason', () => {
    const error = new DnsLookupError('timeout', '_dmarc.asso.example', 'TXT', {
      en: 'no reply from 192.0.2.53:53 within 2000 ms',
      fr: 'pas de réponse de 192.0.2.53:53 en 2000 ms',
    });
    expect(undecidedByLookup(error, 'asso.example')).toEqual({
      subject: 'asso.example',
      cause: 'timeout',
      reason: {
        en: 'DNS TXT lookup of "_dmarc.asso.example" failed: timeout (no reply from 192.0.2.53:53 within 2000 ms)',
        fr: 'la requête DNS TXT de « _dmarc.asso.example » a échoué : délai dépassé (pas de réponse de 192.0.2.53:53 en 2000 ms)',
      },
    });
  });
});

describe('recordUndecided() and undecidedReason()', () => {
  const reason = { en: '192.0.2.53:53 answered SERVFAIL', fr: '192.0.2.53:53 a répondu SERVFAIL' };

  it('keeps the reason in the run’s language and in every language beside it', () => {
    expect(recordUndecided({ subject: 'mail', cause: 'servfail', reason }, 'fr')).toEqual({
      subject: 'mail',
      cause: 'servfail',
      reason: reason.fr,
      reasonText: reason,
    });
  });

  it('gives a recorded reason in the reader’s language, whatever the run’s', () => {
    const recorded = recordUndecided({ cause: 'servfail', reason }, 'en');
    expect(undecidedReason(recorded, 'fr')).toBe(reason.fr);
    expect(undecidedReason(recorded, 'en')).toBe(reason.en);
  });

  it('gives a reason recorded in English alone by an older facteur as it was recorded', () => {
    const old = { cause: 'timeout' as const, reason: 'DNS MX lookup of "asso.example" failed: timeout' };
    expect(undecidedReason(old, 'fr')).toBe(old.reason);
    expect(
      undecidedParts(
        [{ check: 'mx-records', unknown: [old, recordUndecided({ cause: 'servfail', reason }, 'en')] }],
        'fr',
      ),
    ).toEqual([
      { check: 'mx-records', subject: null, cause: 'timeout', reason: old.reason },
      { check: 'mx-records', subject: null, cause: 'servfail', reason: reason.fr },
    ]);
  });
});

describe('groupUndecided()', () => {
  it('puts the parts of one cause together, in the order causes first appear, each check and each reason once', () => {
    const down = 'no reply from 192.0.2.53:53 within 2000 ms';
    expect(
      groupUndecided([
        { check: 'spf-record', subject: null, cause: 'timeout', reason: down },
        { check: 'mta-sts-policy', subject: 'https://mta-sts.asso.example/', cause: 'probe', reason: 'no answer' },
        { check: 'dkim-key', subject: 'mail', cause: 'timeout', reason: down },
        { check: 'spf-record', subject: null, cause: 'timeout', reason: 'SERVFAIL at _spf.example' },
        { check: 'mx-records', subject: null, cause: 'timeout', reason: 'CNAME loop at "a.example"' },
        { check: 'spf-all', subject: null, cause: null, reason: 'servfail: old run' },
      ]),
    ).toEqual([
      {
        cause: 'timeout',
        parts: [
          { check: 'spf-record', subject: null },
          { check: 'dkim-key', subject: 'mail' },
          { check: 'mx-records', subject: null },
        ],
        reasons: [down, 'SERVFAIL at _spf.example', 'CNAME loop at "a.example"'],
      },
      {
        cause: 'probe',
        parts: [{ check: 'mta-sts-policy', subject: 'https://mta-sts.asso.example/' }],
        reasons: ['no answer'],
      },
      { cause: null, parts: [{ check: 'spf-all', subject: null }], reasons: ['servfail: old run'] },
    ]);
  });
});

describe('reasonsLine()', () => {
  const reasons = ['a failed', 'b failed', 'c failed', 'd failed', 'e failed'];

  it('gives up to three reasons whole', () => {
    expect(reasonsLine(reasons.slice(0, 3), 'en')).toBe('a failed; b failed; c failed');
    expect(reasonsLine(reasons.slice(0, 1), 'fr')).toBe('a failed');
  });

  it('counts the rest, in the reader’s language, where to find them all', () => {
    expect(reasonsLine(reasons, 'en')).toBe(
      'a failed; b failed; c failed; and 2 other reasons (report --format json lists them all)',
    );
    expect(reasonsLine(reasons.slice(0, 4), 'fr')).toBe(
      'a failed ; b failed ; c failed ; et 1 autre raison (report --format json les donne toutes)',
    );
  });
});
