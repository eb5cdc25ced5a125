import { defineCheck } from '../src/checks/define-check.js';
import { undecidedByDns } from '../src/checks/undecided.js';
import { fillText, type Text } from '../src/i18n.js';
import type { CheckOutput, FindingDraft, Undecided } from '../src/checks/types.js';
import '../src/facts/hoster-mx.js';
import '../src/facts/mx.js';

/** Why a member's MX cannot be compared with the hoster's: the hoster's own addresses could not be looked up. */
const HOSTER_ADDRESSES_UNKNOWN: Text = {
  en: 'hoster MX addresses: {detail}',
  fr: 'adresses des MX de l’hébergeur : {detail}',
};

export default defineCheck({
  id: 'mx-hoster',
  requires: ['mx', 'hosterMx'],
  expects: 'mxHosts',
  rfc: 'https://www.rfc-editor.org/rfc/rfc5321#section-5.1',
  title: { en: 'Mail goes to the hoster’s MX', fr: 'Le courrier arrive aux MX de l’hébergeur' },
  findings: {
    'mx.not_hoster': {
      severity: 'warning',
      title: {
        en: 'MX "{host}" is not one of the hoster’s ({expected})',
        fr: 'Le MX « {host} » n’est pas un de ceux de l’hébergeur ({expected})',
      },
      explanation: {
        en: 'Mail for this domain is delivered to a server the hoster does not run: it escapes the hoster’s filtering and mailboxes, and often is an old provider left in the zone.',
        fr: 'Le courrier de ce domaine est livré à un serveur que l’hébergeur n’exploite pas : il échappe à son filtrage et à ses boîtes, et c’est souvent un ancien fournisseur resté dans la zone.',
      },
      remediation: {
        en: 'Replace this MX record with the hoster’s MX hosts, or tell the hoster why this server must stay',
        fr: 'Remplacez cet enregistrement MX par les MX de l’hébergeur, ou dites à l’hébergeur pourquoi ce serveur doit rester',
      },
    },
  },
  // Silent without MX hosts: mx-records reports a missing MX, and a null MX declares the domain takes no mail at all.
  run: ({ mx, hosterMx }, { expectations }): CheckOutput => {
    const findings: FindingDraft[] = [];
    const unknown: Undecided[] = [];
    // The runner runs this check only when mxHosts is configured.
    const expected = expectations?.mxHosts ?? [];
    if (expected.length === 0 || mx.hasNullMx) return { findings };
    for (const host of mx.hosts) {
      // An alias of the hoster's MX is the hoster's server: mx-records reports the alias itself.
      const canonical = host.cnames.at(-1) ?? host.exchange;
      if (expected.includes(host.exchange) || expected.includes(canonical)) continue;
      if (!host.addresses.ok) {
        unknown.push(undecidedByDns(host.exchange, host.addresses));
        continue;
      }
      const addresses = host.addresses.value.map((entry) => entry.address);
      // A member's own name for the hoster's server (mail.asso.example A <hoster MX address>) reaches the hoster too.
      if (addresses.length > 0) {
        if (!hosterMx.addresses.ok) {
          unknown.push({
            subject: host.exchange,
            cause: hosterMx.addresses.error,
            reason: fillText(HOSTER_ADDRESSES_UNKNOWN, { detail: hosterMx.addresses.detail }),
          });
          continue;
        }
        const hosterAddresses = hosterMx.addresses.value;
        if (addresses.every((address) => hosterAddresses.includes(address))) continue;
      }
      findings.push({
        id: 'mx.not_hoster',
        subject: host.exchange,
        values: { host: host.exchange, expected: expected.join(', ') },
        evidence: { exchange: host.exchange, preference: host.preference, addresses, expected },
      });
    }
    return { findings, unknown };
  },
});
