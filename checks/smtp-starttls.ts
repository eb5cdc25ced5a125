import { CERTIFICATE_EXPIRY_WARNING_DAYS, certificateExpiry } from '../src/checks/certificate-expiry.js';
import { defineCheck } from '../src/checks/define-check.js';
import { undecidedByDns } from '../src/checks/undecided.js';
import type { CheckOutput, FindingDraft, Undecided } from '../src/checks/types.js';
import { isOutdatedProtocol, type SmtpProbeOutcome, type SmtpProbeStep } from '../src/facts/smtp-probe.js';
import { fillText, type Text } from '../src/i18n.js';

/** The finding ids one probe outcome yields, each with what it saw at that address. */
function classify(outcome: SmtpProbeOutcome, now: Date): { id: string; evidence: Record<string, unknown> }[] {
  switch (outcome.status) {
    case 'refused':
      return [{ id: 'smtp.unreachable', evidence: { reason: outcome.detail } }];
    case 'starttls_missing':
      return [{ id: 'smtp.starttls_missing', evidence: { reason: outcome.detail, extensions: outcome.extensions } }];
    case 'handshake_failed':
      return [{ id: 'tls.handshake_failed', evidence: { reason: outcome.detail } }];
    case 'tls': {
      const found: { id: string; evidence: Record<string, unknown> }[] = [];
      const { certificate, protocol } = outcome;
      if (outcome.chainError !== null)
        found.push({ id: 'tls.certificate_invalid', evidence: { reason: outcome.chainError, certificate } });
      if (outcome.nameError !== null)
        found.push({ id: 'tls.certificate_name_mismatch', evidence: { reason: outcome.nameError, certificate } });
      if (isOutdatedProtocol(protocol)) found.push({ id: 'tls.protocol_outdated', evidence: { protocol } });
      // Only a certificate trusted today can be about to stop being trusted.
      const expiry = outcome.chainError === null ? certificateExpiry(certificate.validTo, now) : null;
      if (expiry !== null) found.push({ id: 'tls.certificate_expiring', evidence: { ...expiry, certificate } });
      return found;
    }
    case 'unknown':
      return [];
  }
}

/** The soonest end among the addresses of a host whose certificates expire soon, for the finding's title. */
function firstExpiry(addresses: Record<string, unknown>[]): { expiresOn?: string } {
  const dates = addresses.flatMap((evidence) => (typeof evidence.expiresOn === 'string' ? [evidence.expiresOn] : []));
  return dates.length === 0 ? {} : { expiresOn: dates.sort()[0] };
}

/** A probe's steps as its undecided reason names them: protocol words stay, the others are said in each language. */
const PROBE_STEPS: Record<SmtpProbeStep, Text> = {
  connect: { en: 'connect', fr: 'connexion' },
  banner: { en: 'banner', fr: 'bannière' },
  ehlo: { en: 'ehlo', fr: 'EHLO' },
  starttls: { en: 'starttls', fr: 'STARTTLS' },
  handshake: { en: 'handshake', fr: 'négociation TLS' },
};

/** An undecided probe's reason: the address, then the step unless the detail names it, then the detail. */
const PROBE_AT: Text = { en: '{address}: {detail}', fr: '{address} : {detail}' };
const PROBE_STEP_AT: Text = { en: '{address}: {step}: {detail}', fr: '{address} : {step} : {detail}' };

