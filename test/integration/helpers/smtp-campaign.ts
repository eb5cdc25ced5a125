import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DnsResolver } from '../../../src/dns/types.js';
import { startZoneServer, type ZoneServer } from '../../../src/dns/zone-server.js';

/** The demo organisation's domains in test zones (RFC 2606 names). */
export const FROM_DOMAIN = 'consult.example.org';
export const DKIM_SELECTOR = 'mail2026';

/** A fresh RSA key pair: the private key as PEM, the public key as DKIM's p= (base64 SubjectPublicKeyInfo). */
export function dkimKeyPair(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
  };
}

/** Splits a TXT value into 255-byte character-strings (RFC 1035 3.3.14), as a zone file must. */
function txtStrings(value: string): string {
  return (value.match(/.{1,255}/g) ?? []).map((part) => `"${part}"`).join(' ');
}

/** The demo organisation's zone: SPF for 127.0.0.1, an MX for bounces, DMARC, and the DKIM key (unless left out). */
function campaignZone(options: { publicKey?: string; spf?: string; mx?: boolean }): string {
  const lines = [
    `$ORIGIN ${FROM_DOMAIN}.`,
    '$TTL 300',
    '@ IN SOA ns1 hostmaster ( 2026010101 7200 3600 1209600 300 )',
    '  IN NS ns1',
    'ns1 IN A 127.0.0.53',
    `@ IN TXT "${options.spf ?? 'v=spf1 ip4:127.0.0.1 -all'}"`,
    '_dmarc IN TXT "v=DMARC1; p=reject"',
    'mail IN A 127.0.0.25',
    'relay IN A 127.0.0.1',
  ];
  if (options.mx !== false) lines.push('@ IN MX 10 mail');
  if (options.publicKey !== undefined)
    lines.push(`${DKIM_SELECTOR}._domainkey IN TXT ${txtStrings(`v=DKIM1; k=rsa; p=${options.publicKey}`)}`);
  return `${lines.join('\n')}\n`;
}

/**
 * Serves, from a temporary directory, the zones a campaign's preflight reads: the organisation's (campaignZone) and the
 * reverse DNS of its sending IP, 127.0.0.1, whose PTR leads to `relay.<FROM_DOMAIN>` and back. stop() also removes
 * the directory.
 */
