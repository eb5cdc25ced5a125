/**
 * Speed of `facteur bounces fetch` through a real IMAP server: starts a throwaway Dovecot (the test harness's, from
 * ../shared/reference/dovecot-test.conf), appends N bounces (the corpus cycled, each copy made unique by a header so it
 * is a new message, not a duplicate), then fetches them all into a fresh database, recording and moving each.
 * Prints append and fetch rates (messages/s) and the process's peak RSS.
 * Run: npm run build && node dist/bench/fetch.js [--messages 10000] [--batch 100] [--keep-raw]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fetchBounces } from '../src/bounces/fetch-bounces.js';
import { openImapSource } from '../src/bounces/imap-source.js';
import { openDatabase } from '../src/store/database.js';
import { readBounceCorpus, startDovecot } from '../test/integration/helpers/dovecot.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '10000' },
    batch: { type: 'string', default: '100' },
    'keep-raw': { type: 'boolean', default: false },
  },
});
const MESSAGES = Number(values.messages);
const BATCH = Number(values.batch);
/** Parallel APPEND connections: filling the folder is setup, not what is measured, so it may go wide. */
const APPENDERS = 4;

const corpus = readBounceCorpus();
const dovecot = await startDovecot();
const dir = mkdtempSync(join(tmpdir(), 'facteur-bench-fetch-'));
try {
  const appendStart = performance.now();
  const setup = await dovecot.connect();
  await setup.mailboxCreate('bench');
  await setup.logout();
  let next = 0;
  await Promise.all(
    Array.from({ length: APPENDERS }, async () => {
      const client = await dovecot.connect();
      for (let i = next++; i < MESSAGES; i = next++) {
        const source = corpus[i % corpus.length];
        if (source === undefined) throw new Error('The bounce corpus is empty');
        await client.append('bench', Buffer.concat([Buffer.from(`X-Bench-Copy: ${i}\r\n`), source.raw]));
      }
      await client.logout();
    }),
  );
  const appendSeconds = (performance.now() - appendStart) / 1000;

  const db = openDatabase(join(dir, 'bench.sqlite'));
  const rssBefore = process.memoryUsage().rss;
  const fetchStart = performance.now();
  const report = await fetchBounces(
    db,
    [
      openImapSource(
        {
          host: dovecot.host,
          port: dovecot.port,
          security: 'none',
          user: dovecot.user,
          password: dovecot.password,
          folder: 'bench',
          doneFolder: 'bench-done',
          oddFolder: 'bench-odd',
          tlsRejectUnauthorized: true,
        },
        { batchSize: BATCH },
      ),
    ],
    { keepRaw: values['keep-raw'] },
  );
  const fetchSeconds = (performance.now() - fetchStart) / 1000;
  db.close();
  const source = report.sources[0];
  if (source === undefined || !report.complete)
    throw new Error(`Fetch did not complete: ${source?.error ?? 'no source'}`);
  const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
  console.log(
    `bounces fetch through Dovecot ${dovecot.host}:${dovecot.port}, batch ${BATCH}, keepRaw ${values['keep-raw']}`,
  );
  console.log(
    `append:  ${MESSAGES} messages in ${appendSeconds.toFixed(1)} s = ${(MESSAGES / appendSeconds).toFixed(0)} messages/s (${APPENDERS} connections, setup)`,
  );
  console.log(
    `fetch:   ${source.recorded} recorded (${source.events} events, ${source.odd} set aside), ${source.settled.moved} moved in ${fetchSeconds.toFixed(1)} s = ${(source.seen / fetchSeconds).toFixed(0)} messages/s`,
  );
  console.log(
    `memory:  peak RSS ${mib(process.resourceUsage().maxRSS * 1024)} MiB for the whole process (RSS ${mib(rssBefore)} MiB before fetching)`,
  );
} finally {
  await dovecot.destroy();
  rmSync(dir, { recursive: true, force: true });
}
