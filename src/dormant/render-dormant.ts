import { UNDECIDED_CAUSES } from '../checks/undecided.js';
import { render, type Lang, type Text } from '../i18n.js';
import { dormantEntryHeadJson, dormantEvidenceJson } from './dormant-entry-json.js';
import { DORMANT_REASONS, type DormantEntry, type DormantEvidence, type DormantReason } from './judge-address.js';
import type { DeadStatus } from './domain-verdict.js';
import type { DomainLookupFailure } from './probe-mail-domain.js';

/** The output formats of `facteur dormant` that need nothing but the entries. */
export const DORMANT_FORMATS = ['text', 'csv', 'json', 'sympa', 'mailboxes'] as const;
export type DormantFormat = (typeof DORMANT_FORMATS)[number];

/** Counts for the end of a run. */
export interface DormantSummary {
  entries: number;
  byReason: Record<DormantReason, number>;
  /** Domains whose DNS gave no verdict this run (timeout, SERVFAIL): neither confirmed nor cleared. */
  undecidedDomains: number;
  /**
   * Members of the scope's lists that `facteur dormant apply` removed since their last import: no longer listed,
   * until an import from Sympa says they are members again.
   */
  removedByApply: number;
}

/** Turns entries into output text, piece by piece, so a million entries stream without being held. */
export interface DormantRenderer {
  start(): string;
  entry(entry: DormantEntry): string;
  end(summary: DormantSummary): string;
}

/** Starts an empty summary. */
export function emptySummary(): DormantSummary {
  return {
    entries: 0,
    byReason: Object.fromEntries(DORMANT_REASONS.map((reason) => [reason, 0])) as Record<DormantReason, number>,
    undecidedDomains: 0,
    removedByApply: 0,
  };
}

/** Counts an entry in the summary. */
export function countEntry(summary: DormantSummary, entry: DormantEntry): void {
  summary.entries++;
  for (const reason of entry.reasons) summary.byReason[reason]++;
}

const REASON_TEXT: Record<DormantReason, Text> = {
  complained: { en: 'complained: unsubscribe', fr: 'plainte : désabonner' },
  dead_domain: { en: 'dead domain', fr: 'domaine mort' },
  bouncing: { en: 'bouncing', fr: 'en erreur' },
  unused_mailbox: { en: 'unused mailbox', fr: 'boîte inutilisée' },
};

const DEAD_TEXT: Record<DeadStatus, Text> = {
  nxdomain: { en: 'does not exist (NXDOMAIN)', fr: 'n’existe pas (NXDOMAIN)' },
  null_mx: { en: 'accepts no mail (null MX, RFC 7505)', fr: 'n’accepte aucun courrier (MX nul, RFC 7505)' },
  no_mail_host: { en: 'has no MX and no address', fr: 'n’a ni MX ni adresse' },
};

