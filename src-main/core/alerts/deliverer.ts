// The delivery loop of the one process per data dir that holds the runner lock: groups each
// channel's waiting alerts into a delivery once the burst is over, sends the deliveries due (one at
// a time, a channel's in order), and records each outcome, then sleeps until the next burst ends or
// the next retry is due. It wakes when the rules wrote alerts (wake()) and on its own timer.
//
// At least once, never silently dropped: a delivery is marked sent right after the channel
// accepted it. A crash in the window between the receiver's "accepted" and that commit (a few ms)
// sends it again after the restart; every alert carries a stable `id` (the same at every attempt
// and after a restart) so a receiver that cares can drop the repeat. A stop during an attempt
// abandons it without counting it: it is tried again at the next start.
import type { AlertDelivery } from '../../../src-shared/alerts'
import type { AlertsConfig } from '../../../src-shared/alert-config'
import type { EventMap } from '../../../src-shared/events'
import { redactSecrets } from '../../../src-shared/redact'
import { formatDuration } from '../../../src-shared/units'
import { GIVE_UP_AFTER_MS, type AlertDeliveries, type DueDelivery } from '../store/sqlite/alert-deliveries'
import { ChannelError, digestTitle, type AlertChannel } from './channels/channel'
import type { ChannelSet } from './channels/channel-set'

export interface DelivererTimers {
  set: (fn: () => void, ms: number) => unknown
  clear: (handle: unknown) => void
}

export interface DelivererOptions {
  deliveries: AlertDeliveries
  config: () => AlertsConfig
  channels: ChannelSet
  emit: (event: EventMap['alert.delivered']) => void
  log: (line: string) => void
  now?: () => number
  timers?: DelivererTimers
  /** A delivery still failing this long after it was made is given up (default 24 h). */
  giveUpAfterMs?: number
  /** Looks at the outbox at least this often, for alerts no wake() announced (default 5 s). */
  idlePollMs?: number
}

/** Beyond its channel's own timeout, an attempt is abandoned after this much more. */
const ATTEMPT_SLACK_MS = 1_000
/** Never look again sooner than this (an outbox the loop cannot read must not spin it). */
const MIN_SLEEP_MS = 20

export class Deliverer {
  private readonly now: () => number
  private readonly timers: DelivererTimers
  private readonly stopping = new AbortController()
  private running = false
  private pass: Promise<void> | null = null
  private again = false
  private timer: unknown = null
  /** Deliveries whose failure was logged: later failures of the same one are not (a 24 h outage would log thousands). */
  private readonly failing = new Set<string>()

