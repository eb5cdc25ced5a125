import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { startDaemon } from './daemon.js';
import { freePort } from './free-port.js';
import { SYMPA } from './sympa.js';

/** Debian's PostgreSQL (its newest major version) and MariaDB, installed by .ci/run: absent, the tests fail loudly. */
const PG_BIN = `/usr/lib/postgresql/${
  (existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql') : [])
    .filter((version) => /^\d+$/.test(version))
    .sort((a, b) => Number(b) - Number(a))[0] ?? 'missing'
}/bin`;
const MARIADBD = '/usr/sbin/mariadbd';
const MARIADB_INSTALL_DB = '/usr/bin/mariadb-install-db';

/** How long a fresh server may take to accept connections on a busy 2-core machine. */
const START_TIMEOUT_MS = 60_000;

/** A throwaway database server on 127.0.0.1 holding an empty `sympa` database, for Sympa and for facteur. */
export interface SqlServer {
  kind: 'PostgreSQL' | 'MariaDB';
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  /** A copy of the installed sympa.conf whose db_* settings and home point here (mode 0640, as Debian's). */
  sympaConf: string;
  /** Runs SQL as the `sympa` user; `?` placeholders for MariaDB, `$1` for PostgreSQL. */
  query(sql: string, values?: unknown[]): Promise<Record<string, unknown>[]>;
  /** CPU seconds the server has used so far (user and system; PostgreSQL's ended backends included). */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/** The servers refuse to run as root: as root they run as their Debian system user, else as the current user. */
function runAs(systemUser: string): { user: string; uid: number; gid: number; wrap: (argv: string[]) => string[] } {
  const me = userInfo();
  if (me.uid !== 0) return { user: me.username, uid: me.uid, gid: me.gid, wrap: (argv) => argv };
  const uid = Number(execFileSync('id', ['-u', systemUser]).toString().trim());
  const gid = Number(execFileSync('id', ['-g', systemUser]).toString().trim());
  return { user: systemUser, uid, gid, wrap: (argv) => ['runuser', '-u', systemUser, '--', ...argv] };
}

function run(argv: string[], env: NodeJS.ProcessEnv = process.env): void {
  const [file, ...args] = argv;
  execFileSync(file ?? '', args, { stdio: ['ignore', 'ignore', 'pipe'], env });
}

/**
 * Starts a server in the foreground (`argv`, wrapped in runuser when needed) and waits until `connect` succeeds; the
 * server exiting first is an error carrying what it printed. Stopping it removes `dir`.
 */
async function startServer<T>(
  name: string,
  argv: string[],
  dir: string,
  connect: () => Promise<T>,
): Promise<{ connection: T; stop: () => Promise<void> }> {
  const [command = '', ...args] = argv;
  let connection: T | undefined;
  const daemon = await startDaemon({
    command,
    args,
    workdir: dir,
    name,
    timeoutMs: START_TIMEOUT_MS,
    isReady: async () => {
      try {
        connection = await connect();
        return true;
      } catch {
        return false;
      }
    },
  });
  if (connection === undefined) throw new Error(`${name} is ready but gave no connection`);
  return { connection, stop: () => daemon.stop() };
}

/** The pid a server wrote in its pid file (first line). */
function readPid(pidFile: string): number {
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`No pid in "${pidFile}"`);
  return pid;
}

/**
 * A process's CPU seconds from /proc/PID/stat (proc(5)): utime, stime, and cutime, cstime of the children it waited
 * for, which for PostgreSQL are the backends of closed connections. Ticks are USER_HZ, 100 on Linux.
 */
function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may hold spaces: fields start after its closing parenthesis, at field 3 (state).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = [11, 12, 13, 14].reduce((sum, index) => sum + Number(fields[index]), 0);
  return ticks / 100;
}

/** Stops a server by the pid it wrote (a process this helper started), and waits until it is gone. */
async function stopPid(pidFile: string): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let attempt = 0; attempt < 300 && existsSync(`/proc/${pid}`); attempt++)
    await new Promise((resolve) => setTimeout(resolve, 100));
}

/**
 * Writes a sympa.conf for this server from the installed one: same domain and listmaster, db_* pointing here, its own
 * list home (so lists made here never touch the installed Sympa's), and `update_db_field_types auto` so that
 * `sympa check` creates Sympa's tables with Sympa's own schema for the server.
 */
async function writeSympaConf(dir: string, type: 'PostgreSQL' | 'mysql', port: number, password: string) {
  const installed = await readFile('/etc/sympa/sympa/sympa.conf', 'utf8');
  const home = join(dir, 'list_data');
  await mkdir(home);
  const sympaUid = Number(execFileSync('id', ['-u', 'sympa']).toString().trim());
  const sympaGid = Number(execFileSync('id', ['-g', 'sympa']).toString().trim());
  await chown(home, sympaUid, sympaGid);
  const kept = installed
    .split('\n')
    .filter((line) => !/^(db_\w+|home|update_db_field_types)\s/.test(line))
    .join('\n');
  const file = join(dir, 'sympa.conf');
  await writeFile(
    file,
    `${kept}\ndb_type\t${type}\ndb_host\t127.0.0.1\ndb_port\t${port}\ndb_name\tsympa\ndb_user\tsympa\n` +
      `db_passwd\t${password}\nhome\t${home}\nupdate_db_field_types\tauto\n`,
  );
  // As Debian ships it: the password readable by root and the sympa group only.
  await chown(file, 0, sympaGid);
  await chmod(file, 0o640);
  return file;
}

