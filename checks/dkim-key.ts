import { defineCheck } from '../src/checks/define-check.js';
import { recordOwner } from '../src/checks/record-owner.js';
import { undecidedByDns } from '../src/checks/undecided.js';
import type { CheckOutput, FindingDraft, Undecided } from '../src/checks/types.js';
import '../src/facts/dkim.js';

// RFC 8301 3.2: signers MUST use RSA keys of at least 1024 bits and SHOULD use 2048.
const MIN_RSA_BITS = 1024;
const RECOMMENDED_RSA_BITS = 2048;

/** Quotes a TXT value as zone text, in 255-byte strings (RFC 1035 3.3.14). */
function txtZoneValue(text: string): string {
  const chunks = text.match(/.{1,255}/g) ?? [''];
  return chunks.map((chunk) => `"${chunk.replace(/(["\\])/g, '\\$1')}"`).join(' ');
}

/** The record with `y` dropped from `t=` (and `t=` dropped when nothing is left). */
function withoutTestingFlag(record: string): string {
  return record
    .split(';')
    .map((part) => {
      const [name = '', value = ''] = part.split('=');
      if (name.trim() !== 't') return part.trim();
      const flags = value.split(':').filter((flag) => flag.trim().toLowerCase() !== 'y' && flag.trim() !== '');
      return flags.length === 0 ? '' : `t=${flags.join(':')}`;
    })
    .filter((part) => part !== '')
    .join('; ');
}

