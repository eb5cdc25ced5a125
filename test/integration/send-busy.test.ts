import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ZoneServer } from '../../src/dns/zone-server.js';
import type { CampaignStatus } from '../../src/send/campaign-status.js';
import type { SendReport } from '../../src/send/send-campaign.js';
import { facteur, type CliResult } from './helpers/facteur.js';
import { pauseAt } from './helpers/pause-at.js';
import { startCampaignZones, people, writeCampaign, type CampaignFixture } from './helpers/smtp-campaign.js';
import { startSmtpServer, type TestSmtpServer } from './helpers/smtp-server.js';
import { holdWriteLock } from './helpers/write-lock.js';

/** Resolves once `condition` holds, checking every 20 ms, or once `running` ends, whichever comes first. */
async function until(condition: () => boolean, running: Promise<unknown>): Promise<void> {
  const child = { hasEnded: false };
  void running.finally(() => (child.hasEnded = true));
  while (!condition() && !child.hasEnded) await new Promise((resolve) => setTimeout(resolve, 20));
}

/** The statement that records a message's outcome: prepared at the first outcome the run commits. */
const RECORD_OUTCOME = "sent_at = CASE WHEN ? = 'sent'";

describe('send run while another process keeps the database locked past the busy timeout', () => {
  let zones: ZoneServer;
  let smtp: TestSmtpServer;
  let fixture: CampaignFixture;

  beforeAll(async () => {
    zones = await startCampaignZones({});
  });

  afterAll(async () => {
    await zones.stop();
  });

  afterEach(async () => {
    await smtp.stop();
    rmSync(fixture.dir, { recursive: true, force: true });
  });

  /**
   * Runs a one-message campaign, stopped once the server has accepted the message and before its outcome is
   * committed; another process then takes the write lock, and `whileWaiting` runs once the run says it waits for it.
   */
  async function sendAcrossLock(
    whileWaiting: (child: ChildProcess, stderr: () => string, running: Promise<unknown>) => Promise<void>,
  ): Promise<{
    result: CliResult;
    stderrWhileWaiting: string;
    holderPid: number;
  }> {
    smtp = await startSmtpServer();
    fixture = writeCampaign({ port: smtp.port, rows: people(1), config: {}, smtp: { pool: 1 } });
    const pause = pauseAt({ sql: RECORD_OUTCOME, nth: 1 });
    let stderr = '';
    let child: ChildProcess | undefined;
    try {
      const running = facteur(
        ['send', 'run', fixture.configFile, '--force', '--json', '--resolver', zones.address],
        (started) => {
          child = started;
          started.stderr?.on('data', (chunk: string) => (stderr += chunk));
        },
        { nodeArgs: pause.nodeArgs, env: pause.env },
      );
      await pause.reached(running);
      expect(smtp.accepted).toHaveLength(1);
      const holder = await holdWriteLock(fixture.dbFile);
      pause.resume();
      await until(() => stderr.includes('locked by'), running);
      const stderrWhileWaiting = stderr;
      if (child !== undefined && stderr.includes('locked by')) await whileWaiting(child, () => stderr, running);
      await holder.release();
      return { result: await running, stderrWhileWaiting, holderPid: holder.pid };
    } finally {
      pause.dispose();
    }
  }

  async function statusOf(configFile: string): Promise<CampaignStatus> {
    return JSON.parse((await facteur(['send', 'status', configFile, '--json'])).stdout) as CampaignStatus;
  }

  it('waits for the lock, saying who holds it, then records the accepted message as sent', async () => {
    const { result, stderrWhileWaiting, holderPid } = await sendAcrossLock(() => Promise.resolve());
    expect(stderrWhileWaiting).toContain(`facteur: Waiting to record 1 message outcome: database "${fixture.dbFile}"`);
    expect(stderrWhileWaiting).toContain(`locked by "node" (pid ${holderPid})`);
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as SendReport).run).toMatchObject({ sent: 1, uncertain: 0 });
    const status = await statusOf(fixture.configFile);
    expect(status.counts).toMatchObject({ sent: 1, uncertain: 0, sending: 0 });
    // A rerun finds nothing left to send: the message went once.
    const rerun = await facteur(['send', 'run', fixture.configFile, '--force', '--json', '--resolver', zones.address]);
    expect((JSON.parse(rerun.stdout) as SendReport).foundUncertain).toBe(0);
    expect(smtp.accepted).toHaveLength(1);
  });

  it('interrupted while it waits, still records the accepted message before it stops (exit 130)', async () => {
    const { result } = await sendAcrossLock(async (child, stderr, running) => {
      child.kill('SIGTERM');
      // Told while the lock is still held: it goes on waiting rather than leave the message uncertain.
      await until(() => stderr().includes('Interrupted while waiting'), running);
    });
    expect(result.code).toBe(130);
    expect(result.stderr).toContain('facteur: Interrupted while waiting to record 1 message outcome');
    expect((await statusOf(fixture.configFile)).counts).toMatchObject({ sent: 1, uncertain: 0, sending: 0 });
  });
});
