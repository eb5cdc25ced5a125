import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** 16 strings of 255 bytes: a 4 KB TXT record, too big for a 1232-byte EDNS0 UDP reply. */
export const BIG_TXT_STRINGS = Array.from({ length: 16 }, (_, i) => String.fromCharCode(97 + i).repeat(255));

const EXAMPLE_ORG = `; Fixture zone for the DNS resolver suites
$ORIGIN example.org.
$TTL 300
@        IN SOA ns1 hostmaster ( 2024010101 7200 3600 1209600 300 )
         IN NS  ns1
         IN MX  10 mx1
         IN MX  20 mx2.example.net.
         IN TXT "v=spf1 " "ip4:192.0.2.0/24 -all"
ns1      IN A   192.0.2.53
mx1      IN A   192.0.2.25
         IN AAAA 2001:db8::25
www      IN CNAME mx1
shop     IN CNAME web.example.net.
gone     IN CNAME missing.example.net.
big      IN TXT ( ${BIG_TXT_STRINGS.map((s) => `"${s}"`).join('\n                  ')} )
_25._tcp.mx1 IN TLSA 3 1 1 ( 0123456789abcdef0123456789abcdef
                             0123456789abcdef0123456789abcdef )
@        IN CAA 0 issue "letsencrypt.org"
*.wild   IN A   192.0.2.99
`;

const EXAMPLE_NET = `$TTL 300
@     IN SOA ns1.example.org. hostmaster.example.org. 7 7200 3600 1209600 300
      IN NS  ns1.example.org.
web   IN A   198.51.100.80
mx2   IN A   198.51.100.25
`;

/** Writes the fixture zones to a new temporary directory, using both file-name conventions. */
export async function writeFixtureZones(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'facteur-zones-'));
  await writeFile(join(directory, 'example.org.zone'), EXAMPLE_ORG);
  await writeFile(join(directory, 'db.example.net'), EXAMPLE_NET);
  return directory;
}
