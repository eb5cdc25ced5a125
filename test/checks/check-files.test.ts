import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_CHECKS } from '../../src/checks/registry.js';
import type { Check } from '../../src/checks/types.js';

const CHECKS_DIR = join(import.meta.dirname, '../../checks');
const FINDING_ID = /^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/;
const files = readdirSync(CHECKS_DIR).filter((file) => file.endsWith('.ts'));

// As eslint's checkRuleFiles: every check has its file named after its id, its texts in both languages, and tests.
describe('checks/', () => {
  it('holds checks', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files)('%s is registered, named after its id, documented and tested', async (file) => {
    const { default: check } = (await import(join(CHECKS_DIR, file))) as { default: Check };
    const id = basename(file, '.ts');
    expect(check.id).toBe(id);
    expect(check.id).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
    expect(ALL_CHECKS.map((registered) => registered.id)).toContain(id);
    expect(check.rfc).toMatch(/^https:\/\//);
    expect(check.title.en).not.toBe('');
    expect(check.title.fr).not.toBe('');
    const untranslated = Object.entries(check.findings).flatMap(([findingId, meta]) =>
      [meta.title, meta.explanation, meta.remediation]
        .flatMap((text) => [text.en, text.fr])
        .filter((text) => text.trim() === '')
        .map(() => findingId),
    );
    expect(untranslated).toEqual([]);
    for (const findingId of Object.keys(check.findings)) expect(findingId).toMatch(FINDING_ID);
    expect(existsSync(join(import.meta.dirname, `${id}.test.ts`))).toBe(true);
  });

  it('gives every finding id to exactly one check', () => {
    const ids = ALL_CHECKS.flatMap((check) => Object.keys(check.findings));
    expect(ids.filter((id, index) => ids.indexOf(id) !== index)).toEqual([]);
  });
});
