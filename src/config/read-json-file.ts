import { readFileSync } from 'node:fs';
import { InputError } from '../errors.js';
import type { Text } from '../i18n.js';
import { unreadableFile } from '../file-failure.js';

/**
 * Reads a JSON file a person wrote; `kind` names it in errors, with its article in French ("config", "campaign
 * config"). A byte order mark, which Windows editors put first, is dropped; a syntax error names its line.
 */
export function readJsonFile(file: string, kind: Text): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw unreadableFile(kind, file, error, 'ECONFIG');
  }
  const json = text.startsWith('\uFEFF') ? text.slice(1) : text;
  try {
    return JSON.parse(json);
  } catch (error) {
    const message = (error as Error).message;
    // V8 says where: "… in JSON at position 42"; people look for a line.
    const position = /at position (\d+)/.exec(message)?.[1];
    throw new InputError(
      {
        en: `Cannot parse ${kind.en} "${file}": ${message}`,
        fr: `Impossible d’analyser ${kind.fr} « ${file} » : ${message}`,
      },
      position === undefined ? { file } : { file, line: json.slice(0, Number(position)).split('\n').length },
      'ECONFIG',
    );
  }
}
