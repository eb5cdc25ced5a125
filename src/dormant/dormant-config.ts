import { childPath, ConfigProblems, type SectionParser } from '../config/config-problems.js';
import { InputError } from '../errors.js';

/** How bounces add up to "bouncing", in the spirit of Mailman's bounce score and Sympa's bouncers levels. */
export interface BounceScoreConfig {
  /** Weight of a day with a hard bounce (Mailman 2.1 adds 1.0). */
  hardWeight: number;
  /** Weight of a day with only soft bounces (Mailman 2.1 adds 0.5). */
  softWeight: number;
  /** Score at which an address is bouncing. */
  threshold: number;
  /** Days at least between the first and last counted bounce (Sympa's `minimum_bouncing_period`). */
  minPeriodDays: number;
  /** A gap longer than this between two bounces starts the score again (Mailman's `bounce_info_stale_after`). */
  staleAfterDays: number;
  /** Events older than this are not read at all. */
  windowDays: number;
  /** Sympa's own `bounce_score_subscriber` at or above which an imported member is bouncing (Sympa's level 2). */
  sympaScoreThreshold: number;
}

/** The `dormant` section of the config, defaults applied. */
export interface DormantConfig {
  bounce: BounceScoreConfig;
  /** Hours at least between two bad DNS observations before a domain is dead. */
  deadDomainConfirmHours: number;
  /** Days without a login after which a hosted mailbox is unused. */
  unusedMailboxDays: number;
}

/**
 * Defaults, each with its reason (README "facteur dormant" repeats them):
 * - weights 1 and 0.5 are Mailman's: a full mailbox or a greylisting server gets better, an unknown user does not;
 * - threshold 3 counted days: Mailman's 5 assumes a daily list, a monthly newsletter would need five months;
 * - 7 days between first and last counted bounce: an outage over a weekend never reaches it (Sympa waits 10);
 * - a 45-day gap restarts the score: longer than a monthly sending interval, so a newsletter keeps its streak,
 *   where Mailman's 7 days would forget every month;
 * - a 180-day window: what bounced half a year ago says nothing of today;
 * - Sympa score 75: Sympa's default `bouncers_level2` rate, at which Sympa itself proposes removal;
 * - 24 hours between bad DNS observations: one broken DNS night never condemns a domain;
 * - 730 days without login: two years, past any sabbatical or long leave.
 */
export const DEFAULT_DORMANT_CONFIG: DormantConfig = {
  bounce: {
    hardWeight: 1,
    softWeight: 0.5,
    threshold: 3,
    minPeriodDays: 7,
    staleAfterDays: 45,
    windowDays: 180,
    sympaScoreThreshold: 75,
  },
  deadDomainConfirmHours: 24,
  unusedMailboxDays: 730,
};

/** Longest window a setting in days may name: ten years of bounces is already more than any server keeps. */
const MAX_DAYS = 3650;

/** A numeric setting's bounds; `integer` for counts of days or hours. */
interface Bound {
  min: number;
  max: number;
  integer: boolean;
}

const BOUNCE_BOUNDS: Record<keyof BounceScoreConfig, Bound> = {
  hardWeight: { min: 0, max: 100, integer: false },
  softWeight: { min: 0, max: 100, integer: false },
  threshold: { min: 0.1, max: 10_000, integer: false },
  minPeriodDays: { min: 0, max: MAX_DAYS, integer: true },
  staleAfterDays: { min: 1, max: MAX_DAYS, integer: true },
  windowDays: { min: 1, max: MAX_DAYS, integer: true },
  sympaScoreThreshold: { min: 1, max: 100, integer: true },
};

const TOP_BOUNDS: Record<'deadDomainConfirmHours' | 'unusedMailboxDays', Bound> = {
  deadDomainConfirmHours: { min: 1, max: 24 * MAX_DAYS, integer: true },
  unusedMailboxDays: { min: 1, max: MAX_DAYS, integer: true },
};

/** A setting within its bounds: a whole number of days or hours, or any number for a weight or a score. */
function readNumber(value: unknown, path: string, bound: Bound, problems: ConfigProblems): number | undefined {
  return bound.integer
    ? problems.integer(value, path, bound.min, bound.max)
    : problems.number(value, path, bound.min, bound.max);
}

/**
 * Validates the `dormant` section of a config (`path` is its JSON path, e.g. `dormant`): unknown keys and values out
 * of range are all reported at once, each by its JSON path. An absent section gives the defaults.
 */
export function parseDormantSection(value: unknown, path: string): DormantConfig {
  const problems = new ConfigProblems();
  const config = collectDormantSection(value, path, problems);
  if (problems.found.length > 0) {
    const found = problems.joined();
    throw new InputError(
      { en: `Cannot use config: ${found.en}`, fr: `Impossible d’utiliser la configuration : ${found.fr}` },
      {},
      'ECONFIG',
    );
  }
  return config;
}

/** The `dormant` section in `facteur.config.json`: its problems join those of the other sections. */
export const parseDormantConfigSection: SectionParser<DormantConfig> = (value, path, { problems }) =>
  collectDormantSection(value, path, problems);

function collectDormantSection(value: unknown, path: string, problems: ConfigProblems): DormantConfig {
  if (value === null) return DEFAULT_DORMANT_CONFIG;
  const raw = problems.object(value, path, ['bounce', ...Object.keys(TOP_BOUNDS)]);
  if (raw === undefined) return DEFAULT_DORMANT_CONFIG;
  const bouncePath = childPath(path, 'bounce');
  const bounce = { ...DEFAULT_DORMANT_CONFIG.bounce };
  const rawBounce = problems.object(raw.bounce, bouncePath, Object.keys(BOUNCE_BOUNDS));
  if (rawBounce !== undefined)
    for (const [key, bound] of Object.entries(BOUNCE_BOUNDS) as [keyof BounceScoreConfig, Bound][])
      bounce[key] = readNumber(rawBounce[key], childPath(bouncePath, key), bound, problems) ?? bounce[key];
  if (bounce.softWeight > bounce.hardWeight)
    problems.add(childPath(bouncePath, 'softWeight'), {
      en: `(${bounce.softWeight}) must not exceed "${childPath(bouncePath, 'hardWeight')}"`,
      fr: `(${bounce.softWeight}) ne doit pas dépasser « ${childPath(bouncePath, 'hardWeight')} »`,
    });
  if (bounce.staleAfterDays > bounce.windowDays)
    problems.add(childPath(bouncePath, 'staleAfterDays'), {
      en: `must not exceed "${childPath(bouncePath, 'windowDays')}"`,
      fr: `ne doit pas dépasser « ${childPath(bouncePath, 'windowDays')} »`,
    });
  const top = (key: keyof typeof TOP_BOUNDS): number =>
    readNumber(raw[key], childPath(path, key), TOP_BOUNDS[key], problems) ?? DEFAULT_DORMANT_CONFIG[key];
  return { bounce, deadDomainConfirmHours: top('deadDomainConfirmHours'), unusedMailboxDays: top('unusedMailboxDays') };
}