const TEXT = {
  list: { en: 'list', fr: 'liste' },
  campaign: { en: 'campaign', fr: 'campagne' },
  bounce: {
    en: 'bounced on {days|day|days} ({hard} hard, {soft} soft) from {first} to {last}, score {score}; last: {status}{reason}',
    fr: 'rebonds sur {days|jour|jours} ({hard} {hard:permanent|permanents}, {soft} {soft:temporaire|temporaires}) du {first} au {last}, score {score} ; dernier : {status}{reason}',
  },
  smtp: { en: ' (refused at sending)', fr: ' (refusé à l’envoi)' },
  sympa: {
    en: 'Sympa: {count|bounce|bounces} from {first} to {last}, score {score} on {list}',
    fr: 'Sympa : {count|rebond|rebonds} du {first} au {last}, score {score} sur {list}',
  },
  dead: {
    en: 'domain {domain} {status}: seen {count|time|times} from {first} to {last}',
    fr: 'le domaine {domain} {status} : constaté {count} fois du {first} au {last}',
  },
  deadOk: { en: ' (last answered well on {date})', fr: ' (dernière bonne réponse le {date})' },
  complaint: {
    en: 'complained {count|time|times} (spam report), last on {last}',
    fr: '{count|plainte|plaintes} (signalement de spam), la dernière le {last}',
  },
  login: {
    en: 'last login on {date} ({days|day|days} ago)',
    fr: 'dernière connexion le {date} (il y a {days|jour|jours})',
  },
  saved: { en: 'newest message in INBOX: {date}', fr: 'message le plus récent de l’INBOX : {date}' },
  forgotten: {
    en: 'history forgotten on {date}: older events not counted',
    fr: 'historique oublié le {date} : les événements antérieurs ne comptent plus',
  },
  included: {
    en: 'comes only from Sympa data source {source}{synced}: sympa del excludes it from this list, but the source still holds it; fix the address there',
    fr: 'ne vient que de la source de données Sympa {source}{synced} : sympa del l’exclut de cette liste, mais la source la contient toujours ; corrigez l’adresse là',
  },
  alsoIncluded: {
    en: 'also comes from Sympa data source {source}{synced}: sympa del excludes it from this list, but the source still holds it; fix the address there',
    fr: 'vient aussi de la source de données Sympa {source}{synced} : sympa del l’exclut de cette liste, mais la source la contient toujours ; corrigez l’adresse là',
  },
  synced: { en: ' (last synchronised {date})', fr: ' (dernière synchronisation le {date})' },
  unnamed: { en: '(unnamed)', fr: '(sans nom)' },
  none: { en: 'No address to act on\n', fr: 'Aucune adresse à traiter\n' },
  total: {
    en: '{count|address|addresses} to act on: {details}\n',
    fr: '{count|adresse|adresses} à traiter : {details}\n',
  },
  undecided: {
    en: '{count|domain gave|domains gave} no DNS answer this run; {count:it is|they are} neither confirmed dead nor cleared\n',
    fr: '{count|domaine n’a|domaines n’ont} pas eu de réponse DNS lors de ce passage ; {count:il n’est ni confirmé mort ni blanchi|ils ne sont ni confirmés morts ni blanchis}\n',
  },
  removed: {
    en: '{count|member was|members were} removed by an earlier facteur dormant apply and {count:is|are} no longer listed; an import from Sympa that still lists {count:it|them} brings {count:it|them} back\n',
    fr: '{count|abonné a été retiré|abonnés ont été retirés} par un facteur dormant apply antérieur et {count:n’est|ne sont} plus {count:listé|listés} ; un import depuis Sympa qui {count:le|les} contient encore {count:le|les} fait revenir\n',
  },
} satisfies Record<string, Text>;

const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** The evidence of an entry as lines for people, in the chosen language. */
export function evidenceLines(evidence: DormantEvidence, lang: Lang): string[] {
  const { bounce, sympaBounce, deadDomain, complaint, mailbox, forgottenAt } = evidence;
  const lines: string[] = [];
  if (complaint !== undefined)
    lines.push(render(TEXT.complaint, lang, { count: complaint.count, last: day(complaint.lastAt) }));
  if (deadDomain !== undefined)
    lines.push(
      render(TEXT.dead, lang, {
        domain: deadDomain.domain,
        status: DEAD_TEXT[deadDomain.status][lang],
        count: deadDomain.observations,
        first: day(deadDomain.firstSeenAt),
        last: day(deadDomain.lastSeenAt),
      }) + (deadDomain.lastOkAt === null ? '' : render(TEXT.deadOk, lang, { date: day(deadDomain.lastOkAt) })),
    );
  if (bounce !== undefined) {
    lines.push(
      render(TEXT.bounce, lang, {
        days: bounce.days,
        hard: bounce.hardDays,
        soft: bounce.softDays,
        first: day(bounce.firstAt),
        last: day(bounce.lastAt),
        score: bounce.score,
        status: bounce.lastStatusCode === null ? '' : `${bounce.lastStatusCode} `,
        reason: bounce.lastReason,
      }) + (bounce.lastSource === 'smtp' ? TEXT.smtp[lang] : ''),
    );
    if (bounce.lastDiagnostic !== null) lines.push(`  ${JSON.stringify(bounce.lastDiagnostic)}`);
  }
  if (sympaBounce !== undefined)
    lines.push(
      render(TEXT.sympa, lang, {
        count: sympaBounce.count,
        first: day(sympaBounce.firstAt),
        last: day(sympaBounce.lastAt),
        score: sympaBounce.score,
        list: sympaBounce.list,
      }),
    );
  if (mailbox?.lastLoginAt != null)
    lines.push(render(TEXT.login, lang, { date: day(mailbox.lastLoginAt), days: mailbox.daysSinceLogin ?? 0 }));
  if (mailbox?.newestSavedAt != null) lines.push(render(TEXT.saved, lang, { date: day(mailbox.newestSavedAt) }));
  if (forgottenAt !== undefined) lines.push(render(TEXT.forgotten, lang, { date: day(forgottenAt) }));
  return lines;
}

