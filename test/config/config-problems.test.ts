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
