import { describe, expect, it } from 'vitest';
import { isSympaCommandAddress, renderSympaMailCommands } from '../../src/sympa/render-sympa-mail-commands.js';

describe('renderSympaMailCommands()', () => {
  it('writes one QUIET DEL line per address', () => {
    expect(renderSympaMailCommands('probe@lists.example.org', ['bob@example.net', 'dave@gone.example'])).toBe(
      'QUIET DEL probe@lists.example.org bob@example.net\nQUIET DEL probe@lists.example.org dave@gone.example\n',
    );
  });

  it('takes a bare list name, as the robot of its domain reads it', () => {
    expect(renderSympaMailCommands('probe', ['bob@example.net'])).toBe('QUIET DEL probe bob@example.net\n');
  });

  it('writes nothing for no address', () => {
    expect(renderSympaMailCommands('probe', [])).toBe('');
  });

  it.each([
    'bob@example.net\nDEL other carol@example.com',
    'bob@example.net carol@example.com',
    '#bob@example.net',
    '',
    // Sympa's DEL pattern has no end anchor: it would remove bob@example.net, another member.
    'bob@example.net!x',
    'bob@example.net.',
    'bob@exämple.net',
    'bob@localhost',
  ])('refuses address %j, which would change the commands', (address) => {
    expect(() => renderSympaMailCommands('probe', [address])).toThrow('Cannot write Sympa commands');
  });

  it.each(['probe list', 'probe\nDEL other x@example.org', '-probe', ''])('refuses list %j', (list) => {
    expect(() => renderSympaMailCommands(list, ['bob@example.net'])).toThrow('is not a list name');
  });

  it('writes addresses with the characters Sympa allows in a local part', () => {
    expect(renderSympaMailCommands('probe', ['b=x+tag@example.net', "o'brien@example.org"])).toBe(
      "QUIET DEL probe b=x+tag@example.net\nQUIET DEL probe o'brien@example.org\n",
    );
  });
});

describe('isSympaCommandAddress()', () => {
  it.each([
    ['bob@example.net', true],
    ['Bob.Smith-2@sub.example.co.uk', true],
    ['"bob"@example.net', true],
    ['bob@example.net!x', false],
    ['bob@@example.net', false],
    ['bob @example.net', false],
    ['bob@example.net\r\nDEL x y@example.net', false],
  ])('reads %j: %s', (address, expected) => {
    expect(isSympaCommandAddress(address)).toBe(expected);
  });
});
