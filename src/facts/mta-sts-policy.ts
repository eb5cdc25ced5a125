import { request } from 'node:https';
import { isIP } from 'node:net';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import type { GatherContext } from '../checks/types.js';
import { lookup, txtTexts } from '../dns/types.js';
import { socketErrorReason } from '../connection-failure.js';
import { InputError } from '../errors.js';
import { fillText, type Text } from '../i18n.js';
import { printableLine, type Trace } from '../trace.js';
import { isMtaStsCandidate } from '../parse/parse-mta-sts-record.js';
import { MAX_MTA_STS_POLICY_BYTES, parseMtaStsPolicy, type MtaStsPolicy } from '../parse/parse-mta-sts-policy.js';
import { mxExchanges, resolveAddresses } from './mx.js';

/** What fetching the policy at `https://mta-sts.<domain>/.well-known/mta-sts.txt` gave (RFC 8461 3.3). */
export type MtaStsFetchOutcome =
  /** `certificateValidTo`: the end of the certificate the policy host served, as OpenSSL writes it; null if none. */
  | { status: 'fetched'; policy: MtaStsPolicy; certificateValidTo: string | null }
  | { status: 'unreachable'; reason: string }
  | { status: 'invalid'; reason: string }
  /**
   * A timeout: the server may be fine, so the check answers unknown (never cry wolf). Its reason is the undecided
   * part's, read in every language; the others are evidence, in English.
   */
  | { status: 'unknown'; reason: Text };

/** The MTA-STS policy of a domain, or why there is none to judge. */
export type MtaStsPolicyFact =
  | { status: 'no_record' }
  | { status: 'checked'; url: string; outcome: MtaStsFetchOutcome; mx: string[] };

declare module './fact-map.js' {
  interface FactMap {
    mtaStsPolicy: MtaStsPolicyFact;
  }
}

/** Knobs of the fetch: the run's signal, and for tests a CA for a self-signed server, its port and its address. */
export interface MtaStsFetchOptions {
  ca?: string | Buffer;
  port?: number;
  hostOverride?: string;
  timeoutMs?: number;
  /** Gives the fetch up (outcome unknown): the run was stopped and its grace is over. */
  signal?: AbortSignal;
  /** Hears the fetch, one line: the request, the server's status and content type, the outcome (`--verbose`). */
  trace?: Trace;
}

/**
 * Errors that say the network between the prober and the server failed, not what the server serves: the policy may
 * be fine, so they leave the check undecided. A refused connection, an untrusted certificate or an HTTP status is
 * what every sender meets, and stays a finding.
 */
const NETWORK_ERRORS = new Set(['ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EPIPE', 'ECONNABORTED']);

/** The outcome of a failed request: unknown when the network failed, else unreachable. */
function failedFetch(error: NodeJS.ErrnoException): MtaStsFetchOutcome {
  return NETWORK_ERRORS.has(error.code ?? '')
    ? { status: 'unknown', reason: socketErrorReason(error) }
    : { status: 'unreachable', reason: error.message };
}

/** Why a fetch was given up, as the undecided part says it. */
const FETCH_TEXTS = {
  slow: { en: 'no complete answer within {ms} ms', fr: 'pas de réponse complète en {ms} ms' },
  stopped: { en: 'run stopped', fr: 'passage arrêté' },
} satisfies Record<string, Text>;

/** Where a policy is served (RFC 8461 3.3). */
const POLICY_PATH = '/.well-known/mta-sts.txt';

/** The fetch's `--verbose` line: `head` (the request and the server's status), then the outcome and the time it took. */
function fetchTraceLine(head: string, outcome: MtaStsFetchOutcome, startedAt: number): string | Text {
  const ms = `${Math.round(performance.now() - startedAt)}ms`;
  switch (outcome.status) {
    case 'fetched': {
      const { policy } = outcome;
      return `${head} fetched ${ms}: mode ${policy.mode}, max_age ${policy.maxAge}, mx ${policy.mx.join(' ')}`;
    }
    case 'unknown':
      return {
        en: `${head} unknown ${ms}: ${outcome.reason.en}`,
        fr: `${head} unknown ${ms} : ${outcome.reason.fr}`,
      };
    default:
      return {
        en: `${head} ${outcome.status} ${ms}: ${outcome.reason}`,
        fr: `${head} ${outcome.status} ${ms} : ${outcome.reason}`,
      };
  }
}

/** The whole fetch is bounded: RFC 8461 3.3 leaves the value to senders; 15 s is generous for a static text file. */
const FETCH_TIMEOUT_MS = 15_000;

