import type Database from 'better-sqlite3';
import { migrate002History } from './migrations/002-history.js';
import { migrate003SendQueue } from './migrations/003-send-queue.js';
import { migrate004BounceEvents } from './migrations/004-bounce-events.js';
import { migrate005Acks } from './migrations/005-acks.js';
import { migrate006Dormant } from './migrations/006-dormant.js';
import { migrate007ListMemberSources } from './migrations/007-list-member-sources.js';
import { migrate008QueueLifetime } from './migrations/008-queue-lifetime.js';
import { migrate009DormantPacks } from './migrations/009-dormant-packs.js';
import { migrate010SympaMail } from './migrations/010-sympa-mail.js';
import { migrate011FindingTitleValues } from './migrations/011-finding-title-values.js';
import { migrate012SendRuns } from './migrations/012-send-runs.js';
import { migrate013ListRemovals } from './migrations/013-list-removals.js';
import { migrate014ListRemovalIntents } from './migrations/014-list-removal-intents.js';
import { migrate015RunUncheckedDomains } from './migrations/015-run-unchecked-domains.js';

/** One schema step; never edit a shipped one, add a new step instead. */
export type Migration = (db: Database.Database) => void;

/** Ordered schema steps: version N is the N-th entry. */
export const MIGRATIONS: readonly Migration[] = [
  (db) => {
    db.exec(`
      CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;
    `);
  },
  migrate002History,
  migrate003SendQueue,
  migrate004BounceEvents,
  migrate005Acks,
  migrate006Dormant,
  migrate007ListMemberSources,
  migrate008QueueLifetime,
  migrate009DormantPacks,
  migrate010SympaMail,
  migrate011FindingTitleValues,
  migrate012SendRuns,
  migrate013ListRemovals,
  migrate014ListRemovalIntents,
  migrate015RunUncheckedDomains,
];