export async function startCampaignZones(options: Parameters<typeof campaignZone>[0]): Promise<ZoneServer> {
  const directory = mkdtempSync(join(tmpdir(), 'facteur-campaign-zones-'));
  writeFileSync(join(directory, `${FROM_DOMAIN}.zone`), campaignZone(options));
  writeFileSync(
    join(directory, '0.0.127.in-addr.arpa.zone'),
    [
      '$TTL 300',
      `@ IN SOA ns1.${FROM_DOMAIN}. hostmaster.${FROM_DOMAIN}. ( 2026010101 7200 3600 1209600 300 )`,
      `  IN NS ns1.${FROM_DOMAIN}.`,
      `1 IN PTR relay.${FROM_DOMAIN}.`,
      '',
    ].join('\n'),
  );
  const server = await startZoneServer({ directory });
  return {
    ...server,
    stop: async () => {
      await server.stop();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** A campaign on disk: config, templates, recipients and DKIM key in a temporary directory. */
export interface CampaignFixture {
  dir: string;
  configFile: string;
  dbFile: string;
}

/** Quotes a CSV field (RFC 4180): fields with commas, quotes or line breaks in double quotes, quotes doubled. */
function csvField(value: string): string {
  return /[",\r\n;]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Writes a campaign sending to 127.0.0.1:port; `rows` are the recipients (an `email` column and any fields). */
export function writeCampaign(options: {
  port: number;
  rows: Record<string, string>[];
  privateKey?: string;
  config?: Record<string, unknown>;
  smtp?: Record<string, unknown>;
}): CampaignFixture {
  const dir = mkdtempSync(join(tmpdir(), 'facteur-send-'));
  mkdirSync(join(dir, 'templates'));
  writeFileSync(
    join(dir, 'templates', 'body.txt'),
    'Bonjour {{firstname}},\n\nLa consultation sur le plan vélo est ouverte : https://consult.example.org/velo\n',
  );
  writeFileSync(
    join(dir, 'templates', 'body.html'),
    '<p>Bonjour {{firstname}},</p><p><a href="https://consult.example.org/velo">La consultation</a></p>\n',
  );
  const columns = [...new Set(options.rows.flatMap((row) => Object.keys(row)))];
  const csv = [columns.join(','), ...options.rows.map((row) => columns.map((c) => csvField(row[c] ?? '')).join(','))];
  writeFileSync(join(dir, 'recipients.csv'), `${csv.join('\n')}\n`);
  let dkim: Record<string, string> | undefined;
  if (options.privateKey !== undefined) {
    writeFileSync(join(dir, 'dkim.key'), options.privateKey);
    chmodSync(join(dir, 'dkim.key'), 0o600);
    dkim = { domain: FROM_DOMAIN, selector: DKIM_SELECTOR, privateKeyFile: 'dkim.key' };
  }
  const config = {
    smtp: {
      host: '127.0.0.1',
      port: options.port,
      security: 'none',
      pool: 2,
      ratePerSecond: 10_000,
      perDomainRatePerMinute: 1_000_000,
      sendingIps: ['127.0.0.1'],
      ...options.smtp,
    },
    from: `Ville de Test <info@${FROM_DOMAIN}>`,
    replyTo: `Mairie <mairie@${FROM_DOMAIN}>`,
    subject: 'Consultation vélo, {{firstname}}',
    text: 'templates/body.txt',
    html: 'templates/body.html',
    recipients: 'recipients.csv',
    returnPathDomain: FROM_DOMAIN,
    ...(dkim === undefined ? {} : { dkim }),
    listUnsubscribe: {
      url: 'https://consult.example.org/unsubscribe?t={{token}}',
      mailto: `unsubscribe@${FROM_DOMAIN}`,
    },
    ...options.config,
  };
  const configFile = join(dir, 'campaign.json');
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  return { dir, configFile, dbFile: join(dir, 'facteur.sqlite') };
}

/** `n` recipients on a few domains, each with a first name and a token. */
export function people(
  n: number,
  domains: readonly string[] = ['example.net', 'example.com'],
): { email: string; firstname: string; token: string }[] {
  return Array.from({ length: n }, (_, i) => ({
    email: `person${i + 1}@${domains[i % domains.length] ?? 'example.net'}`,
    firstname: `Prénom${i + 1}`,
    token: `tok${i + 1}`,
  }));
}

/** A mailauth resolver (dns.promises.resolve signature) asking facteur's resolver: NXDOMAIN and NODATA as Node says them. */
export function mailauthResolver(resolver: DnsResolver): (name: string, type: string) => Promise<string[][]> {
  return async (name: string, type: string): Promise<string[][]> => {
    const fact = await resolver.query(name, type as 'TXT');
    if (!fact.ok) throw Object.assign(new Error(`${type} ${name}: ${fact.error}`), { code: 'ETIMEOUT' });
    const records = fact.value.records;
    if (records.length === 0)
      throw Object.assign(new Error(`${type} ${name}: no answer`), {
        code: fact.value.rcode === 'NXDOMAIN' ? 'ENOTFOUND' : 'ENODATA',
      });
    // mailauth's typings say string[][], but like dns.promises.resolve it reads MX objects and address strings.
    return records.map((record) => {
      if (record.type === 'TXT') return record.strings;
      if (record.type === 'MX') return { exchange: record.exchange, priority: record.preference };
      if (record.type === 'A' || record.type === 'AAAA') return record.address;
      return record;
    }) as unknown as string[][];
  };
}
