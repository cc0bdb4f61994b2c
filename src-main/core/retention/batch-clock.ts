// Write transactions of a retention pass, timed: each one is kept to a few ms by shrinking the
// next batch when one ran long, and the event loop gets a turn between them, so the runner's own
// commits (claims, finishes, output) wait for at most one small batch.
import { setImmediate as nextTurn } from 'node:timers/promises'

/** Above this a batch halves; under a quarter of it, it doubles again (up to the configured size). */
const TARGET_TX_MS = 8

export class BatchClock {
  private size: number
  /** The longest single write transaction so far. */
  longestTxMs = 0

  constructor(
    private readonly maxSize: number,
    private readonly tx: <T>(fn: () => T) => T,
  ) {
    this.size = maxSize
  }

  /** Rows the next transaction may take. */
  get batch(): number {
    return this.size
  }

  /** Runs `fn` in one write transaction, timed, then yields to the event loop. */
  async write<T>(fn: () => T): Promise<T> {
    const started = performance.now()
    const result = this.tx(fn)
    const ms = performance.now() - started
    this.longestTxMs = Math.max(this.longestTxMs, ms)
    if (ms > TARGET_TX_MS) this.size = Math.max(1, Math.floor(this.size / 2))
    else if (ms < TARGET_TX_MS / 4) this.size = Math.min(this.maxSize, this.size * 2)
    await nextTurn()
    return result
  }
}
