import { generateKeyPairSync } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startZoneServer, type ZoneServer } from '../../src/dns/zone-server.js';
import { startKnot, type KnotServer } from './helpers/dns-knot.js';
import { facteur, type CliResult } from './helpers/facteur.js';

const ROOT = join(import.meta.dirname, '../..');

/** `facteur check --json` asking one resolver, domain blocklists off and IP blocklists off unless `dnsbl` names some. */
function checkJson(resolver: string, args: string[], dnsbl = ''): Promise<CliResult> {
  return facteur(['check', '--json', '--resolver', resolver, '--dnsbl', dnsbl, '--rhsbl', '', ...args]);
}

/** Options that make a resolver that never answers fail fast. */
const GIVE_UP_FAST = ['--timeout', '200', '--retries', '0'];

interface JsonReport {
  schemaVersion: number;
  domains: {
    domain: string;
    member: string | null;
    checks: {
      check: string;
      status: string;
      findings: { id: string; subject: string }[];
      unknown: { cause?: string; reason: string; reasonText?: { en: string; fr: string } }[];
    }[];
  }[];
  inputErrors: { line: number; message: string }[];
}

function findingIds(report: JsonReport, domain: string): string[] {
  const result = report.domains.find((entry) => entry.domain === domain);
  return result === undefined ? [] : result.checks.flatMap((check) => check.findings.map((finding) => finding.id));
}

