import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { scoreBounceCorpus } from '../../../src/parse/bounce/score-corpus.js';

// The corpus is read in place from the shared checkout beside the project, never copied.
const corpus = fileURLToPath(new URL('../../../../shared/corpora/bounces', import.meta.url));

describe.runIf(existsSync(join(corpus, 'expected.jsonl')))('parseBounce() on the shared corpus', () => {
  it('parseBounce() keeps the accuracy reached so far (a floor against regressions)', () => {
    const score = scoreBounceCorpus({
      expectedJsonl: readFileSync(join(corpus, 'expected.jsonl'), 'utf8'),
      message: (file) => readFileSync(join(corpus, 'messages', file)),
    });
    expect(score.precision).toBeGreaterThanOrEqual(0.98);
    expect(score.recall).toBeGreaterThanOrEqual(0.98);
    expect(score.hardAgreement).toBeGreaterThanOrEqual(0.97);
    expect(score.reasonAgreement).toBeGreaterThanOrEqual(0.9);
  });
});