/** Fetches and parses a domain's MTA-STS policy over verified HTTPS, following no redirect (RFC 8461 3.3). */
export function fetchMtaStsPolicy(domain: string, options: MtaStsFetchOptions = {}): Promise<MtaStsFetchOutcome> {
  const host = `mta-sts.${domain}`;
  const timeoutMs = options.timeoutMs ?? FETCH_TIMEOUT_MS;
  const { trace } = options;
  const started = trace === undefined ? 0 : performance.now();
  const port = options.port ?? 443;
  /** What the server answered, for the trace: its status line's code and the content type. */
  let answered = '';
  let isSettled = false;
  return new Promise((settle) => {
    const resolve = (outcome: MtaStsFetchOutcome): void => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', abort);
      // A response erroring after an outcome (a body cut off once it was too large) tells the trace nothing more.
      if (trace !== undefined && !isSettled) {
        const server = options.hostOverride ?? host;
        const where = `${isIP(server) === 6 ? `[${server}]` : server}:${port}`;
        const line = fetchTraceLine(
          `https GET https://${host}${POLICY_PATH} @${where}${answered} ->`,
          outcome,
          started,
        );
        trace(printableLine(line));
      }
      isSettled = true;
      settle(outcome);
    };
    // The bound covers the whole fetch: a socket timeout alone restarts with every byte, so a server dripping its
    // answer would hold the run for as long as it likes.
    const timer = setTimeout(() => {
      resolve({ status: 'unknown', reason: fillText(FETCH_TEXTS.slow, { ms: timeoutMs }) });
      req.destroy();
    }, timeoutMs);
    const req = request(
      {
        host: options.hostOverride ?? host,
        servername: host,
        headers: { host },
        port,
        path: POLICY_PATH,
        ...(options.ca === undefined ? {} : { ca: options.ca }),
        agent: false,
      },
      (response) => {
        const status = response.statusCode ?? 0;
        // Read while the connection is open: agent false closes it with the response.
        const { valid_to: validTo } = (response.socket as TLSSocket).getPeerCertificate() as Partial<PeerCertificate>;
        if (trace !== undefined) answered = ` HTTP ${status} "${response.headers['content-type'] ?? ''}"`;
        // RFC 8461 3.3: senders must not follow redirects; anything but 200 leaves them without a policy.
        if (status !== 200) {
          response.destroy();
          const where = response.headers.location === undefined ? '' : ` to "${response.headers.location}"`;
          resolve({ status: 'unreachable', reason: `HTTP ${status}${where}` });
          return;
        }
        const type = response.headers['content-type'] ?? '';
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_MTA_STS_POLICY_BYTES) {
            response.destroy();
            resolve({ status: 'invalid', reason: `policy larger than ${MAX_MTA_STS_POLICY_BYTES} bytes` });
            return;
          }
          chunks.push(chunk);
        });
        response.on('end', () => {
          // RFC 8461 3.2: the policy is served as text/plain.
          if (!/^text\/plain\b/i.test(type)) {
            resolve({ status: 'invalid', reason: `Content-Type "${type}" is not text/plain` });
            return;
          }
          try {
            resolve({
              status: 'fetched',
              policy: parseMtaStsPolicy(Buffer.concat(chunks).toString('latin1')),
              certificateValidTo: validTo ?? null,
            });
          } catch (error) {
            if (!(error instanceof InputError)) throw error;
            resolve({ status: 'invalid', reason: error.message });
          }
        });
        response.on('error', (error) => {
          resolve(failedFetch(error));
        });
      },
    );
    req.on('error', (error) => {
      resolve(failedFetch(error));
    });
    // A stopped run does not wait out the fetch's bound after its report.
    const abort = (): void => {
      resolve({ status: 'unknown', reason: FETCH_TEXTS.stopped });
      req.destroy();
    };
    if (options.signal?.aborted === true) abort();
    else options.signal?.addEventListener('abort', abort, { once: true });
    req.end();
  });
}

/** Fetches the policy when the domain publishes an `_mta-sts` record (only when probes are on: mta-sts-policy is a probe check). */
export async function gatherMtaStsPolicy(
  context: GatherContext,
  options: MtaStsFetchOptions = {},
): Promise<MtaStsPolicyFact> {
  const answer = await lookup(context.resolver, `_mta-sts.${context.domain}`, 'TXT');
  const records = txtTexts(answer);
  if (!records.some(isMtaStsCandidate)) return { status: 'no_record' };
  const mx = (await mxExchanges(context.resolver, context.domain))
    .map((entry) => entry.exchange)
    .filter((exchange) => exchange !== '');
  const url = `https://mta-sts.${context.domain}/.well-known/mta-sts.txt`;
  // The policy host is resolved through the run's resolver (--resolver, the demo's zone server), not the system's.
  const address =
    options.hostOverride ?? (await resolveAddresses(context.resolver, `mta-sts.${context.domain}`)).addresses[0];
  if (address === undefined)
    return {
      status: 'checked',
      url,
      outcome: { status: 'unreachable', reason: `"mta-sts.${context.domain}" has no address` },
      mx,
    };
  return {
    status: 'checked',
    url,
    outcome: await fetchMtaStsPolicy(context.domain, {
      signal: context.signal,
      ...(context.trace === undefined ? {} : { trace: context.trace }),
      ...options,
      hostOverride: address,
    }),
    mx,
  };
}
