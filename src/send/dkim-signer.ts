import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import nodemailerDkim from 'nodemailer/lib/dkim/sign.js';
import mimeFuncs from 'nodemailer/lib/mime-funcs/index.js';
import { InputError } from '../errors.js';
import type { HeaderLine } from './build-message.js';
import type { DkimConfig } from './campaign-config.js';

/** Signs one message's headers, given its body hash: the whole `DKIM-Signature` field, folded. */
export type DkimSigner = (headers: readonly HeaderLine[], bodyHash: string) => Promise<string>;

/**
 * The fields signed: nodemailer's default list (RFC 6376 5.4.1's recommendations) plus List-Unsubscribe-Post, which
 * RFC 8058 4 requires the signature to cover for one-click unsubscription to be honoured.
 */
const SIGNED_FIELDS = [
  'From',
  'Sender',
  'Reply-To',
  'Subject',
  'Date',
  'Message-ID',
  'To',
  'Cc',
  'MIME-Version',
  'Content-Type',
  'Content-Transfer-Encoding',
  'List-Unsubscribe',
  'List-Unsubscribe-Post',
].join(':');

/** nodemailer's relaxed header canonicalization (RFC 6376 3.4.2), exported beside its signer; its typings miss it. */
const { relaxedHeaders } = nodemailerDkim as unknown as {
  relaxedHeaders: (
    headers: readonly HeaderLine[],
    fieldNames: string,
    skipFields?: string,
  ) => { headers: string; fieldNames: string };
};

/** RSA on libuv's thread pool: with a callback, node:crypto does not hold the event loop while it signs. */
const signOffThread = promisify(
  (data: Buffer, key: KeyObject, callback: (error: Error | null, signature: Buffer) => void): void => {
    sign('sha256', data, key, callback);
  },
);

/** RFC 6376 3.4.2 for the signature's own field: unfolded, runs of whitespace as one space, the value trimmed. */
function relaxedValue(field: string): string {
  return field
    .slice(field.indexOf(':') + 1)
    .replace(/\r?\n/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Creates the campaign's DKIM signer: rsa-sha256, relaxed/relaxed, the same field nodemailer's DKIM signer writes,
 * from nodemailer's own header canonicalization. The RSA operation itself runs on node:crypto's thread pool rather
 * than through nodemailer's signer, which signs synchronously: at a thousand messages a second that is a third of
 * the event loop's time, which the SMTP sessions and the next messages need. The PEM key is parsed once into a
 * KeyObject: handed the PEM text, node:crypto parses it again for every signature, at three times the cost of the
 * RSA operation.
 */
export function createDkimSigner(dkim: DkimConfig): DkimSigner {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(dkim.privateKey);
  } catch (error) {
    const reason = (error as Error).message;
    throw new InputError(
      {
        en: `Cannot read the DKIM private key "${dkim.privateKeyFile}": ${reason}`,
        fr: `Impossible de lire la clé privée DKIM « ${dkim.privateKeyFile} » : ${reason}`,
      },
      { file: dkim.privateKeyFile },
      'ECONFIG',
    );
  }
  // The domain is already in A-labels (the config normalises it), as d= must be (RFC 6376 3.5).
  const tags = `v=1; a=rsa-sha256; c=relaxed/relaxed; d=${dkim.domain}; q=dns/txt; s=${dkim.selector}`;
  return async (headers, bodyHash) => {
    const canonical = relaxedHeaders(headers, SIGNED_FIELDS);
    const field = `${mimeFuncs.foldLines(`DKIM-Signature: ${tags}; bh=${bodyHash}; h=${canonical.fieldNames}`, 76)};\r\n b=`;
    // RFC 6376 3.7: the signed data ends with the signature's own field, b= empty, without a final CRLF.
    const data = `${canonical.headers}dkim-signature:${relaxedValue(field)}`;
    const signature = (await signOffThread(Buffer.from(data, 'utf8'), privateKey)).toString('base64');
    // Folded as nodemailer folds it: 73 characters after " b=", then 75 per continuation line.
    return field + signature.replace(/(^.{73}|.{75}(?!\r?\n|\r))/g, '$&\r\n ').trim();
  };
}
