import dgram from 'node:dgram';
import dnsPacket, { type DecodedPacket } from 'dns-packet';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNetworkResolver, type NetworkResolver } from '../../src/dns/network-resolver.js';
import { startZoneServer } from '../../src/dns/zone-server.js';
import type { DnsAnswer, Fact } from '../../src/dns/types.js';
import { startKnot } from './helpers/dns-knot.js';
import { BIG_TXT_STRINGS, writeFixtureZones } from './helpers/dns-zones.js';

interface Server {
  address: string;
  stop(): Promise<void>;
}

function answer(fact: Fact<DnsAnswer>): DnsAnswer {
  if (!fact.ok) throw new Error(`lookup failed: ${fact.error} (${fact.detail.en})`);
  return fact.value;
}

/** The same expectations for every authoritative server the resolver is pointed at. */
function resolverSuite(label: string, start: (directory: string) => Promise<Server>): void {
  describe(`network resolver against ${label}`, () => {
    let directory: string;
    let server: Server;
    let resolver: NetworkResolver;

    beforeAll(async () => {
      directory = await writeFixtureZones();
      server = await start(directory);
      resolver = createNetworkResolver({ servers: [server.address], timeoutMs: 1000, retries: 1 });
    });

    afterAll(async () => {
      await resolver.close();
      await server.stop();
      await rm(directory, { recursive: true, force: true });
    });

    it('answers MX, A, AAAA, TXT, TLSA and CAA records', async () => {
      const mx = answer(await resolver.query('example.org', 'MX'));
      expect(mx.rcode).toBe('NOERROR');
      expect(mx.records.map((r) => r.type === 'MX' && `${r.preference} ${r.exchange}`).sort()).toEqual([
        '10 mx1.example.org',
        '20 mx2.example.net',
      ]);
      expect(answer(await resolver.query('MX1.example.org.', 'A')).records).toEqual([
        { type: 'A', name: 'mx1.example.org', ttl: 300, address: '192.0.2.25' },
      ]);
      expect(answer(await resolver.query('mx1.example.org', 'AAAA')).records).toEqual([
        { type: 'AAAA', name: 'mx1.example.org', ttl: 300, address: '2001:db8::25' },
      ]);
      expect(answer(await resolver.query('example.org', 'TXT')).records).toEqual([
        { type: 'TXT', name: 'example.org', ttl: 300, strings: ['v=spf1 ', 'ip4:192.0.2.0/24 -all'] },
      ]);
      expect(answer(await resolver.query('_25._tcp.mx1.example.org', 'TLSA')).records).toEqual([
        {
          type: 'TLSA',
          name: '_25._tcp.mx1.example.org',
          ttl: 300,
          usage: 3,
          selector: 1,
          matchingType: 1,
          data: '0123456789abcdef'.repeat(4),
        },
      ]);
      expect(answer(await resolver.query('example.org', 'CAA')).records).toEqual([
        { type: 'CAA', name: 'example.org', ttl: 300, flags: 0, tag: 'issue', value: 'letsencrypt.org' },
      ]);
    });

    it('tells NXDOMAIN from NODATA, empty non-terminals included', async () => {
      expect(answer(await resolver.query('nope.example.org', 'A'))).toMatchObject({ rcode: 'NXDOMAIN', records: [] });
      expect(answer(await resolver.query('mx1.example.org', 'MX'))).toMatchObject({ rcode: 'NOERROR', records: [] });
      expect(answer(await resolver.query('_tcp.mx1.example.org', 'TXT'))).toMatchObject({
        rcode: 'NOERROR',
        records: [],
      });
    });

    it('follows CNAMEs inside a zone, across zones, and to a missing name', async () => {
      expect(answer(await resolver.query('www.example.org', 'A'))).toMatchObject({
        rcode: 'NOERROR',
        cnames: ['mx1.example.org'],
        records: [{ type: 'A', name: 'mx1.example.org', address: '192.0.2.25' }],
      });
      expect(answer(await resolver.query('shop.example.org', 'A'))).toMatchObject({
        rcode: 'NOERROR',
        cnames: ['web.example.net'],
        records: [{ type: 'A', name: 'web.example.net', address: '198.51.100.80' }],
      });
      expect(answer(await resolver.query('gone.example.org', 'A'))).toMatchObject({
        rcode: 'NXDOMAIN',
        cnames: ['missing.example.net'],
        records: [],
      });
    });

    it('synthesizes answers from a wildcard, but not for an empty non-terminal', async () => {
      expect(answer(await resolver.query('a.b.wild.example.org', 'A')).records).toEqual([
        { type: 'A', name: 'a.b.wild.example.org', ttl: 300, address: '192.0.2.99' },
      ]);
      expect(answer(await resolver.query('a.b.wild.example.org', 'MX'))).toMatchObject({
        rcode: 'NOERROR',
        records: [],
      });
      expect(answer(await resolver.query('wild.example.org', 'A'))).toMatchObject({ rcode: 'NOERROR', records: [] });
    });

    it('reads a 4 KB TXT record over TCP after a truncated UDP reply', async () => {
      const before = resolver.stats().tcp;
      const big = answer(await resolver.query('big.example.org', 'TXT'));
      expect(big.records).toEqual([{ type: 'TXT', name: 'big.example.org', ttl: 300, strings: BIG_TXT_STRINGS }]);
      expect(resolver.stats().tcp).toBe(before + 1);
    });

    it('reports REFUSED for a name outside the served zones as a failure', async () => {
      const fact = await resolver.query('example.com', 'A');
      expect(fact.ok || fact.error).toBe('refused');
    });

    it('answers a burst of 2000 overlapping queries on one socket without a retransmission', async () => {
      const before = resolver.stats().packets;
      const answeredBefore = resolver.stats().answered;
      const names = Array.from({ length: 2000 }, (_, i) => (i % 2 === 0 ? 'mx1.example.org' : `n${i}.example.org`));
      const facts = await Promise.all(names.map((name) => resolver.query(name, 'A')));
      expect(facts.map((fact) => answer(fact).rcode)).toEqual(
        names.map((_, i) => (i % 2 === 0 ? 'NOERROR' : 'NXDOMAIN')),
      );
      // Unthrottled, such a burst overflows socket buffers and dropped datagrams are sent again after a timeout.
      expect(resolver.stats().packets - before).toBe(2000);
      expect(resolver.stats().answered - answeredBefore).toBe(2000);
    });
  });
}

