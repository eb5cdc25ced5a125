import { execFile, spawn } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';

const execFileAsync = promisify(execFile);

/** The shared test configuration (verified with Dovecot 2.3.19.1); its last_login plugin writes a file dict. */
const TEMPLATE = join(import.meta.dirname, '../../../../shared/reference/dovecot-test.conf');

/** How long Dovecot may take to listen after it daemonizes: it forks its services first. */
const START_WAIT_MS = 10_000;

/** A throwaway Dovecot with the last_login plugin, on 127.0.0.1 and an ephemeral port. */
export interface LastLoginDovecot {
  host: string;
  port: number;
  /** The dict URI the plugin writes, as `doveadm dict iter` takes it. */
  dictUri: string;
  /** Runs `doveadm -c <this config> <args>` and returns its stdout. */
  doveadm(args: string[]): Promise<string>;
  stop(): Promise<void>;
}

async function waitForListener(host: string, port: number): Promise<void> {
  const deadline = Date.now() + START_WAIT_MS;
  for (;;) {
    const isOpen = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, host, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => {
        resolve(false);
      });
    });
    if (isOpen) return;
    if (Date.now() > deadline) throw new Error(`Dovecot did not listen on ${host}:${port}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Starts Dovecot (dovecot-imapd, installed by .ci/run) from the shared template in a fresh directory, with the users
 * given, and the last_login dict already holding `seeded` entries written the way the file driver stores them
 * (key and value on alternate lines), so older logins exist beside the ones a test makes.
 */
export async function startLastLoginDovecot(
  users: { user: string; password: string }[],
  seeded: { user: string; lastLogin: Date }[] = [],
): Promise<LastLoginDovecot> {
  const host = '127.0.0.1';
  const dir = await mkdtemp(join(tmpdir(), 'facteur-dovecot-'));
  // mkdtemp makes it 0700: the login and mail processes, under other uids, must traverse it.
  await chmod(dir, 0o755);
  const isRoot = process.getuid?.() === 0;
  // As root, Dovecot runs its login processes as nobody and the mail as any uid >= first_valid_uid (500).
  const me = userInfo();
  const runUser = isRoot ? 'nobody' : me.username;
  const runGroup = isRoot ? 'nogroup' : (await execFileAsync('id', ['-gn'])).stdout.trim();
  const uid = isRoot ? 65534 : me.uid;
  const gid = isRoot ? 65534 : me.gid;
  const port = await freePort(host);
  for (const sub of ['run', 'state', 'home', 'dict']) await mkdir(join(dir, sub));
  const dictFile = join(dir, 'dict/last-login');
  await writeFile(
    dictFile,
    seeded
      .map((entry) => `shared/last-login/${entry.user}\n${Math.floor(entry.lastLogin.getTime() / 1000)}\n`)
      .join(''),
  );
  // The imap processes run as the mail uid: they create the homes and rewrite the dict.
  for (const path of [join(dir, 'home'), join(dir, 'dict'), dictFile]) await chown(path, uid, gid);
  await writeFile(join(dir, 'users'), users.map((u) => `${u.user}:{PLAIN}${u.password}::::::\n`).join(''));
  const config = (await readFile(TEMPLATE, 'utf8'))
    .replaceAll('@TESTDIR@', dir)
    .replaceAll('@PORT@', String(port))
    .replaceAll('@RUNUSER@', runUser)
    .replaceAll('@RUNGROUP@', runGroup)
    .replaceAll('@UID@', String(uid))
    .replaceAll('@GID@', String(gid));
  const configFile = join(dir, 'dovecot.conf');
  await writeFile(configFile, config);
  // dovecot daemonizes and its daemon keeps inherited pipes open: give it none, and wait for the parent alone.
  await new Promise<void>((resolve, reject) => {
    const child = spawn('dovecot', ['-c', configFile], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`dovecot exited ${code ?? 'by signal'}; see ${join(dir, 'dovecot.log')}`));
    });
  });
  await waitForListener(host, port);
  return {
    host,
    port,
    dictUri: `file:${dictFile}`,
    async doveadm(args) {
      return (await execFileAsync('doveadm', ['-c', configFile, ...args])).stdout;
    },
    async stop() {
      await execFileAsync('doveadm', ['-c', configFile, 'stop']).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
