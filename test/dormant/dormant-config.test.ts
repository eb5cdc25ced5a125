import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { DEFAULT_DORMANT_CONFIG, parseDormantSection } from '../../src/dormant/dormant-config.js';

describe('parseDormantSection()', () => {
  it('gives the defaults for an absent section', () => {
    expect(parseDormantSection(undefined, 'dormant')).toEqual(DEFAULT_DORMANT_CONFIG);
  });

  it('applies the given values over the defaults', () => {
    const config = parseDormantSection(
      { bounce: { threshold: 5, staleAfterDays: 7 }, unusedMailboxDays: 365 },
      'dormant',
    );
    expect(config.bounce).toEqual({ ...DEFAULT_DORMANT_CONFIG.bounce, threshold: 5, staleAfterDays: 7 });
    expect(config.unusedMailboxDays).toBe(365);
    expect(config.deadDomainConfirmHours).toBe(24);
  });

  const invalid: { value: unknown; message: string }[] = [
    { value: 'yes', message: '"dormant" must be an object, not a string ("yes")' },
    { value: { bounce: [] }, message: '"dormant.bounce" must be an object, not an array' },
    {
      value: { bounce: { treshold: 3 } },
      message: '"dormant.bounce.treshold" is not a known setting (did you mean "threshold"?)',
    },
    {
      value: { bounce: { threshold: 0 } },
      message: '"dormant.bounce.threshold" must be a number from 0.1 to 10000, not a number (0)',
    },
    {
      value: { bounce: { windowDays: 1.5 } },
      message: '"dormant.bounce.windowDays" must be an integer from 1 to 3650, not a number (1.5)',
    },
    {
      value: { bounce: { hardWeight: '1' } },
      message: '"dormant.bounce.hardWeight" must be a number from 0 to 100, not a string ("1")',
    },
    { value: { bounce: { softWeight: 2 } }, message: '"dormant.bounce.softWeight" (2) must not exceed' },
    { value: { bounce: { staleAfterDays: 200 } }, message: '"dormant.bounce.staleAfterDays" must not exceed' },
    {
      value: { deadDomainConfirmHours: 0 },
      message: '"dormant.deadDomainConfirmHours" must be an integer from 1 to 87600, not a number (0)',
    },
    {
      value: { unusedDays: 3 },
      message: '"dormant.unusedDays" is not a known setting (known: bounce, deadDomainConfirmHours, unusedMailboxDays)',
    },
  ];
  it.each(invalid)('rejects $value naming the JSON path', ({ value, message }) => {
    expect(() => parseDormantSection(value, 'dormant')).toThrow(message);
  });

  it('names the nearest known key of a misspelt one in French too', () => {
    expect(() => parseDormantSection({ bounce: { windowDay: 30 } }, 'dormant')).toThrow(
      expect.objectContaining({
        text: expect.objectContaining({
          fr: expect.stringContaining(
            '« dormant.bounce.windowDay » n’est pas un réglage connu (vouliez-vous dire « windowDays » ?)',
          ) as unknown,
        }) as unknown,
      }),
    );
  });

  it('reports every problem at once', () => {
    expect(() => parseDormantSection({ bounce: { threshold: -1, windowDays: 0 } }, 'x.dormant')).toThrow(
      /"x\.dormant\.bounce\.threshold".*; "x\.dormant\.bounce\.windowDays"/,
    );
  });
});

describe('parseConfig() with a dormant section', () => {
  it("reads the section and names a bad key among the other sections' problems", () => {
    expect(
      parseConfig({ dormant: { bounce: { threshold: 5 } } }, 'facteur.config.json').dormant?.bounce.threshold,
    ).toBe(5);
    expect(() => parseConfig({ lang: 'de', dormant: { bounce: { treshold: 5 } } }, 'facteur.config.json')).toThrow(
      /"lang".*"dormant\.bounce\.treshold" is not a known setting/,
    );
  });
});
