// Output lines of running jobs, written in batches (a job printing fast must not cost a
// transaction per line) and announced as `run.log` once written. Both runners use it.
import type { LogStream } from '../../../src-shared/domain'
import type { EventBus } from '../events/event-bus'
import type { LogAppend } from '../store/store-types'

export class LogBatcher {
  private buffer: LogAppend[] = []
  private timer: NodeJS.Timeout | null = null

  constructor(
    private readonly options: {
      events: EventBus
      /** Writes one batch (the store, or the cache and the outbox). */
      write: (batch: LogAppend[]) => void
      now: () => number
      flushMs: number
      maxLines?: number
    },
  ) {}

  add(runId: string, stream: LogStream, text: string): void {
    this.buffer.push({ runId, stream, at: this.options.now(), text })
    if (this.buffer.length >= (this.options.maxLines ?? 1000)) this.flush()
    else this.timer ??= setTimeout(() => this.flush(), this.options.flushMs)
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    if (this.buffer.length === 0) return
    const batch = this.buffer
    this.buffer = []
    this.options.write(batch)
    this.options.events.emit('run.log', {
      lines: batch.map((l) => ({ runId: l.runId, stream: l.stream, at: new Date(l.at).toISOString(), text: l.text })),
    })
  }
}