/** Has Sympa create its own tables in the server's database (Sympa::DatabaseManager::probe_db, via `sympa check`). */
function createSympaSchema(sympaConf: string): void {
  run([SYMPA, 'check'], { ...process.env, SYMPA_CONFIG: sympaConf });
}

/** Starts PostgreSQL from `initdb` in a temp directory, on 127.0.0.1 and an ephemeral port, with Sympa's schema. */
export async function startPostgresql(): Promise<SqlServer> {
  const host = '127.0.0.1';
  const dir = await mkdtemp(join(tmpdir(), 'facteur-pg-'));
  await chmod(dir, 0o755);
  const as = runAs('postgres');
  const data = join(dir, 'data');
  const superPassword = 'facteur-super';
  const password = 'sympa-secret-pg';
  await writeFile(join(dir, 'superpw'), superPassword);
  await chown(dir, as.uid, as.gid);
  await chown(join(dir, 'superpw'), as.uid, as.gid);
  run(
    as.wrap([
      `${PG_BIN}/initdb`,
      '-D',
      data,
      '-U',
      'postgres',
      '--auth=scram-sha-256',
      `--pwfile=${join(dir, 'superpw')}`,
      '-E',
      'UTF8',
      '--locale=C.UTF-8',
    ]),
  );
  const port = await freePort(host);
  // fsync off: a throwaway instance has nothing to lose and the CI disk is shared.
  const server = await startServer(
    'PostgreSQL',
    as.wrap([
      `${PG_BIN}/postgres`,
      '-D',
      data,
      '-k',
      dir,
      '-p',
      String(port),
      '-c',
      `listen_addresses=${host}`,
      '-c',
      'fsync=off',
    ]),
    dir,
    async () => {
      const client = new pg.Client({ host, port, user: 'postgres', password: superPassword, database: 'postgres' });
      await client.connect();
      return client;
    },
  );
  const admin = server.connection;
  await admin.query(`CREATE ROLE sympa LOGIN PASSWORD '${password}'`);
  await admin.query("CREATE DATABASE sympa OWNER sympa ENCODING 'UTF8'");
  await admin.end();
  const sympaConf = await writeSympaConf(dir, 'PostgreSQL', port, password);
  createSympaSchema(sympaConf);
  const client = new pg.Client({ host, port, user: 'sympa', password, database: 'sympa' });
  await client.connect();
  const pid = readPid(join(data, 'postmaster.pid'));
  return {
    kind: 'PostgreSQL',
    host,
    port,
    database: 'sympa',
    user: 'sympa',
    password,
    sympaConf,
    async query(sql, values = []) {
      return (await client.query(sql, values)).rows as Record<string, unknown>[];
    },
    cpuSeconds: () => processCpuSeconds(pid),
    async stop() {
      await client.end().catch(() => undefined);
      // runuser stands between us and the server: stop the server itself, by the pid it wrote.
      await stopPid(join(data, 'postmaster.pid'));
      await server.stop();
    },
  };
}

/**
 * Starts MariaDB from `mariadb-install-db` in a temp directory, on 127.0.0.1 and an ephemeral port, with Sympa's
 * schema. The InnoDB buffer pool is small unless told (`bufferPoolMb`): a test holds a few hundred rows, and the
 * machine has other servers running.
 */
export async function startMariadb(options: { bufferPoolMb?: number } = {}): Promise<SqlServer> {
  const host = '127.0.0.1';
  const dir = await mkdtemp(join(tmpdir(), 'facteur-mariadb-'));
  await chmod(dir, 0o755);
  const as = runAs('mysql');
  await chown(dir, as.uid, as.gid);
  const data = join(dir, 'data');
  const socket = join(dir, 'mariadb.sock');
  const password = 'sympa-secret-my';
  run([
    MARIADB_INSTALL_DB,
    '--no-defaults',
    `--datadir=${data}`,
    `--user=${as.user}`,
    '--auth-root-authentication-method=normal',
    '--skip-test-db',
  ]);
  const port = await freePort(host);
  const pidFile = join(dir, 'mariadb.pid');
  const server = await startServer(
    'MariaDB',
    [
      MARIADBD,
      '--no-defaults',
      `--datadir=${data}`,
      `--user=${as.user}`,
      `--socket=${socket}`,
      `--port=${port}`,
      `--bind-address=${host}`,
      `--pid-file=${pidFile}`,
      '--skip-log-bin',
      '--skip-name-resolve',
      `--innodb-buffer-pool-size=${options.bufferPoolMb ?? 16}M`,
      '--innodb-log-file-size=8M',
    ],
    dir,
    () => mysql.createConnection({ socketPath: socket, user: 'root' }),
  );
  const admin = server.connection;
  await admin.query('CREATE DATABASE sympa CHARACTER SET utf8mb4');
  await admin.query(`CREATE USER 'sympa'@'127.0.0.1' IDENTIFIED BY '${password}'`);
  await admin.query("GRANT ALL ON sympa.* TO 'sympa'@'127.0.0.1'");
  await admin.end();
  const sympaConf = await writeSympaConf(dir, 'mysql', port, password);
  createSympaSchema(sympaConf);
  const connection = await mysql.createConnection({ host, port, user: 'sympa', password, database: 'sympa' });
  const pid = readPid(pidFile);
  return {
    kind: 'MariaDB',
    host,
    port,
    database: 'sympa',
    user: 'sympa',
    password,
    sympaConf,
    async query(sql, values = []) {
      const [rows] = await connection.query(sql, values);
      return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [];
    },
    cpuSeconds: () => processCpuSeconds(pid),
    async stop() {
      await connection.end().catch(() => undefined);
      await server.stop();
    },
  };
}
