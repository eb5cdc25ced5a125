import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import RelaxedBody from 'nodemailer/lib/dkim/relaxed-body.js';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeVerp } from '../../src/parse/verp.js';
import {
  buildMessage,
  buildTextMessage,
  messageBytes,
  prepareMessage,
  type BuiltMessage,
} from '../../src/send/build-message.js';
import { parseCampaignConfig } from '../../src/send/campaign-config.js';
import { createDkimSigner } from '../../src/send/dkim-signer.js';
import { loadMailContext } from '../../src/send/mail-context.js';

const ROW = { file: 'people.csv', line: 7 };
const DOMAIN = 'consult.example.org';
const VERP_KEY = randomBytes(32);
const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const dir = mkdtempSync(join(tmpdir(), 'facteur-build-'));
writeFileSync(join(dir, 'dkim.key'), keys.privateKey.export({ type: 'pkcs8', format: 'pem' }));
chmodSync(join(dir, 'dkim.key'), 0o600);
writeFileSync(join(dir, 'people.csv'), 'email\n');

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A campaign with these templates and config keys, compiled as a run compiles it. */
function prepare(options: { text?: string; html?: string; config?: Record<string, unknown> }) {
  const config: Record<string, unknown> = {
    smtp: { host: '127.0.0.1', security: 'none' },
    from: `Ville de Test <info@${DOMAIN}>`,
    subject: 'Consultation vélo, {{firstname}}',
    recipients: 'people.csv',
    returnPathDomain: DOMAIN,
    dkim: { domain: DOMAIN, selector: 'mail2026', privateKeyFile: 'dkim.key' },
    listUnsubscribe: { url: `https://${DOMAIN}/unsubscribe?t={{token}}`, mailto: `unsubscribe@${DOMAIN}` },
    ...options.config,
  };
  for (const [key, text] of [
    ['text', options.text],
    ['html', options.html],
  ] as const) {
    if (text === undefined) continue;
    writeFileSync(join(dir, `body.${key}`), text);
    config[key] = `body.${key}`;
  }
  const parsed = parseCampaignConfig(config, join(dir, 'campaign.json'), {});
  return { config: parsed, prepared: prepareMessage(loadMailContext(parsed, 3, VERP_KEY)) };
}

const FIELDS = { email: 'person1@example.net', firstname: 'Prénom1', token: 'tok1' };

function build(prepared: ReturnType<typeof prepare>['prepared'], fields: Record<string, string> = FIELDS) {
  return buildMessage(
    prepared,
    { recipientId: 7, email: fields.email ?? 'person1@example.net', fields, messageId: `<id7@${DOMAIN}>` },
    ROW,
    { now: Date.UTC(2026, 4, 12, 9, 30, 0) },
  );
}

/** The unfolded value of a header, as a reader sees it. */
function headerOf(message: BuiltMessage, name: string): string | undefined {
  return message.headers
    .find((line) => line.key === name.toLowerCase())
    ?.line.slice(name.length + 1)
    .replace(/\r\n[ \t]/g, ' ')
    .trim();
}

function decodeQp(text: string): string {
  const bytes: number[] = [];
  const soft = text.replace(/=\r\n/g, '');
  for (let i = 0; i < soft.length; i++) {
    if (soft[i] === '=') {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(soft.charCodeAt(i));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Splits a built body into its parts: headers and decoded text of each. */
function partsOf(message: BuiltMessage): { headers: string; text: string }[] {
  const type = headerOf(message, 'Content-Type') ?? '';
  const boundary = /boundary="?([^";]+)"?/.exec(type)?.[1];
  const raw =
    boundary === undefined
      ? [`${message.headers.map((line) => line.line).join('\r\n')}\r\n\r\n${message.body}`]
      : message.body.split(`--${boundary}`).slice(1, -1);
  return raw.map((part) => {
    const [head = '', ...rest] = part.replace(/^\r\n/, '').split('\r\n\r\n');
    // Inside a multipart body, the CRLF before a delimiter belongs to the delimiter (RFC 2046 5.1.1).
    const joined = rest.join('\r\n\r\n');
    const body = boundary === undefined ? joined : joined.replace(/\r\n$/, '');
    const text = /base64/i.test(head)
      ? Buffer.from(body.replace(/\r\n/g, ''), 'base64').toString('utf8')
      : decodeQp(body);
    return { headers: head, text };
  });
}

/** DKIM's relaxed body hash as nodemailer's own streaming canonicalizer computes it. */
function nodemailerBodyHash(body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const relaxed = new RelaxedBody({ hashAlgo: 'sha256' });
    relaxed.on('hash', resolve);
    relaxed.on('error', reject);
    relaxed.resume();
    relaxed.end(Buffer.from(body, 'latin1'));
  });
}

