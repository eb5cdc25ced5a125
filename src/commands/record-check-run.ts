import type { DomainResult } from '../checks/run-checks.js';
import { openDatabase, type Db } from '../store/database.js';
import { beginRun, finishRun, recordDomainResults, type UncheckedDomainRow } from '../store/history.js';

/** Domains written per transaction: a crash loses at most one batch of work, and 5,000 domains make 25 commits. */
const RECORD_BATCH = 200;

/** Writes a check run into the history database as it goes: intent first, domains in batches, the outcome last. */
export interface RunRecorder {
  runId: number;
  add(result: DomainResult): void;
  /**
   * Flushes and marks the run complete, or incomplete when it was interrupted, with the domains it never started
   * (omitted when they are not known).
   */
  finish(outcome: { incomplete: boolean; uncheckedDomains?: readonly UncheckedDomainRow[] }): void;
  close(): void;
}

/** Opens the database and records the start of a run (refused while another live run holds it). */
export function startRunRecorder(path: string, options: unknown): RunRecorder {
  const db: Db = openDatabase(path);
  let runId: number;
  try {
    runId = beginRun(db, options);
  } catch (error) {
    db.close();
    throw error;
  }
  let batch: DomainResult[] = [];
  const flush = (): void => {
    if (batch.length === 0) return;
    recordDomainResults(db, runId, batch);
    batch = [];
  };
  return {
    runId,
    add(result) {
      batch.push(result);
      if (batch.length >= RECORD_BATCH) flush();
    },
    finish(outcome) {
      flush();
      finishRun(db, runId, outcome);
    },
    close() {
      db.close();
    },
  };
}
