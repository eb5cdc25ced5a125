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

/** One line of bench/sisimai-corpus.pl's output: a file's recipients, or the closing timing line. */
type SisimaiLine =
  | { file: string; recipients: { address: string; reason: string; hardbounce: boolean }[] }
  | { seconds: number; version: string };

/** What Sisimai said, run live over the same files in this process's run; null when it is not installed. */
interface SisimaiRun {
  version: string;
  seconds: number;
  byFile: Map<string, { address: string; reason: string; hardbounce: boolean }[]>;
}

/** Finds a file of this project from src/ or dist/ (the bench runs compiled). */
function projectFile(relative: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, relative))) return join(dir, relative);
    dir = dirname(dir);
  }
  return resolve(relative);
}

/** Runs bench/sisimai-corpus.pl over the corpus files, or null when `perl -MSisimai` is unavailable. */
function runSisimai(messagesDir: string, files: readonly string[]): SisimaiRun | null {
  try {
    execFileSync('perl', ['-MSisimai', '-e1'], { stdio: 'ignore' });
  } catch {
    return null;
  }
  const output = execFileSync('perl', [projectFile('bench/sisimai-corpus.pl'), messagesDir, ...files], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const run: SisimaiRun = { version: '', seconds: 0, byFile: new Map() };
  for (const line of output.split('\n')) {
    if (line.trim() === '') continue;
    const parsed = JSON.parse(line) as SisimaiLine;
    if ('file' in parsed) run.byFile.set(parsed.file, parsed.recipients);
    else {
      run.seconds = parsed.seconds;
      run.version = parsed.version;
    }
  }
  return run;
}

/** The same labels as a key, to tell whether Sisimai live agrees with expected.jsonl on a file. */
function labelKey(recipients: readonly { address: string; reason: string; hardbounce: boolean }[]): string {
  return JSON.stringify(
    recipients
      .map((r) => `${r.address.toLowerCase()} ${r.reason} ${r.hardbounce ? 'hard' : 'soft'}`)
      .sort((a, b) => a.localeCompare(b)),
  );
}

const corpus = process.argv[2] ?? defaultCorpus();
const messagesDir = join(corpus, 'messages');
const expectedJsonl = readFileSync(join(corpus, 'expected.jsonl'), 'utf8');
const expected = parseExpectedJsonl(expectedJsonl);
const files = expected.map((line) => line.file);
const messages = new Map(files.map((file) => [file, readFileSync(join(messagesDir, file))]));
const message = (file: string): Buffer => messages.get(file) ?? Buffer.alloc(0);
const score = scoreBounceCorpus({ expectedJsonl, message });

// Speed: parsing only, every file already in memory, several rounds in one process.
const rounds = 5;
const start = process.hrtime.bigint();
for (let i = 0; i < rounds; i++) for (const raw of messages.values()) parseBounce(raw);
const rate = (messages.size * rounds) / (Number(process.hrtime.bigint() - start) / 1e9);
const sisimai = runSisimai(messagesDir, files);

const f = (x: number): string => x.toFixed(4);

/** The bounces Sisimai 4.25 cannot read: how many yield a recipient, and how many reasons Sisimai 5 expects. */
function unlabelledLine(): string {
  const lines = expectedJsonl
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { file: string; unlabelled?: boolean; sisimai5_expected?: { reason: string }[] })
    .filter((line) => line.unlabelled === true);
  let found = 0;
  let compared = 0;
  let agreed = 0;
  for (const line of lines) {
    const recipients = parseBounce(message(line.file)).recipients;
    if (recipients.length > 0) found += 1;
    (line.sisimai5_expected ?? []).forEach((want, i) => {
      compared += 1;
      if (recipients[i]?.reason === want.reason) agreed += 1;
    });
  }
  return `unlabelled (Sisimai 4.25 cannot read them): ${found}/${lines.length} with a recipient; reason as Sisimai 5's tests expect: ${agreed}/${compared} (Sisimai 5 also names authfailure, requireptr, ... that 4.25 lacks)`;
}
const lines = [
  `corpus: ${corpus} (${score.messages} messages, ${score.scoredMessages} scored)`,
  `recipients: precision ${f(score.precision)}  recall ${f(score.recall)}  (tp ${score.truePositives}, fp ${score.falsePositives}, fn ${score.falseNegatives})`,
  `non-bounces left empty: ${score.emptyCorrect}/${score.emptyExpected}`,
  `reason agreement: ${f(score.reasonAgreement)} (${score.reasonMatches}/${score.matchedRecipients})`,
  `hard/soft agreement: ${f(score.hardAgreement)} (${score.hardMatches}/${score.matchedRecipients})`,
  unlabelledLine(),
  `facteur: ${rate.toFixed(0)} messages/s (parse only, ${rounds} rounds in one process)`,
];
if (sisimai === null) {
  lines.push('sisimai: skipped, perl cannot load Sisimai (apt-get install libsisimai-perl to compare)');
} else {
  const sisimaiRate = sisimai.seconds > 0 ? files.length / sisimai.seconds : 0;
  lines.push(
    `sisimai ${sisimai.version}: ${sisimaiRate.toFixed(0)} messages/s (Sisimai->make only, 1 round, same files)`,
    `speed ratio: facteur is ${(rate / sisimaiRate).toFixed(1)}x Sisimai's rate (goal >= 5x)`,
  );
  // Live labels in expected.jsonl's shape; where Sisimai finds nothing outside not/, it could not read the
  // bounce, so the file is unlabelled as the corpus README does it.
  const live = expected.map((line) => {
    const recipients = sisimai.byFile.get(line.file) ?? [];
    const unreadable = recipients.length === 0 && !line.file.startsWith('not/');
    return JSON.stringify({ file: line.file, recipients, ...(unreadable ? { unlabelled: true } : {}) });
  });
  const liveScore = scoreBounceCorpus({ expectedJsonl: live.join('\n'), message });
  const same = expected.filter(
    (line) => labelKey(line.recipients) === labelKey(sisimai.byFile.get(line.file) ?? []),
  ).length;
  lines.push(
    `facteur vs sisimai live: recipients precision ${f(liveScore.precision)}  recall ${f(liveScore.recall)}  reason ${f(liveScore.reasonAgreement)}  hard/soft ${f(liveScore.hardAgreement)}  (${liveScore.scoredMessages} files Sisimai could read)`,
    `sisimai live vs expected.jsonl: ${same}/${expected.length} files with the same recipients, reasons and hard/soft`,
  );
}
const failures = process.env.BENCH_VERBOSE === '1' ? score.failures : score.failures.slice(0, 40);
process.stdout.write(`${lines.join('\n')}\n\nfailures (${score.failures.length}):\n${failures.join('\n')}\n`);
