import dgram from 'node:dgram';
import { readdir, readFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import dnsPacket, { type Answer, type DecodedPacket } from 'dns-packet';
import { InputError } from '../errors.js';
import { createMemoryResolver, normalizeName } from './memory-resolver.js';
import { EDNS_UDP_SIZE, RCODE, ednsOpt, toPacketAnswer } from './packet-records.js';
import { parseZoneFile } from './parse-zone-file.js';
import type { DnsRecord, RrType } from './types.js';

export interface Zone {
  origin: string;
  file: string;
  records: DnsRecord[];
}

export interface ZoneServerOptions {
  /** A directory of `<zone>.zone` or `db.<zone>` files; the file name gives the origin. */
  directory: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: an ephemeral port, the same for UDP and TCP. */
  port?: number;
}

export interface ZoneServer {
  host: string;
  port: number;
  /** `host:port`, as `--resolver` takes it. */
  address: string;
  zones: Zone[];
  stop(): Promise<void>;
}

/** Largest UDP reply to a client without EDNS0 (RFC 1035 section 4.2.1). */
const CLASSIC_UDP_SIZE = 512;

/** The origin a zone file's name gives: `example.org.zone` and `db.example.org` serve `example.org`. */
export function zoneOriginOfFile(fileName: string): string | undefined {
  if (fileName.endsWith('.zone')) return normalizeName(fileName.slice(0, -'.zone'.length));
  if (fileName.startsWith('db.')) return normalizeName(fileName.slice('db.'.length));
  return undefined;
}

/** Reads every zone file of a directory; other files are left alone. */
export async function loadZoneDirectory(directory: string): Promise<Zone[]> {
  const zones: Zone[] = [];
  for (const fileName of (await readdir(directory)).sort()) {
    const origin = zoneOriginOfFile(fileName);
    if (origin === undefined || origin === '') continue;
    const file = join(directory, fileName);
    const records = parseZoneFile(await readFile(file, 'utf8'), { origin, file });
    if (!records.some((record) => record.type === 'SOA' && record.name === origin))
      throw new InputError(
        {
          en: `Add an SOA record at "${origin}" in zone file "${file}": a zone needs one at its apex`,
          fr: `Ajoutez un enregistrement SOA à « ${origin} » dans le fichier de zone « ${file} » : une zone en a besoin à son apex`,
        },
        { file },
      );
    zones.push({ origin, file, records });
  }
  return zones;
}

/**
 * Builds authoritative replies (RFC 1034 section 4.3.2) for the served zones: AA set, CNAME chains in the answer
 * section, the zone's SOA in the authority section of NXDOMAIN and NODATA replies (RFC 2308), REFUSED outside.
 * No wildcards and no delegations: fixture zones do not use them.
 */
export function createZoneResponder(zones: Zone[]): (query: DecodedPacket) => Promise<dnsPacket.Packet> {
  const resolver = createMemoryResolver(zones.flatMap((zone) => zone.records));
  const byOrigin = new Map(zones.map((zone) => [zone.origin, zone]));
  // Each zone's SOA, found once: NXDOMAIN and NODATA replies carry it, and a zone may hold thousands of records.
  const soaOf = new Map(
    zones.map((zone) => [zone, zone.records.find((record) => record.type === 'SOA' && record.name === zone.origin)]),
  );
  /** The most specific served zone holding the name: walk up its labels (benchmarks serve thousands of zones). */
  const zoneOf = (name: string): Zone | undefined => {
    for (
      let current = name;
      current !== '';
      current = current.includes('.') ? current.slice(current.indexOf('.') + 1) : ''
    ) {
      const zone = byOrigin.get(current);
      if (zone !== undefined) return zone;
    }
    return undefined;
  };

  return async function respond(query: DecodedPacket): Promise<dnsPacket.Packet> {
    const question = query.questions?.[0];
    const edns = query.additionals?.some((record) => record.type === 'OPT') ?? false;
    const reply = (
      rcode: number,
      sections: Partial<Pick<dnsPacket.Packet, 'answers' | 'authorities'>> = {},
    ): dnsPacket.Packet => ({
      type: 'response',
      id: query.id ?? 0,
      // Echo RD (RFC 1035 section 4.1.1); RA stays clear: this server does not recurse.
      flags:
        ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED) |
        rcode |
        (rcode === RCODE.REFUSED ? 0 : dnsPacket.AUTHORITATIVE_ANSWER),
      questions: question === undefined ? [] : [question],
      // A query with EDNS0 gets an OPT back (RFC 6891 section 7), stating our own payload size.
      additionals: edns ? [ednsOpt(false)] : [],
      ...sections,
    });
    if ((query as { opcode?: string }).opcode !== 'QUERY') return reply(RCODE.NOTIMP);
    if (question === undefined || query.questions?.length !== 1) return reply(RCODE.FORMERR);
    const qname = normalizeName(question.name);
    const zone = zoneOf(qname);
    if (zone === undefined) return reply(RCODE.REFUSED);

    const fact = await resolver.query(qname, question.type as RrType);
    if (!fact.ok) return reply(RCODE.SERVFAIL);
    const { cnames, records } = fact.value;
    const answers: Answer[] = [];
    const chain = [qname, ...cnames];
    for (let i = 0; i < cnames.length; i++) {
      const step = await resolver.query(chain[i] as string, 'CNAME');
      if (step.ok) answers.push(...step.value.records.map(toPacketAnswer));
    }
    answers.push(...records.map(toPacketAnswer));
    const end = chain[chain.length - 1] as string;
    const endZone = zoneOf(end);
    // A chain leaving the served zones ends in the answer as is: the asker follows it elsewhere.
    if (endZone === undefined) return reply(RCODE.NOERROR, { answers });
    const soa = soaOf.get(endZone);
    const authorities = records.length === 0 && soa !== undefined ? [toPacketAnswer(soa)] : [];
    return reply(fact.value.rcode === 'NXDOMAIN' ? RCODE.NXDOMAIN : RCODE.NOERROR, { answers, authorities });
  };
}

