import { defineCheck } from '../src/checks/define-check.js';
import { recordOwner } from '../src/checks/record-owner.js';
import { undecidedByDns } from '../src/checks/undecided.js';
import { joinTexts } from '../src/i18n.js';
import type { CheckOutput, FindingDraft, Undecided } from '../src/checks/types.js';
import '../src/facts/mx.js';

export default defineCheck({
  id: 'mx-records',
  requires: ['mx'],
  rfc: 'https://www.rfc-editor.org/rfc/rfc5321#section-5.1',
  title: {
    en: 'Mail exchangers are published and reachable by name',
    fr: 'Les serveurs MX sont publiés et résolvables',
  },
  findings: {
    'mx.missing': {
      severity: 'error',
      title: { en: 'The domain has no MX and no address', fr: 'Le domaine n’a ni MX ni adresse' },
      explanation: {
        en: 'Without an MX record or an address for the domain itself, mail to this domain cannot be delivered.',
        fr: 'Sans enregistrement MX ni adresse pour le domaine, le courrier vers ce domaine ne peut être livré.',
      },
      remediation: {
        en: 'Publish an MX record naming your mail server, or a null MX "0 ." if the domain takes no mail',
        fr: 'Publiez un MX désignant votre serveur de courrier, ou un MX nul « 0 . » si le domaine ne reçoit pas de courrier',
      },
    },
    'mx.implicit': {
      severity: 'warning',
      title: {
        en: 'The domain has no MX: mail goes to its own address',
        fr: 'Le domaine n’a pas de MX : le courrier va à sa propre adresse',
      },
      explanation: {
        en: 'With no MX, senders deliver to the domain’s A/AAAA address (RFC 5321 5.1), often a web server that takes no mail.',
        fr: 'Sans MX, les expéditeurs livrent à l’adresse A/AAAA du domaine (RFC 5321 5.1), souvent un serveur web qui ne reçoit pas de courrier.',
      },
      remediation: {
        en: 'Publish an MX record naming the server that receives mail, or a null MX "0 ." if none does',
        fr: 'Publiez un MX désignant le serveur qui reçoit le courrier, ou un MX nul « 0 . » s’il n’y en a pas',
      },
    },
    'mx.null_mx': {
      severity: 'info',
      title: {
        en: 'The domain declares it accepts no mail (null MX)',
        fr: 'Le domaine déclare ne recevoir aucun courrier (MX nul)',
      },
      explanation: {
        en: 'A null MX (RFC 7505) makes every message to this domain bounce at once; fine only if the domain never receives mail.',
        fr: 'Un MX nul (RFC 7505) fait rejeter aussitôt tout message vers ce domaine ; correct seulement s’il ne reçoit jamais de courrier.',
      },
      remediation: {
        en: 'Keep it if intended; otherwise replace it with an MX naming your mail server',
        fr: 'Gardez-le si c’est voulu ; sinon remplacez-le par un MX désignant votre serveur de courrier',
      },
    },
    'mx.null_mx_with_other_mx': {
      severity: 'error',
      title: { en: 'A null MX sits beside other MX records', fr: 'Un MX nul coexiste avec d’autres MX' },
      explanation: {
        en: 'RFC 7505 3 requires the null MX to be the only MX: mixed, senders behave unpredictably.',
        fr: 'La RFC 7505 3 exige que le MX nul soit le seul MX : mélangés, les expéditeurs se comportent de façon imprévisible.',
      },
      remediation: {
        en: 'Remove either the null MX "0 ." or the other MX records',
        fr: 'Retirez soit le MX nul « 0 . », soit les autres MX',
      },
    },
    'mx.cname': {
      severity: 'warning',
      title: { en: 'MX "{host}" is an alias (CNAME)', fr: 'Le MX « {host} » est un alias (CNAME)' },
      explanation: {
        en: 'An MX must name a host with its own address records, not a CNAME (RFC 2181 10.3); some senders refuse it.',
        fr: 'Un MX doit désigner un hôte avec ses propres adresses, pas un CNAME (RFC 2181 10.3) ; certains expéditeurs le refusent.',
      },
      remediation: {
        en: 'Point the MX at the canonical name the alias leads to',
        fr: 'Faites pointer le MX vers le nom canonique auquel mène l’alias',
      },
    },
    'mx.ip_literal': {
      severity: 'error',
      title: {
        en: 'MX "{host}" is an IP address, not a host name',
        fr: 'Le MX « {host} » est une adresse IP, pas un nom',
      },
      explanation: {
        en: 'An MX target must be a domain name (RFC 5321 5.1); senders look it up as a name and find nothing.',
        fr: 'La cible d’un MX doit être un nom de domaine (RFC 5321 5.1) ; les expéditeurs le cherchent comme un nom et ne trouvent rien.',
      },
      remediation: {
        en: 'Give the server a name with an A/AAAA record and point the MX at that name',
        fr: 'Donnez au serveur un nom avec un enregistrement A/AAAA et faites pointer le MX vers ce nom',
      },
    },
    'mx.no_address': {
      severity: 'error',
      title: { en: 'MX "{host}" has no address', fr: 'Le MX « {host} » n’a pas d’adresse' },
      explanation: {
        en: 'The MX host has no A or AAAA record, so senders cannot connect to it.',
        fr: 'L’hôte MX n’a pas d’enregistrement A ni AAAA : les expéditeurs ne peuvent pas s’y connecter.',
      },
      remediation: {
        en: 'Add an A/AAAA record for the host, or fix the MX to name an existing server',
        fr: 'Ajoutez un A/AAAA pour l’hôte, ou corrigez le MX pour désigner un serveur existant',
      },
    },
    'mx.no_ptr': {
      severity: 'warning',
      title: { en: 'MX address {address} has no reverse DNS', fr: 'L’adresse MX {address} n’a pas de DNS inverse' },
      explanation: {
        en: 'Many receivers distrust servers whose address has no PTR record; if this host also sends, its mail is likely refused.',
        fr: 'Beaucoup de destinataires se méfient d’un serveur sans PTR ; si cet hôte envoie aussi du courrier, il risque d’être refusé.',
      },
      remediation: {
        en: 'Ask the owner of the address (your hosting provider) to set a PTR to the server’s name',
        fr: 'Demandez au titulaire de l’adresse (votre hébergeur) de poser un PTR vers le nom du serveur',
      },
    },
    'mx.fcrdns_mismatch': {
      severity: 'warning',
      title: {
        en: 'Reverse DNS of MX address {address} does not resolve back to it',
        fr: 'Le DNS inverse de l’adresse MX {address} ne renvoie pas vers elle',
      },
      explanation: {
        en: 'The PTR name does not resolve back to the address (no forward-confirmed reverse DNS), which receivers treat as suspect.',
        fr: 'Le nom du PTR ne résout pas vers l’adresse (DNS inverse non confirmé), ce que les destinataires jugent suspect.',
      },
      remediation: {
        en: 'Make the PTR name have an A/AAAA record with this address, or change the PTR to a name that does',
        fr: 'Donnez au nom du PTR un A/AAAA avec cette adresse, ou changez le PTR pour un nom qui l’a',
      },
    },
  },
  run: ({ mx }, { domain }): CheckOutput => {
    const findings: FindingDraft[] = [];
    const unknown: Undecided[] = [];
    const { owner, values, evidence } = recordOwner(domain, mx.cnames);
    if (mx.hasNullMx) {
      if (mx.hosts.length > 0)
        findings.push({
          id: 'mx.null_mx_with_other_mx',
          values,
          evidence: { exchanges: mx.hosts.map((host) => host.exchange), ...evidence },
          suggestedRecord: `${owner}. MX 0 .`,
        });
      else findings.push({ id: 'mx.null_mx' });
      return { findings, unknown };
    }
    if (mx.hosts.length === 0) {
      if (mx.implicitAddresses.length > 0)
        findings.push({ id: 'mx.implicit', evidence: { implicitMx: domain, addresses: mx.implicitAddresses } });
      else findings.push({ id: 'mx.missing', values, evidence, suggestedRecord: `${owner}. MX 0 .` });
      return { findings, unknown };
    }
    const seen = new Set<string>();
    for (const host of mx.hosts) {
      const about = { subject: host.exchange, values: { host: host.exchange } };
      if (host.isIpLiteral) {
        findings.push({ id: 'mx.ip_literal', ...about, evidence: { exchange: host.exchange } });
        continue;
      }
      const canonical = host.cnames.at(-1);
      if (canonical !== undefined)
        findings.push({
          id: 'mx.cname',
          ...about,
          values: { ...about.values, ...values },
          evidence: { chain: host.cnames, ...evidence },
          suggestedRecord: `${owner}. MX ${host.preference} ${canonical}.`,
        });
      if (!host.addresses.ok) {
        unknown.push(undecidedByDns(host.exchange, host.addresses));
        continue;
      }
      if (host.addresses.value.length === 0) {
        findings.push({ id: 'mx.no_address', ...about, evidence: { exchange: host.exchange } });
        continue;
      }
      for (const { address, reverse } of host.addresses.value) {
        // A shared MX address is judged once: (id, domain, subject) must stay unique.
        if (seen.has(address)) continue;
        seen.add(address);
        const onAddress = { subject: address, values: { address } };
        if (!reverse.ok) {
          unknown.push(undecidedByDns(address, reverse));
          continue;
        }
        const { ptr, confirmed, unknown: unresolved } = reverse.value;
        if (ptr.length === 0) findings.push({ id: 'mx.no_ptr', ...onAddress, evidence: { host: host.exchange } });
        else if (confirmed.length === 0) {
          const [failed] = unresolved;
          if (failed !== undefined)
            unknown.push({
              subject: address,
              cause: failed.failure,
              reason: joinTexts(
                unresolved.map((entry) => entry.reason),
                { en: '; ', fr: ' ; ' },
              ),
            });
          else findings.push({ id: 'mx.fcrdns_mismatch', ...onAddress, evidence: { host: host.exchange, ptr } });
        }
      }
    }
    return { findings, unknown };
  },
});
