import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { packageRoot } from '../../../src/package-root.js';
import { makeCertificate } from './certificate.js';
import { freePort } from './free-port.js';

/** The reference config known to work on this machine (Dovecot 2.3, Debian's dovecot-imapd), beside the checkout. */
const REFERENCE_CONFIG = join(packageRoot(), '../shared/reference/dovecot-test.conf');

/** Where Debian puts the daemon; CI installs dovecot-imapd, so its absence is a setup error, not a skip. */
export const DOVECOT = ['/usr/sbin/dovecot', '/usr/local/sbin/dovecot'].find((path) => existsSync(path)) ?? 'dovecot';

/** A throwaway Dovecot with one account, listening on 127.0.0.1. */
export interface DovecotServer {
  host: string;
  port: number;
  user: string;
  password: string;
  /** The account's Maildir on disk. */
  maildir: string;
  /** With `{ tls: true }`: the implicit-TLS port (the plain one then offers STARTTLS) and the self-signed certificate. */
  tls: { port: number; certificateFile: string } | null;
  /** A logged-in client of the account, for the test's own appends and checks. */
  connect(): Promise<ImapFlow>;
  /** Pids of the per-connection `imap` processes now serving the account. */
  imapPids(): number[];
  /** Stops the server (keeping the mail), as `start()` brings it back on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and removes its directory. */
  destroy(): Promise<void>;
}

async function waitForPort(host: string, port: number, up: boolean): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, host);
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => {
        resolve(false);
      });
    });
    if (open === up) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Dovecot on ${host}:${port} did not ${up ? 'start' : 'stop'}`);
}

/** Children of a process, read from /proc (Linux): Dovecot's master forks one `imap` process per session. */
function descendants(pid: number): { pid: number; name: string }[] {
  const found: { pid: number; name: string }[] = [];
  const parents = new Set([pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const child = Number(entry);
      if (parents.has(child)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      } catch {
        continue;
      }
      // "pid (comm) state ppid ...": comm may hold spaces, so read after the last ")".
      const close = stat.lastIndexOf(')');
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      if (parents.has(ppid)) {
        parents.add(child);
        found.push({ pid: child, name: stat.slice(stat.indexOf('(') + 1, close) });
        grew = true;
      }
    }
  }
  return found;
}

/**
 * Starts Dovecot from the reference config in a fresh directory, on an ephemeral port, with one account (its password
 * `password` when given); with `tls`, also on a second port with implicit TLS and STARTTLS on the first, under a
 * self-signed certificate for 127.0.0.1.
 */
export async function startDovecot(options: { tls?: boolean; password?: string } = {}): Promise<DovecotServer> {
  const host = '127.0.0.1';
  const dir = await mkdtemp(join(tmpdir(), 'facteur-dovecot-'));
  await chmod(dir, 0o755);
  const port = await freePort(host);
  const me = userInfo();
  const root = me.uid === 0;
  // As root, Dovecot's processes and the mail run as nobody (any uid >= first_valid_uid works; see the reference).
  const runUser = root ? 'nobody' : me.username;
  const runGroup = root ? 'nogroup' : execFileSync('id', ['-gn']).toString().trim();
  const uid = root ? 65534 : me.uid;
  const gid = root ? 65534 : me.gid;
  const user = 'bounces@example.test';
  const password = options.password ?? 'bouncespw';
  const template = await readFile(REFERENCE_CONFIG, 'utf8');
  let config = template
    .replaceAll('@TESTDIR@', dir)
    .replaceAll('@PORT@', String(port))
    .replaceAll('@RUNUSER@', runUser)
    .replaceAll('@RUNGROUP@', runGroup)
    .replaceAll('@UID@', String(uid))
    .replaceAll('@GID@', String(gid));
  const configFile = join(dir, 'dovecot.conf');
  let tls: DovecotServer['tls'] = null;
  if (options.tls === true) {
    makeCertificate(dir, host, [`IP:${host}`]);
    tls = { port: await freePort(host), certificateFile: join(dir, 'cert.pem') };
    config = config
      .replace(/^ssl = no$/m, `ssl = yes\nssl_cert = <${join(dir, 'cert.pem')}\nssl_key = <${join(dir, 'key.pem')}`)
      .replace(/(inet_listener imaps \{\s*port = )0/, `$1${tls.port}`);
  }
  await writeFile(configFile, config);
  await writeFile(join(dir, 'users'), `${user}:{PLAIN}${password}::::::\n`);
  const home = join(dir, 'home', user);
  await mkdir(home, { recursive: true });
  await mkdir(join(dir, 'dict'));
  if (root) {
    for (const path of [join(dir, 'home'), home, join(dir, 'dict')]) await chown(path, uid, gid);
  }
  let masterPid: number | null = null;

  async function start(): Promise<void> {
    execFileSync(DOVECOT, ['-c', configFile], { stdio: 'inherit' });
    await waitForPort(host, port, true);
    // The daemonized master writes its pid file around the time it listens: wait for it rather than race it.
    const pidFile = join(dir, 'run', 'master.pid');
    for (let attempt = 0; attempt < 100 && !existsSync(pidFile); attempt++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    masterPid = Number(readFileSync(pidFile, 'utf8').trim());
  }

  async function stop(): Promise<void> {
    if (masterPid === null) return;
    const pid = masterPid;
    masterPid = null;
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      return;
    }
    await waitForPort(host, port, false);
    for (let attempt = 0; attempt < 100 && existsSync(`/proc/${pid}`); attempt++)
      await new Promise((resolve) => setTimeout(resolve, 50));
  }

  await start();
  return {
    host,
    port,
    user,
    password,
    maildir: join(home, 'Maildir'),
    tls,
    async connect() {
      const client = new ImapFlow({
        host,
        port,
        secure: false,
        doSTARTTLS: false,
        auth: { user, pass: password },
        logger: false,
      });
      client.on('error', () => undefined);
      await client.connect();
      return client;
    },
    imapPids() {
      return masterPid === null
        ? []
        : descendants(masterPid)
            .filter((p) => p.name === 'imap')
            .map((p) => p.pid);
    },
    stop,
    start,
    async destroy() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The real bounces of `../shared/corpora/bounces/messages/`, read in place, in a stable order. */
export function readBounceCorpus(): { file: string; raw: Buffer }[] {
  const base = join(packageRoot(), '../shared/corpora/bounces/messages');
  const messages: { file: string; raw: Buffer }[] = [];
  for (const folder of readdirSync(base).sort())
    for (const name of readdirSync(join(base, folder)).sort())
      messages.push({ file: `${folder}/${name}`, raw: readFileSync(join(base, folder, name)) });
  return messages;
}
