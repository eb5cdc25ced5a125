import { describe, expect, it } from 'vitest';
import {
  formatDuration,
  renderPreflightText,
  renderProgress,
  renderRunText,
  renderStatusText,
  runExit,
  retryWaitNotice,
} from '../../../src/cli/commands/send.js';
import type { CampaignStatus } from '../../../src/send/campaign-status.js';
import type { PreflightReport } from '../../../src/send/preflight.js';
import type { SendReport } from '../../../src/send/send-campaign.js';

const PROGRESS = { total: 200, done: 50, sent: 45, failed: 2, deferred: 1, uncertain: 2 };

const REPORT: SendReport = {
  schemaVersion: 1,
  campaign: 'velo',
  mode: 'send',
  recipients: { queued: 3, skipped: 0, duplicates: 0 },
  foundUncertain: 0,
  expired: 0,
  run: { total: 3, done: 3, sent: 3, deferred: 0, failed: 0, uncertain: 0, rendered: 0, renderErrors: 0 },
  counts: { pending: 0, sending: 0, sent: 3, deferred: 0, failed: 0, uncertain: 0 },
  failures: [],
  tests: [],
  interrupted: false,
  stopped: null,
  elapsedMs: 1200,
};

describe('renderPreflightText()', () => {
  it('counts the rows read apart from the distinct recipients they name, a repeated address once', () => {
    const report: PreflightReport = {
      schemaVersion: 1,
      campaign: 'consultation',
      findings: [],
      summary: { errors: 0, warnings: 1, unknown: 0 },
      recipients: { checked: 19, distinct: 18, skipped: 1, renderErrors: 0 },
    };
    expect(renderPreflightText(report, 'en')).toContain(
      '19 rows rendered for 18 recipients, 1 row skipped; 0 errors, 1 warning, 0 unknown',
    );
    expect(renderPreflightText(report, 'fr')).toContain(
      '19 lignes rendues pour 18 destinataires, 1 ligne ignorée ; 0 erreur, 1 avertissement, 0 inconnu',
    );
  });
});

