import { createReadStream } from 'node:fs';
import iconv from 'iconv-lite';
import type { Text } from '../i18n.js';

/** The encodings facteur reads a spreadsheet's CSV export in. */
export type TextEncoding = 'utf-8' | 'windows-1252';

/**
 * UTF-8 when the bytes are valid UTF-8 (a UTF-8 file with accents always is, and so is plain ASCII), else
 * Windows-1252: what Excel on a French Windows writes when asked for "CSV" ("CSV UTF-8" is another entry of its list).
 * French text in Windows-1252 is never valid UTF-8 (an accented letter is one byte there, a lead byte without its
 * continuation here), and Windows-1252 gives every byte a character, so no row is refused or lost over its encoding.
 */
export function decodeText(bytes: Uint8Array): { text: string; encoding: TextEncoding } {
  try {
    // The default decoder drops a leading byte order mark, as spreadsheets and LimeSurvey write one.
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'utf-8' };
  } catch {
    // iconv-lite's table, not TextDecoder's: Node 20.18.3 and later decode "windows-1252" as Latin-1, which turns
    // its curly apostrophe, Œ or € (0x80-0x9F) into control characters (nodejs/node#60888).
    return { text: iconv.decode(Buffer.from(bytes), 'windows-1252'), encoding: 'windows-1252' };
  }
}

/** The encoding decodeText() would choose for a whole file, read a chunk at a time for files too long to hold. */
export async function fileEncoding(file: string): Promise<TextEncoding> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) decoder.decode(chunk, { stream: true });
    decoder.decode();
    return 'utf-8';
  } catch (error) {
    if (error instanceof TypeError) return 'windows-1252';
    throw error;
  }
}

/** Bytes of `encoding` in, text out: placed before a CSV parser, which reads its bytes as UTF-8. */
export function decodingStream(encoding: TextEncoding): NodeJS.ReadWriteStream {
  return iconv.decodeStream(encoding);
}

/** Said on stderr when a file was read as Windows-1252: right for Excel's CSV, wrong for yet another encoding. */
export const WINDOWS_1252_NOTICE: Text = {
  en: 'facteur: "{file}" is not UTF-8: read as Windows-1252, the encoding of Excel\'s "CSV"; check its accents in what facteur shows, or save it as "CSV UTF-8"\n',
  fr: 'facteur : « {file} » n’est pas en UTF-8 : lu comme Windows-1252, l’encodage du « CSV » d’Excel ; vérifiez ses accents dans ce que facteur en montre, ou enregistrez-le en « CSV UTF-8 »\n',
};