resolverSuite('the zone server', async (directory) => startZoneServer({ directory }));
resolverSuite('Knot DNS', async (directory) => startKnot(directory));

describe('network resolver against a server that never answers', () => {
  let silent: dgram.Socket;
  let silentAddress: string;

  beforeAll(async () => {
    silent = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => {
      silent.bind(0, '127.0.0.1', () => {
        resolve();
      });
    });
    silentAddress = `127.0.0.1:${silent.address().port}`;
  });

  afterAll(() => {
    silent.close();
  });

  it('fails with timeout, never NXDOMAIN', async () => {
    const resolver = createNetworkResolver({ servers: [silentAddress], timeoutMs: 150, retries: 1 });
    const started = Date.now();
    const fact = await resolver.query('example.org', 'A');
    await resolver.close();
    expect(fact.ok).toBe(false);
    expect(!fact.ok && fact.error).toBe('timeout');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(resolver.stats()).toEqual({ queries: 1, packets: 2, tcp: 0, answered: 0 });
  });

  it('moves on to the next server', async () => {
    const directory = await writeFixtureZones();
    const server = await startZoneServer({ directory });
    const resolver = createNetworkResolver({ servers: [silentAddress, server.address], timeoutMs: 150, retries: 1 });
    const fact = await resolver.query('mx1.example.org', 'A');
    await resolver.close();
    await server.stop();
    await rm(directory, { recursive: true, force: true });
    expect(answer(fact).records).toHaveLength(1);
  });

  it('takes a reply that matches, ignores one with another question or from another address', async () => {
    const other = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => {
      other.bind(0, '127.0.0.1', () => {
        resolve();
      });
    });
    let mode: 'echo' | 'forge' | 'elsewhere' = 'echo';
    // Turns each query into an empty NOERROR reply: unchanged, with a letter of the question flipped, or sent from another socket.
    const relay = (message: Buffer, remote: dgram.RemoteInfo): void => {
      const reply = Buffer.from(message);
      reply.writeUInt16BE(0x8180, 2);
      // The first letter of the question name, after the 12-byte header and the label's length byte.
      if (mode === 'forge') reply[13] = (reply[13] as number) ^ 0x01;
      (mode === 'elsewhere' ? other : silent).send(reply, remote.port, remote.address);
    };
    silent.on('message', relay);
    const ask = async (): Promise<Fact<DnsAnswer>> => {
      const resolver = createNetworkResolver({ servers: [silentAddress], timeoutMs: 200, retries: 0 });
      const fact = await resolver.query('mx1.example.org', 'A');
      await resolver.close();
      return fact;
    };
    const echoed = await ask();
    mode = 'forge';
    const forged = await ask();
    mode = 'elsewhere';
    const elsewhere = await ask();
    silent.off('message', relay);
    other.close();
    expect(answer(echoed)).toMatchObject({ rcode: 'NOERROR', records: [] });
    expect(forged.ok || forged.error).toBe('timeout');
    expect(elsewhere.ok || elsewhere.error).toBe('timeout');
  });
});

