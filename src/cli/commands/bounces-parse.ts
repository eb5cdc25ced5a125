import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { parseBounce } from '../../parse/bounce/parse-bounce.js';
import type { BounceReport } from '../../parse/bounce/parse-bounce.js';

/** One parsed file, or the reason it could not be read. */
export type ParsedFile = { file: string; report: BounceReport } | { file: string; error: string };

/** Reads and parses each file; an unreadable file is reported, the others are still parsed. */
export async function parseBounceFiles(files: readonly string[]): Promise<ParsedFile[]> {
  const results: ParsedFile[] = [];
  for (const file of files) {
    try {
      results.push({ file, report: parseBounce(await readFile(file)) });
    } catch (error) {
      const reason = error instanceof Error && 'code' in error ? String(error.code) : String(error);
      results.push({ file, error: `Cannot read bounce file "${file}": ${reason}` });
    }
  }
  return results;
}

/** Adds `bounces parse <files...> [--jsonl]` to the `bounces` command group. */
export function registerBouncesParse(bounces: Command): void {
  bounces
    .command('parse')
    .description('Parse bounce messages and classify each failed recipient (Sisimai reason names)')
    .argument('<files...>', 'message files (.eml, one message each)')
    .option('--jsonl', 'one JSON line per file: {"file", "kind", "recipients"}')
    .action(async (files: string[], options: { jsonl?: boolean }) => {
      let failed = false;
      for (const result of await parseBounceFiles(files)) {
        if ('error' in result) {
          failed = true;
          process.stderr.write(`facteur: ${result.error}\n`);
          continue;
        }
        const { file, report } = result;
        if (options.jsonl === true) {
          process.stdout.write(JSON.stringify({ file, kind: report.kind, recipients: report.recipients }) + '\n');
          continue;
        }
        const lines = report.recipients.map(
          (r) => `  ${r.address}  ${r.reason}  ${r.status ?? '-'}  ${r.hardbounce ? 'hard' : 'soft'}`,
        );
        process.stdout.write([`${file}: ${report.kind}`, ...lines].join('\n') + '\n');
      }
      // Exit 2 (input error) only after every readable file was parsed.
      if (failed) process.exitCode = 2;
    });
}
