// Alerts as the rest of the core sees them: started and stopped with the runner (the runner-lock
// holder is the one process per data dir that delivers), what Settings and `jobdeck alerts` show
// (channels, rules, the last deliveries, snoozes), and a test message per channel. Any process may
// send a test: it tries its own message at once (see AlertDeliveries.insertTest).
import os from 'node:os'
import type { AlertsConfig } from '../../../src-shared/alert-config'
import type { AlertDelivery, AlertPayload, AlertSnooze, AlertsOverview } from '../../../src-shared/alerts'
import type { EventMap } from '../../../src-shared/events'
import { newId } from '../ids'
import type { SecretStore } from '../secrets/secret-store'
import { AlertDeliveries } from '../store/sqlite/alert-deliveries'
import type { SqliteDatabase } from '../store/sqlite/open-database'
import type { SqliteStore } from '../store/sqlite/sqlite-store'
import { ChannelSet } from './channels/channel-set'
import { Deliverer, type DelivererTimers } from './deliverer'
import { ruleSummary } from './rule-summary'

/**
 * What decides alerts and writes them to the outbox (the rules' AlertWatch), started and stopped
 * with the deliverer; its `onAlerts` should call Alerts.wake().
 */
export interface AlertWatchHook {
  start(): void
  stop(): Promise<void> | void
  /** One full pass over what history holds now. */
  settle(): Promise<void>
}

export interface AlertsOptions {
  db: SqliteDatabase
  store: Pick<SqliteStore, 'tx'>
  config: () => AlertsConfig
  /** `alert.delivered` and `alert.desktop`. */
  emit: <E extends 'alert.delivered' | 'alert.desktop'>(name: E, payload: EventMap[E]) => void
  /** Where an email channel finds its SMTP password when `passwordEnv` is not set (the keychain). */
  secrets: SecretStore
  log: (line: string) => void
  watch?: AlertWatchHook
  /** The job types whose alerts are held back (the rules own them); none until they are connected. */
  snoozes?: () => AlertSnooze[] | Promise<AlertSnooze[]>
  now?: () => number
  timers?: DelivererTimers
  env?: NodeJS.ProcessEnv
  giveUpAfterMs?: number
  idlePollMs?: number
}

/** A test message's lease: the asker has this long beyond its channel's timeout before the delivering process tries it. */
const TEST_LEASE_SLACK_MS = 30_000

export class Alerts {
  readonly deliveries: AlertDeliveries
  private readonly channels: ChannelSet
  private readonly deliverer: Deliverer
  private readonly now: () => number
  private started = false

  constructor(private readonly options: AlertsOptions) {
    this.now = options.now ?? Date.now
    this.deliveries = new AlertDeliveries(options.db, options.store)
    this.channels = new ChannelSet({
      secrets: options.secrets,
      emitDesktop: (notice) => options.emit('alert.desktop', notice),
      ...(options.env ? { env: options.env } : {}),
    })
    this.deliverer = new Deliverer({
      deliveries: this.deliveries,
      config: options.config,
      channels: this.channels,
      emit: (event) => options.emit('alert.delivered', event),
      log: options.log,
      now: this.now,
      ...(options.timers ? { timers: options.timers } : {}),
      ...(options.giveUpAfterMs !== undefined ? { giveUpAfterMs: options.giveUpAfterMs } : {}),
      ...(options.idlePollMs !== undefined ? { idlePollMs: options.idlePollMs } : {}),
    })
  }

  /** Deliver from this process (it holds the runner lock), and decide alerts when a watch is connected. */
  start(): void {
    if (this.started) return
    this.started = true
    this.deliverer.start()
    this.options.watch?.start()
  }

  async stop(): Promise<void> {
    if (!this.started) return
    this.started = false
    await this.options.watch?.stop()
    await this.deliverer.stop()
  }

  /**
   * Before a short-lived runner exits (`jobdeck run --until-idle` from cron): decides what the
   * history holds, then waits until nothing is left to send, at most `maxWaitMs` (a burst waits
   * `digestQuiet` before it goes). Answers how many are left for the next runner.
   */
  async flush(maxWaitMs: number): Promise<number> {
    if (!this.started) return 0
    await this.options.watch?.settle()
    const deadline = this.now() + maxWaitMs
    const unsent = (): number => this.deliveries.unsentCount(this.channelNames())
    while (unsent() > 0 && this.now() < deadline) {
      this.deliverer.wake()
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    return unsent()
  }

  /** New alerts are in the outbox: the rules' `onAlerts`. */
  wake(): void {
    this.deliverer.wake()
  }

  channelNames(): string[] {
    return Object.keys(this.options.config().channels)
  }

  async overview(limit: number): Promise<AlertsOverview> {
    const config = this.options.config()
    const channels = await Promise.all(
      [...this.channels.of(config)].map(async ([name, channel]) => ({ name, kind: channel.kind, target: channel.target, format: channel.format, problem: await channel.problem() })),
    )
    return {
      channels,
      rules: config.rules.map((rule, index) => ({ index, on: rule.on, channels: rule.channels, summary: ruleSummary(rule) })),
      deliveries: this.deliveries.newest(limit),
      snoozes: (await this.options.snoozes?.()) ?? [],
      pending: this.deliveries.pendingCount(),
    }
  }

  /**
   * Sends a test message to `channelName` now, through the outbox like any alert, and answers its
   * delivery once tried (sent, or failed with the reason: a test is tried once).
   */
  async test(channelName: string): Promise<AlertDelivery> {
    const channel = this.channels.of(this.options.config()).get(channelName)
    if (channel === undefined) throw new Error(`no alert channel ${channelName}`)
    const now = this.now()
    const alert: AlertPayload = {
      id: `test:${newId(now)}`,
      rule: 'test',
      type: null,
      title: `Test message from Jobdeck on ${os.hostname()} to ${channelName}`,
      jobId: null,
      runId: null,
      status: null,
      error: null,
      startedAt: new Date(now).toISOString(),
      finishedAt: null,
      count: 1,
    }
    const delivery = this.deliveries.insertTest(channelName, channel.kind, alert, now, channel.timeoutMs + TEST_LEASE_SLACK_MS)
    return this.deliverer.attempt({ delivery, alerts: [alert] })
  }
}
