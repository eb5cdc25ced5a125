import { describe, expect, it } from 'vitest';
import { isTlsRptCandidate, parseTlsRptRecord } from '../../src/parse/parse-tlsrpt-record.js';

describe('parseTlsRptRecord()', () => {
  it('parseTlsRptRecord() reads several rua destinations', () => {
    expect(parseTlsRptRecord('v=TLSRPTv1; rua=mailto:tls@example.org, https://r.example.net/tls').rua).toEqual([
      'mailto:tls@example.org',
      'https://r.example.net/tls',
    ]);
  });

  it.each([
    ['missing rua', 'v=TLSRPTv1;', /"rua=" tag is missing/],
    ['http rua', 'v=TLSRPTv1; rua=http://r.example.net/', /neither mailto: nor https:/],
    ['bare address', 'v=TLSRPTv1; rua=tls@example.org', /neither mailto: nor https:/],
    ['wrong version', 'v=TLSRPTv2; rua=mailto:a@b.example', /must start with "v=TLSRPTv1"/],
  ])('parseTlsRptRecord() rejects %s', (_name, text, message) => {
    expect(() => parseTlsRptRecord(text)).toThrow(message);
  });

  it('isTlsRptCandidate() recognises TLS-RPT records only', () => {
    expect(isTlsRptCandidate('v=TLSRPTv1; rua=mailto:a@b.example')).toBe(true);
    expect(isTlsRptCandidate('v=spf1 -all')).toBe(false);
  });
});
