import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { csvFault } from '../../src/parse/csv-fault.js';
import { thrown } from '../helpers/thrown.js';

/** What csv-parse throws on `text`, with the strict quoting it uses by default. */
function parseError(text: string): unknown {
  return thrown(() => parse(text, { info: true, trim: true }));
}

describe('csvFault()', () => {
  it('says an unclosed quote in both languages, with the line where the file ends inside it', () => {
    expect(csvFault(parseError('domain\n"ok.example\nother.example\n'))).toEqual({
      text: {
        en: 'a quote opens a field and is never closed: the file ends inside it; a quote inside a quoted field is written twice ("")',
        fr: 'un guillemet ouvre un champ sans jamais le refermer : le fichier se termine à l’intérieur ; un guillemet dans un champ entre guillemets s’écrit doublé ("")',
      },
      line: 3,
    });
  });

  it('says a quoted field that goes on after its closing quote, with its line', () => {
    for (const text of ['domain\n"ok.example"x\n', 'domain\n"ok.example" x\n']) {
      const fault = csvFault(parseError(text));
      expect(fault.line).toBe(2);
      expect(fault.text.fr).toMatch(/^un champ entre guillemets continue après son guillemet fermant ; /);
    }
  });

  it('keeps csv-parse’s words for a fault it does not know, after a sentence in the reader’s language', () => {
    const error = thrown(() => parse('a,b\nxxxxxxxxxx,y\n', { info: true, max_record_size: 3 }));
    expect(csvFault(error)).toEqual({
      text: {
        en: 'it is not CSV that facteur can read: Max Record Size: record exceed the maximum number of tolerated bytes of 3 at line 2',
        fr: 'ce n’est pas un CSV que facteur sait lire : Max Record Size: record exceed the maximum number of tolerated bytes of 3 at line 2',
      },
      line: 2,
    });
  });
});
