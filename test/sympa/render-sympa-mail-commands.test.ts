import { describe, expect, it } from 'vitest';
import { renderSympaMailCommands } from '../../src/sympa/render-sympa-mail-commands.js';

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
  ])('refuses address %j, which would change the commands', (address) => {
    expect(() => renderSympaMailCommands('probe', [address])).toThrow('Cannot write Sympa commands');
  });

  it.each(['probe list', 'probe\nDEL other x@example.org', '-probe', ''])('refuses list %j', (list) => {
    expect(() => renderSympaMailCommands(list, ['bob@example.net'])).toThrow('is not a list name');
  });
});
