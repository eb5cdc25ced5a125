import { defineCheck } from '../src/checks/define-check.js';
import type { CheckOutput, FindingDraft, Undecided } from '../src/checks/types.js';
import type { BlocklistEntry } from '../src/facts/blocklists.js';
import '../src/facts/blocklists.js';
import { fillText, type Text } from '../src/i18n.js';

type Listed = Extract<BlocklistEntry, { status: 'listed' }>;
type ErrorCode = Extract<BlocklistEntry, { status: 'error_code' }>;

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

/** An undecided subject's reason, after the zone that could not decide it. */
const IN_ZONE: Text = { en: '{zone}: {reason}', fr: '{zone} : {reason}' };

export default defineCheck({
  id: 'blocklist-listing',
  requires: ['blocklists'],
  rfc: 'https://www.rfc-editor.org/rfc/rfc5782#section-2',
  title: { en: 'Mail servers and domain are not blocklisted', fr: 'Serveurs et domaine absents des listes de blocage' },
  findings: {
    'dnsbl.listed': {
      severity: 'error',
      title: {
        en: 'IP {address} is on {count|blocklist|blocklists}',
        fr: 'L’IP {address} figure sur {count|liste|listes} de blocage',
      },
      explanation: {
        en: 'Receivers that use these lists refuse or junk mail from this address.',
        fr: 'Les destinataires qui utilisent ces listes refusent ou classent en indésirable le courrier venant de cette adresse.',
      },
      remediation: {
        en: 'Find and stop the cause (compromised account, open relay), then ask each list for delisting via its lookup page',
        fr: 'Trouvez et arrêtez la cause (compte compromis, relais ouvert), puis demandez le retrait sur la page de chaque liste',
      },
    },
    'rhsbl.listed': {
      severity: 'error',
      title: {
        en: 'The domain is on {count|domain blocklist|domain blocklists}',
        fr: 'Le domaine figure sur {count|liste|listes} de blocage de domaines',
      },
      explanation: {
        en: 'Receivers that use these lists refuse or junk mail that mentions or comes from this domain.',
        fr: 'Les destinataires qui utilisent ces listes refusent ou classent en indésirable le courrier qui cite ou vient de ce domaine.',
      },
      remediation: {
        en: 'Check the domain for abuse (compromised site, spam links), fix it, then request delisting from each list',
        fr: 'Vérifiez les abus sur le domaine (site compromis, liens de spam), corrigez, puis demandez le retrait à chaque liste',
      },
    },
    'dnsbl.query_error': {
      severity: 'warning',
      title: {
        en: 'Blocklist {zone} gave no usable answer',
        fr: 'La liste {zone} n’a pas donné de réponse exploitable',
      },
      explanation: {
        en: 'The list answered with an error code or failed its RFC 5782 test point (often: queries through a public resolver are refused), so it says nothing about this domain.',
        fr: 'La liste a répondu par un code d’erreur ou a échoué à son point de test RFC 5782 (souvent : requêtes via un résolveur public refusées) ; elle ne dit rien de ce domaine.',
      },
      remediation: {
        en: 'Query the list through your own resolver (--resolver), register with the list if it requires it, or drop it from --dnsbl/--rhsbl',
        fr: 'Interrogez la liste via votre propre résolveur (--resolver), inscrivez-vous si la liste l’exige, ou retirez-la de --dnsbl/--rhsbl',
      },
    },
  },
  run: ({ blocklists }, { options }): CheckOutput => {
    const findings: FindingDraft[] = [];
    const unknown: Undecided[] = [...blocklists.unresolved];
    const unusable = new Set(blocklists.zones.filter((zone) => zone.usable === false).map((zone) => zone.zone));
    // One finding per zone that cannot be trusted: its test point failed, or it answered an error code.
    for (const zone of blocklists.zones.filter((health) => health.usable === false))
      findings.push({
        id: 'dnsbl.query_error',
        subject: zone.zone,
        values: { zone: zone.zone },
        evidence: { kind: zone.kind, reason: zone.reason.en },
      });
    const errors = blocklists.entries.filter((entry): entry is ErrorCode => entry.status === 'error_code');
    for (const [zone, entries] of groupBy(errors, (entry) => entry.zone))
      findings.push({
        id: 'dnsbl.query_error',
        subject: zone,
        values: { zone },
        evidence: {
          kind: entries[0]?.kind,
          answers: entries.map((entry) => ({
            subject: entry.subject,
            codes: entry.codes,
          })),
        },
      });
    const listed = blocklists.entries.filter((entry): entry is Listed => entry.status === 'listed');
    for (const entries of groupBy(listed, (entry) => `${entry.kind} ${entry.subject}`).values()) {
      const first = entries[0];
      if (first === undefined) continue;
      const zones = entries.map(({ zone, codes, reasons }) => ({ zone, codes, reasons }));
      if (first.kind === 'rhsbl')
        findings.push({
          id: 'rhsbl.listed',
          subject: first.subject,
          values: { count: zones.length },
          evidence: { zones },
        });
      else
        findings.push({
          id: 'dnsbl.listed',
          subject: first.subject,
          values: { address: first.subject, count: zones.length },
          evidence: { zones, source: options.sendingIps.includes(first.subject) ? 'sending_ip' : 'mx' },
        });
    }
    for (const entry of blocklists.entries)
      if (entry.status === 'unknown' && !unusable.has(entry.zone))
        unknown.push({
          subject: entry.subject,
          cause: entry.cause,
          reason: fillText(IN_ZONE, { zone: entry.zone, reason: entry.reason }),
        });
    return { findings, unknown };
  },
});