/** A UDP server answering each query with what `reply` builds from it (nothing when it returns undefined). */
async function startScripted(
  reply: (query: DecodedPacket) => dnsPacket.Packet | undefined,
): Promise<Server & { queries: DecodedPacket[] }> {
  const socket = dgram.createSocket('udp4');
  const queries: DecodedPacket[] = [];
  socket.on('message', (message, remote) => {
    const query = dnsPacket.decode(message);
    queries.push(query);
    const response = reply(query);
    if (response !== undefined) socket.send(dnsPacket.encode(response), remote.port, remote.address);
  });
  await new Promise<void>((resolve) => {
    socket.bind(0, '127.0.0.1', () => {
      resolve();
    });
  });
  return {
    address: `127.0.0.1:${socket.address().port}`,
    queries,
    stop: () =>
      new Promise<void>((resolve) => {
        socket.close(() => {
          resolve();
        });
      }),
  };
}

/** RCODE in the low bits of the header flags (RFC 1035 section 4.1.1). */
const SERVFAIL = 2;
const NXDOMAIN = 3;
const FORMERR = 1;

function response(query: DecodedPacket, rcode: number, answers: dnsPacket.Answer[] = []): dnsPacket.Packet {
  return {
    type: 'response',
    id: query.id ?? 0,
    flags: dnsPacket.RECURSION_AVAILABLE | rcode,
    questions: query.questions ?? [],
    answers,
  };
}

