import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ZoneServer } from '../../src/dns/zone-server.js';
import type { SympaMailResult } from '../../src/sympa/send-sympa-mail.js';
import { dkimKeyPair, startCampaignZones } from './helpers/smtp-campaign.js';
import { startSmtpServer, type TestSmtpServer } from './helpers/smtp-server.js';
import {
  createSympaList,
  processCommandMails,
  setListParameter,
  takeSympaReplies,
  type SympaList,
} from './helpers/sympa.js';
import { facteur } from './helpers/facteur.js';
import { OWNER, recordHardBounces, writeSendConfig } from './helpers/sympa-mail.js';

const MEMBERS = ['alice@example.org', 'b=x@example.net', 'carol@example.com', 'dave@example.org'];
const BOUNCING = ['b=x@example.net', 'carol@example.com'];

/**
 * The real Sympa installed here (Debian's 6.2.70) takes the mails facteur sends, as its MTA alias would hand them
 * over (`queue sympa@domain`), runs them with sympa_msg.pl and answers in its bulk spool.
 */
describe("Sympa runs the QUIET DEL commands facteur mails to its robot from the list owner's address", () => {
  const keys = dkimKeyPair();
  let zones: ZoneServer;
  let smtp: TestSmtpServer;
  let list: SympaList;
  let fixture: ReturnType<typeof writeSendConfig>;
  /** The send config `apply` uses: the fixture's, or another a test writes. */
  let configFile: string;

  beforeAll(async () => {
    zones = await startCampaignZones({ publicKey: keys.publicKey });
    smtp = await startSmtpServer();
  });

  afterAll(async () => {
    await smtp.stop();
    await zones.stop();
  });

  afterEach(async () => {
    await list.remove();
    await takeSympaReplies(OWNER);
    rmSync(fixture.dir, { recursive: true, force: true });
    smtp.accepted.length = 0;
  });

  /** A list owned by OWNER with MEMBERS, the BOUNCING ones known to facteur by their bounces. */
  async function setUp(prefix: string, options: { isSigned: boolean }): Promise<void> {
    list = await createSympaList(prefix, OWNER);
    await list.add(MEMBERS.map((email) => ({ email })));
    fixture = writeSendConfig({ port: smtp.port, ...(options.isSigned ? { privateKey: keys.privateKey } : {}) });
    configFile = fixture.configFile;
    recordHardBounces(fixture.dbFile, list.address, BOUNCING);
  }

  /** `facteur dormant apply --sympa-mail`, the members imported from Sympa's database first. */
  const apply = async (...more: string[]) => {
    const result = await facteur([
      'dormant',
      'apply',
      '--sympa-mail',
      list.address,
      '--send-config',
      configFile,
      '--db',
      fixture.dbFile,
      '--sympa-db',
      list.dbFile,
      '--resolver',
      zones.address,
      ...more,
    ]);
    return { ...result, json: more.includes('--json') ? (JSON.parse(result.stdout) as SympaMailResult) : null };
  };

  it('removes the members at once under the default "del" scenario (owner), and reports each to the owner', async () => {
    await setUp('facteur-mail-owner', { isSigned: true });
    const sent = await apply('--yes', '--json');
    expect(sent.code).toBe(0);
    expect(sent.json?.results.map((item) => [item.address, item.outcome])).toEqual(BOUNCING.map((a) => [a, 'sent']));
    expect(smtp.accepted).toHaveLength(1);

    await processCommandMails(
      `sympa@${list.domain}`,
      smtp.accepted.map((mail) => mail.raw),
    );
    expect(await list.review()).toEqual(['alice@example.org', 'dave@example.org']);
    const replies = await takeSympaReplies(OWNER);
    expect(replies.map((reply) => reply.subject)).toEqual(['Results of your commands']);
    for (const address of BOUNCING)
      expect(replies[0]?.body).toContain(`> DEL ${list.address} ${address}\n> removed\nThe user ${address} has been`);
    // QUIT ended the commands: nothing after it was read, and the members were not told (QUIET).
    expect(replies[0]?.body).toContain("Command 'QUIT' found: ignoring end of message.");
    expect(await takeSympaReplies('carol@example.com')).toEqual([]);

    // The next run imports the membership again: nothing is left to remove, so nothing is mailed.
    const after = await apply('--yes');
    expect(after.code).toBe(0);
    expect(after.stdout).toContain(`No command to mail to sympa@${list.domain}`);
    expect(smtp.accepted).toHaveLength(1);
  });

  it('under "auth", asks the owner to confirm each address; facteur then reports them unapplied and exits 1', async () => {
    await setUp('facteur-mail-auth', { isSigned: true });
    await setListParameter(list, 'del auth');
    expect((await apply('--yes')).code).toBe(0);
    await processCommandMails(
      `sympa@${list.domain}`,
      smtp.accepted.map((mail) => mail.raw),
    );
    expect(await list.review()).toEqual(MEMBERS);
    const replies = await takeSympaReplies(OWNER);
    // One confirmation request per address, each with its own key, and the report of the mail.
    expect(replies.map((reply) => reply.subject.replace(/^AUTH [0-9a-f]+ /, 'AUTH <key> ')).sort()).toEqual([
      `AUTH <key> DEL ${list.name} b=x@example.net`,
      `AUTH <key> DEL ${list.name} carol@example.com`,
      'Results of your commands',
    ]);

    const rerun = await apply('--yes');
    expect(rerun.code).toBe(1);
    expect(rerun.stdout).toMatch(/ {2}unapplied carol@example\.com {2}mailed \S+ in <[0-9a-f]+@consult\.example\.org>/);
    expect(rerun.stdout).toContain('2 addresses are still members at an import made after their command was mailed');
    expect(smtp.accepted).toHaveLength(1);
  });

  it('under "ownerdkim", Sympa verifies the DKIM signature facteur adds: unsigned it asks to confirm, signed it removes', async () => {
    await setUp('facteur-mail-dkim', { isSigned: false });
    await setListParameter(list, 'del ownerdkim');
    // Sympa checks DKIM only with dkim_feature on; a copy of its sympa.conf turns it on for this sympa_msg.pl only,
    // and Net::DNS asks the zone server that publishes the key.
    const conf = join(fixture.dir, 'sympa.conf');
    writeFileSync(conf, `${readFileSync('/etc/sympa/sympa/sympa.conf', 'utf8')}\ndkim_feature on\n`);
    chmodSync(fixture.dir, 0o755);
    chmodSync(conf, 0o644);
    const sympaOptions = { config: conf, env: { RES_NAMESERVERS: zones.host, RES_OPTIONS: `port:${zones.port}` } };

    const unsigned = await apply('--yes');
    expect(unsigned.stderr).toContain('No "dkim" section');
    await processCommandMails(`sympa@${list.domain}`, [smtp.accepted[0]?.raw ?? Buffer.alloc(0)], sympaOptions);
    expect(await list.review()).toEqual(MEMBERS);
    expect((await takeSympaReplies(OWNER)).filter((reply) => reply.subject.startsWith('AUTH '))).toHaveLength(2);

    const signedConfig = writeSendConfig({ port: smtp.port, privateKey: keys.privateKey });
    configFile = signedConfig.configFile;
    const signed = await apply('--yes', '--force', '--json').finally(() => {
      rmSync(signedConfig.dir, { recursive: true, force: true });
    });
    expect(signed.json?.results.map((item) => item.outcome)).toEqual(['sent', 'sent']);
    await processCommandMails(`sympa@${list.domain}`, [smtp.accepted[1]?.raw ?? Buffer.alloc(0)], sympaOptions);
    expect(await list.review()).toEqual(['alice@example.org', 'dave@example.org']);
    const replies = await takeSympaReplies(OWNER);
    expect(replies.map((reply) => reply.subject)).toEqual(['Results of your commands']);
  });
});
