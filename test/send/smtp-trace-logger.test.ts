import { describe, expect, it } from 'vitest';
import { smtpTraceLogger } from '../../src/send/smtp-trace-logger.js';

describe('smtpTraceLogger()', () => {
  it('smtpTraceLogger() writes commands and replies, one line each, the AUTH argument redacted', () => {
    const lines: unknown[] = [];
    const logger = smtpTraceLogger((line) => lines.push(line), ['pw-Secret']);
    logger.debug({ tnx: 'server' }, '250-mx.example.org\n250 AUTH PLAIN LOGIN');
    logger.debug({ tnx: 'client' }, 'AUTH PLAIN AHUAcHctU2VjcmV0');
    logger.info({ tnx: 'smtp', username: 'u' }, 'User %s authenticated', '"u"');
    expect(lines).toEqual([
      'smtp S: 250-mx.example.org',
      'smtp S: 250 AUTH PLAIN LOGIN',
      'smtp C: AUTH PLAIN <redacted>',
      'smtp User "u" authenticated',
    ]);
  });

  it('smtpTraceLogger() leaves out the lines of the message itself, keeping its size', () => {
    const lines: unknown[] = [];
    const logger = smtpTraceLogger((line) => lines.push(line), []);
    logger.debug({ tnx: 'message' }, 'Subject: Bonjour Prénom1');
    logger.info({ tnx: 'message' }, '<%s bytes encoded mime message (source size %s bytes)>', 1705, 1701);
    expect(lines).toEqual(['smtp <1705 bytes encoded mime message (source size 1701 bytes)>']);
  });
});
