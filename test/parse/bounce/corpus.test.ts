import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseBounce } from '../../../src/parse/bounce/parse-bounce.js';
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

  it('parseBounce() finds a recipient of the right kind in every bounce Sisimai 4.25 could not read', () => {
    const unlabelled = readFileSync(join(corpus, 'expected.jsonl'), 'utf8')
      .split('\n')
      .filter((line) => line.includes('"unlabelled": true') || line.includes('"unlabelled":true'))
      .map((line) => JSON.parse(line) as { file: string; sisimai5_expected?: { reason: string }[] });
    expect(unlabelled.length).toBeGreaterThan(20);
    const got = unlabelled.map((line) => {
      const report = parseBounce(readFileSync(join(corpus, 'messages', line.file)));
      return [line.file, report.kind, report.recipients.length > 0];
    });
    // Sisimai 5's own test suite expects these (delivered DSNs are "delivered" there too).
    const want = unlabelled.map((line) => {
      const delivered = (line.sisimai5_expected ?? []).some((r) => r.reason === 'delivered');
      return [line.file, delivered ? 'delivered' : 'bounce', true];
    });
    expect(got).toEqual(want);
  });
});
