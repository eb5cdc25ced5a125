import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { parseZoneFile } from '../../src/dns/parse-zone-file.js';

const origin = 'example.org';

describe('parseZoneFile', () => {
  it('reads a zone with $TTL, @, relative and absolute names, and blank owners', () => {
    const text = [
      '$TTL 3600',
      '@ IN SOA ns1 hostmaster.example.org. ( 2024010101 ; serial',
      '    7200 3600 1209600 300 )',
      '  IN NS ns1',
      '  IN MX 10 mx1.example.org.',
      'ns1 A 192.0.2.1',
      'mx1 300 IN AAAA 2001:DB8:0:0::1',
      '    IN A 192.0.2.2 ; same owner as the line above',
    ].join('\n');
    expect(parseZoneFile(text, { origin })).toEqual([
      {
        type: 'SOA',
        name: 'example.org',
        ttl: 3600,
        mname: 'ns1.example.org',
        rname: 'hostmaster.example.org',
        serial: 2024010101,
        minimum: 300,
      },
      { type: 'NS', name: 'example.org', ttl: 3600, target: 'ns1.example.org' },
      { type: 'MX', name: 'example.org', ttl: 3600, preference: 10, exchange: 'mx1.example.org' },
      { type: 'A', name: 'ns1.example.org', ttl: 3600, address: '192.0.2.1' },
      { type: 'AAAA', name: 'mx1.example.org', ttl: 300, address: '2001:db8::1' },
      { type: 'A', name: 'mx1.example.org', ttl: 3600, address: '192.0.2.2' },
    ]);
  });

  it('follows $ORIGIN, relative to the current origin', () => {
    const text = '$TTL 60\n$ORIGIN sub\nwww CNAME @\n$ORIGIN other.test.\n@ A 192.0.2.9';
    expect(parseZoneFile(text, { origin: 'example.org.' })).toEqual([
      { type: 'CNAME', name: 'www.sub.example.org', ttl: 60, target: 'sub.example.org' },
      { type: 'A', name: 'other.test', ttl: 60, address: '192.0.2.9' },
    ]);
  });

  it.each([
    ['"v=spf1 -all"', ['v=spf1 -all']],
    ['"part one " "part two"', ['part one ', 'part two']],
    ['( "a"\n  "b" )', ['a', 'b']],
    ['"semi;colon \\"quoted\\" back\\\\slash"', ['semi;colon "quoted" back\\slash']],
    ['"\\065\\066C"', ['ABC']],
    ['unquoted', ['unquoted']],
    ['"été"', ['été']],
    ['""', ['']],
  ])('keeps TXT strings apart and decodes escapes: %s', (rdata, strings) => {
    const [record] = parseZoneFile(`$TTL 60\ntxt TXT ${rdata}`, { origin });
    expect(record).toEqual({ type: 'TXT', name: 'txt.example.org', ttl: 60, strings });
  });

  it('reads TLSA, DS, DNSKEY, CAA and PTR records', () => {
    const text = [
      '$TTL 60',
      '_25._tcp.mx TLSA 3 1 1 ( ABCDEF',
      '  0123 )',
      '@ DS 12345 13 2 AABB CCDD',
      '@ DNSKEY 257 3 13 ( mdsswUyr3DPW132mOi8V9xESWE8jTo0d',
      '  xCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ== )',
      '@ CAA 0 issue "letsencrypt.org"',
      '1.2.0.192.in-addr.arpa. PTR mx',
    ].join('\n');
    expect(parseZoneFile(text, { origin })).toEqual([
      {
        type: 'TLSA',
        name: '_25._tcp.mx.example.org',
        ttl: 60,
        usage: 3,
        selector: 1,
        matchingType: 1,
        data: 'abcdef0123',
      },
      { type: 'DS', name: 'example.org', ttl: 60, keyTag: 12345, algorithm: 13, digestType: 2, digest: 'aabbccdd' },
      {
        type: 'DNSKEY',
        name: 'example.org',
        ttl: 60,
        flags: 257,
        algorithm: 13,
        key: 'mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==',
      },
      { type: 'CAA', name: 'example.org', ttl: 60, flags: 0, tag: 'issue', value: 'letsencrypt.org' },
      { type: 'PTR', name: '1.2.0.192.in-addr.arpa', ttl: 60, target: 'mx.example.org' },
    ]);
  });

  it('lower-cases names, reads TTL units, takes the last explicit TTL without $TTL', () => {
    const text = 'WWW.Example.ORG. 1h30m A 192.0.2.1\nmail A 192.0.2.2';
    expect(parseZoneFile(text, { origin })).toEqual([
      { type: 'A', name: 'www.example.org', ttl: 5400, address: '192.0.2.1' },
      { type: 'A', name: 'mail.example.org', ttl: 5400, address: '192.0.2.2' },
    ]);
  });

  it.each([
    ['$TTL 60\n\nwww A 192.0.2.300', 3, '"192.0.2.300" is not an IPv4 address'],
    ['$TTL 60\nwww AAAA 192.0.2.1', 2, 'is not an IPv6 address'],
    ['$TTL 60\nwww SPF "v=spf1"', 2, 'record type "SPF" is not supported'],
    ['$TTL 60\nwww CH A 192.0.2.1', 2, 'class "CH" is not supported'],
    ['www A 192.0.2.1', 1, 'no TTL'],
    ['$TTL 60\n  A 192.0.2.1', 2, 'no owner name'],
    ['$TTL 60\nwww TXT "never closed', 2, 'quoted string not closed'],
    ['$TTL 60\n; fine\nwww TXT ( "a"\n"b"', 3, 'never closed'],
    ['$TTL 60\nwww A 192.0.2.1 )', 2, 'closing parenthesis'],
    ['$TTL 60\nwww MX mx', 2, 'MX record needs 2 fields, found 1'],
    ['$TTL 60\nwww MX 70000 mx', 2, 'MX preference "70000"'],
    [`$TTL 60\nwww TXT "${'x'.repeat(256)}"`, 2, 'longer than 255 bytes'],
    ['$TTL 60\nwww TLSA 3 1 1 XYZ', 2, 'TLSA data "XYZ"'],
    ['$TTL 60\n@ DNSKEY 257 2 13 AAAA', 2, 'protocol "2" is not 3'],
    ['$TTL 60\n$INCLUDE other.zone', 2, 'directive "$INCLUDE" is not supported'],
    ['$TTL soon', 1, '$TTL "soon" is not a time'],
    ['$TTL 60\na..b A 192.0.2.1', 2, 'empty label'],
    [`$TTL 60\n${'a'.repeat(64)} A 192.0.2.1`, 2, 'longer than 63'],
    ['$TTL 60\nwww 60', 2, 'no type'],
  ])('rejects bad input with its line: %s', (text, line, reason) => {
    let caught: unknown;
    try {
      parseZoneFile(text, { origin, file: 'db.example.org' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InputError);
    const error = caught as InputError;
    expect(error.location).toEqual({ file: 'db.example.org', line });
    expect(error.message).toContain(`zone file "db.example.org" at line ${line}: `);
    expect(error.message).toContain(reason);
  });
});
