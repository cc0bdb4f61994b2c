// FTS5 merges the search index's segments as part of the writes that delete documents
// (automerge), now and then hundreds of ms of work inside one of retention's small transactions
// (measured: 370 ms of CPU in one batch over 1M runs; none over 12 ms without). During a pass
// automerge is off, and the merging is done in bounded steps, each its own transaction: a few
// between batches (else segments pile up until FTS5's crisis merge does it all in one write), the
// rest after the pass.
// The setting lives in the index (run_search_config), so other writers skip merging for the pass
// too; the steps after it merge what they added as well. The previous value is kept in meta
// first, so a pass killed half-way is undone by the next one.
import { setImmediate as nextTurn } from 'node:timers/promises'
import type { SqliteDatabase } from '../store/sqlite/open-database'
import type { BatchClock } from './batch-clock'

const SAVED_KEY = 'retention.ftsAutomerge'
/** FTS5's default. */
const DEFAULT_AUTOMERGE = 4
/**
 * Pages of merge work per step. Over 1M runs every retention write over 20 ms was a merge step:
 * 64 pages took up to 87 ms (52 of 14,341 writes over 20 ms); 8 up to 32 ms (10 of 15,264); 4 was
 * worse again (29, up to 52 ms: less merged per step leaves more segments for each to read).
 */
const STEP_PAGES = 8

export class SearchMerges {
  private readonly stmt

  constructor(
    db: SqliteDatabase,
    private readonly tx: <T>(fn: () => T) => T,
  ) {
    this.stmt = {
      current: db.prepare(`SELECT v FROM run_search_config WHERE k = 'automerge'`).pluck(),
      set: db.prepare(`INSERT INTO run_search (run_search, rank) VALUES ('automerge', CAST(? AS INTEGER))`),
      merge: db.prepare(`INSERT INTO run_search (run_search, rank) VALUES ('merge', CAST(? AS INTEGER))`),
      changes: db.prepare(`SELECT total_changes()`).pluck(),
      saved: db.prepare(`SELECT value FROM meta WHERE key = ?`).pluck(),
      save: db.prepare(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`),
      forget: db.prepare(`DELETE FROM meta WHERE key = ?`),
    }
  }

  /** Automerge off for the pass (the value before it kept, unless a killed pass kept one already). */
  pause(): void {
    this.tx(() => {
      if (this.stmt.saved.get(SAVED_KEY) === undefined) {
        this.stmt.save.run(SAVED_KEY, String((this.stmt.current.get() as number | undefined) ?? DEFAULT_AUTOMERGE))
      }
      this.stmt.set.run(0)
    })
  }

  /** Up to `steps` merge steps now, each its own transaction with a turn of the event loop after it; false when FTS5 had no more work. */
  async step(clock: BatchClock, steps = 16): Promise<boolean> {
    for (let i = 0; i < steps; i++) {
      if (!clock.timed(() => this.mergeStep()).result) return false
      await nextTurn()
    }
    return true
  }

  /** Merges in small steps until FTS5 reports no more work, then puts automerge back. */
  async resume(clock: BatchClock): Promise<void> {
    while (await clock.write(() => this.mergeStep()));
    this.tx(() => {
      this.stmt.set.run(Number(this.stmt.saved.get(SAVED_KEY) ?? DEFAULT_AUTOMERGE))
      this.stmt.forget.run(SAVED_KEY)
    })
  }

  /** FTS5: a 'merge' step that changes fewer than 2 rows found nothing left to merge. */
  private mergeStep(): boolean {
    const before = this.stmt.changes.get() as number
    this.stmt.merge.run(STEP_PAGES)
    return (this.stmt.changes.get() as number) - before >= 2
  }
}
