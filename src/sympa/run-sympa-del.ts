import { spawn } from 'node:child_process';
import { InputError } from '../errors.js';
import { isMemberAddress } from './read-member-dump.js';

/**
 * What became of one address:
 * - `planned`: a dry run; `sympa del` would be given it;
 * - `removed`: Sympa reported it removed (a `notice` line naming it);
 * - `refused`: Sympa reported an error for it, `message` says which (not a member, list closed…);
 * - `unknown`: Sympa said nothing about it; check with `sympa review`;
 * - `invalid`: not an address Sympa can take, so it was never sent.
 */
export type SympaDelOutcome = 'planned' | 'removed' | 'refused' | 'unknown' | 'invalid';

/** One address and what happened to it. */
export interface SympaDelAddressResult {
  address: string;
  outcome: SympaDelOutcome;
  /** Sympa's own line about the address, in Sympa's language, when it printed one. */
  message: string | null;
}

/** What `runSympaDel` did, address by address, with the exact command so a person can repeat it. */
export interface SympaDelResult {
  list: string;
  isDryRun: boolean;
  /** The argv run (or that would run), with no shell between. */
  command: string[];
  /** What was (or would be) written to the command's stdin: one address per line. */
  input: string;
  /** The command's exit status; null in a dry run. Sympa exits 1 when any address failed. */
  exitCode: number | null;
  results: SympaDelAddressResult[];
  /** Set when the run was stopped before Sympa finished: the addresses it said nothing of may or may not be gone. */
  stopped: { reason: 'interrupted' } | null;
}

/** How to run Sympa: the command (argv, e.g. `['sudo', '-u', 'sympa', '/usr/sbin/sympa']`) and whether to only plan. */
export interface SympaDelOptions {
  sympaCommand?: string | readonly string[];
  /** The sympa.conf the members were read from, given to Sympa as `--config`, so both name the same Sympa. */
  sympaConf?: string;
  dryRun: boolean;
  /**
   * Stops Sympa (SIGINT, as Ctrl-C in a terminal does, which also reaches Sympa itself); what it reported until then
   * is kept, the rest stays `unknown`.
   */
  signal?: AbortSignal;
  /**
   * Hears the command and the addresses given to it just before Sympa starts, so that the caller can record its
   * intent first: a crash between Sympa's removals and the caller's record of them then leaves a trace.
   */
  onStart?: (command: readonly string[], addresses: readonly string[]) => void;
}

/** A list as `sympa del` takes it on its command line: `name@domain`; no leading dash, so never an option. */
const LIST = /^[^\s@-][^\s@]*@[^\s@]+$/;

/** Sympa's CLI reports each request on stderr as `<action> [<type>] <message>` (Sympa::CLI::_report). */
const REPORT = /^del \[(\w+)\] (.*)$/;

/**
 * The most output kept from Sympa: a report line per address is about 100 bytes, so 64 MiB covers half a million
 * addresses and still bounds memory if Sympa loops on a warning.
 */
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

/**
 * Tells whether `sympa del` reads a line holding `address` as that address: del.pm skips a line starting with "#" and
 * keeps only its first word, so such an address is skipped without a word, or could name someone else.
 */
export function isSympaDelAddress(address: string): boolean {
  return isMemberAddress(address) && !address.startsWith('#');
}

/**
 * Unsubscribes addresses from a Sympa list the way its admins do: `sympa del --quiet list@domain` with one address
 * per line on stdin (Sympa 6.2.67b.2 and later), run directly without a shell, members not told. A dry run runs
 * nothing. Outcomes are read from Sympa's per-address report lines, by the address they name, so they do not depend
 * on the language Sympa speaks.
 */
