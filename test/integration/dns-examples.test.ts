import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNetworkResolver, type NetworkResolver } from '../../src/dns/network-resolver.js';
import { loadZoneDirectory, startZoneServer, type Zone, type ZoneServer } from '../../src/dns/zone-server.js';
import type { DnsAnswer, Fact, RrType } from '../../src/dns/types.js';
import { startKnot, type KnotServer } from './helpers/dns-knot.js';

const EXAMPLES = join(import.meta.dirname, '../../examples/zones');
const TYPES: RrType[] = ['A', 'AAAA', 'MX', 'TXT', 'CNAME', 'NS', 'PTR', 'SOA', 'TLSA', 'CAA'];

/** Order-free view of a fact, for comparing two servers. */
function comparable(fact: Fact<DnsAnswer>): unknown {
  if (!fact.ok) return fact.error;
  return { ...fact.value, records: fact.value.records.map((record) => JSON.stringify(record)).sort() };
}

// `facteur demo` serves examples/zones with the zone server: every name there must answer as Knot answers it.
describe('examples/zones answer the same from the zone server and from Knot', () => {
  let zones: Zone[];
  let ours: ZoneServer;
  let knot: KnotServer;
  let fromOurs: NetworkResolver;
  let fromKnot: NetworkResolver;

  beforeAll(async () => {
    zones = await loadZoneDirectory(EXAMPLES);
    ours = await startZoneServer({ directory: EXAMPLES });
    knot = await startKnot(EXAMPLES);
    fromOurs = createNetworkResolver({ servers: [ours.address], timeoutMs: 1000, retries: 1 });
    fromKnot = createNetworkResolver({ servers: [knot.address], timeoutMs: 1000, retries: 1 });
  });

  afterAll(async () => {
    await fromOurs.close();
    await fromKnot.close();
    await ours.stop();
    await knot.stop();
  });

  it('for every owner name, a missing name, and every type facteur asks', async () => {
    expect(zones.length).toBeGreaterThan(0);
    const questions = zones.flatMap((zone) =>
      [...new Set(zone.records.map((record) => record.name)), `absent-name.${zone.origin}`].flatMap((name) =>
        TYPES.map((type) => ({ name, type })),
      ),
    );
    const differences: string[] = [];
    for (const { name, type } of questions) {
      const [a, b] = await Promise.all([fromOurs.query(name, type), fromKnot.query(name, type)]);
      const [x, y] = [JSON.stringify(comparable(a)), JSON.stringify(comparable(b))];
      if (x !== y) differences.push(`${name} ${type}: zone server ${x}, Knot ${y}`);
    }
    expect(differences).toEqual([]);
  });
});