describe('network resolver against misbehaving servers', () => {
  const servers: Server[] = [];
  let directory: string;
  let zoneServer: Server;

  beforeAll(async () => {
    directory = await writeFixtureZones();
    zoneServer = await startZoneServer({ directory });
  });

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await zoneServer.stop();
    await rm(directory, { recursive: true, force: true });
  });

  async function scripted(
    reply: (query: DecodedPacket) => dnsPacket.Packet | undefined,
  ): Promise<Server & { queries: DecodedPacket[] }> {
    const server = await startScripted(reply);
    servers.push(server);
    return server;
  }

  it('asks a server on IPv6 loopback, written [::1]:PORT', async () => {
    const v6 = await startZoneServer({ directory, host: '::1' });
    servers.push(v6);
    expect(v6.address).toMatch(/^\[::1\]:\d+$/);
    const resolver = createNetworkResolver({ servers: [v6.address], timeoutMs: 500, retries: 0 });
    const fact = await resolver.query('big.example.org', 'TXT');
    await resolver.close();
    expect(answer(fact).records).toMatchObject([{ strings: BIG_TXT_STRINGS }]);
    expect(resolver.stats().tcp).toBe(1);
  });

  it('turns SERVFAIL into a failure after trying every attempt', async () => {
    const failing = await scripted((query) => response(query, SERVFAIL));
    const resolver = createNetworkResolver({ servers: [failing.address], timeoutMs: 500, retries: 2 });
    const fact = await resolver.query('example.org', 'MX');
    await resolver.close();
    expect(fact.ok || fact.error).toBe('servfail');
    expect(failing.queries).toHaveLength(3);
  });

  it('gives the turn of a question left unanswered to the next one, which does not wait out its timeout', async () => {
    // The servers of a dead domain never answer; the others do at once.
    const lame = await scripted((query) =>
      query.questions?.[0]?.name.startsWith('dead.') === true ? undefined : response(query, NXDOMAIN),
    );
    const resolver = createNetworkResolver({ servers: [lame.address], timeoutMs: 2000, retries: 0, maxInFlight: 1 });
    const settled: string[] = [];
    const ask = (name: string) =>
      resolver.query(name, 'MX').then((fact) => {
        settled.push(`${name} ${fact.ok ? fact.value.rcode : fact.error}`);
      });
    await Promise.all([ask('dead.example.org'), ask('alive.example.org')]);
    await resolver.close();
    expect(settled).toEqual(['alive.example.org NXDOMAIN', 'dead.example.org timeout']);
  });

  it('asks the next server after a SERVFAIL', async () => {
    const failing = await scripted((query) => response(query, SERVFAIL));
    const resolver = createNetworkResolver({
      servers: [failing.address, zoneServer.address],
      timeoutMs: 500,
      retries: 1,
    });
    const fact = await resolver.query('mx1.example.org', 'A');
    await resolver.close();
    expect(answer(fact).records).toHaveLength(1);
  });

  it('takes NXDOMAIN as an answer and asks no other server', async () => {
    const denying = await scripted((query) => response(query, NXDOMAIN));
    const resolver = createNetworkResolver({
      servers: [denying.address, zoneServer.address],
      timeoutMs: 500,
      retries: 1,
    });
    const fact = await resolver.query('mx1.example.org', 'A');
    await resolver.close();
    expect(answer(fact).rcode).toBe('NXDOMAIN');
    expect(resolver.stats().packets).toBe(1);
  });

  it('asks again without EDNS0 when the server answers FORMERR to it', async () => {
    const old = await scripted((query) =>
      query.additionals?.some((record) => record.type === 'OPT')
        ? response(query, FORMERR)
        : response(query, 0, [{ type: 'A', name: 'old.example', ttl: 60, data: '192.0.2.7' }]),
    );
    const resolver = createNetworkResolver({ servers: [old.address], timeoutMs: 500, retries: 0 });
    const fact = await resolver.query('old.example', 'A');
    await resolver.close();
    expect(answer(fact).records).toEqual([{ type: 'A', name: 'old.example', ttl: 60, address: '192.0.2.7' }]);
    expect(old.queries.map((q) => q.additionals?.length)).toEqual([1, 0]);
  });

  it('sends the DO bit and reports the AD flag', async () => {
    const validating = await scripted((query) => ({
      ...response(query, 0, [{ type: 'A', name: 'signed.example', ttl: 60, data: '192.0.2.8' }]),
      flags: dnsPacket.RECURSION_AVAILABLE | dnsPacket.AUTHENTIC_DATA,
    }));
    const resolver = createNetworkResolver({ servers: [validating.address], timeoutMs: 500, retries: 0 });
    const fact = await resolver.query('signed.example', 'A');
    await resolver.close();
    expect(answer(fact).authenticated).toBe(true);
    expect(validating.queries[0]?.additionals).toMatchObject([{ type: 'OPT', flag_do: true }]);
  });

  it('reports truncated when the TCP retry of a truncated reply cannot connect', async () => {
    const truncating = await scripted((query) => ({ ...response(query, 0), flags: dnsPacket.TRUNCATED_RESPONSE }));
    const resolver = createNetworkResolver({ servers: [truncating.address], timeoutMs: 500, retries: 0 });
    const fact = await resolver.query('big.example', 'TXT');
    await resolver.close();
    expect(fact.ok || fact.error).toBe('truncated');
  });

  it('turns a CNAME loop into a servfail', async () => {
    const looping = await scripted((query) => {
      const name = query.questions?.[0]?.name ?? '';
      return response(query, 0, [
        { type: 'CNAME', name, ttl: 60, data: name === 'a.example' ? 'b.example' : 'a.example' },
      ]);
    });
    const resolver = createNetworkResolver({ servers: [looping.address], timeoutMs: 500, retries: 0 });
    const fact = await resolver.query('a.example', 'A');
    await resolver.close();
    expect(fact.ok || fact.error).toBe('servfail');
    expect(!fact.ok && fact.detail.en).toContain('CNAME loop');
    expect(!fact.ok && fact.detail.fr).toContain('boucle de CNAME');
  });
});
