// Write transactions of a retention pass, timed: each one is kept to a few ms by sizing the next
// batch from the last one's cost per row, and the event loop gets a turn between them, so the
// runner's own commits (claims, finishes, output) wait for at most one small batch.
import { setImmediate as nextTurn } from 'node:timers/promises'

/** Each batch is sized from the last one's time per row to take about this long (up to the configured size). */
const TARGET_TX_MS = 6
/**
 * Write time after which `between` runs (upkeep between batches: a checkpoint, so that SQLite's
 * automatic one, which runs inside the commit that crosses 10,000 pages (open-database.ts), never
 * lands in one of these transactions; a step of the search index's merging).
 */
const BETWEEN_AFTER_MS = 40
/** The first batch: rows cost from microseconds (a bare job) to milliseconds (a run with a long log). */
const FIRST_BATCH = 16

export class BatchClock {
  private size: number
  /** The longest single write transaction so far. */
  longestTxMs = 0
  private writtenMs = 0

  constructor(
    private readonly maxSize: number,
    private readonly tx: <T>(fn: () => T) => T,
    private readonly between: (clock: BatchClock) => Promise<void> | void = () => undefined,
  ) {
    this.size = Math.min(maxSize, FIRST_BATCH)
  }

  /** Rows the next transaction may take. */
  get batch(): number {
    return this.size
  }

  /** Runs `fn` in one write transaction, timed, then yields to the event loop. */
  async write<T>(fn: () => T): Promise<T> {
    const { result, ms } = this.timed(fn)
    // Grows at most twofold (a cheap batch may precede a costly stretch), shrinks at once.
    const fitted = Math.floor((this.size * TARGET_TX_MS) / Math.max(ms, 0.01))
    this.size = Math.max(1, Math.min(this.maxSize, this.size * 2, fitted))
    this.writtenMs += ms
    if (this.writtenMs >= BETWEEN_AFTER_MS) {
      this.writtenMs = 0
      await nextTurn()
      await this.between(this)
    }
    await nextTurn()
    return result
  }

  /** One write transaction, counted in `longestTxMs`, without a turn after it (for upkeep between batches). */
  timed<T>(fn: () => T): { result: T; ms: number } {
    const started = performance.now()
    const result = this.tx(fn)
    const ms = performance.now() - started
    this.longestTxMs = Math.max(this.longestTxMs, ms)
    return { result, ms }
  }

  /** A new kind of row (jobs, output lines, fires…): their cost is not the last kind's, so start small again. */
  nextPhase(): void {
    this.size = Math.min(this.maxSize, FIRST_BATCH)
  }
}
