/**
 * Accuracy and speed of parseBounce() on the shared bounce corpus (labels from Sisimai 4.25, scoring
 * convention of ../shared/corpora/bounces/README.md), with Sisimai's own rate beside it when installed.
 * Run: npm run build && node dist/bench/bounces.js [corpus-dir]   (BENCH_VERBOSE=1 lists every failure)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBounce } from '../src/parse/bounce/parse-bounce.js';
import { parseExpectedJsonl, scoreBounceCorpus } from '../src/parse/bounce/score-corpus.js';

/** ../shared/corpora/bounces beside the project, found from src/ or dist/. */
function defaultCorpus(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, '..', 'shared', 'corpora', 'bounces');
    if (existsSync(join(candidate, 'expected.jsonl'))) return candidate;
    dir = dirname(dir);
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
    'use Sisimai; use Time::HiRes qw(time); my $t = time; Sisimai->make($_) for @ARGV; printf "%.6f\\n", time - $t;';
  const seconds = Number(execFileSync('perl', ['-e', script, ...files], { encoding: 'utf8' }).trim());
  return seconds > 0 ? files.length / seconds : null;
}

const corpus = process.argv[2] ?? defaultCorpus();
const expectedJsonl = readFileSync(join(corpus, 'expected.jsonl'), 'utf8');
const files = parseExpectedJsonl(expectedJsonl).map((line) => line.file);
const messages = new Map(files.map((file) => [file, readFileSync(join(corpus, 'messages', file))]));
const score = scoreBounceCorpus({ expectedJsonl, message: (file) => messages.get(file) ?? Buffer.alloc(0) });

// Speed: parsing only, every file already in memory, several rounds in one process.
const rounds = 5;
const start = process.hrtime.bigint();
for (let i = 0; i < rounds; i++) for (const raw of messages.values()) parseBounce(raw);
const rate = (messages.size * rounds) / (Number(process.hrtime.bigint() - start) / 1e9);
const sisimai = sisimaiRate(files.map((file) => join(corpus, 'messages', file)));

const f = (x: number): string => x.toFixed(4);
const lines = [
  `corpus: ${corpus} (${score.messages} messages, ${score.scoredMessages} scored)`,
  `recipients: precision ${f(score.precision)}  recall ${f(score.recall)}  (tp ${score.truePositives}, fp ${score.falsePositives}, fn ${score.falseNegatives})`,
  `non-bounces left empty: ${score.emptyCorrect}/${score.emptyExpected}`,
  `reason agreement: ${f(score.reasonAgreement)} (${score.reasonMatches}/${score.matchedRecipients})`,
  `hard/soft agreement: ${f(score.hardAgreement)} (${score.hardMatches}/${score.matchedRecipients})`,
  `facteur: ${rate.toFixed(0)} messages/s (parse only, ${rounds} rounds in one process)`,
  sisimai === null
    ? 'sisimai: not installed (apt-get install libsisimai-perl to compare)'
    : `sisimai: ${sisimai.toFixed(0)} messages/s, facteur is ${(rate / sisimai).toFixed(1)}x faster`,
];
const failures = process.env.BENCH_VERBOSE === '1' ? score.failures : score.failures.slice(0, 40);
process.stdout.write(`${lines.join('\n')}\n\nfailures (${score.failures.length}):\n${failures.join('\n')}\n`);