/** The line saying which data source puts a member on its list, for people; empty for a member subscribed only. */
function inclusionText(entry: DormantEntry, lang: Lang): string {
  const inclusion = entry.inclusion;
  if (inclusion === undefined) return '';
  const line = render(inclusion.isSubscribed ? TEXT.alsoIncluded : TEXT.included, lang, {
    source: inclusion.dataSource === null ? TEXT.unnamed[lang] : JSON.stringify(inclusion.dataSource),
    synced: inclusion.syncedAt === null ? '' : render(TEXT.synced, lang, { date: day(inclusion.syncedAt) }),
  });
  return `    ${line}\n`;
}

function summaryText(summary: DormantSummary, lang: Lang): string {
  const details = DORMANT_REASONS.filter((reason) => summary.byReason[reason] > 0)
    .map((reason) => `${summary.byReason[reason]} ${REASON_TEXT[reason][lang]}`)
    .join(', ');
  const total = summary.entries === 0 ? TEXT.none[lang] : render(TEXT.total, lang, { count: summary.entries, details });
  const undecided =
    summary.undecidedDomains === 0 ? '' : render(TEXT.undecided, lang, { count: summary.undecidedDomains });
  const removed = summary.removedByApply === 0 ? '' : render(TEXT.removed, lang, { count: summary.removedByApply });
  return total + undecided + removed;
}