  constructor(private readonly options: DelivererOptions) {
    this.now = options.now ?? Date.now
    this.timers = options.timers ?? { set: (fn, ms) => setTimeout(fn, ms), clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>) }
  }

  start(): void {
    if (this.running || this.stopping.signal.aborted) return
    this.running = true
    this.wake()
  }

  /** Alerts were written (or a delivery may be due): look now, or right after the pass in hand. */
  wake(): void {
    if (!this.running) return
    if (this.pass) {
      this.again = true
      return
    }
    this.clearTimer()
    this.pass = this.loop()
  }

  /** Stops the loop; an attempt in flight is abandoned (not counted) and tried again at the next start. */
  async stop(): Promise<void> {
    this.running = false
    this.clearTimer()
    this.stopping.abort()
    await this.pass
  }

  /**
   * One attempt of one delivery, recorded and announced (`alert.delivered`). Also alerts.test's
   * way to send its message at once. Resolves with the delivery as recorded.
   */
  async attempt(item: DueDelivery): Promise<AlertDelivery> {
    const { delivery } = item
    const channel = this.options.channels.of(this.options.config()).get(delivery.channel)
    let failure: string | null = null
    if (channel === undefined) {
      failure = `the channel ${delivery.channel} is no longer in alerts.channels`
    } else {
      try {
        await this.send(channel, item)
      } catch (error) {
        // Stopped mid-attempt: not an attempt the receiver refused.
        if (this.stopping.signal.aborted) return this.options.deliveries.get(delivery.id)
        failure = error instanceof ChannelError ? error.message : redactSecrets(`${delivery.channel}: ${(error as Error)?.message ?? String(error)}`)
      }
    }
    const recorded =
      failure === null
        ? this.options.deliveries.recordSent(delivery.id, this.now())
        : this.options.deliveries.recordFailed(delivery.id, this.now(), failure, this.options.giveUpAfterMs ?? GIVE_UP_AFTER_MS)
    this.report(recorded)
    this.options.emit({ delivery: recorded })
    return recorded
  }

  private async send(channel: AlertChannel, { delivery, alerts }: DueDelivery): Promise<void> {
    const attempt = new AbortController()
    const abandon = (): void => attempt.abort()
    this.stopping.signal.addEventListener('abort', abandon, { once: true })
    let bound: unknown = null
    try {
      const limit = channel.timeoutMs + ATTEMPT_SLACK_MS
      await Promise.race([
        channel.send({ deliveryId: delivery.id, title: delivery.title, alerts, test: delivery.test }, attempt.signal),
        new Promise<never>((_resolve, reject) => {
          bound = setTimeout(() => {
            attempt.abort()
            reject(new ChannelError(`${channel.name} did not answer within ${formatDuration(limit)}`))
          }, limit)
        }),
      ])
    } finally {
      clearTimeout(bound as ReturnType<typeof setTimeout>)
      this.stopping.signal.removeEventListener('abort', abandon)
    }
  }

  private report(delivery: AlertDelivery): void {
    const what = `alert delivery ${delivery.id} to ${delivery.channel} (${delivery.title})`
    if (delivery.status === 'sent') {
      if (this.failing.delete(delivery.id)) this.options.log(`${what} sent after ${delivery.attempts} attempts`)
    } else if (delivery.status === 'failed') {
      this.failing.delete(delivery.id)
      if (!delivery.test) this.options.log(`${what} given up after ${delivery.attempts} attempts: ${delivery.lastError ?? ''}`)
    } else if (!this.failing.has(delivery.id)) {
      this.failing.add(delivery.id)
      this.options.log(`${what} failed, retrying with backoff: ${delivery.lastError ?? ''}`)
    }
  }

  private async loop(): Promise<void> {
    try {
      do {
        this.again = false
        await this.deliverDue()
      } while (this.again && this.running)
    } catch (error) {
      this.options.log(`alerts: the outbox could not be read: ${redactSecrets((error as Error)?.message ?? String(error))}`)
    } finally {
      this.pass = null
      this.scheduleNext()
    }
  }

  private async deliverDue(): Promise<void> {
    const config = this.options.config()
    const kinds = this.options.channels.kinds(config)
    this.options.deliveries.groupWaiting(this.now(), { quietMs: config.digestQuiet, maxWaitMs: config.digestMaxWait }, kinds, digestTitle)
    // A failed attempt moves its delivery's next try into the future, a sent one frees its
    // channel's next: each round makes progress, and it ends when nothing is due.
    for (;;) {
      const due = this.options.deliveries.due(this.now())
      if (due.length === 0) return
      for (const item of due) {
        if (!this.running) return
        await this.attempt(item)
      }
    }
  }

  private scheduleNext(): void {
    if (!this.running) return
    const config = this.options.config()
    const now = this.now()
    const kinds = this.options.channels.kinds(config)
    let at = now + (this.options.idlePollMs ?? 5_000)
    try {
      for (const next of [this.options.deliveries.nextAttemptAt(), this.options.deliveries.nextGroupAt({ quietMs: config.digestQuiet, maxWaitMs: config.digestMaxWait }, kinds)]) {
        if (next !== null) at = Math.min(at, next)
      }
    } catch {
      // Looked at again after the idle poll.
    }
    this.clearTimer()
    this.timer = this.timers.set(() => {
      this.timer = null
      this.wake()
    }, Math.max(MIN_SLEEP_MS, at - now))
  }

  private clearTimer(): void {
    if (this.timer !== null) this.timers.clear(this.timer)
    this.timer = null
  }
}
