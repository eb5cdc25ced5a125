import { createReadStream } from 'node:fs';
import iconv from 'iconv-lite';
import { render, type Lang, type Text } from '../i18n.js';

/** The encodings facteur reads a spreadsheet's CSV export in. */
export type TextEncoding = 'utf-8' | 'windows-1252';

/** How a file reads: its encoding, and for UTF-8 with bytes that are not, the line of the first of them. */
export interface EncodingVerdict {
  encoding: TextEncoding;
  invalidLine?: number;
}

/**
 * Reads bytes as UTF-8, a chunk at a time (a character may straddle two chunks), and tells the encoding they are in:
 * - UTF-8 when all of them are (plain ASCII too);
 * - Windows-1252 when some are not and no character took more than one byte: what Excel on a French Windows writes
 *   when asked for "CSV" ("CSV UTF-8" is another entry of its list). French text in Windows-1252 is never valid UTF-8
 *   (an accented letter is one byte there, a lead byte without its continuation here);
 * - UTF-8 still, naming the line of the first bad byte, when valid accented characters stand beside bad bytes: a UTF-8
 *   file with a line pasted from elsewhere, which read as Windows-1252 would garble every accent it has.
 */
class EncodingScan {
  private expected = 0;
  private line = 1;
  private multiByte = false;
  private invalidLine: number | undefined;

  feed(bytes: Uint8Array): void {
    for (const byte of bytes) {
      if (this.expected > 0) {
        if (byte >= 0x80 && byte <= 0xbf) {
          this.expected--;
          if (this.expected === 0) this.multiByte = true;
          continue;
        }
        // A sequence cut short: this byte starts afresh.
        this.invalid();
      }
      if (byte === 0x0a) this.line++;
      if (byte < 0x80) continue;
      if (byte >= 0xc2 && byte <= 0xdf) this.expected = 1;
      else if (byte >= 0xe0 && byte <= 0xef) this.expected = 2;
      else if (byte >= 0xf0 && byte <= 0xf4) this.expected = 3;
      else this.invalid();
    }
  }

  verdict(): EncodingVerdict {
    if (this.expected > 0) this.invalid();
    if (this.invalidLine === undefined) return { encoding: 'utf-8' };
    return this.multiByte ? { encoding: 'utf-8', invalidLine: this.invalidLine } : { encoding: 'windows-1252' };
  }

  private invalid(): void {
    this.expected = 0;
    this.invalidLine ??= this.line;
  }
}

/** Decodes a file's bytes in the encoding they are in (see EncodingScan), a leading byte order mark dropped. */
export function decodeText(bytes: Uint8Array): { text: string } & EncodingVerdict {
  const scan = new EncodingScan();
  scan.feed(bytes);
  const verdict = scan.verdict();
  const text =
    verdict.encoding === 'utf-8'
      ? // Bytes that are not UTF-8 become U+FFFD, as they always did.
        new TextDecoder('utf-8').decode(bytes)
      : // iconv-lite's table, not TextDecoder's: Node 20.18.3 and later decode "windows-1252" as Latin-1, which turns
        // its curly apostrophe, Œ or € (0x80-0x9F) into control characters (nodejs/node#60888).
        iconv.decode(Buffer.from(bytes), 'windows-1252');
  return { text, ...verdict };
}

/** What decodeText() would find of a whole file, read a chunk at a time for files too long to hold. */
export async function fileEncoding(file: string): Promise<EncodingVerdict> {
  const scan = new EncodingScan();
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) scan.feed(chunk);
  return scan.verdict();
}

/** Bytes of `encoding` in, text out: placed before a CSV parser, which reads its bytes as UTF-8. */
export function decodingStream(encoding: TextEncoding): NodeJS.ReadWriteStream {
  return iconv.decodeStream(encoding);
}

const WINDOWS_1252_NOTICE: Text = {
  en: 'facteur: "{file}" is not UTF-8: read as Windows-1252, the encoding of Excel\'s "CSV"; check its accents in what facteur shows, or save it as "CSV UTF-8"\n',
  fr: 'facteur : « {file} » n’est pas en UTF-8 : lu comme Windows-1252, l’encodage du « CSV » d’Excel ; vérifiez ses accents dans ce que facteur en montre, ou enregistrez-le en « CSV UTF-8 »\n',
};

const INVALID_UTF8_NOTICE: Text = {
  en: 'facteur: "{file}" is UTF-8 but for some bytes, the first on line {line}: they read as "\uFFFD"; mend that line\n',
  fr: 'facteur : « {file} » est en UTF-8 sauf quelques octets, le premier à la ligne {line} : ils se lisent « \uFFFD » ; corrigez cette ligne\n',
};

/**
 * What to say on stderr of how a file was read, if anything: Windows-1252 is right for Excel's CSV and wrong for yet
 * another encoding; bytes that are not UTF-8 in a UTF-8 file lose their characters.
 */
export function encodingNotice(file: string, verdict: EncodingVerdict, lang: Lang): string | undefined {
  if (verdict.encoding === 'windows-1252') return render(WINDOWS_1252_NOTICE, lang, { file });
  if (verdict.invalidLine !== undefined) return render(INVALID_UTF8_NOTICE, lang, { file, line: verdict.invalidLine });
  return undefined;
}
