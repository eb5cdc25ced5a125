import { CERTIFICATE_EXPIRY_WARNING_DAYS, certificateExpiry } from '../src/checks/certificate-expiry.js';
import { defineCheck } from '../src/checks/define-check.js';
import type { CheckOutput, FindingDraft } from '../src/checks/types.js';
import '../src/facts/mta-sts-policy.js';
import { matchesMxPattern } from '../src/parse/parse-mta-sts-policy.js';

export default defineCheck({
  id: 'mta-sts-policy',
  requires: ['mtaStsPolicy'],
  probes: true,
  rfc: 'https://www.rfc-editor.org/rfc/rfc8461#section-3.3',
  title: {
    en: 'The MTA-STS policy is served and covers every MX',
    fr: 'La politique MTA-STS est servie et couvre chaque MX',
  },
  findings: {
    'mta_sts.policy_unreachable': {
      severity: 'error',
      title: { en: 'The MTA-STS policy cannot be fetched', fr: 'La politique MTA-STS est inaccessible' },
      explanation: {
        en: 'The domain announces MTA-STS but senders cannot fetch its policy over valid HTTPS, so they ignore it.',
        fr: 'Le domaine annonce MTA-STS mais les expéditeurs ne peuvent pas lire sa politique en HTTPS valide : ils l’ignorent.',
      },
      remediation: {
        en: 'Serve https://mta-sts.<domain>/.well-known/mta-sts.txt with a valid certificate and no redirect',
        fr: 'Servez https://mta-sts.<domaine>/.well-known/mta-sts.txt avec un certificat valide et sans redirection',
      },
    },
    'mta_sts.policy_invalid': {
      severity: 'error',
      title: { en: 'The MTA-STS policy is invalid', fr: 'La politique MTA-STS est invalide' },
      explanation: {
        en: 'Senders discard a policy file that does not follow RFC 8461 3.2, so the domain has no MTA-STS protection.',
        fr: 'Les expéditeurs rejettent un fichier de politique non conforme à la RFC 8461 3.2 : le domaine n’est pas protégé.',
      },
      remediation: {
        en: 'Serve a text/plain file with "version: STSv1", "mode:", one "mx:" line per MX and "max_age:"',
        fr: 'Servez un fichier text/plain avec « version: STSv1 », « mode: », une ligne « mx: » par MX et « max_age: »',
      },
    },
    'mta_sts.certificate_expiring': {
      severity: 'warning',
      title: {
        en: 'The certificate of the MTA-STS policy host "{host}" expires on {expiresOn}',
        fr: 'Le certificat de l’hôte de la politique MTA-STS « {host} » expire le {expiresOn}',
      },
      explanation: {
        en: `The HTTPS certificate of the policy host ends in less than ${CERTIFICATE_EXPIRY_WARNING_DAYS} days: its automatic renewal has probably failed, or the web server was not reloaded after it. Once it has expired, senders can no longer fetch or refresh the policy, and the domain’s MTA-STS protection lapses as their cached copies run out (RFC 8461 3.3, 5.1).`,
        fr: `Le certificat HTTPS de l’hôte de la politique arrive à échéance dans moins de ${CERTIFICATE_EXPIRY_WARNING_DAYS} jours : son renouvellement automatique a sans doute échoué, ou le serveur web n’a pas été rechargé depuis. Une fois expiré, les expéditeurs ne peuvent plus lire ni rafraîchir la politique, et la protection MTA-STS du domaine cesse à mesure que leurs copies en cache expirent (RFC 8461 3.3, 5.1).`,
      },
      remediation: {
        en: 'Renew the certificate of the policy host (certbot renew, or your ACME client: read its logs for why it did not), then reload the web server',
        fr: 'Renouvelez le certificat de l’hôte de la politique (certbot renew, ou votre client ACME : ses journaux disent pourquoi il ne l’a pas fait), puis rechargez le serveur web',
      },
    },
    'mta_sts.mx_mismatch': {
      severity: 'error',
      title: {
        en: 'MX "{host}" is not listed in the MTA-STS policy',
        fr: 'Le MX « {host} » n’est pas listé dans la politique MTA-STS',
      },
      explanation: {
        en: 'Senders enforcing the policy refuse to deliver to an MX that no "mx:" pattern matches (RFC 8461 4.1).',
        fr: 'Les expéditeurs qui appliquent la politique refusent de livrer à un MX qu’aucun motif « mx: » ne couvre (RFC 8461 4.1).',
      },
      remediation: {
        en: 'Add an "mx:" line for this host to the policy and change the id of the _mta-sts record',
        fr: 'Ajoutez une ligne « mx: » pour cet hôte à la politique et changez l’id de l’enregistrement _mta-sts',
      },
    },
  },
  run: ({ mtaStsPolicy }, { domain, now }): CheckOutput => {
    if (mtaStsPolicy.status !== 'checked') return { findings: [] };
    const { url, outcome, mx } = mtaStsPolicy;
    switch (outcome.status) {
      case 'unknown':
        return { findings: [], unknown: [{ subject: url, cause: 'probe', reason: outcome.reason }] };
      case 'unreachable':
        return { findings: [{ id: 'mta_sts.policy_unreachable', evidence: { url, reason: outcome.reason } }] };
      case 'invalid':
        return { findings: [{ id: 'mta_sts.policy_invalid', evidence: { url, reason: outcome.reason } }] };
      case 'fetched': {
        const { policy } = outcome;
        // RFC 8461 5: mode "none" tells senders to ignore the policy, so its mx list binds nothing.
        if (policy.mode === 'none') return { findings: [] };
        const findings: FindingDraft[] = mx
          .filter((host) => !policy.mx.some((pattern) => matchesMxPattern(host, pattern)))
          .map((host) => ({
            id: 'mta_sts.mx_mismatch',
            subject: host,
            values: { host },
            evidence: { url, mode: policy.mode, patterns: policy.mx },
          }));
        const expiry = outcome.certificateValidTo === null ? null : certificateExpiry(outcome.certificateValidTo, now);
        if (expiry !== null) {
          const host = `mta-sts.${domain}`;
          findings.push({
            id: 'mta_sts.certificate_expiring',
            subject: host,
            values: { host, expiresOn: expiry.expiresOn },
            evidence: { url, validTo: outcome.certificateValidTo, ...expiry },
          });
        }
        return { findings };
      }
    }
  },
});
