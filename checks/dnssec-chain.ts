import { defineCheck } from '../src/checks/define-check.js';
import { undecidedByDns } from '../src/checks/undecided.js';
import type { CheckOutput } from '../src/checks/types.js';
import { dnskeyTag, dsDigest, isSupportedDigestType } from '../src/dns/dnssec-digest.js';
import '../src/facts/dnssec.js';
import { fillText, type Text } from '../src/i18n.js';

/** DNSKEY flags bit 7 (RFC 4034 2.1.1): a zone key, the only kind a DS may point to. */
const ZONE_KEY = 0x0100;

/** Why the chain cannot be judged: every DS of the zone uses a digest facteur cannot compute. */
const UNSUPPORTED_DIGESTS: Text = {
  en: 'digest types {types} not supported',
  fr: 'types de condensé {types} non pris en charge',
};

export default defineCheck({
  id: 'dnssec-chain',
  requires: ['dnssec'],
  rfc: 'https://www.rfc-editor.org/rfc/rfc4035#section-5',
  title: {
    en: 'The DNSSEC chain from the parent zone holds',
    fr: 'La chaîne DNSSEC depuis la zone parente tient',
  },
  findings: {
    'dnssec.unsigned': {
      severity: 'info',
      title: {
        en: 'The zone "{zone}" is not signed with DNSSEC (no DS at its parent)',
        fr: 'La zone « {zone} » n’est pas signée DNSSEC (pas de DS chez son parent)',
      },
      explanation: {
        en: 'Without DNSSEC, a forged DNS answer can send mail for the domain elsewhere or hide its SPF and DMARC, and its MX hosts cannot use DANE (RFC 7672) to require encryption.',
        fr: 'Sans DNSSEC, une réponse DNS falsifiée peut détourner le courrier du domaine ou masquer son SPF et son DMARC, et ses MX ne peuvent pas utiliser DANE (RFC 7672) pour exiger le chiffrement.',
      },
      remediation: {
        en: 'Sign the zone at its DNS host, then publish its DS record through the registrar',
        fr: 'Signez la zone chez son hébergeur DNS, puis publiez son enregistrement DS auprès du bureau d’enregistrement',
      },
    },
    'dnssec.ds_without_dnskey': {
      severity: 'error',
      title: {
        en: 'The parent of "{zone}" publishes a DS but the zone has no DNSKEY',
        fr: 'Le parent de « {zone} » publie un DS mais la zone n’a aucune DNSKEY',
      },
      explanation: {
        en: 'Validating resolvers (those of most large mailbox providers) then reject every answer of the zone as bogus and answer SERVFAIL: mail to the domain is deferred, then bounced. This happens when a signed zone moves to a DNS host that does not sign it and the old DS stays at the registrar.',
        fr: 'Les résolveurs qui valident (ceux de la plupart des grandes messageries) rejettent alors toutes les réponses de la zone et répondent SERVFAIL : le courrier vers le domaine est différé, puis rejeté. Cela arrive quand une zone signée change d’hébergeur DNS sans signature et que l’ancien DS reste chez le bureau d’enregistrement.',
      },
      remediation: {
        en: 'Remove the DS at the registrar, or sign the zone again with a key it matches',
        fr: 'Retirez le DS chez le bureau d’enregistrement, ou signez de nouveau la zone avec une clé qui lui correspond',
      },
    },
    'dnssec.ds_mismatch': {
      severity: 'error',
      title: {
        en: 'No DS of "{zone}" at its parent matches a DNSKEY of the zone',
        fr: 'Aucun DS de « {zone} » chez son parent ne correspond à une DNSKEY de la zone',
      },
      explanation: {
        en: 'The chain of trust is broken: validating resolvers (those of most large mailbox providers) answer SERVFAIL for every name of the zone, so mail to the domain is deferred, then bounced. This happens after a key rollover whose new DS never reached the registrar.',
        fr: 'La chaîne de confiance est rompue : les résolveurs qui valident (ceux de la plupart des grandes messageries) répondent SERVFAIL pour tous les noms de la zone, et le courrier vers le domaine est différé, puis rejeté. Cela arrive après un changement de clé dont le nouveau DS n’a jamais été transmis au bureau d’enregistrement.',
      },
      remediation: {
        en: 'Publish at the registrar the DS of the zone’s current key-signing key (its DNS host shows it)',
        fr: 'Publiez chez le bureau d’enregistrement le DS de la clé de signature de clés actuelle de la zone (son hébergeur DNS l’affiche)',
      },
    },
  },
  run: ({ dnssec }): CheckOutput => {
    const { zone, ds, dnskeys } = dnssec;
    if (ds.length === 0 || dnskeys === null)
      return { findings: [{ id: 'dnssec.unsigned', subject: zone, values: { zone }, evidence: { zone } }] };
    if (!dnskeys.ok) return { findings: [], unknown: [undecidedByDns(zone, dnskeys)] };
    // Each key's tag once: every DS is compared with every key.
    const keys = dnskeys.value
      .filter((key) => (key.flags & ZONE_KEY) !== 0)
      .map((key) => ({ key, keyTag: dnskeyTag(key) }));
    if (keys.length === 0)
      return {
        findings: [{ id: 'dnssec.ds_without_dnskey', subject: zone, values: { zone }, evidence: { zone, ds } }],
      };
    const computable = ds.filter((record) => isSupportedDigestType(record.digestType));
    if (computable.length === 0)
      return {
        findings: [],
        unknown: [
          {
            subject: zone,
            cause: 'unsupported',
            reason: fillText(UNSUPPORTED_DIGESTS, { types: ds.map((record) => record.digestType).join(', ') }),
          },
        ],
      };
    const isMatched = computable.some((record) =>
      keys.some(
        ({ key, keyTag }) =>
          key.algorithm === record.algorithm &&
          keyTag === record.keyTag &&
          dsDigest(zone, key, record.digestType) === record.digest.toLowerCase(),
      ),
    );
    if (isMatched) return { findings: [] };
    const published = keys.map(({ key, keyTag }) => ({ keyTag, algorithm: key.algorithm, flags: key.flags }));
    return {
      findings: [
        { id: 'dnssec.ds_mismatch', subject: zone, values: { zone }, evidence: { zone, ds, dnskeys: published } },
      ],
    };
  },
});