export async function runSympaDel(
  list: string,
  addresses: Iterable<string>,
  options: SympaDelOptions,
): Promise<SympaDelResult> {
  if (!LIST.test(list))
    throw new InputError({
      en: `Cannot run sympa del: list "${list}" is not "name@domain"`,
      fr: `Impossible d’exécuter sympa del : la liste « ${list} » n’est pas de la forme « nom@domaine »`,
    });
  const base =
    options.sympaCommand === undefined
      ? ['sympa']
      : typeof options.sympaCommand === 'string'
        ? [options.sympaCommand]
        : [...options.sympaCommand];
  const command = [
    ...base,
    'del',
    ...(options.sympaConf === undefined ? [] : [`--config=${options.sympaConf}`]),
    '--quiet',
    list,
  ];
  const results: SympaDelAddressResult[] = [];
  const seen = new Set<string>();
  const sent: string[] = [];
  for (const raw of addresses) {
    const address = raw.trim();
    // Sympa compares addresses lowercased (Tools::Text::canonic_email): one line per member is enough.
    const key = address.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    if (!isSympaDelAddress(address)) {
      results.push({ address: raw, outcome: 'invalid', message: null });
      continue;
    }
    sent.push(address);
    results.push({ address, outcome: options.dryRun ? 'planned' : 'unknown', message: null });
  }
  const input = sent.map((address) => `${address}\n`).join('');
  if (options.dryRun || sent.length === 0) {
    return { list, isDryRun: options.dryRun, command, input, exitCode: null, results, stopped: null };
  }
  if (options.signal?.aborted === true)
    return { list, isDryRun: false, command, input, exitCode: null, results, stopped: { reason: 'interrupted' } };
  options.onStart?.(command, sent);
  const { exitCode, stderr, stopped } = await run(command, input, options.signal);
  const reports = stderr.split(/\r?\n/).flatMap((line) => {
    const match = REPORT.exec(line);
    return match === null ? [] : [{ type: match[1] ?? '', message: match[2] ?? '', line }];
  });
  if (reports.length === 0 && exitCode !== 0 && !stopped) {
    const said = stderr.trim().split('\n').at(-1) ?? '';
    throw new InputError(
      {
        en: `Cannot run sympa del on "${list}": exit ${exitCode ?? 'by signal'}, "${said}"`,
        fr: `Impossible d’exécuter sympa del sur « ${list} » : ${exitCode === null ? 'arrêt par un signal' : `code de sortie ${exitCode}`}, « ${said} »`,
      },
      { list },
    );
  }
  const byAddress = new Map(results.filter((r) => r.outcome === 'unknown').map((r) => [r.address.toLowerCase(), r]));
  for (const report of reports) {
    for (const token of report.message.split(/\s+/)) {
      const result = byAddress.get(token.replace(/^[<"'(]+|[>"'.,;:)]+$/g, '').toLowerCase());
      if (result === undefined) continue;
      result.outcome = report.type === 'notice' ? 'removed' : 'refused';
      result.message = report.message;
    }
  }
  return {
    list,
    isDryRun: false,
    command,
    input,
    exitCode,
    results,
    stopped: stopped ? { reason: 'interrupted' } : null,
  };
}

/**
 * Runs Sympa in facteur's process group, so that `sudo` in the command can still ask for a password on the terminal;
 * `stopped` says `signal` was aborted while Sympa ran: it may not have finished.
 */
async function run(
  command: string[],
  input: string,
  signal: AbortSignal | undefined,
): Promise<{ exitCode: number | null; stderr: string; stopped: boolean }> {
  const [file, ...args] = command;
  if (file === undefined)
    throw new InputError({
      en: 'Cannot run sympa del: the Sympa command is empty',
      fr: 'Impossible d’exécuter sympa del : la commande Sympa est vide',
    });
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['pipe', 'ignore', 'pipe'], shell: false });
    const stop = (): void => {
      child.kill('SIGINT');
    };
    signal?.addEventListener('abort', stop, { once: true });
    const chunks: Buffer[] = [];
    let size = 0;
    child.stderr.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_OUTPUT_BYTES) chunks.push(chunk);
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      const detail = error.code ?? error.message;
      reject(
        new InputError(
          {
            en: `Cannot run sympa command "${file}": ${detail}`,
            fr: `Impossible d’exécuter la commande Sympa « ${file} » : ${detail}`,
          },
          {},
          'ECONFIG',
        ),
      );
    });
    // Sympa reads all of stdin before it starts; an early exit (unknown list) closes the pipe: that is not ours.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
    child.on('close', (code, killedBy) => {
      signal?.removeEventListener('abort', stop);
      // Ctrl-C on a terminal reaches Sympa with facteur, and its end may be heard before facteur hears the signal:
      // Sympa ended by SIGINT (or a shell around it, exiting 130) was stopped all the same.
      const isStopped = signal?.aborted === true || killedBy === 'SIGINT' || code === 130;
      resolve({ exitCode: code, stderr: Buffer.concat(chunks).toString('utf8'), stopped: isStopped });
    });
  });
}
