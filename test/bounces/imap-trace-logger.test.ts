import { describe, expect, it } from 'vitest';
import { imapTraceLogger } from '../../src/bounces/imap-trace-logger.js';

describe('imapTraceLogger()', () => {
  it('imapTraceLogger() writes commands, responses and notes, LOGIN arguments redacted', () => {
    const lines: unknown[] = [];
    const logger = imapTraceLogger((line) => lines.push(line), ['pw-Secret']);
    logger.debug({ src: 's', msg: '* OK Dovecot ready.', cid: 'x' });
    logger.debug({ src: 'c', msg: '1 LOGIN "u" "(* value hidden *)"', cid: 'x' });
    logger.info({ src: 'tls', msg: 'Established TLS session', cid: 'x' });
    logger.error({ err: new Error('Socket closed with pw-Secret'), cid: 'x' });
    expect(lines).toEqual([
      'imap S: * OK Dovecot ready.',
      'imap C: 1 LOGIN <redacted>',
      'imap Established TLS session',
      'imap Socket closed with <redacted>',
    ]);
  });

  it('imapTraceLogger() has no trace level, at which imapflow logs FETCH responses and raw bytes', () => {
    expect('trace' in imapTraceLogger(() => undefined, [])).toBe(false);
  });
});