export default defineCheck({
  id: 'dkim-key',
  requires: ['dkim'],
  rfc: 'https://www.rfc-editor.org/rfc/rfc6376#section-3.6.1',
  title: { en: 'DKIM keys are published and strong', fr: 'Les clés DKIM sont publiées et robustes' },
  findings: {
    'dkim.not_found': {
      severity: 'error',
      title: { en: 'No DKIM key at selector "{selector}"', fr: 'Aucune clé DKIM pour le sélecteur « {selector} »' },
      explanation: {
        en: 'Messages signed with this selector fail DKIM: receivers find no key to verify them, and DMARC can fail.',
        fr: 'Les messages signés avec ce sélecteur échouent à DKIM : le destinataire ne trouve pas de clé, et DMARC peut échouer.',
      },
      remediation: {
        en: 'Publish the public key from your mail server as a TXT record at <selector>._domainkey.<domain>',
        fr: 'Publiez la clé publique de votre serveur de courrier en TXT sous <sélecteur>._domainkey.<domaine>',
      },
    },
    'dkim.key_too_short': {
      severity: 'error',
      title: {
        en: 'DKIM key "{selector}" has only {bits} bits',
        fr: 'La clé DKIM « {selector} » ne fait que {bits} bits',
      },
      explanation: {
        en: 'RSA keys under 1024 bits can be broken and receivers must reject them (RFC 8301): signatures count as failed.',
        fr: 'Les clés RSA de moins de 1024 bits sont cassables et les destinataires doivent les refuser (RFC 8301) : les signatures échouent.',
      },
      remediation: {
        en: 'Generate a 2048-bit key, publish it under a new selector, then switch signing to it',
        fr: 'Générez une clé de 2048 bits, publiez-la sous un nouveau sélecteur, puis signez avec elle',
      },
    },
    'dkim.key_weak': {
      severity: 'warning',
      title: { en: 'DKIM key "{selector}" has {bits} bits', fr: 'La clé DKIM « {selector} » fait {bits} bits' },
      explanation: {
        en: 'A key under 2048 bits is still accepted but no longer recommended (RFC 8301 3.2).',
        fr: 'Une clé de moins de 2048 bits est encore acceptée mais n’est plus recommandée (RFC 8301 3.2).',
      },
      remediation: {
        en: 'Rotate to a 2048-bit key under a new selector',
        fr: 'Passez à une clé de 2048 bits sous un nouveau sélecteur',
      },
    },
    'dkim.testing_flag': {
      severity: 'warning',
      title: {
        en: 'DKIM key "{selector}" is in testing mode (t=y)',
        fr: 'La clé DKIM « {selector} » est en mode test (t=y)',
      },
      explanation: {
        en: 'With t=y receivers treat DKIM failures as if the message were unsigned, so the signature protects nothing.',
        fr: 'Avec t=y, les destinataires traitent un échec DKIM comme un message non signé : la signature ne protège rien.',
      },
      remediation: {
        en: 'Remove the "y" flag from t= once signing works',
        fr: 'Retirez l’indicateur « y » de t= une fois la signature fonctionnelle',
      },
    },
    'dkim.key_revoked': {
      severity: 'error',
      title: {
        en: 'DKIM key "{selector}" is revoked (empty p=)',
        fr: 'La clé DKIM « {selector} » est révoquée (p= vide)',
      },
      explanation: {
        en: 'An empty p= revokes the key: every message still signed with this selector fails DKIM.',
        fr: 'Un p= vide révoque la clé : tout message encore signé avec ce sélecteur échoue à DKIM.',
      },
      remediation: {
        en: 'Stop signing with this selector, or publish its current public key',
        fr: 'Cessez de signer avec ce sélecteur, ou publiez sa clé publique actuelle',
      },
    },
    'dkim.key_invalid': {
      severity: 'error',
      title: { en: 'DKIM key "{selector}" cannot be used', fr: 'La clé DKIM « {selector} » est inutilisable' },
      explanation: {
        en: 'The record at this selector is not a valid DKIM key, so receivers cannot verify signatures.',
        fr: 'L’enregistrement de ce sélecteur n’est pas une clé DKIM valide : les signatures ne peuvent être vérifiées.',
      },
      remediation: {
        en: 'Republish the record exactly as your mail server prints it (one TXT record, v=DKIM1 first, base64 p=)',
        fr: 'Republiez l’enregistrement tel que votre serveur l’affiche (un seul TXT, v=DKIM1 en tête, p= en base64)',
      },
    },
  },
  run: ({ dkim }): CheckOutput => {
    const findings: FindingDraft[] = [];
    const unknown: Undecided[] = [];
    for (const { selector, name, result } of dkim.selectors) {
      if (!result.ok) {
        unknown.push(undecidedByDns(selector, result));
        continue;
      }
      const state = result.value;
      // A selector delegated by CNAME holds no key of its own: the key, and any change to it, is its provider's.
      const alias = recordOwner(name, state.cnames, state.state === 'not_found' ? 'dangling' : 'published');
      const base = { subject: selector, values: { selector, ...alias.values } };
      if (state.state === 'not_found') {
        findings.push({ id: 'dkim.not_found', ...base, evidence: { name, ...alias.evidence } });
        continue;
      }
      if (state.state === 'invalid') {
        findings.push({
          id: 'dkim.key_invalid',
          ...base,
          evidence: { name, record: state.record, reason: state.reason, ...alias.evidence },
        });
        continue;
      }
      const { key, record } = state;
      if (key.revoked) findings.push({ id: 'dkim.key_revoked', ...base, evidence: { name, ...alias.evidence } });
      else if (key.keyType === 'rsa' && key.bits !== null && key.bits < RECOMMENDED_RSA_BITS) {
        const id = key.bits < MIN_RSA_BITS ? 'dkim.key_too_short' : 'dkim.key_weak';
        findings.push({
          id,
          subject: selector,
          values: { ...base.values, bits: key.bits },
          evidence: { name, bits: key.bits, ...alias.evidence },
        });
      }
      if (key.testing)
        findings.push({
          id: 'dkim.testing_flag',
          ...base,
          evidence: { name, t: key.tags.t, ...alias.evidence },
          suggestedRecord: `${alias.owner}. TXT ${txtZoneValue(withoutTestingFlag(record))}`,
        });
    }
    return { findings, unknown };
  },
});
