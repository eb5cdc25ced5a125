import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { scoreBounceCorpus } from '../../../src/parse/bounce/score-corpus.js';

const corpus = fileURLToPath(new URL('../../../../shared/corpora/bounces', import.meta.url));

describe.runIf(existsSync(corpus))('parseBounce() on the shared corpus', () => {
  it('parseBounce() keeps the accuracy reached so far (a floor against regressions)', () => {
    const score = scoreBounceCorpus(corpus);
    expect(score.precision).toBeGreaterThanOrEqual(0.97);
    expect(score.recall).toBeGreaterThanOrEqual(0.97);
    expect(score.hardAgreement).toBeGreaterThanOrEqual(0.93);
    expect(score.reasonAgreement).toBeGreaterThanOrEqual(0.8);
  });
});
