import { describe, expect, it } from 'vitest';
import { hasMacro, isSpfRecord, parseSpfRecord, SpfSyntaxError } from '../../src/parse/parse-spf-record.js';

const NAME = 'example.org';

describe('parseSpfRecord()', () => {
  it('parses qualifiers, mechanisms and modifiers', () => {
    const record = parseSpfRecord(
      'v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 a mx:mail.example.org/28//64 -include:_spf.example.net ~exists:%{i}.x.example.org ?ptr redirect=_spf.example.org exp=exp.example.org foo=bar',
      NAME,
    );
    expect(record.version).toBe('v=spf1');
    expect(record.mechanisms).toEqual([
      { kind: 'ip4', qualifier: '+', position: 7, address: '192.0.2.0', prefix: 24 },
      { kind: 'ip6', qualifier: '+', position: 24, address: '2001:db8::', prefix: 32 },
      { kind: 'a', qualifier: '+', position: 42, domain: null, cidr4: null, cidr6: null },
      { kind: 'mx', qualifier: '+', position: 44, domain: 'mail.example.org', cidr4: 28, cidr6: 64 },
      { kind: 'include', qualifier: '-', position: 71, domain: '_spf.example.net' },
      { kind: 'exists', qualifier: '~', position: 97, domain: '%{i}.x.example.org' },
      { kind: 'ptr', qualifier: '?', position: 124, domain: null },
    ]);
    expect(record.redirect).toBe('_spf.example.org');
    expect(record.exp).toBe('exp.example.org');
    expect(record.unknownModifiers).toEqual([{ name: 'foo', value: 'bar' }]);
  });

  it('keeps the version as written so an uppercase one can be reported', () => {
    expect(parseSpfRecord('V=SPF1 -all', NAME).version).toBe('V=SPF1');
  });

  it.each([
    ['a//64', { kind: 'a', domain: null, cidr4: null, cidr6: 64 }],
    ['a:example.org//64', { kind: 'a', domain: 'example.org', cidr4: null, cidr6: 64 }],
    ['+mx:example.org/24', { kind: 'mx', domain: 'example.org', cidr4: 24, cidr6: null }],
    ['a:%{d}', { kind: 'a', domain: '%{d}', cidr4: null, cidr6: null }],
    ['exists:%{ir}.%{v}._spf.%{d2}', { kind: 'exists', domain: '%{ir}.%{v}._spf.%{d2}' }],
    ['include:example.org.', { kind: 'include', domain: 'example.org.' }],
    ['a:foo_bar.example.org', { kind: 'a', domain: 'foo_bar.example.org' }],
    ['ip6:::1', { kind: 'ip6', address: '::1', prefix: null }],
    ['IP4:192.0.2.1/32', { kind: 'ip4', address: '192.0.2.1', prefix: 32 }],
  ])('reads the term %j', (term, expected) => {
    expect(parseSpfRecord(`v=spf1 ${term}`, NAME).mechanisms[0]).toMatchObject(expected);
  });

  it('accepts several spaces between terms and a trailing space', () => {
    expect(parseSpfRecord('v=spf1  a   -all ', NAME).mechanisms.map((m) => m.kind)).toEqual(['a', 'all']);
  });

  it.each([
    ['v=spf1 foo -all', 'unknown mechanism "foo" at position 7'],
    ['v=spf1 ip4:192.0.2.300 -all', 'invalid ip4 address "192.0.2.300"'],
    ['v=spf1 ip4:192.0.2.0/33', 'invalid prefix length "/33"'],
    ['v=spf1 ip6:192.0.2.1', 'invalid ip6 address'],
    ['v=spf1 include:', 'empty domain'],
    ['v=spf1 include', '"include" needs a domain'],
    ['v=spf1 include:localhost', 'invalid domain "localhost"'],
    ['v=spf1 a:example.123', 'invalid domain "example.123"'],
    ['v=spf1 exists:%{z}.example.org', 'invalid macro in "%{z}.example.org" at position 14'],
    ['v=spf1 exists:%{i0}.example.org', 'invalid macro'],
    ['v=spf1 redirect=a.example.org redirect=b.example.org', 'second "redirect" modifier'],
    ['v=spf1 -all/24', 'unexpected "/24" after "all"'],
    ['v=spf1 a/', 'invalid prefix length "/"'],
    ['v=spf1 a/024', 'invalid prefix length "/024"'],
    ['v=spf1 mx:/24', 'empty domain'],
    ['v=spf1 ip4:010.0.0.1', 'invalid ip4 address "010.0.0.1"'],
    ['v=spf1 a:example.org/24/', 'invalid'],
    ['v=spf1 a\t-all', 'non-ASCII or control character at position 8'],
    ['v=spf1 a:exämple.org', 'non-ASCII or control character'],
    ['v=spf10 -all', 'missing version "v=spf1"'],
    ['spf1 -all', 'missing version'],
    ['', 'missing version'],
  ])('rejects %j', (text, message) => {
    expect(() => parseSpfRecord(text, NAME)).toThrow(message);
  });

  it('reports the record name and position on a syntax error', () => {
    const error = (() => {
      try {
        parseSpfRecord('v=spf1 a bogus', NAME);
      } catch (caught) {
        return caught;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(SpfSyntaxError);
    expect((error as SpfSyntaxError).position).toBe(9);
    expect((error as SpfSyntaxError).location).toEqual({ record: NAME });
    expect((error as SpfSyntaxError).message).toBe(
      'Cannot parse SPF record at "example.org": unknown mechanism "bogus" at position 9',
    );
  });

  it('survives an over-long hostile record', () => {
    const text = `v=spf1 ${'ip4:192.0.2.1 '.repeat(400)}-all`;
    expect(parseSpfRecord(text, NAME).mechanisms).toHaveLength(401);
  });
});

describe('isSpfRecord()', () => {
  it.each([
    ['v=spf1', true],
    ['v=spf1 -all', true],
    ['V=SPF1 -all', true],
    ['v=spf10', false],
    ['google-site-verification=x', false],
  ])('tells %j', (text, expected) => {
    expect(isSpfRecord(text)).toBe(expected);
  });
});

describe('hasMacro()', () => {
  it('finds a macro in a domain-spec', () => {
    expect(hasMacro('%{d}.example.org')).toBe(true);
    expect(hasMacro('example.org')).toBe(false);
  });
});
