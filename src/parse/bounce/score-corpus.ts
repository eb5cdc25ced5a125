import { parseBounce } from './parse-bounce.js';

/** One line of the corpus's expected.jsonl (fields the score uses). */
interface ExpectedLine {
  file: string;
  unlabelled?: boolean;
  recipients: { address: string; reason: string; hardbounce: boolean }[];
}

/** Scores of parseBounce() against a corpus, by the corpus README's convention. */
export interface CorpusScore {
  messages: number;
  scoredMessages: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  precision: number;
  recall: number;
  emptyExpected: number;
  emptyCorrect: number;
  matchedRecipients: number;
  reasonMatches: number;
  hardMatches: number;
  reasonAgreement: number;
  hardAgreement: number;
  failures: string[];
}

/** The corpus as the caller read it: expected.jsonl's text and a reader for each message by its `file`. */
export interface CorpusInput {
  expectedJsonl: string;
  message: (file: string) => Buffer;
}

/** Parses expected.jsonl into its lines. */
export function parseExpectedJsonl(text: string): ExpectedLine[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as ExpectedLine);
}

/**
 * Scores parseBounce() against a labelled corpus by the convention of the corpus README (addresses
 * case-insensitive, unlabelled files skipped, reasons and hard/soft on the matched recipients). Pure: the
 * bench and the corpus test read the files and share this one scoring.
 */
export function scoreBounceCorpus(input: CorpusInput): CorpusScore {
  const expected = parseExpectedJsonl(input.expectedJsonl);
  const s: CorpusScore = {
    messages: expected.length,
    scoredMessages: 0,
    truePositives: 0,
    falsePositives: 0,
    falseNegatives: 0,
    precision: 0,
    recall: 0,
    emptyExpected: 0,
    emptyCorrect: 0,
    matchedRecipients: 0,
    reasonMatches: 0,
    hardMatches: 0,
    reasonAgreement: 0,
    hardAgreement: 0,
    failures: [],
  };
  for (const want of expected) {
    const report = parseBounce(input.message(want.file));
    // Sisimai leaves delivered (2.X.X) results out by default; so does the score.
    const got = report.recipients.filter((r) => r.reason !== 'delivered');
    if (want.unlabelled === true) continue;
    s.scoredMessages += 1;
    const wantMap = new Map(want.recipients.map((r) => [r.address.toLowerCase().replace(/[<>]/g, ''), r]));
    if (want.recipients.length === 0) {
      s.emptyExpected += 1;
      if (got.length === 0) s.emptyCorrect += 1;
    }
    const seen = new Set<string>();
    for (const r of got) {
      const address = r.address.toLowerCase();
      const w = wantMap.get(address);
      if (w === undefined || seen.has(address)) {
        s.falsePositives += 1;
        s.failures.push(`${want.file}: unexpected recipient ${address} (${r.reason})`);
        continue;
      }
      seen.add(address);
      s.truePositives += 1;
      s.matchedRecipients += 1;
      if (w.reason === r.reason) s.reasonMatches += 1;
      else
        s.failures.push(
          `${want.file}: ${address} reason ${r.reason}, expected ${w.reason} [${r.status ?? ''}|${r.smtpCommand ?? ''}] ${(r.diagnostic ?? '').slice(0, 140)}`,
        );
      if (w.hardbounce === r.hardbounce) s.hardMatches += 1;
    }
    for (const address of wantMap.keys())
      if (!seen.has(address)) {
        s.falseNegatives += 1;
        s.failures.push(`${want.file}: missed ${address} (kind ${report.kind})`);
      }
  }
  const ratio = (a: number, b: number): number => (b === 0 ? 1 : a / b);
  s.precision = ratio(s.truePositives, s.truePositives + s.falsePositives);
  s.recall = ratio(s.truePositives, s.truePositives + s.falseNegatives);
  s.reasonAgreement = ratio(s.reasonMatches, s.matchedRecipients);
  s.hardAgreement = ratio(s.hardMatches, s.matchedRecipients);
  return s;
}
