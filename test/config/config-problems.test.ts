import { describe, expect, it } from 'vitest';
import { ConfigProblems } from '../../src/config/config-problems.js';

describe('ConfigProblems.required()', () => {
  it('ConfigProblems.required() reads a present value with the given reader', () => {
    const problems = new ConfigProblems();
    expect(problems.required(' smtp.example.org ', 'smtp.host', (value, path) => problems.string(value, path))).toBe(
      'smtp.example.org',
    );
    expect(problems.found).toEqual([]);
  });

  it('ConfigProblems.required() names an absent value in English and French', () => {
    const problems = new ConfigProblems();
    expect(problems.required(undefined, 'smtp.host', (value, path) => problems.string(value, path))).toBeUndefined();
    expect(problems.joined()).toEqual({ en: '"smtp.host" is required', fr: '« smtp.host » est obligatoire' });
  });

  it("ConfigProblems.required() leaves a present but wrong value to the reader's own message", () => {
    const problems = new ConfigProblems();
    expect(problems.required(null, 'from', (value, path) => problems.string(value, path))).toBeUndefined();
    expect(problems.found).toEqual(['"from" must be a non-empty string, not null']);
  });
});

describe('ConfigProblems.number()', () => {
  it.each([
    [0.5, 0.5],
    [0, 0],
    [100, 100],
  ])('ConfigProblems.number() takes %s within 0 to 100', (value, expected) => {
    const problems = new ConfigProblems();
    expect(problems.number(value, 'dormant.bounce.softWeight', 0, 100)).toBe(expected);
    expect(problems.found).toEqual([]);
  });

  it.each([
    [100.5, 'a number (100.5)'],
    [-1, 'a number (-1)'],
    ['1', 'a string ("1")'],
    [null, 'null'],
  ])('ConfigProblems.number() refuses %j, naming what it found', (value, found) => {
    const problems = new ConfigProblems();
    expect(problems.number(value, 'dormant.bounce.softWeight', 0, 100)).toBeUndefined();
    expect(problems.found).toEqual([`"dormant.bounce.softWeight" must be a number from 0 to 100, not ${found}`]);
  });

  it('ConfigProblems.number() leaves an absent value to the default', () => {
    const problems = new ConfigProblems();
    expect(problems.number(undefined, 'dormant.bounce.softWeight', 0, 100)).toBeUndefined();
    expect(problems.found).toEqual([]);
  });
});

describe('ConfigProblems.dkimSelector()', () => {
  it('ConfigProblems.dkimSelector() lower-cases a selector of dot-separated labels', () => {
    const problems = new ConfigProblems();
    expect(problems.dkimSelector('Mail2026.Brevo', 'dkim.selector')).toBe('mail2026.brevo');
    expect(problems.found).toEqual([]);
  });

  it.each(['bad_selector', 'a..b', '-lead', 'trail-'])(
    'ConfigProblems.dkimSelector() refuses "%s" in English and French (RFC 6376 3.1)',
    (selector) => {
      const problems = new ConfigProblems();
      expect(problems.dkimSelector(selector, 'dkim.selector')).toBeUndefined();
      expect(problems.joined()).toEqual({
        en: `"dkim.selector" must be dot-separated DNS labels (RFC 6376 3.1), not "${selector}"`,
        fr: `« dkim.selector » doit être une suite d’étiquettes DNS séparées par des points (RFC 6376 3.1), pas « ${selector} »`,
      });
    },
  );
});
