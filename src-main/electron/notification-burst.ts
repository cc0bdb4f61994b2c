// Notices that come in bursts (failures, stuck source rows) told together: a burst waits for a
// quiet moment to group what follows, but never longer than a maximum after its first notice.
export interface BurstTimers {
  set: (fn: () => void, ms: number) => unknown
  clear: (handle: unknown) => void
}

export class Burst<T> {
  private pending: T[] = []
  private quietTimer: unknown = null
  private maxTimer: unknown = null

  constructor(
    private readonly quietMs: number,
    private readonly maxWaitMs: number,
    private readonly timers: BurstTimers,
    private readonly tell: (items: T[]) => void,
  ) {}

  add(item: T): void {
    this.pending.push(item)
    if (this.quietTimer !== null) this.timers.clear(this.quietTimer)
    this.quietTimer = this.timers.set(() => this.flush(), this.quietMs)
    if (this.maxTimer === null) this.maxTimer = this.timers.set(() => this.flush(), this.maxWaitMs)
  }

  /** Tells what is pending now (e.g. before quitting). */
  flush(): void {
    this.clearTimers()
    const items = this.pending
    this.pending = []
    if (items.length > 0) this.tell(items)
  }

  dispose(): void {
    this.clearTimers()
    this.pending = []
  }

  private clearTimers(): void {
    if (this.quietTimer !== null) this.timers.clear(this.quietTimer)
    if (this.maxTimer !== null) this.timers.clear(this.maxTimer)
    this.quietTimer = null
    this.maxTimer = null
  }
}
