import { randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import dns from 'node:dns';
import { isIP } from 'node:net';
import net from 'node:net';
import dnsPacket, { type DecodedPacket } from 'dns-packet';
import { socketErrorReason } from '../connection-failure.js';
import { InputError } from '../errors.js';
import { fillText, type Text } from '../i18n.js';
import type { Trace } from '../trace.js';
import { CNAME_DETAILS, normalizeName } from './memory-resolver.js';
import { ednsOpt, fromPacketAnswer } from './packet-records.js';
import { canonicalIPv6 } from './parse-zone-file.js';
import type { DnsAnswer, DnsFailure, DnsRecord, DnsResolver, Fact, QueryOptions, RrType } from './types.js';

export interface DnsServerAddress {
  host: string;
  port: number;
}

export interface NetworkResolverOptions {
  /** `HOST`, `HOST:PORT` or `[IPv6]:PORT`, IP literals only; default: the system's servers (/etc/resolv.conf). */
  servers?: string[];
  /** How long one attempt waits for a reply, in milliseconds (default 2000). */
  timeoutMs?: number;
  /** Attempts after the first, each on the next server (default 2). */
  retries?: number;
  /** Questions on the wire at once; more wait their turn (default 64). */
  maxInFlight?: number;
  /** Told of each exchange with a server and its outcome (`--verbose`). */
  trace?: Trace;
}

export interface NetworkResolverStats {
  /** query() calls. */
  queries: number;
  /** Datagrams and TCP exchanges sent, retries included. */
  packets: number;
  /** Exchanges done over TCP after a truncated UDP reply. */
  tcp: number;
  /** Replies that answered a question (NOERROR or NXDOMAIN): none at all means no server was there to ask. */
  answered: number;
}

export interface NetworkResolver extends DnsResolver {
  stats(): NetworkResolverStats;
  /** Closes the sockets; pending queries fail with `network`. */
  close(): Promise<void>;
}

const MAX_CNAME_CHAIN = 16;

/**
 * How long a question holds its turn on the wire (see withTurn): a resolver answers most within it, from its cache or
 * after a few round trips to a domain's servers. Those it does not give their turns up one by one as they age, so the
 * replies that do come back late never arrive in a burst, and a run goes on at maxInFlight questions per TURN_MS at
 * the least however many are lost.
 */
const TURN_MS = 200;

/** dns-packet decodes the RCODE but its type definitions leave it out. */
type ReplyPacket = DecodedPacket & { rcode?: string };

type Exchange = { ok: true; packet: ReplyPacket } | { ok: false; error: DnsFailure; detail: Text };

/** Why an exchange gave no answer, as a lookup's reason carries it: the server and what it did. */
const DETAILS = {
  closed: { en: 'resolver closed', fr: 'résolveur fermé' },
  noAttempt: { en: 'no attempt made', fr: 'aucune tentative faite' },
  noReply: { en: 'no reply from {server} within {ms} ms', fr: 'pas de réponse de {server} en {ms} ms' },
  noTcpReply: { en: 'no TCP reply from {server} within {ms} ms', fr: 'pas de réponse TCP de {server} en {ms} ms' },
  tcpFailed: {
    en: 'TCP to {server} after a truncated reply: {error}',
    fr: 'TCP vers {server} après une réponse tronquée : {error}',
  },
  undecodable: { en: 'undecodable TCP reply: {error}', fr: 'réponse TCP indécodable : {error}' },
  wrongId: { en: 'TCP reply with ID {id} instead of {expected}', fr: 'réponse TCP d’ID {id} au lieu de {expected}' },
  closedEarly: {
    en: 'TCP connection to {server} closed before a reply, after a truncated one over UDP',
    fr: 'connexion TCP à {server} fermée avant toute réponse, après une réponse UDP tronquée',
  },
  answered: { en: '{server} answered {rcode}', fr: '{server} a répondu {rcode}' },
} satisfies Record<string, Text>;

function serverName(server: DnsServerAddress): string {
  return `${server.host}:${server.port}`;
}

/** How one exchange went on the wire: UDP with EDNS0, UDP without it after a FORMERR, or TCP after truncation. */
type Transport = 'udp' | 'udp-noedns' | 'tcp';

/**
 * One `--verbose` line for an exchange: `dns example.org MX @127.0.0.1:53 udp -> NOERROR answers=2 3ms`; a failure
 * says why in the reader's language.
 */
function exchangeTraceLine(
  question: { name: string; type: RrType; cd: boolean; server: DnsServerAddress; transport: Transport },
  result: Exchange,
  elapsedMs: number,
): string | Text {
  const head = `dns ${question.name} ${question.type}${question.cd ? ' +cd' : ''} @${serverName(question.server)} ${question.transport}`;
  const ms = `${Math.round(elapsedMs)}ms`;
  if (result.ok) {
    const { rcode = 'NOERROR', answers = [], flag_tc: isTruncated } = result.packet;
    return `${head} -> ${rcode} answers=${answers.length}${isTruncated ? ' truncated' : ''} ${ms}`;
  }
  return {
    en: `${head} -> ${result.error} ${ms}: ${result.detail.en}`,
    fr: `${head} -> ${result.error} ${ms} : ${result.detail.fr}`,
  };
}

interface Pending {
  server: DnsServerAddress;
  name: string;
  type: RrType;
  settle: (result: Exchange) => void;
}

/** Reads `HOST`, `HOST:PORT`, `[IPv6]:PORT` or a bare IPv6 address. */
export function parseServerAddress(text: string): DnsServerAddress {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  let host: string;
  let port = 53;
  if (bracketed) {
    host = bracketed[1] as string;
    if (bracketed[2] !== undefined) port = Number(bracketed[2]);
  } else if (isIP(text) === 6) {
    host = text;
  } else {
    const [h = '', p] = text.split(':');
    host = h;
    if (p !== undefined) port = /^\d+$/.test(p) ? Number(p) : Number.NaN;
  }
  if (isIP(host) === 0)
    throw new InputError({
      en: `Use an IP address for DNS server "${text}": "${host}" is not one`,
      fr: `Utilisez une adresse IP pour le serveur DNS « ${text} » : « ${host} » n’en est pas une`,
    });
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    throw new InputError({
      en: `Use a port from 1 to 65535 for DNS server "${text}"`,
      fr: `Utilisez un port de 1 à 65535 pour le serveur DNS « ${text} »`,
    });
  // Replies are matched on their source address, which node writes in the RFC 5952 form.
  return { host: isIP(host) === 6 ? canonicalIPv6(host) : host, port };
}

function sameServer(a: DnsServerAddress, b: { address: string; port: number }): boolean {
  return a.port === b.port && a.host.toLowerCase() === b.address.toLowerCase();
}

function failureOfRcode(rcode: string): DnsFailure {
  switch (rcode) {
    case 'REFUSED':
      return 'refused';
    case 'FORMERR':
      return 'formerr';
    default:
      // SERVFAIL, NOTIMP and codes a resolver should never send: the name's state is unknown.
      return 'servfail';
  }
}

/**
 * A DnsResolver asking recursive servers over UDP (TCP when the reply is truncated), with EDNS0 and the DO bit
 * so the server's AD flag can be read (RFC 6840 section 5.7). One socket per address family serves every query;
 * replies are matched on ID, source and question, so a stray or spoofed datagram is dropped (RFC 5452 section 4.3).
 */
export function createNetworkResolver(options: NetworkResolverOptions = {}): NetworkResolver {
  const serverTexts = options.servers ?? dns.getServers();
  if (serverTexts.length === 0)
    throw new InputError({
      en: 'Cannot find a DNS resolver: none is configured in /etc/resolv.conf; give one with --resolver',
      fr: 'Impossible de trouver un résolveur DNS : aucun n’est configuré dans /etc/resolv.conf ; donnez-en un avec --resolver',
    });
  const servers = serverTexts.map(parseServerAddress);
  const timeoutMs = options.timeoutMs ?? 2000;
  const retries = options.retries ?? 2;
  const maxInFlight = options.maxInFlight ?? 64;
  const { trace } = options;
  let inFlight = 0;
  const waitingTurn: (() => void)[] = [];
  const pending = new Map<number, Pending>();
  const sockets = new Map<4 | 6, dgram.Socket>();
  const counters: NetworkResolverStats = { queries: 0, packets: 0, tcp: 0, answered: 0 };
  let rotation = 0;
  let closed = false;

  const socketFor = (family: 4 | 6): dgram.Socket => {
    let socket = sockets.get(family);
    if (socket !== undefined) return socket;
    socket = dgram.createSocket(family === 4 ? 'udp4' : 'udp6');
    socket.on('message', (message, remote) => {
      let packet: ReplyPacket;
      try {
        packet = dnsPacket.decode(message);
      } catch {
        return;
      }
      const waiting = packet.id === undefined ? undefined : pending.get(packet.id);
      const question = packet.questions?.[0];
      if (
        waiting === undefined ||
        packet.type !== 'response' ||
        !sameServer(waiting.server, remote) ||
        question === undefined ||
        normalizeName(question.name) !== waiting.name ||
        question.type !== waiting.type
      )
        return;
      waiting.settle({ ok: true, packet });
    });
    socket.on('error', (error) => {
      for (const waiting of pending.values())
        waiting.settle({ ok: false, error: 'network', detail: socketErrorReason(error) });
    });
    // The socket alone must not keep the process alive; pending queries hold their timers.
    socket.unref();
    sockets.set(family, socket);
    return socket;
  };

  const freshId = (): number => {
    for (;;) {
      const id = randomInt(0, 65_536);
      if (!pending.has(id)) return id;
    }
  };

  const buildQuery = (id: number, name: string, type: RrType, edns: boolean, cd: boolean): dnsPacket.Packet => ({
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED | dnsPacket.AUTHENTIC_DATA | (cd ? dnsPacket.CHECKING_DISABLED : 0),
    questions: [{ type, name, class: 'IN' }],
    additionals: edns ? [ednsOpt(true)] : [],
  });

  /**
   * Holds a question until fewer than maxInFlight are on the wire: a burst of hundreds of datagrams overflows
   * socket receive buffers (ours or the server's) and every dropped one costs a full timeout. A question still
   * unanswered after TURN_MS waits on for its reply but gives its turn to the next: the servers of a dead domain never
   * answer, and their questions holding the turns for whole timeouts would stall every other domain of the run.
   */
  const withTurn = async <T>(exchange: () => Promise<T>): Promise<T> => {
    if (inFlight >= maxInFlight)
      await new Promise<void>((resolve) => {
        waitingTurn.push(resolve);
      });
    else inFlight++;
    let isHolding = true;
    const release = (): void => {
      if (!isHolding) return;
      isHolding = false;
      const next = waitingTurn.shift();
      if (next === undefined) inFlight--;
      else next();
    };
    const turn = setTimeout(release, TURN_MS);
    try {
      return await exchange();
    } finally {
      clearTimeout(turn);
      release();
    }
  };

  /**
   * Datagrams wait for the end of the current event-loop turn and leave together: each reply handled tends to release
   * one query, and sent one by one they would wake an idle server once each (a costly cross-CPU wakeup on a VM).
   */
  const outbox: {
    socket: dgram.Socket;
    packet: Buffer;
    server: DnsServerAddress;
    settle: (result: Exchange) => void;
  }[] = [];
  const flush = (): void => {
    const batch = outbox.splice(0);
    // close() has already failed every pending query, and a closed socket throws on send.
    if (closed) return;
    for (const { socket, packet, server, settle } of batch)
      socket.send(packet, server.port, server.host, (error) => {
        if (error) settle({ ok: false, error: 'network', detail: socketErrorReason(error) });
      });
  };

  const exchangeUdp = (
    server: DnsServerAddress,
    name: string,
    type: RrType,
    edns: boolean,
    cd: boolean,
  ): Promise<Exchange> =>
    new Promise((resolve) => {
      if (closed) {
        resolve({ ok: false, error: 'network', detail: DETAILS.closed });
        return;
      }
      const id = freshId();
      const timer = setTimeout(() => {
        settle({
          ok: false,
          error: 'timeout',
          detail: fillText(DETAILS.noReply, { server: serverName(server), ms: timeoutMs }),
        });
      }, timeoutMs);
      const settle = (result: Exchange): void => {
        if (pending.get(id)?.settle !== settle) return;
        pending.delete(id);
        clearTimeout(timer);
        resolve(result);
      };
      pending.set(id, { server, name, type, settle });
      counters.packets++;
      outbox.push({
        socket: socketFor(isIP(server.host) === 6 ? 6 : 4),
        packet: dnsPacket.encode(buildQuery(id, name, type, edns, cd)),
        server,
        settle,
      });
      if (outbox.length === 1) setImmediate(flush);
    });

  const exchangeTcp = (server: DnsServerAddress, name: string, type: RrType, cd: boolean): Promise<Exchange> =>
    new Promise((resolve) => {
      const id = freshId();
      let buffer = Buffer.alloc(0);
      let done = false;
      const socket = net.connect({ host: server.host, port: server.port });
      const finish = (result: Exchange): void => {
        if (done) return;
        done = true;
        socket.destroy();
        resolve(result);
      };
      socket.setTimeout(timeoutMs, () => {
        finish({
          ok: false,
          error: 'timeout',
          detail: fillText(DETAILS.noTcpReply, { server: serverName(server), ms: timeoutMs }),
        });
      });
      // Only a truncated UDP reply leads here: a TCP failure leaves the answer cut short.
      socket.on('error', (error) => {
        finish({
          ok: false,
          error: 'truncated',
          detail: fillText(DETAILS.tcpFailed, { server: serverName(server), error: socketErrorReason(error) }),
        });
      });
      socket.on('connect', () => {
        counters.packets++;
        counters.tcp++;
        socket.write(dnsPacket.streamEncode(buildQuery(id, name, type, true, cd)));
      });
      socket.on('data', (chunk) => {
        buffer = Buffer.concat([buffer, chunk]);
        if (buffer.length < 2 || buffer.length < 2 + buffer.readUInt16BE(0)) return;
        let packet: ReplyPacket;
        try {
          packet = dnsPacket.decode(buffer.subarray(2, 2 + buffer.readUInt16BE(0)));
        } catch (error) {
          finish({
            ok: false,
            error: 'formerr',
            detail: fillText(DETAILS.undecodable, { error: (error as Error).message }),
          });
          return;
        }
        if (packet.id !== id) {
          finish({
            ok: false,
            error: 'network',
            detail: fillText(DETAILS.wrongId, { id: packet.id ?? '?', expected: id }),
          });
          return;
        }
        finish({ ok: true, packet });
      });
      socket.on('end', () => {
        finish({
          ok: false,
          error: 'truncated',
          detail: fillText(DETAILS.closedEarly, { server: serverName(server) }),
        });
      });
    });

  /** One exchange over `transport`, told to the trace with its outcome and duration when there is one. */
  const exchange = (
    transport: Transport,
    server: DnsServerAddress,
    name: string,
    type: RrType,
    cd: boolean,
  ): Promise<Exchange> => {
    const started = trace === undefined ? 0 : performance.now();
    const sent =
      transport === 'tcp'
        ? exchangeTcp(server, name, type, cd)
        : exchangeUdp(server, name, type, transport === 'udp', cd);
    if (trace === undefined) return sent;
    return sent.then((result) => {
      trace(exchangeTraceLine({ name, type, cd, server, transport }, result, performance.now() - started));
      return result;
    });
  };

  /** One question, tried on successive servers until one answers NOERROR or NXDOMAIN. */
  const ask = async (name: string, type: RrType, cd: boolean): Promise<Fact<ReplyPacket>> => {
    const first = rotation++ % servers.length;
    let last: Extract<Exchange, { ok: false }> = { ok: false, error: 'network', detail: DETAILS.noAttempt };
    for (let attempt = 0; attempt <= retries; attempt++) {
      const server = servers[(first + attempt) % servers.length] as DnsServerAddress;
      const result = await withTurn(async () => {
        let exchanged = await exchange('udp', server, name, type, cd);
        // A server that does not speak EDNS0 may answer FORMERR: ask again without OPT (RFC 6891 section 7).
        if (exchanged.ok && exchanged.packet.rcode === 'FORMERR')
          exchanged = await exchange('udp-noedns', server, name, type, cd);
        if (exchanged.ok && exchanged.packet.flag_tc) exchanged = await exchange('tcp', server, name, type, cd);
        return exchanged;
      });
      if (result.ok) {
        const rcode = result.packet.rcode ?? 'NOERROR';
        if (rcode === 'NOERROR' || rcode === 'NXDOMAIN') {
          counters.answered++;
          return { ok: true, value: result.packet };
        }
        last = {
          ok: false,
          error: failureOfRcode(rcode),
          detail: fillText(DETAILS.answered, { server: serverName(server), rcode }),
        };
      } else {
        last = result;
      }
    }
    return last;
  };

  const query = async (qname: string, type: RrType, options?: QueryOptions): Promise<Fact<DnsAnswer>> => {
    counters.queries++;
    const asked = normalizeName(qname);
    const cnames: string[] = [];
    const seen = new Set([asked]);
    let current = asked;
    let authenticated = true;
    for (;;) {
      const reply = await ask(current, type, options?.checkingDisabled === true);
      if (!reply.ok) return reply;
      const packet = reply.value;
      authenticated &&= packet.flag_ad;
      const answers = (packet.answers ?? []).map(fromPacketAnswer).filter((r): r is DnsRecord => r !== undefined);
      const rcode = packet.rcode === 'NXDOMAIN' ? 'NXDOMAIN' : 'NOERROR';
      // Walk the CNAME chain the server put in the answer section (RFC 1034 section 4.3.2 step 3a).
      let advanced = false;
      while (type !== 'CNAME' && !answers.some((r) => r.name === current && r.type === type)) {
        const cname = answers.find(
          (r): r is Extract<DnsRecord, { target: string }> => r.name === current && r.type === 'CNAME',
        );
        if (cname === undefined) break;
        if (seen.has(cname.target))
          return {
            ok: false,
            error: 'servfail',
            detail: fillText(CNAME_DETAILS.loop, { target: cname.target, name: asked }),
          };
        if (cnames.length >= MAX_CNAME_CHAIN)
          return {
            ok: false,
            error: 'servfail',
            detail: fillText(CNAME_DETAILS.chain, { name: asked, max: MAX_CNAME_CHAIN }),
          };
        seen.add(cname.target);
        cnames.push(cname.target);
        current = cname.target;
        advanced = true;
      }
      const records = answers.filter((r) => r.name === current && r.type === type);
      // A NOERROR reply ending on a CNAME without data comes from an authoritative server that stops at its zone's
      // edge: ask for the target ourselves. A recursive server's NXDOMAIN already speaks for the chain's end.
      if (records.length > 0 || !advanced || rcode === 'NXDOMAIN')
        return { ok: true, value: { rcode, records, cnames, authenticated } };
    }
  };

  return {
    query,
    stats: () => ({ ...counters }),
    close: async () => {
      closed = true;
      for (const waiting of pending.values()) waiting.settle({ ok: false, error: 'network', detail: DETAILS.closed });
      await Promise.all(
        [...sockets.values()].map(
          (socket) =>
            new Promise<void>((resolve) => {
              socket.close(() => {
                resolve();
              });
            }),
        ),
      );
      sockets.clear();
    },
  };
}
