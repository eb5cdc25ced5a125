import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../../src/store/database.js';
import { DKIM_SELECTOR, FROM_DOMAIN } from './smtp-campaign.js';

const DAY = 86_400_000;

/** The list owner, on the organisation's domain, whose address sends the commands. */
export const OWNER = `owner@${FROM_DOMAIN}`;

/**
 * Records hard bounces of each address on a list on three days over three weeks, as `facteur bounces fetch` would:
 * enough for facteur dormant's default score (3 counts, 7 days apart at least) to list them.
 */
export function recordHardBounces(dbFile: string, list: string, addresses: readonly string[]): void {
  const db = openDatabase(dbFile);
  try {
    db.transaction(() => {
      db.prepare("INSERT OR IGNORE INTO bounce_sources (id, name) VALUES (1, 'test')").run();
      const message = db.prepare(
        `INSERT INTO bounce_messages (source_id, message_key, content_hash, kind, received_at, fetched_at)
         VALUES (1, ?, 'h', 'bounce', ?, ?)`,
      );
      const event = db.prepare(
        `INSERT INTO bounce_events (message_id, address, subscribed_address, kind, reason, status_code, hardbounce,
           permanent, list, occurred_at) VALUES (?, ?, ?, 'bounce', 'userunknown', '5.1.1', 1, 1, ?, ?)`,
      );
      for (const address of addresses)
        for (const days of [21, 11, 1]) {
          const at = Date.now() - days * DAY;
          const id = message.run(`${list}/${address}/${days}`, at, at).lastInsertRowid;
          event.run(id, address, address, list, at);
        }
    })();
  } finally {
    db.close();
  }
}

/** Writes a send config for the server on 127.0.0.1:port in a new directory: from the owner, signed with the key if given; `extra` keys win. */
export function writeSendConfig(options: { port: number; privateKey?: string; extra?: Record<string, unknown> }): {
  dir: string;
  configFile: string;
  dbFile: string;
} {
  const dir = mkdtempSync(join(tmpdir(), 'facteur-sympa-mail-'));
  const config: Record<string, unknown> = {
    smtp: { host: '127.0.0.1', port: options.port, security: 'none' },
    from: `Propriétaire de la liste <${OWNER}>`,
  };
  if (options.privateKey !== undefined) {
    writeFileSync(join(dir, 'dkim.key'), options.privateKey);
    chmodSync(join(dir, 'dkim.key'), 0o600);
    config.dkim = { domain: FROM_DOMAIN, selector: DKIM_SELECTOR, privateKeyFile: 'dkim.key' };
  }
  Object.assign(config, options.extra);
  const configFile = join(dir, 'send.json');
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  return { dir, configFile, dbFile: join(dir, 'facteur.sqlite') };
}

/** The body of a received mail, quoted-printable decoded (RFC 2045 6.7), as Sympa reads it. */
export function decodedBody(raw: Buffer): string {
  const text = raw.toString('utf8');
  const body = text.slice(text.indexOf('\r\n\r\n') + 4);
  return body
    .replace(/=\r\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
    .replace(/\r\n/g, '\n');
}

/** A header of a received mail, unfolded. */
export function headerOf(raw: Buffer, name: string): string | undefined {
  const head = raw.toString('utf8').split('\r\n\r\n')[0] ?? '';
  const line = head
    .replace(/\r\n[ \t]+/g, ' ')
    .split('\r\n')
    .find((candidate) => candidate.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(name.length + 1).trim();
}
