import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { matchesMxPattern, parseMtaStsPolicy } from '../../src/parse/parse-mta-sts-policy.js';

const ENFORCE = 'version: STSv1\r\nmode: enforce\r\nmx: mx1.example.org\r\nmx: *.example.net\r\nmax_age: 604800\r\n';

describe('parseMtaStsPolicy()', () => {
  it.each([
    ['CRLF lines', ENFORCE, { mode: 'enforce', maxAge: 604800, mx: ['mx1.example.org', '*.example.net'] }],
    [
      'LF lines, no final newline',
      'version: STSv1\nmode: testing\nmx: MX.Example.org.\nmax_age: 86400',
      {
        mode: 'testing',
        maxAge: 86400,
        mx: ['mx.example.org'],
      },
    ],
    ['mode none without mx', 'version: STSv1\nmode: none\nmax_age: 0\n', { mode: 'none', maxAge: 0, mx: [] }],
    [
      'fields in any order, unknown fields ignored',
      'max_age: 31557600\nfoo: bar\nmx: a.example\nmode: enforce\nversion: STSv1',
      {
        mode: 'enforce',
        maxAge: 31557600,
        mx: ['a.example'],
      },
    ],
    [
      'a repeated field keeps its first value',
      'version: STSv1\nmode: testing\nmode: enforce\nmx: a.example\nmax_age: 60',
      {
        mode: 'testing',
        maxAge: 60,
        mx: ['a.example'],
      },
    ],
    [
      'trailing spaces and blank lines',
      'version: STSv1  \n\nmode:enforce\t\nmx:  a.example \nmax_age: 60\n\n',
      {
        mode: 'enforce',
        maxAge: 60,
        mx: ['a.example'],
      },
    ],
  ])('parseMtaStsPolicy() reads %s', (_name, text, expected) => {
    expect(parseMtaStsPolicy(text)).toEqual(expected);
  });

  it.each([
    ['an empty body', '', /"version:" is missing/],
    ['an HTML error page', '<html><body>Not found</body></html>', /is not "key: value"/],
    ['version STSv2', 'version: STSv2\nmode: enforce\nmx: a.example\nmax_age: 60', /version "STSv2" is invalid/],
    ['an unknown mode', 'version: STSv1\nmode: strict\nmx: a.example\nmax_age: 60', /mode "strict" is invalid/],
    ['a missing mode', 'version: STSv1\nmx: a.example\nmax_age: 60', /"mode:" is missing/],
    ['max_age over one year', 'version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 31557601', /max_age "31557601"/],
    ['max_age negative', 'version: STSv1\nmode: enforce\nmx: a.example\nmax_age: -1', /max_age "-1"/],
    ['max_age of 11 digits', 'version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 00000000060', /max_age/],
    ['enforce without mx', 'version: STSv1\nmode: enforce\nmax_age: 60', /needs at least one "mx:"/],
    ['a wildcard in the middle', 'version: STSv1\nmode: enforce\nmx: mx.*.example\nmax_age: 60', /mx "mx.\*.example"/],
    ['an mx with a space', 'version: STSv1\nmode: enforce\nmx: a example\nmax_age: 60', /not a host name pattern/],
    ['a line without colon', 'version: STSv1\nmode enforce\nmx: a.example\nmax_age: 60', /line 2/],
    ['a NUL byte', 'version: STSv1\0\nmode: enforce\nmx: a.example\nmax_age: 60', /other than ASCII/],
    ['non-ASCII text', 'version: STSv1\nmode: enforcé\nmx: a.example\nmax_age: 60', /other than ASCII/],
    [
      'a body over 64 KB',
      `version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 60\n${'x: y\n'.repeat(14000)}`,
      /larger than/,
    ],
    ['truncated after the key', 'version: STSv1\nmode: enforce\nmx: a.example\nmax_age:', /max_age "" is invalid/],
  ])('parseMtaStsPolicy() rejects %s', (_name, text, message) => {
    expect(() => parseMtaStsPolicy(text)).toThrow(InputError);
    expect(() => parseMtaStsPolicy(text)).toThrow(message);
  });
});

describe('matchesMxPattern()', () => {
  it.each([
    ['mx1.example.org', 'mx1.example.org', true],
    ['MX1.Example.org.', 'mx1.example.org', true],
    ['mx2.example.org', 'mx1.example.org', false],
    ['mail.example.net', '*.example.net', true],
    ['example.net', '*.example.net', false],
    ['a.b.example.net', '*.example.net', false],
    ['mail.example.net.evil', '*.example.net', false],
  ])('matchesMxPattern("%s", "%s") is %s', (host, pattern, expected) => {
    expect(matchesMxPattern(host, pattern)).toBe(expected);
  });
});
