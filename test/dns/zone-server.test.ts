import dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dnsPacket, { type DecodedPacket } from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { parseZoneFile } from '../../src/dns/parse-zone-file.js';
import { createZoneResponder, startZoneServer, zoneOriginOfFile, type Zone } from '../../src/dns/zone-server.js';
import type { RrType } from '../../src/dns/types.js';

const text = `$TTL 60
@    SOA ns1 hostmaster 1 7200 3600 1209600 30
     NS  ns1
ns1  A   192.0.2.53
www  CNAME ns1
out  CNAME elsewhere.example.
_25._tcp.ns1 TLSA 3 1 1 abcd
`;
const zones: Zone[] = [
  { origin: 'example.org', file: 'example.org.zone', records: parseZoneFile(text, { origin: 'example.org' }) },
];
const respond = createZoneResponder(zones);

/** Round-trips the query and the reply through the wire format, as the server does. */
async function ask(name: string, type: RrType): Promise<DecodedPacket & { rcode?: string }> {
  const query = dnsPacket.decode(
    dnsPacket.encode({ type: 'query', id: 42, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type }] }),
  );
  return dnsPacket.decode(dnsPacket.encode(await respond(query)));
}

describe('zoneOriginOfFile', () => {
  it.each([
    ['example.org.zone', 'example.org'],
    ['db.Example.net', 'example.net'],
    ['README.md', undefined],
  ])('%s serves %s', (file, origin) => {
    expect(zoneOriginOfFile(file)).toBe(origin);
  });
});

describe('createZoneResponder', () => {
  it('answers with AA, echoing ID and RD', async () => {
    const reply = await ask('ns1.example.org', 'A');
    expect(reply).toMatchObject({ id: 42, rcode: 'NOERROR', flag_aa: true, flag_rd: true, flag_ra: false });
    expect(reply.answers).toMatchObject([{ name: 'ns1.example.org', type: 'A', data: '192.0.2.53' }]);
  });

  it('puts the CNAME before the target records in the answer section', async () => {
    const reply = await ask('www.example.org', 'A');
    expect(reply.answers?.map((a) => `${a.name} ${a.type}`)).toEqual(['www.example.org CNAME', 'ns1.example.org A']);
  });

  it('ends the answer at a CNAME leaving the served zones, without authority', async () => {
    const reply = await ask('out.example.org', 'A');
    expect(reply.rcode).toBe('NOERROR');
    expect(reply.answers?.map((a) => a.type)).toEqual(['CNAME']);
    expect(reply.authorities).toEqual([]);
  });

  it.each([
    ['nope.example.org', 'A', 'NXDOMAIN'],
    ['ns1.example.org', 'MX', 'NOERROR'],
    ['_tcp.ns1.example.org', 'TLSA', 'NOERROR'],
  ] as const)('answers %s %s with %s and the SOA in authority', async (name, type, rcode) => {
    const reply = await ask(name, type);
    expect(reply).toMatchObject({ rcode, flag_aa: true, answers: [] });
    expect(reply.authorities).toMatchObject([{ name: 'example.org', type: 'SOA' }]);
  });

  it('answers OPT to a query with EDNS0, and NOTIMP to an opcode other than QUERY', async () => {
    const withOpt = dnsPacket.decode(
      dnsPacket.encode({
        type: 'query',
        id: 7,
        questions: [{ name: 'ns1.example.org', type: 'A' }],
        additionals: [
          {
            type: 'OPT',
            name: '.',
            udpPayloadSize: 4096,
            extendedRcode: 0,
            ednsVersion: 0,
            flags: 0,
            flag_do: false,
            options: [],
          },
        ],
      }),
    );
    const reply = dnsPacket.decode(dnsPacket.encode(await respond(withOpt)));
    expect(reply.additionals).toMatchObject([{ type: 'OPT', udpPayloadSize: 1232 }]);
    const notify = dnsPacket.decode(
      dnsPacket.encode({ type: 'query', id: 8, flags: 4 << 11, questions: [{ name: 'example.org', type: 'SOA' }] }),
    );
    const notImplemented: DecodedPacket & { rcode?: string } = dnsPacket.decode(
      dnsPacket.encode(await respond(notify)),
    );
    expect(notImplemented.rcode).toBe('NOTIMP');
  });

  it('refuses names outside its zones, without AA', async () => {
    const reply = await ask('example.com', 'A');
    expect(reply).toMatchObject({ rcode: 'REFUSED', flag_aa: false, answers: [] });
  });
});

describe('createZoneResponder with nested zones', () => {
  const sub = '$TTL 60\n@ SOA ns1.example.org. hostmaster.example.org. 1 7200 3600 1209600 30\n@ NS ns1.example.org.\n';
  const nested = createZoneResponder([
    ...zones,
    {
      origin: 'sub.example.org',
      file: 'db.sub.example.org',
      records: parseZoneFile(sub, { origin: 'sub.example.org' }),
    },
  ]);

  it('puts the most specific zone SOA in authority', async () => {
    const query = dnsPacket.decode(
      dnsPacket.encode({ type: 'query', id: 1, questions: [{ name: 'nope.sub.example.org', type: 'A' }] }),
    );
    const reply: DecodedPacket & { rcode?: string } = dnsPacket.decode(dnsPacket.encode(await nested(query)));
    expect(reply.rcode).toBe('NXDOMAIN');
    expect(reply.authorities).toMatchObject([{ name: 'sub.example.org', type: 'SOA' }]);
  });
});

describe('startZoneServer', () => {
  it('refuses a port asked for when TCP has it taken, and lets its UDP socket go', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'facteur-zone-port-'));
    writeFileSync(join(dir, 'example.org.zone'), '$TTL 60\n@ SOA ns hostmaster 1 2 3 4 5\n');
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      await expect(startZoneServer({ directory: dir, port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
      const udp = dgram.createSocket('udp4');
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind(port, '127.0.0.1', resolve);
      });
      udp.close();
    } finally {
      taken.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