describe('buildMessage()', () => {
  it('escapes fields in the HTML part only', () => {
    const { prepared } = prepare({ text: 'Bonjour {{firstname}}', html: '<p>Bonjour {{firstname}}</p>' });
    const message = build(prepared, { ...FIELDS, firstname: '<b>Jo & Al</b>' });
    expect(decodeQpWords(headerOf(message, 'Subject'))).toBe('Consultation vélo, <b>Jo & Al</b>');
    expect(partsOf(message).map((part) => part.text)).toEqual([
      'Bonjour <b>Jo & Al</b>\r\n',
      '<p>Bonjour &lt;b&gt;Jo &amp; Al&lt;/b&gt;</p>\r\n',
    ]);
  });

  it('refuses a field that would inject a header through the subject', () => {
    const { prepared } = prepare({ text: 'Bonjour {{firstname}}' });
    expect(() => build(prepared, { ...FIELDS, firstname: 'Jo\r\nBcc: x@evil.example' })).toThrow(
      /Cannot use the Subject header for line 7 of "people\.csv"/,
    );
    expect(() => build(prepared, { ...FIELDS, token: 'a\r\nBcc: x@evil.example' })).not.toThrow();
  });

  it('names the row when a field the template needs is missing', () => {
    const { prepared } = prepare({ text: 'Bonjour {{firstname}} {{lastname}}' });
    expect(() => build(prepared)).toThrow(
      /Cannot render ".*body\.text" for line 7 of "people\.csv": no field "lastname"/,
    );
  });

  it('writes one text/plain part without an HTML template, and multipart/alternative with both', () => {
    const text = prepare({ text: 'Bonjour {{firstname}}' });
    expect(headerOf(build(text.prepared), 'Content-Type')).toBe('text/plain; charset=utf-8');
    expect(headerOf(build(text.prepared), 'Content-Transfer-Encoding')).toBe('quoted-printable');
    const both = prepare({ text: 'Bonjour', html: '<p>Bonjour</p>' });
    const message = build(both.prepared);
    expect(headerOf(message, 'Content-Type')).toMatch(/^multipart\/alternative; boundary="--_facteur_[0-9a-f]{24}"$/);
    expect(partsOf(message).map((part) => part.headers.split('\r\n')[0])).toEqual([
      'Content-Type: text/plain; charset=utf-8',
      'Content-Type: text/html; charset=utf-8',
    ]);
  });

  it('writes the envelope and headers of the recipient, and nothing to track them', () => {
    const { prepared } = prepare({ text: 'Bonjour {{firstname}}', config: { replyTo: `Mairie <mairie@${DOMAIN}>` } });
    const message = build(prepared);
    expect(message.envelope.to).toBe('person1@example.net');
    const [local, domain] = message.envelope.from.split('@');
    expect(domain).toBe(DOMAIN);
    expect(decodeVerp(local ?? '', VERP_KEY)).toEqual({ campaign: 3, recipientId: 7 });
    expect(message.headers.map((line) => line.key)).toEqual([
      'from',
      'reply-to',
      'to',
      'subject',
      'message-id',
      'date',
      'list-unsubscribe',
      'list-unsubscribe-post',
      'mime-version',
      'content-type',
      'content-transfer-encoding',
    ]);
    expect(headerOf(message, 'From')).toBe(`Ville de Test <info@${DOMAIN}>`);
    expect(headerOf(message, 'Reply-To')).toBe(`Mairie <mairie@${DOMAIN}>`);
    expect(headerOf(message, 'To')).toBe('person1@example.net');
    expect(headerOf(message, 'Subject')).toBe('=?UTF-8?Q?Consultation_v=C3=A9lo=2C_Pr=C3=A9nom1?=');
    expect(headerOf(message, 'Message-ID')).toBe(`<id7@${DOMAIN}>`);
    expect(headerOf(message, 'Date')).toBe('Tue, 12 May 2026 09:30:00 +0000');
    expect(headerOf(message, 'List-Unsubscribe')).toBe(
      `<https://${DOMAIN}/unsubscribe?t=tok1>, <mailto:unsubscribe@${DOMAIN}>`,
    );
    expect(headerOf(message, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
  });

  it('sends a test to another address under a VERP identity that names no recipient', () => {
    const { prepared } = prepare({ text: 'Bonjour {{firstname}}' });
    const message = buildMessage(
      prepared,
      { recipientId: 7, email: 'person1@example.net', fields: FIELDS, messageId: '<t@x>' },
      ROW,
      { now: 0, testTo: 'me@example.org' },
    );
    expect(message.envelope.to).toBe('me@example.org');
    expect(headerOf(message, 'To')).toBe('me@example.org');
    expect(decodeVerp(message.envelope.from.split('@')[0] ?? '', VERP_KEY)).toEqual({ campaign: 3, recipientId: 0 });
  });

  it.each([
    ['a plain name as is', 'Ville de Test', 'Ville de Test'],
    ['a non-ASCII name as encoded words', 'Mairie (service vélo)', '=?UTF-8?Q?Mairie_=28service_v=C3=A9lo=29?='],
    ['a quote escaped', 'La "Ville"', '"La \\"Ville\\""'],
    ['a printable name quoted', 'Ville, Mairie', '"Ville, Mairie"'],
    ['a non-Latin name in base64', 'Δήμος Αθηναίων', '=?UTF-8?B?zpTOrs68zr/PgiDOkc64zrfOvc6xzq/Pic69?='],
  ])('writes %s in From', (_, name, written) => {
    const { prepared } = prepare({ text: 'Bonjour', config: { from: `${name} <info@${DOMAIN}>` } });
    expect(headerOf(build(prepared), 'From')).toBe(`${written} <info@${DOMAIN}>`);
  });

  it('soft-wraps long lines at 76 columns and keeps their text', () => {
    const long = `Votre avis {{firstname}} : ${'compte énormément pour la ville, '.repeat(12)}fin.`;
    const { prepared } = prepare({ text: `${long}\n\nhttps://${DOMAIN}/${'a'.repeat(150)}\n`, html: `<p>${long}</p>` });
    const message = build(prepared);
    for (const line of message.body.split('\r\n')) expect(line.length).toBeLessThanOrEqual(76);
    const [text, html] = partsOf(message);
    expect(text?.text).toBe(
      `${long.replace('{{firstname}}', 'Prénom1')}\r\n\r\nhttps://${DOMAIN}/${'a'.repeat(150)}\r\n`,
    );
    expect(html?.text).toBe(`<p>${long.replace('{{firstname}}', 'Prénom1')}</p>\r\n`);
  });

  it('encodes a mostly non-Latin template in base64, and keeps line breaks as CRLF', () => {
    const greek = 'Αγαπητέ {{firstname}},\nΗ διαβούλευση για το σχέδιο ποδηλάτου είναι ανοιχτή.\n';
    const { prepared } = prepare({ text: greek });
    const message = build(prepared);
    expect(headerOf(message, 'Content-Transfer-Encoding')).toBe('base64');
    expect(partsOf(message)[0]?.text).toBe(greek.replace('{{firstname}}', 'Prénom1').replace(/\n/g, '\r\n'));
  });

  it('keeps a field with line breaks in the body, as lines of its own', () => {
    const { prepared } = prepare({ text: 'Adresse :\n{{address}}\nMerci' });
    const message = build(prepared, { ...FIELDS, address: '1 rue de la Paix\r\n75002 Paris\rFrance' });
    expect(partsOf(message)[0]?.text).toBe('Adresse :\r\n1 rue de la Paix\r\n75002 Paris\r\nFrance\r\nMerci\r\n');
  });

  it.each([
    ['text only', { text: 'Bonjour {{firstname}},\n\nA bientôt\n' }],
    ['text and HTML', { text: 'Bonjour {{firstname}}', html: '<p>Bonjour  {{firstname}}</p>\n' }],
    ['runs of spaces and tabs', { text: 'a  b\t\tc {{firstname}}  \n\t indented\n' }],
    ['trailing empty lines', { text: 'Bonjour {{firstname}}\n\n\n\n' }],
    ['a trailing empty field', { text: 'Bonjour\n{{empty}}' }],
    ['long lines', { text: `${'mot '.repeat(60)}{{firstname}} ${'fin '.repeat(40)}` }],
    ['base64', { text: 'Αγαπητέ {{firstname}},\n\nΗ διαβούλευση είναι ανοιχτή.\n\n' }],
  ])('computes the DKIM body hash nodemailer computes, for %s', async (_, templates) => {
    const { prepared } = prepare(templates);
    const message = build(prepared, { ...FIELDS, empty: '' });
    expect(message.bodyHash).toBe(await nodemailerBodyHash(message.body));
    expect(message.bodyHash).not.toBe(createHash('sha256').update('').digest('base64'));
  });
});

/** Decodes RFC 2047 Q-encoded words, as a mail client shows the subject. */
function decodeQpWords(value: string | undefined): string {
  return (value ?? '')
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?UTF-8\?Q\?([^?]*)\?=/gi, (_, text: string) => decodeQp(text.replace(/_/g, ' ')));
}

describe('createDkimSigner()', () => {
  const publicKey = keys.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  const resolver = (name: string, type: string): Promise<string[][]> => {
    if (name === `mail2026._domainkey.${DOMAIN}` && type === 'TXT')
      return Promise.resolve([[`v=DKIM1; k=rsa; p=${publicKey}`]]);
    return Promise.reject(Object.assign(new Error(`${type} ${name}: NXDOMAIN`), { code: 'ENOTFOUND' }));
  };

  it.each([
    ['text only', { text: 'Bonjour {{firstname}},\n\nLa consultation est ouverte.\n' }, FIELDS],
    ['text and HTML', { text: 'Bonjour {{firstname}}', html: '<p>Bonjour {{firstname}}</p>' }, FIELDS],
    [
      'a non-ASCII subject and names',
      { text: 'Bonjour {{firstname}}', config: { from: 'Mairie de Saint-Étienne <info@consult.example.org>' } },
      { ...FIELDS, firstname: 'Zoé Éléonore Δήμητρα' },
    ],
    [
      'long lines',
      { text: `${'Une phrase très longue, '.repeat(40)}{{firstname}}\n`, html: `<p>${'x'.repeat(400)}</p>` },
      FIELDS,
    ],
    ['a base64 part', { text: 'Αγαπητέ {{firstname}},\n\nΗ διαβούλευση είναι ανοιχτή.\n' }, FIELDS],
    ['trailing empty lines and spaces', { text: 'a  b \t\n\n\n' }, FIELDS],
    ['no unsubscribe address', { text: 'Bonjour', config: { listUnsubscribe: null } }, FIELDS],
  ])('signs a message with %s so that mailauth verifies it', async (_, templates, fields) => {
    const { config, prepared } = prepare(templates);
    const message = build(prepared, fields);
    const sign = createDkimSigner(config.dkim ?? (null as never));
    const bytes = messageBytes(message, await sign(message.headers, message.bodyHash));
    const result = await dkimVerify(bytes, { resolver });
    expect(result.results).toHaveLength(1);
    expect(result.results[0]?.status.result).toBe('pass');
    expect(result.results[0]?.signingDomain).toBe(DOMAIN);
  });

  it('covers List-Unsubscribe and List-Unsubscribe-Post, as RFC 8058 4 requires for one-click', async () => {
    const { config, prepared } = prepare({ text: 'Bonjour' });
    const message = build(prepared);
    const field = await createDkimSigner(config.dkim ?? (null as never))(message.headers, message.bodyHash);
    const signed = /;\s*h=([^;]+);/.exec(field.replace(/\r\n /g, ''))?.[1]?.split(':');
    expect(signed).toEqual(expect.arrayContaining(['list-unsubscribe', 'list-unsubscribe-post', 'from', 'subject']));
  });

  it('fails a message whose signed header was changed on the way', async () => {
    const { config, prepared } = prepare({ text: 'Bonjour {{firstname}}' });
    const message = build(prepared);
    const signature = await createDkimSigner(config.dkim ?? (null as never))(message.headers, message.bodyHash);
    const tampered = messageBytes(message, signature)
      .toString('utf8')
      .replace('Subject: =?UTF-8?Q?Consultation', 'Subject: =?UTF-8?Q?Consultatio');
    const result = await dkimVerify(Buffer.from(tampered), { resolver });
    expect(result.results[0]?.status.result).toBe('fail');
  });
});

describe('buildTextMessage()', () => {
  const config = parseCampaignConfig(
    {
      smtp: { host: '127.0.0.1', security: 'none' },
      from: `Propriétaire <owner@${DOMAIN}>`,
      subject: 's',
      text: 'body.text',
      recipients: 'people.csv',
      returnPathDomain: DOMAIN,
      dkim: { domain: DOMAIN, selector: 'mail2026', privateKeyFile: 'dkim.key' },
    },
    join(dir, 'campaign.json'),
    {},
  );
  const input = {
    from: config.from,
    to: 'sympa@lists.example.org',
    subject: 'facteur : retrait de 2 membres de info@lists.example.org (1/1)',
    messageId: `<abc@${DOMAIN}>`,
    now: Date.UTC(2026, 4, 12, 9, 30, 0),
    text: 'QUIET DEL info@lists.example.org b=x@example.net\nQUIET DEL info@lists.example.org c@example.com\nQUIT\n',
  };

  it("uses From's address as the envelope sender and writes the headers of a plain text mail", () => {
    const message = buildTextMessage(input);
    expect(message.envelope).toEqual({ from: `owner@${DOMAIN}`, to: 'sympa@lists.example.org' });
    expect(message.headers.map((line) => line.line)).toEqual([
      `From: =?UTF-8?Q?Propri=C3=A9taire?= <owner@${DOMAIN}>`,
      'To: sympa@lists.example.org',
      'Subject: facteur : retrait de 2 membres de info@lists.example.org (1/1)',
      `Message-ID: <abc@${DOMAIN}>`,
      'Date: Tue, 12 May 2026 09:30:00 +0000',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: quoted-printable',
    ]);
  });

  it('encodes the body as quoted-printable lines ending with CRLF, with no empty line added', () => {
    expect(buildTextMessage(input).body).toBe(
      'QUIET DEL info@lists.example.org b=3Dx@example.net\r\nQUIET DEL info@lists.example.org c@example.com\r\nQUIT\r\n',
    );
  });

  it.each([
    ['To', { to: 'sympa@lists.example.org\r\nBcc: victim@example.com' }],
    ['Subject', { subject: 'x\nBcc: victim@example.com' }],
    ['Message-ID', { messageId: '<a@b>\r\nBcc: victim@example.com' }],
  ])('refuses a line break in the %s header', (name, change) => {
    expect(() => buildTextMessage({ ...input, ...change })).toThrow(`its ${name} header would contain a line break`);
  });

  it('signs a mail that mailauth verifies, and whose changed body fails', async () => {
    const message = buildTextMessage(input);
    const publicKey = keys.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    const resolver = (name: string): Promise<string[][]> =>
      name === `mail2026._domainkey.${DOMAIN}`
        ? Promise.resolve([[`v=DKIM1; k=rsa; p=${publicKey}`]])
        : Promise.reject(Object.assign(new Error('NXDOMAIN'), { code: 'ENOTFOUND' }));
    const bytes = messageBytes(
      message,
      await createDkimSigner(config.dkim ?? (null as never))(message.headers, message.bodyHash),
    );
    const result = await dkimVerify(bytes, { resolver });
    expect(result.results[0]?.status.result).toBe('pass');
    expect(result.results[0]?.signingDomain).toBe(DOMAIN);
    const tampered = Buffer.from(bytes.toString('utf8').replace('c@example.com', 'd@example.com'));
    // RFC 6376 6.1.3: a body hash that does not match fails the signature; mailauth reports it as neutral.
    const status = (await dkimVerify(tampered, { resolver })).results[0]?.status;
    expect(status?.result).toBe('neutral');
    expect(status?.comment).toMatch(/body hash did not verify/);
  });
});