/** RFC 4180: quote a field holding a comma, quote, CR or LF; double the quotes inside. */
function csvField(value: string | number | null): string {
  const text = value === null ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const CSV_COLUMNS = [
  'list',
  'campaign',
  'address',
  'reasons',
  'bounce_first',
  'bounce_last',
  'bounce_days',
  'bounce_score',
  'bounce_status',
  'bounce_reason',
  'sympa_bounce_score',
  'dead_domain_status',
  'dead_domain_first_seen',
  'dead_domain_last_seen',
  'complaints',
  'last_complaint',
  'last_login',
  'inclusion',
  'data_source',
] as const;

/** The CSV fields of an entry's evidence, from `bounce_first` on, with their leading comma. */
function csvEvidence(evidence: DormantEvidence): string {
  const { bounce, sympaBounce, deadDomain, complaint, mailbox } = evidence;
  const iso = (ms: number | null | undefined): string | null => (ms == null ? null : new Date(ms).toISOString());
  const values: (string | number | null)[] = [
    iso(bounce?.firstAt),
    iso(bounce?.lastAt),
    bounce?.days ?? null,
    bounce?.score ?? null,
    bounce?.lastStatusCode ?? null,
    bounce?.lastReason ?? null,
    sympaBounce?.score ?? null,
    deadDomain?.status ?? null,
    iso(deadDomain?.firstSeenAt),
    iso(deadDomain?.lastSeenAt),
    complaint?.count ?? null,
    iso(complaint?.lastAt),
    iso(mailbox?.lastLoginAt),
  ];
  return `,${values.map(csvField).join(',')}`;
}

/** The CSV fields `inclusion` and `data_source` of an entry, with their leading comma: they belong to its list. */
function csvInclusion(entry: DormantEntry): string {
  const { inclusion } = entry;
  // "only": a data source alone puts the member on the list; "also": subscribed too.
  if (inclusion === undefined) return ',,';
  return `,${inclusion.isSubscribed ? 'also' : 'only'},${csvField(inclusion.dataSource)}`;
}

/**
 * Renders an evidence once for all the entries that share it: the entries of one address (one per list) come one
 * after the other with the same evidence object, and rendering dates is the costly part of an entry.
 */
function oncePerEvidence(render: (evidence: DormantEvidence) => string): (evidence: DormantEvidence) => string {
  let last: { evidence: DormantEvidence; text: string } | null = null;
  return (evidence) => {
    if (last?.evidence !== evidence) last = { evidence, text: render(evidence) };
    return last.text;
  };
}

/** Builds the renderer of a format; `header` is the JSON document's head (scope, config, generation time). */
export function createDormantRenderer(
  format: DormantFormat,
  options: { lang: Lang; header: Record<string, unknown> },
): DormantRenderer {
  const { lang } = options;
  switch (format) {
    case 'text': {
      const evidenceText = oncePerEvidence((evidence) =>
        evidenceLines(evidence, lang)
          .map((line) => `    ${line}\n`)
          .join(''),
      );
      return {
        start: () => '',
        entry: (entry) => {
          const where =
            entry.list !== null
              ? `  [${TEXT.list[lang]} ${entry.list}]`
              : entry.campaign !== null
                ? `  [${TEXT.campaign[lang]} ${entry.campaign}]`
                : '';
          const reasons = entry.reasons.map((reason) => REASON_TEXT[reason][lang]).join(', ');
          return `${entry.address}${where}: ${reasons}\n${evidenceText(entry.evidence)}${inclusionText(entry, lang)}`;
        },
        end: (summary) => (summary.entries === 0 ? '' : '\n') + summaryText(summary, lang),
      };
    }
    case 'csv': {
      const evidenceFields = oncePerEvidence(csvEvidence);
      return {
        start: () => `${CSV_COLUMNS.join(',')}\r\n`,
        entry: (entry) =>
          [entry.list, entry.campaign, entry.address, entry.reasons.join(';')].map(csvField).join(',') +
          `${evidenceFields(entry.evidence)}${csvInclusion(entry)}\r\n`,
        end: () => '',
      };
    }
    case 'json': {
      let first = true;
      const evidenceJson = oncePerEvidence((evidence) => JSON.stringify(dormantEvidenceJson(evidence)));
      return {
        start: () => `${JSON.stringify({ schemaVersion: 1, ...options.header }).slice(0, -1)},"entries":[\n`,
        entry: (entry) => {
          // The entry's own fields, then its evidence: the key order of one JSON.stringify of the whole entry.
          const head = JSON.stringify(dormantEntryHeadJson(entry)).slice(0, -1);
          const text = `${first ? '' : ',\n'}${head},"evidence":${evidenceJson(entry.evidence)}}`;
          first = false;
          return text;
        },
        end: (summary) => `${first ? '' : '\n'}],"summary":${JSON.stringify(summary)}}\n`,
      };
    }
    case 'sympa':
    case 'mailboxes':
      // One address per line: what `sympa del --quiet list@domain` reads on stdin, or a sysadmin's disable list.
      return { start: () => '', entry: (entry) => `${entry.address}\n`, end: () => '' };
  }
}

/** Domains named on the line about those without a DNS answer: enough to see the pattern, short enough to read. */
const MAX_UNDECIDED_NAMED = 10;

const UNDECIDED_TEXT = {
  line: {
    en: 'facteur: no DNS answer for {domains}; rerun later\n',
    fr: 'facteur : pas de réponse DNS pour {domains} ; relancez plus tard\n',
  },
  domain: { en: '"{domain}" ({type}: {cause})', fr: '« {domain} » ({type} : {cause})' },
  more: { en: ', and {count} more', fr: ', et {count} de plus' },
} satisfies Record<string, Text>;

/** The stderr line naming the domains a run got no DNS answer for, each with the lookup that failed and why. */
export function renderUndecidedDomains(
  unknown: readonly { domain: string; failure: DomainLookupFailure | null }[],
  lang: Lang,
): string {
  const names = unknown.slice(0, MAX_UNDECIDED_NAMED).map(({ domain, failure }) =>
    render(UNDECIDED_TEXT.domain, lang, {
      domain,
      type: failure?.type ?? 'DNS',
      cause: UNDECIDED_CAUSES[failure?.error ?? 'network'][lang],
    }),
  );
  const more = unknown.length - names.length;
  const domains = names.join(', ') + (more > 0 ? render(UNDECIDED_TEXT.more, lang, { count: more }) : '');
  return render(UNDECIDED_TEXT.line, lang, { domains });
}
