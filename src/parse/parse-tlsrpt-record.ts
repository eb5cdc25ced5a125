import type { Text } from '../i18n.js';
import { cannotParse, parseTagList } from './parse-dkim-key.js';

/** An SMTP TLS Reporting TXT record at `_smtp._tls.<domain>` (RFC 8460 3). */
export interface TlsRptRecord {
  rua: string[];
}

/** True when a TXT record is meant as a TLS-RPT record (RFC 8460 3: others at that name are ignored). */
export function isTlsRptCandidate(text: string): boolean {
  return /^\s*v\s*=\s*tlsrpt/i.test(text);
}

/** Parses a TLS-RPT TXT record; throws InputError naming the fault. */
export function parseTlsRptRecord(text: string): TlsRptRecord {
  const what: Text = { en: 'TLS-RPT record', fr: 'l’enregistrement TLS-RPT' };
  const tags = parseTagList(text, what);
  if (Object.keys(tags)[0] !== 'v' || tags.v !== 'TLSRPTv1')
    throw cannotParse(what, { en: `it must start with "v=TLSRPTv1"`, fr: `il doit commencer par « v=TLSRPTv1 »` });
  if (tags.rua === undefined)
    throw cannotParse(what, {
      en: `the required "rua=" tag is missing`,
      fr: `la balise obligatoire « rua= » est absente`,
    });
  const rua = tags.rua.split(',').map((uri) => uri.trim());
  for (const uri of rua) {
    // RFC 8460 3: each rua URI is a mailto: or https: URI.
    if (!/^mailto:[^@\s]+@[^@\s]+$/i.test(uri) && !/^https:\/\/\S+$/i.test(uri))
      throw cannotParse(what, {
        en: `"rua" destination "${uri}" is neither mailto: nor https:`,
        fr: `la destination « ${uri} » de « rua » n’est ni mailto: ni https:`,
      });
  }
  return { rua };
}