export default defineCheck({
  id: 'smtp-starttls',
  requires: ['smtpProbe'],
  probes: true,
  rfc: 'https://www.rfc-editor.org/rfc/rfc3207#section-4',
  title: {
    en: 'Every MX accepts mail over STARTTLS with a valid certificate',
    fr: 'Chaque MX accepte le courrier en STARTTLS avec un certificat valide',
  },
  findings: {
    'smtp.unreachable': {
      severity: 'error',
      title: {
        en: 'MX "{host}" refuses connections on port 25',
        fr: 'Le MX « {host} » refuse les connexions sur le port 25',
      },
      explanation: {
        en: 'Nothing listens on the SMTP port of this MX address, so senders cannot deliver to it and fall back to other MX hosts or bounce.',
        fr: 'Rien n’écoute sur le port SMTP de cette adresse MX : les expéditeurs ne peuvent pas y livrer et se rabattent sur d’autres MX ou rejettent le message.',
      },
      remediation: {
        en: 'Start the mail server, open port 25 in the firewall, or remove the address or the MX record',
        fr: 'Démarrez le serveur de courrier, ouvrez le port 25 dans le pare-feu, ou retirez l’adresse ou le MX',
      },
    },
    'smtp.starttls_missing': {
      severity: 'warning',
      title: { en: 'MX "{host}" does not offer STARTTLS', fr: 'Le MX « {host} » ne propose pas STARTTLS' },
      explanation: {
        en: 'Without STARTTLS (RFC 3207), mail to this server travels unencrypted and can be read on the way.',
        fr: 'Sans STARTTLS (RFC 3207), le courrier vers ce serveur circule en clair et peut être lu en chemin.',
      },
      remediation: {
        en: 'Enable STARTTLS on the mail server with a certificate for the MX name (Postfix: smtpd_tls_security_level = may)',
        fr: 'Activez STARTTLS sur le serveur avec un certificat au nom du MX (Postfix : smtpd_tls_security_level = may)',
      },
    },
    'tls.handshake_failed': {
      severity: 'error',
      title: { en: 'TLS fails on MX "{host}"', fr: 'TLS échoue sur le MX « {host} »' },
      explanation: {
        en: 'The server offers STARTTLS but the TLS handshake fails: many senders then defer the mail instead of sending it in clear.',
        fr: 'Le serveur propose STARTTLS mais la négociation TLS échoue : beaucoup d’expéditeurs diffèrent alors le courrier au lieu de l’envoyer en clair.',
      },
      remediation: {
        en: 'Check the TLS configuration (certificate and key files, protocols, ciphers) in the mail server’s logs',
        fr: 'Vérifiez la configuration TLS (fichiers du certificat et de la clé, protocoles, suites) dans les journaux du serveur',
      },
    },
    'tls.certificate_invalid': {
      severity: 'warning',
      title: {
        en: 'The certificate of MX "{host}" is not trusted',
        fr: 'Le certificat du MX « {host} » n’est pas reconnu',
      },
      explanation: {
        en: 'The certificate is expired, self-signed or from an unknown authority: senders applying MTA-STS or DANE refuse to deliver.',
        fr: 'Le certificat est expiré, auto-signé ou d’une autorité inconnue : les expéditeurs qui appliquent MTA-STS ou DANE refusent de livrer.',
      },
      remediation: {
        en: 'Install a certificate from a public authority (e.g. Let’s Encrypt) with its full chain, and renew it automatically',
        fr: 'Installez un certificat d’une autorité publique (par ex. Let’s Encrypt) avec sa chaîne complète, renouvelé automatiquement',
      },
    },
    'tls.certificate_name_mismatch': {
      severity: 'warning',
      title: {
        en: 'The certificate of MX "{host}" is for another name',
        fr: 'Le certificat du MX « {host} » est établi pour un autre nom',
      },
      explanation: {
        en: 'The certificate does not name the MX host, so senders checking it (MTA-STS, RFC 8461 4.2) refuse to deliver.',
        fr: 'Le certificat ne mentionne pas le nom du MX : les expéditeurs qui le vérifient (MTA-STS, RFC 8461 4.2) refusent de livrer.',
      },
      remediation: {
        en: 'Get a certificate whose subject alternative names include the MX host name',
        fr: 'Obtenez un certificat dont les noms alternatifs incluent le nom du MX',
      },
    },
    'tls.certificate_expiring': {
      severity: 'warning',
      title: {
        en: 'The certificate of MX "{host}" expires on {expiresOn}',
        fr: 'Le certificat du MX « {host} » expire le {expiresOn}',
      },
      explanation: {
        en: `The certificate ends in less than ${CERTIFICATE_EXPIRY_WARNING_DAYS} days: its automatic renewal has probably failed, or the mail server was not reloaded after it and still serves the old one. Once it has expired, senders applying MTA-STS or DANE stop delivering.`,
        fr: `Le certificat arrive à échéance dans moins de ${CERTIFICATE_EXPIRY_WARNING_DAYS} jours : son renouvellement automatique a sans doute échoué, ou le serveur de courrier n’a pas été rechargé depuis et sert encore l’ancien. Une fois expiré, les expéditeurs qui appliquent MTA-STS ou DANE cessent de livrer.`,
      },
      remediation: {
        en: 'Renew the certificate (certbot renew, or your ACME client: read its logs for why it did not), then reload the mail server (systemctl reload postfix)',
        fr: 'Renouvelez le certificat (certbot renew, ou votre client ACME : ses journaux disent pourquoi il ne l’a pas fait), puis rechargez le serveur de courrier (systemctl reload postfix)',
      },
    },
    'tls.protocol_outdated': {
      severity: 'warning',
      title: {
        en: 'MX "{host}" negotiates a TLS version older than 1.2',
        fr: 'Le MX « {host} » négocie une version de TLS antérieure à 1.2',
      },
      explanation: {
        en: 'TLS 1.0 and 1.1 are deprecated (RFC 8996) and refused by up-to-date senders.',
        fr: 'TLS 1.0 et 1.1 sont obsolètes (RFC 8996) et refusés par les expéditeurs à jour.',
      },
      remediation: {
        en: 'Upgrade the mail server’s TLS library and enable TLS 1.2 and 1.3',
        fr: 'Mettez à jour la bibliothèque TLS du serveur et activez TLS 1.2 et 1.3',
      },
    },
  },
  run: ({ smtpProbe }, { now }): CheckOutput => {
    const findings: FindingDraft[] = [];
    const unknown: Undecided[] = [];
    for (const host of smtpProbe.hosts) {
      if (!host.addresses.ok) {
        unknown.push(undecidedByDns(host.exchange, host.addresses));
        continue;
      }
      // The subject is the MX host: one finding per id and host, listing every address where it was seen.
      const byId = new Map<string, Record<string, unknown>[]>();
      for (const { address, outcome } of host.addresses.value) {
        if (outcome.status === 'unknown')
          unknown.push({
            subject: host.exchange,
            cause: 'probe',
            // Node's own messages name the step already ("connect EHOSTUNREACH …").
            reason: fillText(outcome.detail.en.startsWith(`${outcome.step} `) ? PROBE_AT : PROBE_STEP_AT, {
              address,
              step: PROBE_STEPS[outcome.step],
              detail: outcome.detail,
            }),
          });
        for (const { id, evidence } of classify(outcome, now))
          byId.set(id, [...(byId.get(id) ?? []), { address, ...evidence }]);
      }
      for (const [id, addresses] of byId)
        findings.push({
          id,
          subject: host.exchange,
          values: { host: host.exchange, ...firstExpiry(addresses) },
          evidence: { addresses },
        });
    }
    return { findings, unknown };
  },
});
