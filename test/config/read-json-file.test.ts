import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readJsonFile } from '../../src/config/read-json-file.js';
import { InputError } from '../../src/errors.js';
import { thrown } from '../helpers/thrown.js';

const KIND = { en: 'campaign config', fr: 'la configuration de campagne' };

describe('readJsonFile()', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'facteur-json-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('drops the byte order mark a Windows editor writes first', () => {
    const file = join(dir, 'campaign.json');
    writeFileSync(file, '\uFEFF{ "subject": "Consultation" }');
    expect(readJsonFile(file, KIND)).toEqual({ subject: 'Consultation' });
  });

  it('names the file and the line of a syntax error, in both languages, byte order mark or not', () => {
    const file = join(dir, 'campaign.json');
    for (const start of ['', '\uFEFF']) {
      writeFileSync(file, `${start}{\n  "subject": "Consultation",\n  "from": "Mairie" "x"\n}\n`);
      const error = thrown(() => readJsonFile(file, KIND));
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).location).toEqual({ file, line: 3 });
      expect((error as InputError).text.fr).toMatch(/^Impossible d’analyser la configuration de campagne « .* » : /);
    }
  });
});
