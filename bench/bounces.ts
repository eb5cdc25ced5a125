/**
 * Accuracy and speed of parseBounce() on the shared bounce corpus (labels from Sisimai 4.25, scoring
 * convention of ../shared/corpora/bounces/README.md), with Sisimai's own rate beside it when installed.
 * Run: npm run build && node dist/bench/bounces.js [corpus-dir]
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scoreBounceCorpus } from '../src/parse/bounce/score-corpus.js';

function defaultCorpus(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, '..', 'shared', 'corpora', 'bounces');
    try {
      readFileSync(join(candidate, 'expected.jsonl'));
      return candidate;
    } catch {
      dir = dirname(dir);
    }
  }
  return resolve('../shared/corpora/bounces');
}

/** Sisimai's messages/s over the same files, or null when `perl -MSisimai` is unavailable. */
function sisimaiRate(files: readonly string[]): number | null {
  try {
    execFileSync('perl', ['-MSisimai', '-e1'], { stdio: 'ignore' });
  } catch {
    return null;
  }
  const script =
    'use Sisimai; use Time::HiRes qw(time); my $t=time; for my $f (@ARGV) { my $r = Sisimai->make($f) } printf "%.6f\\n", time-$t;';
  const seconds = Number(
    execFileSync('perl', ['-e', script, ...files], { encoding: 'utf8', maxBuffer: 1 << 20 }).trim(),
  );
  return seconds > 0 ? files.length / seconds : null;
}

const corpus = process.argv[2] ?? defaultCorpus();
const score = scoreBounceCorpus(corpus);
const pct = (x: number): string => x.toFixed(4);
const lines = [
  `corpus: ${corpus} (${score.messages} messages, ${score.scoredMessages} scored)`,
  `recipients: precision ${pct(score.precision)}  recall ${pct(score.recall)}  (tp ${score.truePositives}, fp ${score.falsePositives}, fn ${score.falseNegatives})`,
  `messages answered correctly (no recipient expected): ${score.emptyCorrect}/${score.emptyExpected}`,
  `reason agreement: ${pct(score.reasonAgreement)} (${score.reasonMatches}/${score.matchedRecipients})`,
  `hard/soft agreement: ${pct(score.hardAgreement)} (${score.hardMatches}/${score.matchedRecipients})`,
];
const start = process.hrtime.bigint();
const rounds = 5;
for (let i = 0; i < rounds; i++) scoreBounceCorpus(corpus, score.raw);
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
const rate = (score.messages * rounds) / seconds;
lines.push(`facteur: ${rate.toFixed(0)} messages/s (parse only, ${rounds} rounds in one process)`);
const sisimai = sisimaiRate(score.files);
lines.push(
  sisimai === null
    ? 'sisimai: not installed (apt-get install libsisimai-perl to compare)'
    : `sisimai: ${sisimai.toFixed(0)} messages/s  -> facteur is ${(rate / sisimai).toFixed(1)}x`,
);
const failures = process.env.BENCH_VERBOSE === '1' ? score.failures : score.failures.slice(0, 40);
process.stdout.write(
  lines.join('\n') + '\n\nfailures (first 40; BENCH_VERBOSE=1 for all):\n' + failures.join('\n') + '\n',
);