describe('facteur check (CLI against a real DNS server)', () => {
  let examples: ZoneServer;
  let hostile: ZoneServer;
  let silent: Socket;
  let silentAddress: string;
  let dir: string;

  beforeAll(async () => {
    examples = await startZoneServer({ directory: join(ROOT, 'examples/zones') });
    hostile = await startZoneServer({ directory: join(ROOT, 'test/fixtures/zones') });
    // A resolver that never answers: it reads every query and replies to none.
    silent = createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    silentAddress = `127.0.0.1:${silent.address().port}`;
    dir = mkdtempSync(join(tmpdir(), 'facteur-check-cli-'));
  });

  afterAll(async () => {
    await examples.stop();
    await hostile.stop();
    silent.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports the example problems as JSON on a clean stdout and exits 1', async () => {
    const run = await checkJson(
      examples.address,
      ['--members', join(ROOT, 'examples/members.csv'), '--sending-ips', '192.0.2.25'],
      'dnsbl.example',
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('');
    const report = JSON.parse(run.stdout) as JsonReport;
    expect(report.schemaVersion).toBe(1);
    expect(findingIds(report, 'asso-velo.example')).toEqual([]);
    expect(findingIds(report, 'club-photo.example')).toEqual(
      expect.arrayContaining(['spf.too_many_lookups', 'spf.include_not_found', 'dnsbl.listed', 'mx.fcrdns_mismatch']),
    );
    expect(findingIds(report, 'theatre.example')).toEqual(
      expect.arrayContaining(['spf.missing', 'mx.null_mx', 'dnssec.unsigned']),
    );
    expect(findingIds(report, 'atelier.example')).toEqual(
      expect.arrayContaining(['spf.multiple_records', 'mx.cname', 'dmarc.missing', 'dnssec.ds_without_dnskey']),
    );
    expect(findingIds(report, 'mairie-exemple.example')).toEqual(
      expect.arrayContaining(['dmarc.policy_none', 'dmarc.no_rua', 'dkim.key_weak', 'dkim.testing_flag']),
    );
  });

  it('ends as it would have when the reader of its output stops early (| head), recording the night', async () => {
    const db = join(dir, 'closed-reader.sqlite');
    const args = ['check', '--json', '--resolver', examples.address, '--members', join(ROOT, 'examples/members.csv')];
    const run = await facteur([...args, '--dnsbl', 'dnsbl.example', '--rhsbl', '', '--db', db], (child) => {
      child.stdout?.destroy();
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const changes = await facteur(['changes', '--db', db, '--json']);
    expect(JSON.parse(changes.stdout)).toMatchObject({ currentRun: { id: 1 } });
  });

  it('never reports the finding ids of --ignore, and still reports the others of their check', async () => {
    const run = await checkJson(examples.address, [
      '--members',
      join(ROOT, 'examples/members.csv'),
      '--ignore',
      'dnssec.unsigned,spf.all_softfail',
    ]);
    const report = JSON.parse(run.stdout) as JsonReport;
    const all = report.domains.flatMap((entry) => findingIds(report, entry.domain));
    expect(all).not.toContain('dnssec.unsigned');
    expect(all).not.toContain('spf.all_softfail');
    expect(findingIds(report, 'atelier.example')).toContain('dnssec.ds_without_dnskey');
    const theatre = report.domains.find((entry) => entry.domain === 'theatre.example');
    expect(theatre?.checks.find((check) => check.check === 'dnssec-chain')?.status).toBe('pass');
    const unknownId = await checkJson(examples.address, ['asso-velo.example', '--ignore', 'dnssec.unsinged']);
    expect(unknownId.code).toBe(2);
    expect(unknownId.stderr).toContain('did you mean "dnssec.unsigned"?');
  });

  it('does not report as fixed, in facteur changes, the findings a night starts to ignore', async () => {
    const db = join(dir, 'ignore.sqlite');
    const nightly = ['--members', join(ROOT, 'examples/members.csv'), '--db', db];
    await checkJson(examples.address, nightly);
    await checkJson(examples.address, [...nightly, '--ignore', 'dnssec.unsigned']);
    const changes = await facteur(['changes', '--db', db, '--json']);
    const report = JSON.parse(changes.stdout) as { summary: { new: number; resolved: number } };
    expect(report.summary).toMatchObject({ new: 0, resolved: 0 });
  });

  it('reports a bad members row with its line, still checks the others, and exits 2', async () => {
    const members = join(dir, 'members.csv');
    writeFileSync(members, 'domain,member\nasso-velo.example,Vélo\nnot a domain,Broken\ntheatre.example,Théâtre\n');
    const run = await checkJson(examples.address, ['--members', members]);
    expect(run.code).toBe(2);
    const report = JSON.parse(run.stdout) as JsonReport;
    expect(report.domains.map((entry) => entry.domain)).toEqual(['asso-velo.example', 'theatre.example']);
    expect(report.inputErrors).toEqual([expect.objectContaining({ line: 3 })]);
    // On stderr too, with its line: a nightly run sends its report to /dev/null, and cron mails stderr.
    expect(run.stderr).toBe(
      `facteur: Cannot use row of "${members}": "not a domain" holds a space, which no domain has (${members}:3)\n`,
    );
  });

  it('checks a members file saved as Excel\'s "CSV", names right, with a notice on stderr', async () => {
    const members = join(dir, 'adherents-excel.csv');
    writeFileSync(members, Buffer.from('domain;member\r\nasso-velo.example;V\u00e9lo Brestois\r\n', 'latin1'));
    const run = await checkJson(examples.address, ['--members', members]);
    const report = JSON.parse(run.stdout) as JsonReport;
    expect(report.domains.map((entry) => entry.member)).toEqual(['Vélo Brestois']);
    expect(run.stderr).toContain(`facteur: "${members}" is not UTF-8: read as Windows-1252`);
  });

  it('checks a members file with French column names, as a spreadsheet or Galette exports them', async () => {
    const members = join(dir, 'adherents-fr.csv');
    writeFileSync(
      members,
      "Adhérent;Nom de domaine;Courriel;Sélecteurs DKIM;IPs d'envoi;Téléphone\n" +
        'Vélo Brestois;asso-velo.example;admin@asso-velo.example;mail absent;198.51.100.7;0298000000\n' +
        'Théâtre du Port;theatre.example;contact@theatre.example;;;0298000001\n',
    );
    const run = await checkJson(examples.address, ['--members', members]);
    expect(run.stderr).toBe('');
    const report = JSON.parse(run.stdout) as JsonReport;
    expect(report.inputErrors).toEqual([]);
    expect(report.domains.map((entry) => [entry.domain, entry.member])).toEqual([
      ['asso-velo.example', 'Vélo Brestois'],
      ['theatre.example', 'Théâtre du Port'],
    ]);
    // The selectors and the sending IP of the row were read: "absent" has no key, and the IP is one the domain's SPF
    // does not authorise; the other row names neither.
    expect(findingIds(report, 'asso-velo.example')).toEqual(
      expect.arrayContaining(['dkim.not_found', 'spf.sending_ip_not_authorized']),
    );
    const velo = report.domains[0]?.checks.flatMap((check) => check.findings) ?? [];
    expect(velo.filter((finding) => finding.id === 'dkim.not_found')).toEqual([
      expect.objectContaining({ subject: 'absent' }),
    ]);
    expect(findingIds(report, 'theatre.example')).not.toContain('spf.sending_ip_not_authorized');
  });

  it('exits 2, checking nothing, on a members header that names the domain column twice, naming both', async () => {
    const members = join(dir, 'adherents-twice.csv');
    writeFileSync(members, 'domain,Domaine,member\nasso-velo.example,theatre.example,Vélo\n');
    const run = await checkJson(examples.address, ['--members', members, '--lang', 'fr']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `facteur : Impossible de lire le fichier des adhérents « ${members} » : l’en-tête nomme deux fois la colonne « domain », « domain » et « Domaine » ; n’en gardez qu’une (${members}:1)\n`,
    );
  });

  it('exits 2 with a message naming an unreadable members file', async () => {
    const run = await facteur(['check', '--members', join(dir, 'missing.csv')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('missing.csv');
    expect(run.stdout).toBe('');
  });

  it('exits 2 with what to do when --db names a file that is no database, or a directory that does not exist', async () => {
    const notes = join(dir, 'notes.txt');
    writeFileSync(notes, 'Réunion du bureau : relancer les adhérents.\n'.repeat(50));
    const run = await checkJson(examples.address, ['--db', notes, 'asso-velo.example']);
    expect(run).toMatchObject({ code: 2, stdout: '' });
    expect(run.stderr).toBe(
      `facteur: Cannot use database "${notes}": the file is not a SQLite database (SQLITE_NOTADB)\n`,
    );
    const nowhere = join(dir, 'no-such-dir', 'facteur.sqlite');
    const french = await checkJson(examples.address, ['--db', nowhere, '--lang', 'fr', 'asso-velo.example']);
    expect(french.code).toBe(2);
    expect(french.stderr).toBe(
      `facteur : Impossible d’utiliser la base de données « ${nowhere} » : son répertoire « ${join(dir, 'no-such-dir')} » n’existe pas\n`,
    );
  });

  it('says why it stops in French with --lang fr, for a bad config as for a missing file', async () => {
    const config = join(dir, 'typo.config.json');
    writeFileSync(config, JSON.stringify({ dns: { timeout: '3s' } }));
    const run = await facteur(['check', '--config', config, '--lang', 'fr', 'example.org']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `facteur : Impossible d’utiliser le fichier de configuration « ${config} » : « dns.timeout » doit être un entier de 1 à 60000, pas une chaîne ("3s")\n`,
    );
    const missing = await facteur(['check', '--members', join(dir, 'missing.csv'), '--lang=fr']);
    expect(missing.stderr).toBe(
      `facteur : Impossible de lire le fichier des adhérents « ${join(dir, 'missing.csv')} » : aucun fichier ou répertoire de ce nom (ENOENT)\n`,
    );
    // Under cron's LANG=C, the config's "lang" says French, as it does for the run's output.
    const nightly = join(dir, 'nightly.config.json');
    writeFileSync(nightly, JSON.stringify({ lang: 'fr', members: join(dir, 'missing.csv') }));
    const cron = await facteur(['check', '--config', nightly]);
    expect(cron.code).toBe(2);
    expect(cron.stderr).toContain(
      `facteur : Impossible de lire le fichier des adhérents « ${join(dir, 'missing.csv')} »`,
    );
  });

  it('exits 2 on a sending IP that is not one, before asking DNS anything', async () => {
    const run = await facteur(['check', '--resolver', silentAddress, '--sending-ips', '192.0.2.1,relais', 'a.example']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'facteur: Cannot use sending IP "relais" (--sending-ips): it is not an IPv4 or IPv6 address\n',
    );
    expect(run.stdout).toBe('');
  });

  it('exits 2 on an unknown option', async () => {
    const run = await facteur(['check', '--no-such-option', 'example.org']);
    expect(run.code).toBe(2);
  });

  it('turns a resolver that never answers into unknown, never missing, and exits 3', async () => {
    const run = await checkJson(silentAddress, [...GIVE_UP_FAST, '--dkim-selectors', 'mail', 'asso-velo.example']);
    expect(run.code).toBe(3);
    const report = JSON.parse(run.stdout) as JsonReport;
    expect(findingIds(report, 'asso-velo.example')).toEqual([]);
    expect(report.domains[0]?.checks.every((check) => check.status === 'unknown')).toBe(true);
    expect(run.stderr).toMatch(
      /^facteur: no DNS answer during the whole run \(\d+ questions asked\): check that the resolver is running and reachable/,
    );
    const causes = new Set(report.domains[0]?.checks.flatMap((check) => check.unknown.map((part) => part.cause)));
    expect([...causes]).toEqual(['timeout']);
    const french = await facteur([
      'check',
      '--resolver',
      silentAddress,
      ...GIVE_UP_FAST,
      '--lang',
      'fr',
      'asso-velo.example',
    ]);
    expect(french.code).toBe(3);
    expect(french.stderr).toMatch(/^facteur : aucune réponse DNS de tout le passage \(\d+ questions posées\)/);
    // One line for the cause over every check it stopped, then the technical reasons, in French too.
    expect(french.stdout).toMatch(
      /\n {2}INCONNU [^\n]*spf-record[^\n]*\u00a0: le résolveur DNS n’a pas répondu à temps\n {6}la requête DNS \w+ de « [^»]+ » a échoué : délai dépassé \(pas de réponse de 127\.0\.0\.1:\d+ en 200 ms\) ; /,
    );
    expect(french.stdout).not.toMatch(/lookup of|failed|no reply|within|reasons/);
    expect(french.stdout.match(/INCONNU/g)).toHaveLength(1);
    // --json keeps `reason` a string, in the run's language as `message` is, and every language beside it.
    const frenchJson = await checkJson(silentAddress, [...GIVE_UP_FAST, '--lang', 'fr', 'asso-velo.example']);
    const parts = (JSON.parse(frenchJson.stdout) as JsonReport).domains[0]?.checks.flatMap((check) => check.unknown);
    expect(parts?.length).toBeGreaterThan(0);
    for (const part of parts ?? []) {
      expect(part.reason).toMatch(/^la requête DNS \w+ de « [^»]+ » a échoué : délai dépassé \(pas de réponse de /);
      expect(part.reasonText?.fr).toBe(part.reason);
      expect(part.reasonText?.en).toMatch(/^DNS \w+ lookup of "[^"]+" failed: timeout \(no reply from /);
    }
  });

  it('gives a server’s refusal in the reader’s language, its address and RCODE as they are', async () => {
    // The example zone server answers REFUSED for names outside its zones, as an authoritative server does.
    const english = await facteur([
      'check',
      '--resolver',
      examples.address,
      '--dnsbl',
      '',
      '--rhsbl',
      '',
      '--lang',
      'en',
      'elsewhere.test',
    ]);
    expect(english.code).toBe(3);
    expect(english.stdout).toContain('  UNKNOWN ');
    expect(english.stdout).toContain(`: the DNS server refused to answer\n      DNS `);
    expect(english.stdout).toMatch(/DNS \w+ lookup of "[^"]+" failed: refused \(127\.0\.0\.1:\d+ answered REFUSED\)/);
    const french = await facteur([
      'check',
      '--resolver',
      examples.address,
      '--dnsbl',
      '',
      '--rhsbl',
      '',
      '--lang',
      'fr',
      'elsewhere.test',
    ]);
    expect(french.code).toBe(3);
    expect(french.stdout).toContain('\u00a0: le serveur DNS a refusé de répondre\n      la requête DNS ');
    expect(french.stdout).toMatch(
      /la requête DNS \w+ de « [^»]+ » a échoué : REFUSED \(127\.0\.0\.1:\d+ a répondu REFUSED\)/,
    );
    expect(french.stdout).not.toMatch(/lookup of|failed|answered|reasons/);
  });

  it('survives an SPF include loop, a CNAME loop and a 4 KB TXT record, checking every domain', async () => {
    const run = await checkJson(hostile.address, [
      'loop-a.hostile.example',
      'cname-a.hostile.example',
      'big.hostile.example',
    ]);
    const report = JSON.parse(run.stdout) as JsonReport;
    expect(report.domains).toHaveLength(3);
    expect(findingIds(report, 'loop-a.hostile.example')).toContain('spf.redirect_loop');
    const cname = report.domains.find((entry) => entry.domain === 'cname-a.hostile.example');
    expect(cname?.checks.some((check) => check.status === 'unknown')).toBe(true);
    expect(findingIds(report, 'big.hostile.example')).not.toContain('spf.missing');
    expect(findingIds(report, 'big.hostile.example')).not.toContain('spf.syntax_error');
  });

  it('prints the escape sequences of a hostile zone as replacement characters, keeping them in the JSON', async () => {
    const args = ['check', 'escape.hostile.example', '--resolver', hostile.address, '--dnsbl', '', '--rhsbl', ''];
    const run = await facteur([...args, '--no-probes']);
    expect(run.code).toBe(1);
    // eslint-disable-next-line no-control-regex -- looking for control characters is the point
    const controls = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
    expect(run.stdout).not.toMatch(controls);
    expect(run.stdout).toContain(
      'SPF record at "escape.hostile.example" cannot be parsed: non-ASCII or control character at position 15\n',
    );
    expect(run.stdout).toContain(
      'Record to publish: _dmarc.escape.hostile.example. TXT "v=DMARC1; p=quarantine; rua=mailto:dmarc\uFFFD[31m@escape.hostile.example"',
    );
    // The JSON keeps the records as they are: a program reading it gets the data, not a rendering of it.
    const json = await facteur([...args, '--json', '--no-probes']);
    expect(json.stdout).toContain('dmarc\\u001b[31m@escape');
  });

  it('records nights with --db, and a night when DNS failed alerts nobody in facteur changes', async () => {
    const db = join(dir, 'history.sqlite');
    const nightly = ['--members', join(ROOT, 'examples/members.csv'), '--db', db];
    const first = await checkJson(examples.address, nightly);
    expect(first.code).toBe(1);
    const second = await checkJson(silentAddress, [...nightly, ...GIVE_UP_FAST]);
    expect(second.code).toBe(3);
    const changes = await facteur(['changes', '--db', db, '--json']);
    expect(changes.code).toBe(0);
    const report = JSON.parse(changes.stdout) as { summary: { new: number; resolved: number; carried: number } };
    expect(report.summary.new).toBe(0);
    expect(report.summary.resolved).toBe(0);
    expect(report.summary.carried).toBeGreaterThan(0);
    // The night was checked in English; a member reads its report, undecided parts included, in French.
    const french = await facteur(['report', '--db', db, '--member', 'Vélo Brestois', '--lang', 'fr']);
    expect(french.code).toBe(0);
    expect(french.stdout).toContain('Impossible à vérifier (le résolveur DNS n’a pas répondu à temps)');
    expect(french.stdout).toMatch(/la requête DNS \w+ de « [^»]+ » a échoué : délai dépassé \(pas de réponse de /);
    expect(french.stdout).not.toMatch(/lookup of|failed|no reply|within|reasons/);
    const english = await facteur(['report', '--db', db, '--member', 'Vélo Brestois', '--lang', 'en']);
    expect(english.stdout).toMatch(/DNS \w+ lookup of "[^"]+" failed: timeout \(no reply from /);
  });

  it('keeps a night complete when a members row repeats a domain, which is checked on its first row', async () => {
    const members = join(dir, 'repeated.csv');
    writeFileSync(members, 'domain,member\nasso-velo.example,Vélo\ntheatre.example,Théâtre\nASSO-VELO.example,Vélo\n');
    const db = join(dir, 'repeated.sqlite');
    for (let night = 0; night < 2; night++) {
      const run = await checkJson(examples.address, ['--members', members, '--db', db]);
      expect(run.code).toBe(2);
      expect((JSON.parse(run.stdout) as JsonReport).inputErrors).toEqual([expect.objectContaining({ line: 4 })]);
    }
    const changes = await facteur(['changes', '--db', db, '--json']);
    const report = JSON.parse(changes.stdout) as { previousRun: unknown; ignoredRun: unknown };
    expect(report.previousRun).not.toBeNull();
    expect(report.ignoredRun).toBeNull();
    expect(changes.stderr).toBe('');
  });

  it('reports a night checked in English in French, titles included', async () => {
    const db = join(dir, 'english.sqlite');
    await checkJson(examples.address, ['--members', join(ROOT, 'examples/members.csv'), '--db', db, '--lang', 'en']);
    const report = await facteur(['report', '--db', db, '--member', 'Théâtre du Port', '--lang', 'fr']);
    expect(report.code).toBe(0);
    expect(report.stdout).toContain('Aucun enregistrement DMARC pour « theatre.example »');
    expect(report.stdout).not.toContain('No DMARC record');
  });

  it('exits 2 naming the path when report --out is a file, not a directory', async () => {
    const db = join(dir, 'english.sqlite');
    const out = join(dir, 'report-out.txt');
    writeFileSync(out, 'not a directory\n');
    const report = await facteur(['report', '--db', db, '--all', '--format', 'html', '--out', out]);
    expect(report).toMatchObject({ code: 2, stdout: '' });
    expect(report.stderr).toBe(`facteur: Cannot use "${out}": a file of that name is in the way (EEXIST)\n`);
  });

  it('runs the demo on the embedded example and exits 0', async () => {
    const run = await facteur(['demo', '--lang', 'fr']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('club-photo.example');
    expect(run.stdout).toContain('spf.too_many_lookups');
  });
});

describe('facteur check at a member domain that is an alias (CLI against Knot)', () => {
  let knot: KnotServer;
  let zones: string;

  beforeAll(async () => {
    zones = mkdtempSync(join(tmpdir(), 'facteur-alias-zones-'));
    // The member's domain is a CNAME to a name at its hoster, which publishes mail records but no SPF.
    writeFileSync(
      join(zones, 'asso.example.zone'),
      [
        '$TTL 300',
        '@ IN SOA ns1.hoster.example. hostmaster.hoster.example. 1 7200 3600 1209600 300',
        '@ IN NS ns1.hoster.example.',
        'mail IN CNAME asso.hoster.example.',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(zones, 'hoster.example.zone'),
      [
        '$TTL 300',
        '@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300',
        '@ IN NS ns1',
        'ns1 IN A 192.0.2.53',
        'asso IN MX 10 mx',
        'asso IN A 192.0.2.80',
        'mx IN A 192.0.2.25',
        '',
      ].join('\n'),
    );
    knot = await startKnot(zones);
  });

  afterAll(async () => {
    await knot.stop();
    rmSync(zones, { recursive: true, force: true });
  });

  const args = () => ['check', '--resolver', knot.address, '--dnsbl', '', '--rhsbl', '', '--no-probes'];

  it('suggests the SPF record at the canonical name and says the domain is an alias of it', async () => {
    const run = await facteur([...args(), '--json', 'mail.asso.example']);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as {
      domains: {
        checks: { findings: { id: string; message: string; suggestedRecord?: string; evidence: unknown }[] }[];
      }[];
    };
    const findings = report.domains.flatMap((domain) => domain.checks.flatMap((check) => check.findings));
    expect(findings.find((finding) => finding.id === 'spf.missing')).toMatchObject({
      message:
        'No SPF record at "mail.asso.example" ("mail.asso.example" is an alias of "asso.hoster.example": its records go there)',
      evidence: {
        alias: { name: 'mail.asso.example', canonicalName: 'asso.hoster.example', cnames: ['asso.hoster.example'] },
      },
      suggestedRecord: 'asso.hoster.example. TXT "v=spf1 mx ~all"',
    });
    expect(findings.map((finding) => finding.suggestedRecord ?? '')).not.toContainEqual(
      expect.stringMatching(/^mail\.asso\.example\. /),
    );
  });

  it('says it in French in the text output', async () => {
    const run = await facteur([...args(), '--lang', 'fr', 'mail.asso.example']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      '« mail.asso.example » est un alias de « asso.hoster.example » : ses enregistrements vont là',
    );
    expect(run.stdout).toContain('      Enregistrement à publier\u00a0: asso.hoster.example. TXT "v=spf1 mx ~all"');
  });
});

describe('facteur check of DKIM keys and DMARC records delegated by CNAME (CLI against Knot)', () => {
  let knot: KnotServer;
  let zones: string;
  const SELECTOR = 'selector1._domainkey.asso.example';
  const PROVIDER_KEY = 'selector1-asso-example._domainkey.asso.onmicrosoft.example';

  beforeAll(async () => {
    zones = mkdtempSync(join(tmpdir(), 'facteur-delegated-zones-'));
    const soa = ['$TTL 300', '@ IN SOA ns1.hoster.example. hostmaster.hoster.example. 1 7200 3600 1209600 300'];
    const key = generateKeyPairSync('rsa', { modulusLength: 1024 })
      .publicKey.export({ format: 'der', type: 'spki' })
      .toString('base64');
    // The member delegates its DKIM keys and its DMARC record to providers, as Microsoft 365 and DMARC services ask;
    // the second selector's provider account is closed, so its alias leads nowhere.
    writeFileSync(
      join(zones, 'asso.example.zone'),
      [
        ...soa,
        '@ IN NS ns1.hoster.example.',
        '@ IN MX 10 mx.hoster.example.',
        '@ IN TXT "v=spf1 mx -all"',
        `selector1._domainkey IN CNAME ${PROVIDER_KEY}.`,
        'gone._domainkey IN CNAME gone-asso._domainkey.closed.provider.example.',
        '_dmarc IN CNAME asso.dmarc.provider.example.',
        'news IN MX 10 mx.hoster.example.',
        'news IN TXT "v=spf1 mx -all"',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(zones, 'onmicrosoft.example.zone'),
      [
        ...soa,
        '@ IN NS ns1.hoster.example.',
        `selector1-asso-example._domainkey.asso IN TXT "v=DKIM1; k=rsa; p=${key}"`,
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(zones, 'provider.example.zone'),
      [
        ...soa,
        '@ IN NS ns1.hoster.example.',
        'asso.dmarc IN TXT "v=DMARC1; p=none; rua=mailto:asso@dmarc.provider.example"',
        'asso.example._report._dmarc.dmarc IN TXT "v=DMARC1"',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(zones, 'hoster.example.zone'),
      [...soa, '@ IN NS ns1', 'ns1 IN A 192.0.2.53', 'mx IN A 192.0.2.25', ''].join('\n'),
    );
    knot = await startKnot(zones);
  });

  afterAll(async () => {
    await knot.stop();
    rmSync(zones, { recursive: true, force: true });
  });

  const args = () => [
    'check',
    '--resolver',
    knot.address,
    '--dnsbl',
    '',
    '--rhsbl',
    '',
    '--no-probes',
    '--dkim-selectors',
    'selector1,gone',
  ];

  it('says the providers publish the key and the policy, and that the closed account’s alias leads to no key', async () => {
    const run = await facteur([...args(), '--json', 'asso.example', 'news.asso.example']);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as {
      domains: {
        domain: string;
        checks: { findings: { id: string; message: string; suggestedRecord?: string; evidence: unknown }[] }[];
      }[];
    };
    const findingsOf = (domain: string) =>
      report.domains
        .filter((entry) => entry.domain === domain)
        .flatMap((entry) => entry.checks.flatMap((check) => check.findings));
    const findings = findingsOf('asso.example');
    expect(findings.find((finding) => finding.id === 'dkim.key_weak')).toMatchObject({
      message: `DKIM key "selector1" has 1024 bits ("${SELECTOR}" is an alias of "${PROVIDER_KEY}": the record is published there, by whoever runs that name; change it there or ask them)`,
      evidence: { name: SELECTOR, alias: { canonicalName: PROVIDER_KEY, cnames: [PROVIDER_KEY] } },
    });
    expect(findings.find((finding) => finding.id === 'dkim.not_found')).toMatchObject({
      message:
        'No DKIM key at selector "gone" ("gone._domainkey.asso.example" is an alias of "gone-asso._domainkey.closed.provider.example", which publishes no such record: publish it there, ask whoever runs that name, or remove the alias)',
    });
    expect(findings.find((finding) => finding.id === 'dmarc.policy_none')).toMatchObject({
      message:
        'DMARC policy for "asso.example" is p=none ("_dmarc.asso.example" is an alias of "asso.dmarc.provider.example": the record is published there, by whoever runs that name; change it there or ask them)',
      suggestedRecord:
        'asso.dmarc.provider.example. TXT "v=DMARC1; p=quarantine; rua=mailto:asso@dmarc.provider.example"',
    });
    // The subdomain inherits the record the DMARC service publishes for its organisational domain.
    expect(findingsOf('news.asso.example').find((finding) => finding.id === 'dmarc.inherited')).toMatchObject({
      message: expect.stringContaining(
        '("_dmarc.asso.example" is an alias of "asso.dmarc.provider.example": the record is published there',
      ) as unknown,
      evidence: { policyDomain: 'asso.example', alias: { name: '_dmarc.asso.example' } },
    });
    const suggestions = report.domains.flatMap((entry) =>
      entry.checks.flatMap((check) => check.findings.map((finding) => finding.suggestedRecord ?? '')),
    );
    expect(suggestions).not.toContainEqual(expect.stringMatching(/^(_dmarc|[\w-]+\._domainkey)\.asso\.example\. /));
  });

  it('says it in French in the text output', async () => {
    const run = await facteur([...args(), '--lang', 'fr', 'asso.example']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      `(« ${SELECTOR} » est un alias de « ${PROVIDER_KEY} » : l’enregistrement est publié là, par qui gère ce nom ; modifiez-le là ou demandez-le-lui)`,
    );
    expect(run.stdout).toContain(
      '« gone._domainkey.asso.example » est un alias de « gone-asso._domainkey.closed.provider.example », qui ne publie pas cet enregistrement',
    );
  });
});

describe('facteur explain (CLI)', () => {
  it('prints the French texts of a finding id', async () => {
    const run = await facteur(['explain', 'dmarc.policy_none', '--lang', 'fr', '--json']);
    expect(run.code).toBe(0);
    const text = JSON.parse(run.stdout) as { check: string; explanation: string; rfc: string };
    expect(text.check).toBe('dmarc-policy');
    expect(text.rfc).toMatch(/^https:/);
    expect(text.explanation).not.toBe('');
  });

  it('prints a finding for people in their language, its severity included', async () => {
    const run = await facteur(['explain', 'dmarc.missing', '--lang', 'fr']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^dmarc\.missing \(erreur, dmarc-record\)\nAucun enregistrement DMARC pour « … »\n\nSans DMARC/,
    );
    const english = await facteur(['explain', 'dmarc.missing', '--lang', 'en']);
    expect(english.stdout).toMatch(/^dmarc\.missing \(error, dmarc-record\)\n/);
  });

  it('exits 2 on an unknown id and names the known ids of its area', async () => {
    const run = await facteur(['explain', 'spf.nonsense']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('spf.too_many_lookups');
    const typo = await facteur(['explain', 'spf.mising', '--lang', 'fr']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toBe(
      'facteur : Impossible d’expliquer « spf.mising » : cet identifiant de constat n’existe pas ; vouliez-vous dire « spf.missing » ?\n',
    );
  });
});
