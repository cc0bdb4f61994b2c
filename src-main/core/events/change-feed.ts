import type { QueueReads } from '../store/sqlite/queue-reads'
import type { EventBus } from './event-bus'

/**
 * Turns committed row changes into events, whichever process committed them: each change is
 * published once, in commit order, by following the store's change sequence.
 */
export class ChangeFeed {
  private lastSeq: number

  constructor(
    private readonly store: Pick<QueueReads, 'currentSeq' | 'changesSince'>,
    private readonly events: EventBus,
  ) {
    this.lastSeq = store.currentSeq()
  }

  publish(): void {
    const { jobs, runs, seq } = this.store.changesSince(this.lastSeq)
    this.lastSeq = seq
    for (const run of runs) this.events.emit('run.changed', { run })
    for (const job of jobs) this.events.emit('job.changed', { job })
  }
}
