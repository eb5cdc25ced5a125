import { chmodSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runSympaDel } from '../../src/sympa/run-sympa-del.js';
import { scratch } from './helpers.js';

/**
 * A stand-in for the `sympa` command that prints the report lines Sympa 6.2.70's `sympa del` printed for a member, a
 * non-member and a damaged line, so the parsing is tested apart from Sympa; test/integration/sympa.test.ts runs the
 * real one. It also records its argv and stdin, to show what was sent.
 */
const FAKE_SYMPA = `#!/bin/sh
printf '%s\\n' "$@" > "$0.argv"
cat > "$0.stdin"
echo "setlogsock(): type='unix': path not available at /usr/share/sympa/lib/Sympa/Log.pm line 225." >&2
while read -r address; do
  case "$address" in
    bob@*) echo "del [notice] The user $address has been removed from the list $3." >&2 ;;
    silent@*) ;;
    *) echo "del [user] E-mail address $(echo "$address" | tr A-Z a-z) was not found in list ." >&2 ;;
  esac
done < "$0.stdin"
echo "Failed to delete email addresses from $3" >&2
exit 1
`;

describe('runSympaDel()', () => {
  let files: ReturnType<typeof scratch>;
  let sympa: string;
  beforeEach(() => {
    files = scratch();
    sympa = files.write('sympa', FAKE_SYMPA);
    chmodSync(sympa, 0o755);
  });
  afterEach(() => {
    files.cleanup();
  });

  it('names the sympa.conf the members came from, so Sympa removes them from that same Sympa', async () => {
    const result = await runSympaDel('probe@lists.example.org', ['bob@example.net'], {
      sympaCommand: ['sudo', '-u', 'sympa', 'sympa'],
      sympaConf: '/etc/sympa/other/sympa.conf',
      dryRun: true,
    });
    expect(result.command).toEqual([
      'sudo',
      '-u',
      'sympa',
      'sympa',
      'del',
      '--config=/etc/sympa/other/sympa.conf',
      '--quiet',
      'probe@lists.example.org',
    ]);
  });

  it('plans without running anything in a dry run', async () => {
    const result = await runSympaDel('probe@lists.example.org', ['bob@example.net', 'bad address'], {
      sympaCommand: sympa,
      dryRun: true,
    });
    expect(result).toEqual({
      list: 'probe@lists.example.org',
      isDryRun: true,
      command: [sympa, 'del', '--quiet', 'probe@lists.example.org'],
      input: 'bob@example.net\n',
      exitCode: null,
      results: [
        { address: 'bob@example.net', outcome: 'planned', message: null },
        { address: 'bad address', outcome: 'invalid', message: null },
      ],
      stopped: null,
    });
    await expect(import('node:fs/promises').then((fs) => fs.access(`${sympa}.stdin`))).rejects.toThrow('ENOENT');
  });

  it("reads each address's outcome from Sympa's report lines, whatever their case", async () => {
    const result = await runSympaDel(
      'probe@lists.example.org',
      ['bob@example.net', 'Nobody@Example.ORG', 'silent@example.org', 'bob@example.net', '#x@example.org'],
      { sympaCommand: [sympa], dryRun: false },
    );
    expect(result.exitCode).toBe(1);
    expect(result.input).toBe('bob@example.net\nNobody@Example.ORG\nsilent@example.org\n');
    expect(result.results).toEqual([
      {
        address: 'bob@example.net',
        outcome: 'removed',
        message: 'The user bob@example.net has been removed from the list probe@lists.example.org.',
      },
      {
        address: 'Nobody@Example.ORG',
        outcome: 'refused',
        message: 'E-mail address nobody@example.org was not found in list .',
      },
      { address: 'silent@example.org', outcome: 'unknown', message: null },
      { address: '#x@example.org', outcome: 'invalid', message: null },
    ]);
  });

  it('passes the list and --quiet as separate arguments, never through a shell', async () => {
    await runSympaDel('probe@lists.example.org', ['bob@example.net'], { sympaCommand: sympa, dryRun: false });
    const { readFile } = await import('node:fs/promises');
    expect(await readFile(`${sympa}.argv`, 'utf8')).toBe('del\n--quiet\nprobe@lists.example.org\n');
    expect(await readFile(`${sympa}.stdin`, 'utf8')).toBe('bob@example.net\n');
  });

  it('throws when Sympa fails without a report line (an unknown list)', async () => {
    const failing = files.write(
      'failing',
      '#!/bin/sh\necho "Invalid argument \'$3\' (list is expected)" >&2\nexit 1\n',
    );
    chmodSync(failing, 0o755);
    await expect(
      runSympaDel('nolist@lists.example.org', ['bob@example.net'], { sympaCommand: failing, dryRun: false }),
    ).rejects.toThrow(
      'Cannot run sympa del on "nolist@lists.example.org": exit 1, "Invalid argument \'nolist@lists.example.org\' (list is expected)"',
    );
  });

  it('throws a config error when the Sympa command does not exist', async () => {
    await expect(
      runSympaDel('probe@lists.example.org', ['bob@example.net'], {
        sympaCommand: '/nonexistent/sympa',
        dryRun: false,
      }),
    ).rejects.toMatchObject({ code: 'ECONFIG', message: 'Cannot run sympa command "/nonexistent/sympa": ENOENT' });
  });

  it.each(['probe', '--help@x', 'probe list@lists.example.org', ''])('refuses list %j', async (list) => {
    await expect(runSympaDel(list, ['bob@example.net'], { sympaCommand: sympa, dryRun: true })).rejects.toThrow(
      'is not "name@domain"',
    );
  });

  it('runs nothing when no address is valid', async () => {
    const result = await runSympaDel('probe@lists.example.org', ['not an address'], {
      sympaCommand: sympa,
      dryRun: false,
    });
    expect(result.exitCode).toBeNull();
    expect(result.results).toEqual([{ address: 'not an address', outcome: 'invalid', message: null }]);
  });

  it('when stopped, keeps what Sympa reported before it stopped and leaves the rest unknown', async () => {
    // Reports the first address, then waits as Sympa would on a long list; `exec` makes the wait the process itself.
    const slow = files.write(
      'slow',
      `#!/bin/sh
read -r first
echo "del [notice] The user $first has been removed from the list $3." >&2
touch "$0.started"
exec sleep 30
`,
    );
    chmodSync(slow, 0o755);
    const controller = new AbortController();
    const { access } = await import('node:fs/promises');
    const started = (async () => {
      for (;;) {
        try {
          await access(`${slow}.started`);
          controller.abort();
          return;
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      }
    })();
    const result = await runSympaDel('probe@lists.example.org', ['bob@example.net', 'carol@example.com'], {
      sympaCommand: slow,
      dryRun: false,
      signal: controller.signal,
    });
    await started;
    expect(result.stopped).toEqual({ reason: 'interrupted' });
    expect(result.exitCode).toBeNull();
    expect(result.results.map((item) => [item.address, item.outcome])).toEqual([
      ['bob@example.net', 'removed'],
      ['carol@example.com', 'unknown'],
    ]);
  });

  it.each([
    ['killed by SIGINT', 'kill -INT $$'],
    ['ended 130 by a shell around it', 'exit 130'],
  ])(
    'takes Sympa %s as stopped, as Ctrl-C reaches it before facteur hears of it, never as a failure',
    async (_, end) => {
      const interrupted = files.write(
        'interrupted',
        `#!/bin/sh\nread -r first\necho "del [notice] The user $first has been removed from the list $3." >&2\n${end}\n`,
      );
      chmodSync(interrupted, 0o755);
      const result = await runSympaDel('probe@lists.example.org', ['bob@example.net', 'carol@example.com'], {
        sympaCommand: interrupted,
        dryRun: false,
      });
      expect(result.stopped).toEqual({ reason: 'interrupted' });
      expect(result.results.map((item) => [item.address, item.outcome])).toEqual([
        ['bob@example.net', 'removed'],
        ['carol@example.com', 'unknown'],
      ]);
    },
  );

  it('takes Sympa killed by SIGINT before it said anything as stopped, not as Sympa failing', async () => {
    const early = files.write('early', '#!/bin/sh\nkill -INT $$\n');
    chmodSync(early, 0o755);
    const result = await runSympaDel('probe@lists.example.org', ['bob@example.net'], {
      sympaCommand: early,
      dryRun: false,
    });
    expect(result.stopped).toEqual({ reason: 'interrupted' });
    expect(result.results).toEqual([{ address: 'bob@example.net', outcome: 'unknown', message: null }]);
  });

  it('runs nothing once stopped', async () => {
    const controller = new AbortController();
    controller.abort();
    const result = await runSympaDel('probe@lists.example.org', ['bob@example.net'], {
      sympaCommand: sympa,
      dryRun: false,
      signal: controller.signal,
    });
    expect(result.stopped).toEqual({ reason: 'interrupted' });
    expect(result.results).toEqual([{ address: 'bob@example.net', outcome: 'unknown', message: null }]);
    await expect(import('node:fs/promises').then((fs) => fs.access(`${sympa}.stdin`))).rejects.toThrow('ENOENT');
  });
});
