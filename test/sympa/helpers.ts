import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InputError } from '../../src/errors.js';

/** Files Sympa 6.2.70 wrote (member.dump, subscriber_table rows) and the web export formats (see read-member-export.test.ts). */
export const FIXTURES = join(import.meta.dirname, '../fixtures/sympa');

/** A scratch directory with hostile files; removed by `cleanup`. */
export function scratch(): { write(name: string, content: string | Buffer): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'facteur-sympa-'));
  return {
    write(name, content) {
      const path = join(dir, name);
      writeFileSync(path, content);
      return path;
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Drains an async iterable, collecting the errors a reader reports as it goes on. */
export async function collect<T>(
  read: (onInputError: (error: InputError) => void) => AsyncIterable<T> | Iterable<T>,
): Promise<{ items: T[]; errors: InputError[] }> {
  const errors: InputError[] = [];
  const items: T[] = [];
  for await (const item of read((error) => errors.push(error))) items.push(item);
  return { items, errors };
}