/** Encodes a reply for UDP: too large for the client's buffer, it goes out empty with TC so the client retries on TCP. */
function encodeForUdp(query: DecodedPacket, response: dnsPacket.Packet): Buffer {
  const opt = query.additionals?.find((record) => record.type === 'OPT');
  const limit = Math.min(EDNS_UDP_SIZE, Math.max(CLASSIC_UDP_SIZE, opt?.udpPayloadSize ?? CLASSIC_UDP_SIZE));
  const full = dnsPacket.encode(response);
  if (full.length <= limit) return full;
  return dnsPacket.encode({
    ...response,
    flags: (response.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE,
    answers: [],
    authorities: [],
  });
}

/** Attempts at an ephemeral port free for both UDP and TCP before giving up. */
const PORT_ATTEMPTS = 20;

/**
 * Binds UDP, then TCP on the same port. With no port asked, UDP picks one, which TCP may find taken by another
 * program: then both let go and try another.
 */
async function listenOnOnePort(
  createUdp: () => dgram.Socket,
  tcp: net.Server,
  host: string,
  asked: number | undefined,
): Promise<{ udp: dgram.Socket; port: number }> {
  for (let attempt = 1; ; attempt++) {
    const udp = createUdp();
    const port = await new Promise<number>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(asked ?? 0, host, () => {
        resolve(udp.address().port);
      });
    });
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen(port, host, () => {
          tcp.removeListener('error', reject);
          resolve();
        });
      });
      return { udp, port };
    } catch (error) {
      udp.close();
      const isTaken = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
      if (asked !== undefined || !isTaken || attempt >= PORT_ATTEMPTS) throw error;
    }
  }
}

/** Starts an authoritative server for a directory of zone files, on UDP and TCP, same port. */
export async function startZoneServer(options: ZoneServerOptions): Promise<ZoneServer> {
  const zones = await loadZoneDirectory(options.directory);
  if (zones.length === 0)
    throw new InputError({
      en: `Add zone files named "<zone>.zone" or "db.<zone>" to "${options.directory}": none found`,
      fr: `Ajoutez des fichiers de zone nommés « <zone>.zone » ou « db.<zone> » dans « ${options.directory} » : aucun n’a été trouvé`,
    });
  const respond = createZoneResponder(zones);
  const host = options.host ?? '127.0.0.1';

  /** A UDP socket answering queries; a new one per bind attempt, since a closed socket cannot bind again. */
  const createUdp = (): dgram.Socket => {
    const socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    socket.on('message', (message, remote) => {
      let query: DecodedPacket;
      try {
        query = dnsPacket.decode(message);
      } catch {
        return;
      }
      if (query.type !== 'query') return;
      void respond(query).then((response) => {
        socket.send(encodeForUdp(query, response), remote.port, remote.address);
      });
    });
    return socket;
  };

  const connections = new Set<net.Socket>();
  const tcp = net.createServer((socket) => {
    connections.add(socket);
    socket.on('close', () => connections.delete(socket));
    let buffer = Buffer.alloc(0);
    socket.on('error', () => {
      socket.destroy();
    });
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      // Several length-prefixed queries may share a connection (RFC 7766 section 6.2.1).
      while (buffer.length >= 2 && buffer.length >= 2 + buffer.readUInt16BE(0)) {
        const length = buffer.readUInt16BE(0);
        const message = buffer.subarray(2, 2 + length);
        buffer = buffer.subarray(2 + length);
        let query: DecodedPacket;
        try {
          query = dnsPacket.decode(message);
        } catch {
          socket.destroy();
          return;
        }
        void respond(query).then((response) => {
          if (!socket.destroyed) socket.write(dnsPacket.streamEncode(response));
        });
      }
    });
  });

  const { udp, port } = await listenOnOnePort(createUdp, tcp, host, options.port);

  return {
    host,
    port,
    address: net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`,
    zones,
    stop: async () => {
      await Promise.all([
        new Promise<void>((resolve) => {
          udp.close(() => {
            resolve();
          });
        }),
        new Promise<void>((resolve) => {
          tcp.close(() => {
            resolve();
          });
          // Open client connections would keep close() waiting.
          for (const socket of connections) socket.destroy();
        }),
      ]);
    },
  };
}