describe('formatDuration()', () => {
  it.each([
    [0, '0 s'],
    [44.6, '45 s'],
    [725, '12 min 05 s'],
    [7830, '2 h 10 min'],
  ])('writes %s seconds as "%s"', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});

describe('renderProgress()', () => {
  it('draws a bar with the share done, the rate and the time left', () => {
    expect(renderProgress(PROGRESS, 10_000, 'en')).toBe(
      '[######..................] 25% 50/200  5/s  ETA 30 s  (45 sent, 2 failed, 1 deferred, 2 uncertain)',
    );
    expect(renderProgress({ ...PROGRESS, done: 200 }, 10_000, 'fr')).toMatch(
      /^\[#{24}\] 100 % 200\/200 {2}20\/s {2}reste 0 s/,
    );
  });
});

describe('renderRunText() and runExit()', () => {
  it("writes the run's duration with the reader's decimal mark", () => {
    expect(renderRunText(REPORT, 'en')).toContain('this run (1.2 s)');
    expect(renderRunText(REPORT, 'fr')).toContain('lors de ce passage (1,2 s)');
  });

  it('says how many messages outlived the queue lifetime, lists them apart, and exits 1', () => {
    const report: SendReport = {
      ...REPORT,
      expired: 1,
      failures: [
        { recipientId: 4, email: 'a@example.org', state: 'failed', replyCode: 451, reply: '451 Later', expired: true },
      ],
      counts: { ...REPORT.counts, failed: 1 },
    };
    const text = renderRunText(report, 'en');
    expect(text).toContain(
      '1 deferred message outlived the queue lifetime (maxQueueLifetime) and was failed, its last reply kept',
    );
    expect(renderRunText({ ...report, expired: 2 }, 'fr')).toContain(
      '2 messages différés ont dépassé la durée de vie en file (maxQueueLifetime) et sont passés en échec, avec leur dernière réponse',
    );
    expect(text).toContain(
      'failed line 4 a@example.org: still deferred at the end of the queue lifetime; last reply: 451 Later',
    );
    expect(runExit(report)).toBe(1);
  });

  it("names the state of each failure in the reader's language", () => {
    const report: SendReport = {
      ...REPORT,
      failures: [
        {
          recipientId: 9,
          email: 'a@example.org',
          state: 'deferred',
          replyCode: 452,
          reply: '452 Full',
          expired: false,
        },
      ],
    };
    expect(renderRunText(report, 'fr')).toContain('  différé ligne 9 a@example.org : 452 Full');
    expect(renderRunText(report, 'en')).toContain('  deferred line 9 a@example.org: 452 Full');
  });

  it('counts uncertain messages of the run, and exits 3 while some are left', () => {
    const report: SendReport = {
      ...REPORT,
      run: { ...REPORT.run, sent: 2, uncertain: 1 },
      counts: { ...REPORT.counts, sent: 2, uncertain: 1 },
    };
    expect(renderRunText(report, 'fr')).toContain('2 envoyés, 0 en échec, 0 différé, 1 incertain');
    expect(runExit(report)).toBe(3);
  });
});

describe('renderRunText() of a run stopped on an unreachable server', () => {
  const report: SendReport = {
    ...REPORT,
    run: { ...REPORT.run, done: 0, sent: 0 },
    counts: { ...REPORT.counts, sent: 0, pending: 15, deferred: 5 },
    stopped: {
      reason: 'unreachable',
      message: 'Cannot reach "mail.example.org:587": ECONNECTION: connect ECONNREFUSED',
      server: 'mail.example.org:587',
      reply: 'ECONNECTION: connect ECONNREFUSED',
    },
  };

  it('says so in the language asked, that the messages stay queued, and exits 3', () => {
    expect(renderRunText(report, 'en')).toContain(
      'Stopped: cannot reach "mail.example.org:587" (ECONNECTION: connect ECONNREFUSED); the messages stay queued, run again once it answers',
    );
    expect(renderRunText(report, 'fr')).toContain(
      'Arrêt : impossible de joindre « mail.example.org:587 » (ECONNECTION: connect ECONNREFUSED) ; les messages restent en file',
    );
    expect(runExit(report)).toBe(3);
  });
});

describe('renderStatusText()', () => {
  it('shows the rate with the time left, and the expired messages apart from the refused ones', () => {
    const status: CampaignStatus = {
      schemaVersion: 1,
      campaign: 'velo',
      exists: true,
      isEnqueueComplete: true,
      skipped: 0,
      duplicates: 0,
      counts: { pending: 900, sending: 0, sent: 100, deferred: 0, failed: 2, uncertain: 0 },
      expired: 1,
      firstSentAt: null,
      lastSentAt: null,
      ratePerSecond: 3,
      etaSeconds: 300,
      activity: 'running',
      lastRun: {
        pid: 4242,
        hostname: 'mairie',
        startedAt: '2026-03-02T08:00:00.000Z',
        finishedAt: null,
        isAlive: true,
      },
      inFlight: 0,
      left: 900,
      pace: { ratePerSecond: 12.5, accepted: 100, since: '2026-03-02T08:00:00.000Z', etaSeconds: 72 },
      resumeCommand: null,
      uncertain: [],
      failed: [
        {
          recipientId: 2,
          email: 'a@example.org',
          state: 'failed',
          attempts: 1,
          replyCode: 550,
          reply: '550 Unknown',
          updatedAt: 0,
          expiredAt: null,
        },
        {
          recipientId: 3,
          email: 'b@example.org',
          state: 'failed',
          attempts: 9,
          replyCode: 452,
          reply: '452 Full',
          updatedAt: 0,
          expiredAt: 5,
        },
      ],
    };
    const text = renderStatusText(status, 'en');
    expect(text).toContain('Sending now: pid 4242 on "mairie", since 2026-03-02 08:00 UTC; 0 in flight, 900 left');
    expect(text).toContain('Rate: 12.5 messages/s; about 1 min 12 s left');
    expect(renderStatusText(status, 'fr')).toContain(
      'Envoi en cours : pid 4242 sur « mairie », depuis 2026-03-02 08:00 UTC ; 0 en cours d’envoi, 900 restants\nDébit : 12,5 messages/s ; environ 1 min 12 s restantes',
    );
    expect(text).toContain('1 of the failed messages was still deferred when the queue lifetime ran out');
    expect(text).toContain('  failed line 2 a@example.org: 550 Unknown');
    expect(renderStatusText(status, 'fr')).toContain('  échec ligne 2 a@example.org : 550 Unknown');
    expect(text).toContain(
      '  failed line 3 b@example.org: still deferred at the end of the queue lifetime; last reply: 452 Full',
    );
  });
});

describe('renderStatusText() of a campaign no run is sending', () => {
  const base: CampaignStatus = {
    schemaVersion: 1,
    campaign: 'velo',
    exists: true,
    isEnqueueComplete: true,
    skipped: 0,
    duplicates: 0,
    counts: { pending: 40, sending: 2, sent: 58, deferred: 0, failed: 0, uncertain: 0 },
    expired: 0,
    firstSentAt: '2026-03-02T08:00:00.000Z',
    lastSentAt: '2026-03-02T08:01:00.000Z',
    ratePerSecond: 1,
    etaSeconds: 42,
    uncertain: [],
    failed: [],
    activity: 'interrupted',
    lastRun: {
      pid: 4242,
      hostname: 'mairie',
      startedAt: '2026-03-02T08:00:00.000Z',
      finishedAt: null,
      isAlive: false,
    },
    inFlight: 0,
    left: 42,
    pace: null,
    resumeCommand: 'facteur send run velo.json',
  };

  it('reads a run that died as interrupted, with the command that resumes it and no time left promised', () => {
    const text = renderStatusText(base, 'en');
    expect(text).toContain(
      'Interrupted: the run started 2026-03-02 08:00 UTC (pid 4242 on "mairie") died before it ended; 42 left: run "facteur send run velo.json" to resume',
    );
    expect(text).toContain(
      '2 messages were in flight when it died: the next run marks them uncertain, sent again only with --retry-uncertain',
    );
    expect(text).toContain('Rate when last sending: 1 messages/s (last acceptance 2026-03-02 08:01 UTC)');
    const uncertain = {
      recipientId: 7,
      email: 'c@example.org',
      state: 'uncertain' as const,
      attempts: 1,
      replyCode: null,
      reply: null,
      updatedAt: Date.parse('2026-03-02T08:03:05.499Z'),
      expiredAt: null,
    };
    expect(renderStatusText({ ...base, uncertain: [uncertain] }, 'fr')).toContain(
      '  incertain ligne 7 c@example.org (dernier essai 2026-03-02 08:03 UTC)',
    );
    expect(renderStatusText({ ...base, ratePerSecond: 2.46 }, 'fr')).toContain(
      'Débit lors du dernier envoi : 2,46 messages/s (dernière acceptation 2026-03-02 08:01 UTC)',
    );
    expect(text).not.toMatch(/Sending now|about .* left/);
    expect(renderStatusText(base, 'fr')).toContain(
      'Interrompue : le passage commencé le 2026-03-02 08:00 UTC (pid 4242 sur « mairie ») s’est arrêté avant sa fin ; 42 restants : lancez « facteur send run velo.json » pour reprendre',
    );
  });

  it('says when the last run went and what is left, or that nothing is', () => {
    const ended = { ...base.lastRun!, finishedAt: '2026-03-02T08:05:00.000Z', isAlive: null };
    const stopped: CampaignStatus = {
      ...base,
      activity: 'stopped',
      counts: { ...base.counts, sending: 0 },
      lastRun: ended,
    };
    expect(renderStatusText(stopped, 'en')).toContain(
      'Not sending: the last run went from 2026-03-02 08:00 UTC to 2026-03-02 08:05 UTC; 42 left: run "facteur send run velo.json" to send them',
    );
    expect(renderStatusText({ ...stopped, left: 1 }, 'fr')).toContain(
      '; 1 restant : lancez « facteur send run velo.json » pour l’envoyer',
    );
    expect(renderStatusText({ ...stopped, left: 1 }, 'en')).toContain(
      '1 left: run "facteur send run velo.json" to send it',
    );
    const finished: CampaignStatus = { ...stopped, activity: 'finished', left: 0, resumeCommand: null };
    expect(renderStatusText(finished, 'fr')).toContain(
      'Terminée : le dernier passage a duré du 2026-03-02 08:00 UTC au 2026-03-02 08:05 UTC',
    );
  });
});

describe('retryWaitNotice()', () => {
  /** The notice on a clock the test sets, its lines kept. */
  function notices(lang: 'en' | 'fr') {
    const time = Date.parse('2026-12-06T10:00:00Z');
    const lines: string[] = [];
    const told = retryWaitNotice(lang, { now: () => time, write: (text) => lines.push(text) });
    return { told, lines, at: () => time };
  }

  it("says how many messages wait for a retry, the server's answer on one line, and until when", () => {
    const { told, lines, at } = notices('en');
    told({
      messages: 3,
      until: at() + 30_000,
      replyCode: 451,
      reply: '451 4.7.1 Greylisted,\r\n try later',
    });
    told({
      messages: 1,
      until: at() + 60_000,
      replyCode: null,
      reply: 'ECONNECTION: connect ECONNREFUSED',
    });
    expect(lines).toEqual([
      'facteur: 3 messages wait for a retry within this run after the server answered "451 4.7.1 Greylisted, try later": next attempt at 10:00:30 UTC (in 30 s)\n',
      'facteur: 1 message waits for a retry within this run, the server could not be reached (ECONNECTION: connect ECONNREFUSED): next attempt at 10:01:00 UTC (in 1 min 00 s)\n',
    ]);
  });

  it('speaks French with French typography', () => {
    const { told, lines, at } = notices('fr');
    told({ messages: 1, until: at() + 120_000, replyCode: 421, reply: '421 4.7.0 Try again later' });
    expect(lines).toEqual([
      'facteur : 1 message attend une nouvelle tentative dans ce passage après la réponse du serveur « 421 4.7.0 Try again later » : prochain essai à 10:02:00 UTC (dans 2 min 00 s)\n',
    ]);
  });

  it("writes a control character of the server's answer as a replacement character", () => {
    const { told, lines, at } = notices('en');
    told({ messages: 1, until: at(), replyCode: 450, reply: '450 \u001b[2J busy' });
    expect(lines[0]).toContain('"450 \uFFFD[2J busy"');
  });
});
