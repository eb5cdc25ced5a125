import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryResolver } from '../../src/dns/memory-resolver.js';
import type { DnsFailure } from '../../src/dns/types.js';
import type { Lang } from '../../src/i18n.js';
import { parseCampaignConfig } from '../../src/send/campaign-config.js';
import { preflightCampaign } from '../../src/send/preflight.js';
import { sendCampaign } from '../../src/send/send-campaign.js';
import { openDatabase } from '../../src/store/database.js';

const EXAMPLE = join(import.meta.dirname, '../../examples/campaign');
const DOMAIN = 'consult.mairie-exemple.example';
const ZONE = readFileSync(join(EXAMPLE, `${DOMAIN}.zone`), 'utf8');
/** The reverse DNS of the example's sending IP, as its hoster publishes it (examples/zones/). */
const RELAY = '25.2.0.192.in-addr.arpa. PTR relay.hebergeur.example.\nrelay.hebergeur.example. A 192.0.2.25';

describe('preflightCampaign()', () => {
  let dir: string;
  beforeEach(() => {
    // A copy of the example campaign: git does not keep the key file's 0600 mode, which the config loader demands.
    dir = mkdtempSync(join(tmpdir(), 'facteur-preflight-'));
    cpSync(EXAMPLE, dir, { recursive: true });
    chmodSync(join(dir, 'dkim-mail2026.key'), 0o600);
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function config(changes: Record<string, unknown> = {}) {
    const raw = JSON.parse(readFileSync(join(dir, 'campaign.json'), 'utf8')) as Record<string, unknown>;
    return parseCampaignConfig({ ...raw, ...changes }, join(dir, 'campaign.json'), { FACTEUR_SMTP_PASSWORD: 'x' });
  }

  async function findings(
    changes: Record<string, unknown> = {},
    zone = ZONE,
    failures: Record<string, DnsFailure> = {},
    lang: Lang = 'en',
    reverse = RELAY,
  ) {
    const resolver = createMemoryResolver(`${zone}\n${reverse}`, { origin: DOMAIN, failures });
    return preflightCampaign(config(changes), resolver, { campaign: 'campaign', lang });
  }

  it('passes the example campaign against the records it says to publish', async () => {
    const report = await findings();
    expect(report.findings).toEqual([]);
    expect(report.recipients).toEqual({ checked: 4, distinct: 4, skipped: 1, renderErrors: 0 });
  });

  it('reports a sending IP that SPF of the Return-Path domain does not authorise', async () => {
    const raw = JSON.parse(readFileSync(join(dir, 'campaign.json'), 'utf8')) as { smtp: Record<string, unknown> };
    const report = await findings({ smtp: { ...raw.smtp, sendingIps: ['198.51.100.7'] } });
    expect(report.findings).toMatchObject([
      { id: 'spf.sending_ip_not_authorized', severity: 'error', subject: '198.51.100.7' },
      { id: 'ptr.missing', severity: 'error', subject: '198.51.100.7' },
    ]);
    expect(report.findings[0]?.message).toContain('"fail"');
  });

  it('reports a published DKIM key that does not match the private key, and a missing one', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'der' });
    const swapped = ZONE.replace(
      /mail2026\._domainkey TXT \([^)]*\)/,
      `mail2026._domainkey TXT "p=${other.toString('base64')}"`,
    );
    expect((await findings({}, swapped)).findings.map((f) => f.id)).toEqual(['dkim.key_mismatch']);
    const removed = ZONE.replace(/mail2026\._domainkey TXT \([^)]*\)/, '');
    expect((await findings({}, removed)).findings.map((f) => f.id)).toEqual(['dkim.key_missing']);
  });

  it('says why a sending IP fails SPF and why a published key is unusable in the report’s language', async () => {
    const raw = JSON.parse(readFileSync(join(dir, 'campaign.json'), 'utf8')) as { smtp: Record<string, unknown> };
    const stranger = { smtp: { ...raw.smtp, sendingIps: ['198.51.100.7'] } };
    const revoked = ZONE.replace(/mail2026\._domainkey TXT \([^)]*\)/, 'mail2026._domainkey TXT "v=DKIM1; p="');
    const french = await findings(stranger, revoked, {}, 'fr');
    expect(french.findings.map((f) => f.message)).toEqual([
      expect.stringMatching(
        /pour l’IP d’envoi 198\.51\.100\.7 : correspond à « -all » dans l’enregistrement de « consult\.mairie-exemple\.example »$/,
      ),
      'L’IP d’envoi 198.51.100.7 n’a pas de DNS inverse (PTR) : Gmail et bien d’autres destinataires refusent son courrier (550 5.7.25)',
      `L’enregistrement DKIM à « mail2026._domainkey.${DOMAIN} » est inutilisable : la clé est révoquée (p= vide)`,
    ]);
    // Evidence stays English, for machines, whatever the report's language.
    expect(french.findings[0]?.evidence).toMatchObject({ reason: `matched "-all" in the record of "${DOMAIN}"` });
    const english = await findings(stranger, revoked);
    expect(english.findings.map((f) => f.message)).toEqual([
      expect.stringMatching(
        /for the sending IP 198\.51\.100\.7: matched "-all" in the record of "consult\.mairie-exemple\.example"$/,
      ),
      'The sending IP 198.51.100.7 has no reverse DNS (PTR): Gmail and many other receivers refuse mail from it (550 5.7.25)',
      `The DKIM record at "mail2026._domainkey.${DOMAIN}" cannot be used: the key is revoked (empty p=)`,
    ]);
  });

  it('wants each sending IP’s reverse DNS to lead back to it, and says unknown when DNS does not answer', async () => {
    const lead = async (reverse: string, failures: Record<string, DnsFailure> = {}) =>
      (await findings({}, ZONE, failures, 'en', reverse)).findings.map((f) => [f.id, f.severity, f.subject, f.message]);
    expect(await lead('')).toEqual([
      [
        'ptr.missing',
        'error',
        '192.0.2.25',
        'The sending IP 192.0.2.25 has no reverse DNS (PTR): Gmail and many other receivers refuse mail from it (550 5.7.25)',
      ],
    ]);
    const elsewhere = '25.2.0.192.in-addr.arpa. PTR relay.hebergeur.example.\nrelay.hebergeur.example. A 192.0.2.26';
    expect(await lead(elsewhere)).toEqual([
      [
        'ptr.fcrdns_mismatch',
        'error',
        '192.0.2.25',
        'The reverse DNS of the sending IP 192.0.2.25 names "relay.hebergeur.example", which does not resolve back to it: receivers treat it as having none',
      ],
    ]);
    // One of two names leading back is enough, as receivers take it.
    expect(await lead(`${RELAY}\n25.2.0.192.in-addr.arpa. PTR old.hebergeur.example.`)).toEqual([]);
    expect(await lead(RELAY, { '25.2.0.192.in-addr.arpa PTR': 'timeout' })).toEqual([
      [
        'dns.unknown',
        'unknown',
        '192.0.2.25',
        expect.stringMatching(/^Cannot check the reverse DNS of 192\.0\.2\.25: /),
      ],
    ]);
    expect(await lead(RELAY, { 'relay.hebergeur.example A': 'servfail' })).toEqual([
      [
        'dns.unknown',
        'unknown',
        '192.0.2.25',
        expect.stringMatching(/^Cannot check the reverse DNS of 192\.0\.2\.25: /),
      ],
    ]);
  });

  it('says unknown, never missing, when DNS times out', async () => {
    const report = await findings({}, ZONE, {
      [`mail2026._domainkey.${DOMAIN} TXT`]: 'timeout',
      [`${DOMAIN} MX`]: 'servfail',
    });
    expect(report.findings.map((f) => [f.id, f.severity])).toEqual([
      ['dns.unknown', 'unknown'],
      ['dns.unknown', 'unknown'],
    ]);
    expect(report.summary).toMatchObject({ errors: 0, unknown: 2 });
  });

  it("names what DNS left unknown in the report's language", async () => {
    const failures: Record<string, DnsFailure> = { [`${DOMAIN} TXT`]: 'timeout', [`${DOMAIN} MX`]: 'servfail' };
    const key = `mail2026._domainkey.${DOMAIN}`;
    const french = await findings({}, ZONE, { ...failures, [`${key} TXT`]: 'refused' }, 'fr');
    expect(french.findings.map((f) => f.message)).toEqual([
      `Impossible de vérifier le SPF de « ${DOMAIN} » pour 192.0.2.25 : la requête DNS TXT de « ${DOMAIN} » a échoué : délai dépassé (échec simulé pour « ${DOMAIN} » TXT)`,
      `Impossible de vérifier la clé DKIM de « ${key} » : la requête DNS TXT de « ${key} » a échoué : REFUSED (échec simulé pour « ${key} » TXT)`,
      `Impossible de vérifier le MX de « ${DOMAIN} » : la requête DNS MX de « ${DOMAIN} » a échoué : SERVFAIL (échec simulé pour « ${DOMAIN} » MX)`,
    ]);
    const english = await findings({}, ZONE, failures);
    expect(english.findings.map((f) => f.message.replace(/: DNS .*$/, ''))).toEqual([
      `Cannot check SPF of "${DOMAIN}" for 192.0.2.25`,
      `Cannot check the MX of "${DOMAIN}"`,
    ]);
  });

  it('checks DMARC alignment on organisational domains', async () => {
    expect((await findings({ from: 'Mairie <info@mairie-exemple.example>' })).findings).toEqual([]);
    const zone = `${ZONE}\n$ORIGIN bounces.example.net.\n@ SOA ns hostmaster 1 7200 900 1209600 300\n@ MX 10 mx.example.net.\n@ TXT "v=spf1 ip4:192.0.2.25 -all"\n`;
    const spfOff = await findings({ returnPathDomain: 'bounces.example.net' }, zone);
    expect(spfOff.findings.map((f) => [f.id, f.severity])).toEqual([['dmarc.spf_not_aligned', 'warning']]);
    const neither = await findings({ returnPathDomain: 'bounces.example.net', dkim: undefined }, zone);
    expect(neither.findings.map((f) => f.id)).toEqual(['dkim.not_configured', 'dmarc.not_aligned']);
  });

  it('refuses a Return-Path domain that cannot receive bounces', async () => {
    const nullMx = ZONE.replace('@       MX    10 mail', '@       MX    0 .');
    expect((await findings({}, nullMx)).findings.map((f) => f.id)).toEqual(['mx.return_path_null_mx']);
    const noMx = ZONE.replace('@       MX    10 mail', '');
    expect((await findings({}, noMx)).findings.map((f) => f.id)).toEqual(['mx.return_path_missing']);
  });

  it('refuses a template copied from a sending service with its tracking, and warns of a remote image', async () => {
    const html = join(dir, 'templates', 'message.html');
    writeFileSync(
      html,
      readFileSync(html, 'utf8').replace(
        '<p>Le service démocratie locale</p>',
        `<p>Le service démocratie locale</p>
    <img src="https://www.mairie-exemple.example/logo.png" alt="Mairie">
    <a href="https://mairie.us21.list-manage.com/track/click?u=1&amp;id={{token}}">Voir en ligne</a>
    <img src="https://mairie.us21.list-manage.com/track/open.php?u=1&amp;id={{token}}" height="1" width="1">`,
      ),
    );
    const report = await findings();
    expect(report.findings.map((f) => [f.id, f.severity, f.subject])).toEqual([
      ['template.remote_image', 'warning', `${html}:11`],
      ['template.tracking_link', 'error', `${html}:12`],
      ['template.tracking_pixel', 'error', `${html}:13`],
    ]);
    expect(report.findings[1]?.message).toBe(
      `Line 12 of "${html}" links through mairie.us21.list-manage.com, which logs each click before redirecting: link to the page itself`,
    );
    expect(report.summary).toMatchObject({ errors: 2, warnings: 1 });
  });

  it('names the row whose templates cannot be rendered', async () => {
    writeFileSync(
      join(dir, 'recipients.csv'),
      'email,firstname,lastname,token,attribute_1\na@example.net,A,B,t,Centre\nb@example.net,C,D,t\n',
    );
    const report = await findings();
    expect(report.findings).toMatchObject([{ id: 'template.render_error', severity: 'error' }]);
    expect(report.findings[0]?.message).toMatch(/line 3 of ".*recipients\.csv": no field "attribute_1"/);
  });

  it('says once which template uses a field that no column names, and still names the rows short of one', async () => {
    const recipients = join(dir, 'recipients.csv');
    writeFileSync(
      recipients,
      'email,firstname,lastname,token,attribute_1\na@example.net,A,B,t,Centre\nb@example.net,C,D,t\nc@example.net,E,F,t,Port\n',
    );
    const html = join(dir, 'templates', 'message.html');
    writeFileSync(html, readFileSync(html, 'utf8').replace('{{firstname}}', '{{fistname}}'));
    const report = await findings({ subject: 'Votre avis, {{prenom}}' });
    expect(report.findings.map((f) => [f.id, f.subject])).toEqual([
      ['template.unknown_field', 'subject'],
      ['template.unknown_field', html],
      ['template.render_error', `${recipients}:3`],
    ]);
    expect(report.findings[0]?.message).toBe(
      `The template "subject" uses {{prenom}}, which no column of "${recipients}" names (its columns: email, firstname, lastname, token, attribute_1)`,
    );
    expect(report.findings[1]?.message).toMatch(/uses \{\{fistname\}\}, .*; did you mean \{\{firstname\}\}\?$/);
    expect(report.findings[1]?.evidence).toMatchObject({ field: 'fistname', nearest: 'firstname' });
    expect(report.recipients).toEqual({ checked: 3, distinct: 3, skipped: 0, renderErrors: 1 });
  });

  it('lists the columns of the header once, an "Email" column not repeated as "email", which templates may use too', async () => {
    const recipients = join(dir, 'recipients.csv');
    writeFileSync(recipients, 'Nom,Prénom,Email,Quartier\nDurand,Anne,a@example.net,Centre\n');
    const report = await findings({ subject: '{{Prénom}} {{email}} {{Email}} {{quartier}}' });
    const subject = report.findings.filter((f) => f.subject === 'subject');
    expect(subject.map((f) => f.evidence)).toEqual([
      { template: 'subject', field: 'quartier', columns: ['Nom', 'Prénom', 'Email', 'Quartier'], nearest: 'Quartier' },
    ]);
    expect(subject[0]?.message).toBe(
      `The template "subject" uses {{quartier}}, which no column of "${recipients}" names (its columns: Nom, Prénom, Email, Quartier); did you mean {{Quartier}}?`,
    );
  });

  it('counts the rows that repeat an address as the queue does, naming the first few by line', async () => {
    const file = join(dir, 'recipients.csv');
    const rows = [
      'a@example.net',
      'b@example.net',
      // The queue's rule: the whole address lowercased, the domain in A-labels.
      'A@Example.NET',
      'b@EXAMPLE.net',
      'c@bücher.example',
      'C@xn--bcher-kva.example',
      'not an address',
      'd@example.net',
      'a@example.net',
      'a@example.net',
      'a@example.net',
    ];
    writeFileSync(
      file,
      `email,firstname,lastname,token,attribute_1\n${rows.map((e) => `${e},F,L,t,Centre`).join('\n')}\n`,
    );
    const report = await findings();
    expect(report.findings.map((f) => [f.id, f.severity, f.subject])).toEqual([
      ['recipients.duplicate_addresses', 'warning', file],
    ]);
    const [finding] = report.findings;
    expect(finding?.message).toBe(
      `6 lines of "${file}" repeat the address of an earlier line: line 4 (as line 2), line 5 (as line 3), line 7 (as line 6), line 10 (as line 2), line 11 (as line 2), and 1 more; each address is sent one message, with the fields of its first line`,
    );
    expect(finding?.evidence).toEqual({
      file,
      duplicates: 6,
      rows: [
        { line: 4, firstLine: 2, email: 'A@example.net' },
        { line: 5, firstLine: 3, email: 'b@example.net' },
        { line: 7, firstLine: 6, email: 'C@xn--bcher-kva.example' },
        { line: 10, firstLine: 2, email: 'a@example.net' },
        { line: 11, firstLine: 2, email: 'a@example.net' },
      ],
    });
    expect(report.recipients).toMatchObject({ checked: 10, distinct: 4, skipped: 1 });

    const fr = await findings({}, ZONE, {}, 'fr');
    expect(fr.findings[0]?.message).toMatch(
      /^6 lignes de « .* » reprennent l’adresse d’une ligne précédente : ligne 4 \(comme la ligne 2\), .*, et 1 de plus ; chaque adresse reçoit un seul message/,
    );

    // The queue, filled from the same file into a real database, drops as many rows.
    const db = openDatabase(join(dir, 'facteur.sqlite'));
    try {
      const queued = await sendCampaign({ config: config(), db, dryRun: true });
      expect(queued.recipients).toMatchObject({ duplicates: 6, queued: 4, skipped: 1 });
    } finally {
      db.close();
    }
  });

  it('warns that a recipients list which is not UTF-8 was read as Windows-1252', async () => {
    const utf8 = await findings();
    expect(utf8.findings.map((finding) => finding.id)).not.toContain('recipients.windows_1252');
    const file = join(dir, 'recipients.csv');
    writeFileSync(
      file,
      Buffer.from('email;firstname;lastname;token;attribute_1\r\na@example.net;L\u00e9a;B;t;Centre\r\n', 'latin1'),
    );
    const report = await findings();
    expect(report.findings).toEqual([
      expect.objectContaining({ id: 'recipients.windows_1252', severity: 'warning', subject: file }),
    ]);
    // --dry-run shows no message: the way to see the accents is a message of one's own.
    expect(report.findings[0]?.message).toContain('send yourself a message with --test-to and check its accents');
    expect(report.recipients).toMatchObject({ checked: 1, renderErrors: 0 });
  });

  it('warns of bytes that are not UTF-8 in a UTF-8 recipients list, naming the line of the first', async () => {
    const file = join(dir, 'recipients.csv');
    const utf8 = 'email,firstname,lastname,token,attribute_1\na@example.net,Léa,B,t,Centre\n';
    writeFileSync(
      file,
      Buffer.concat([Buffer.from(utf8), Buffer.from('b@example.net,Ren\u00e9,C,t,Nord\n', 'latin1')]),
    );
    const report = await findings();
    expect(report.findings).toEqual([
      expect.objectContaining({ id: 'recipients.invalid_utf8', severity: 'warning', subject: `${file}:3` }),
    ]);
  });
});
