// The alert rules over a real SQLite file, on a clock the test moves: what lands in the outbox is
// what the deliverer will send, so each assertion is what an operator would receive.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { EventBus } from '../events/event-bus'
import { SqliteStore } from '../store/sqlite/sqlite-store'
import { openDatabase } from '../store/sqlite/open-database'
import { configOf, finishJob, outboxRows } from '../test-support/alert-history'
import { openTempStore, removeTempStore, type TempStore } from '../test-support/temp-store'
import { AlertStore } from '../store/sqlite/alert-store'
import { AlertWatch, DEADLINE_GRACE_MS, type AlertWatchOptions } from './alert-watch'
import { SqliteSchedules } from '../store/sqlite/schedule-fires'
import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const JOBS = `
jobs:
  sync:
    command: [node, sync.js]
  report:
    command: [node, report.js]
`

/** A failed job alerts both channels, the webhook and the desktop. */
const FAILED_TO_BOTH = `${JOBS}
alerts:
  channels:
    ops: { webhook: { urlEnv: HOOK } }
    oncall: { desktop: true }
  rules:
    - { on: failed, channels: [ops, oncall] }
`

let temp: TempStore
let clock: number
const watches: AlertWatch[] = []

beforeEach(() => {
  temp = openTempStore('jobdeck-alerts-')
  clock = Date.UTC(2026, 5, 1, 8, 0, 0)
})

afterEach(async () => {
  for (const watch of watches.splice(0)) await watch.stop()
  removeTempStore(temp)
})

function watchOver(yaml: string, store = temp.store, extra: Partial<AlertWatchOptions> = {}): { watch: AlertWatch; events: EventBus; woken: () => number } {
  const events = new EventBus()
  const config = configOf(yaml)
  let wakes = 0
  const watch = new AlertWatch({
    store,
    config: () => config,
    events,
    now: () => clock,
    // Only what the test runs: no poll, no deadline timer firing on its own.
    timers: { setTimeout: () => null, clearTimeout: () => undefined },
    onAlerts: () => wakes++,
    log: () => undefined,
    ...extra,
  })
  watches.push(watch)
  return { watch, events, woken: () => wakes }
}

/** A job of `type` ending `minutes` after the test's start. */
const at = (minutes: number): number => Date.UTC(2026, 5, 1, 8, 0, 0) + minutes * 60_000

describe('failed', () => {
  const CONFIG = FAILED_TO_BOTH

  it('a job that failed after its last retry is one outbox row per channel; a retrying job none; a restart re-reads nothing', async () => {
    const { watch, woken } = watchOver(CONFIG)
    watch.start()
    clock = at(1)
    const failed = finishJob(temp.store, { type: 'sync', outcome: 'failed', at: at(1) })
    finishJob(temp.store, { type: 'sync', outcome: 'failed', at: at(1), retry: true })
    finishJob(temp.store, { type: 'report', outcome: 'succeeded', at: at(1) })
    await watch.settle()
    expect(outboxRows(temp.store)).toEqual([
      expect.objectContaining({ channel: 'ops', rule: 0, title: 'sync failed' }),
      expect.objectContaining({ channel: 'oncall', rule: 0, title: 'sync failed' }),
    ])
    expect(outboxRows(temp.store)[0]?.key).toMatch(new RegExp(`^failed:${failed}:`))
    expect(woken()).toBe(1)
    await watch.stop()

    // Another process on the same file: the watermark moved with the rows, nothing is decided twice.
    const db = openDatabase(path.join(temp.dir, 'jobdeck.sqlite'))
    const again = watchOver(CONFIG, new SqliteStore(db))
    again.watch.start()
    await again.watch.settle()
    expect(outboxRows(temp.store)).toHaveLength(2)
    expect(again.woken()).toBe(0)
    await again.watch.stop()
    db.close()
  })

  it('the payload says what failed, with a stable id per channel', async () => {
    const { watch } = watchOver(CONFIG)
    watch.start()
    const id = finishJob(temp.store, { type: 'sync', outcome: 'failed', at: at(2) })
    await watch.settle()
    const payloads = (temp.store.db.prepare(`SELECT payload FROM alert_outbox ORDER BY id`).all() as Array<{ payload: string }>).map((r) => JSON.parse(r.payload) as Record<string, unknown>)
    expect(payloads[0]).toMatchObject({ rule: 'failed', type: 'sync', jobId: id, status: 'failed', error: 'exit code 1', finishedAt: new Date(at(2)).toISOString(), count: 1 })
    expect(payloads[0]?.id).not.toBe(payloads[1]?.id)
  })

  it('history older than the first start of alerting is never alerted', async () => {
    finishJob(temp.store, { type: 'sync', outcome: 'failed', at: at(-60) })
    // As a cache's first pull would: the old failure has a seq past the watermark.
    temp.store.db.prepare(`UPDATE meta SET value = '0' WHERE key = 'alerts.seq'`).run()
    const { watch } = watchOver(CONFIG)
    watch.start()
    await watch.settle()
    expect(outboxRows(temp.store)).toEqual([])
  })
})

describe('failedStreak and recovered', () => {
  const CONFIG = `${JOBS}
alerts:
  channels:
    oncall: { desktop: true }
  rules:
    - { on: failedStreak, count: 3, types: [sync], channels: [oncall] }
    - { on: recovered, channels: [oncall] }
`

  it('three failures in a row alert once; more do not; a success says recovered and a new streak alerts again', async () => {
    const { watch } = watchOver(CONFIG)
    watch.start()
    for (const minute of [1, 2]) finishJob(temp.store, { type: 'sync', outcome: 'failed', at: at(minute) })
    await watch.settle()
    expect(outboxRows(temp.store)).toEqual([])
    // The third in another pass: the count of the first two came through the file, not memory.
    finishJob(temp.store, { type: 'sync', outcome: 'failed', at: at(3) })
    finishJob(temp.store, { type: 'report', outcome: 'failed', at: at(3) })
    await watch.settle()
    expect(outboxRows(temp.store).map((r) => r.title)).toEqual(['sync failed 3 times in a row'])
    finishJob(temp.store, { type: 'sync', outcome: 'failed', at: at(4) })
    finishJob(temp.store, { type: 'sync', outcome: 'succeeded', at: at(5) })
    finishJob(temp.store, { type: 'sync', outcome: 'succeeded', at: at(6) })
    for (const minute of [7, 8, 9]) finishJob(temp.store, { type: 'sync', outcome: 'failed', at: at(minute) })
    await watch.settle()
    expect(outboxRows(temp.store).map((r) => r.title)).toEqual([
      'sync failed 3 times in a row',
      'sync recovered after 4 failures in a row',
      'sync failed 3 times in a row',
    ])
  })

  it('recovered needs the previous finished job of the type to have failed', async () => {
    const { watch } = watchOver(CONFIG)
    watch.start()
    finishJob(temp.store, { type: 'report', outcome: 'succeeded', at: at(1) })
    finishJob(temp.store, { type: 'report', outcome: 'failed', at: at(2) })
    finishJob(temp.store, { type: 'report', outcome: 'failed', at: at(3), retry: true })
    await watch.settle()
    finishJob(temp.store, { type: 'report', outcome: 'succeeded', at: at(4) })
    await watch.settle()
    expect(outboxRows(temp.store).map((r) => r.title)).toEqual(['report recovered after 1 failure'])
  })
})

describe('quiet and snooze', () => {
  const CONFIG = `${JOBS}
alerts:
  channels:
    oncall: { desktop: true }
  rules:
    - { on: failed, quiet: 10m, channels: [oncall] }
`

  it('after an alert of a rule about a type, more within its quiet period are not written; other types and later ones are', async () => {
    const { watch } = watchOver(CONFIG)
    watch.start()
    finishJob(temp.store, { type: 'sync', outcome: 'failed', at: at(1) })
    finishJob(temp.store, { type: 'sync', outcome: 'failed', at: at(2) })
    finishJob(temp.store, { type: 'report', outcome: 'failed', at: at(3) })
    await watch.settle()
    finishJob(temp.store, { type: 'sync', outcome: 'failed', at: at(12) })
    clock = at(12)
    await watch.settle()
    expect(outboxRows(temp.store).map((r) => r.title)).toEqual(['sync failed', 'report failed', 'sync failed'])
  })

  it('a snoozed type gets no alerts until the snooze ends', async () => {
    const { watch } = watchOver(CONFIG)
    new AlertStore(temp.store).setSnooze('sync', at(30), 'ops', clock)
    watch.start()
    finishJob(temp.store, { type: 'sync', outcome: 'failed', at: at(1) })
    await watch.settle()
    expect(outboxRows(temp.store)).toEqual([])
    clock = at(31)
    finishJob(temp.store, { type: 'sync', outcome: 'failed', at: at(31) })
    await watch.settle()
    expect(outboxRows(temp.store).map((r) => r.title)).toEqual(['sync failed'])
  })
})

describe('events', () => {
  const CONFIG = `${JOBS}
alerts:
  channels:
    oncall: { desktop: true }
  rules:
    - { on: overrun, factor: 3, channels: [oncall] }
    - { on: health, channels: [oncall] }
    - { on: offline, after: 2m, channels: [oncall] }
    - { on: stuck, channels: [oncall] }
`

  it('an overrun beyond the rule factor, health critical and back, offline past `after`, a stuck source row', async () => {
    const timers: Array<{ fn: () => void; ms: number }> = []
    const { watch, events } = watchOver(CONFIG, temp.store, { timers: { setTimeout: (fn, ms) => timers.push({ fn, ms }), clearTimeout: () => undefined } })
    watch.start()
    // The monitor's factor is 2: the rule asks 3, so 2.5 × usual is not yet an overrun for it.
    events.emit('run.overrun', { runId: 'r1', jobId: 'j1', type: 'sync', elapsedMs: 250_000, usualMs: 100_000, factor: 2 })
    events.emit('run.overrun', { runId: 'r2', jobId: 'j2', type: 'sync', elapsedMs: 310_000, usualMs: 100_000, factor: 2 })
    events.emit('health.changed', { health: { level: 'critical', reasons: ['memory 97% used (critical at 95%)'], since: new Date(at(0)).toISOString() } })
    events.emit('health.changed', { health: { level: 'warning', reasons: [], since: new Date(at(5)).toISOString() } })
    clock = at(5)
    events.emit('connection.changed', { connection: { mode: 'shared', status: 'offline', url: null, source: null, error: 'ECONNREFUSED', offlineSince: new Date(at(5)).toISOString(), lastSyncAt: null, outboxPending: 0, retryAt: null } })
    events.emit('run.stuck', { runId: 'legacy:42/run', jobId: 'legacy:42', type: 'legacy/report', source: 'legacy', sourceId: '42', startedAt: new Date(at(-30)).toISOString(), stuckAfterMs: 900_000 })
    const offlineTimer = timers.find((t) => t.ms === 120_000)
    expect(offlineTimer).toBeDefined()
    clock = at(7)
    offlineTimer?.fn()
    await watch.settle()
    const titles = outboxRows(temp.store).map((r) => r.title)
    expect(titles).toHaveLength(5)
    expect(titles[0]).toMatch(/^sync is running long: 5m 10s/)
    expect(titles[1]).toMatch(/resources critical: memory 97% used/)
    expect(titles[2]).toMatch(/resources recovered after 5m/)
    expect(titles[3]).toBe('legacy/report row 42 is stuck: running longer than 15m 00s')
    expect(titles[4]).toMatch(/shared database has been unreachable for 2m/)
  })
})

describe('deadline', () => {
  const config = (zone: string) => `${JOBS}
schedules:
  nightly:
    job: sync
    cron: "0 5 * * *"
    timezone: ${zone}
alerts:
  channels:
    oncall: { desktop: true }
  rules:
    - { on: deadline, schedule: nightly, notFinishedBy: "07:00", channels: [oncall] }
`
  /** 2026-06-02 in Berlin (UTC+2): 05:00 there is 03:00 UTC, 07:00 is 05:00 UTC. */
  const berlin = (h: number, m = 0): number => Date.UTC(2026, 5, 2, h - 2, m)

  it('fired but not finished by 07:00 in the schedule zone: one alert for the day', async () => {
    clock = berlin(4)
    const { watch } = watchOver(config('Europe/Berlin'))
    watch.start()
    await watch.settle()
    finishJob(temp.store, { type: 'sync', outcome: 'failed', at: berlin(5, 30), schedule: 'nightly', createdAt: berlin(5) })
    clock = berlin(6, 59)
    await watch.settle()
    expect(outboxRows(temp.store)).toEqual([])
    clock = berlin(7) + DEADLINE_GRACE_MS
    await watch.settle()
    await watch.settle()
    expect(outboxRows(temp.store)).toEqual([
      expect.objectContaining({ key: 'deadline:nightly:2026-06-02', title: 'nightly did not finish by 07:00 (Europe/Berlin) on 2026-06-02: it failed' }),
    ])
  })

  it('did not fire at all: told as such', async () => {
    clock = berlin(4)
    const { watch } = watchOver(config('Europe/Berlin'))
    watch.start()
    clock = berlin(7, 1)
    await watch.settle()
    expect(outboxRows(temp.store).map((r) => r.title)).toEqual(['nightly did not fire before 07:00 (Europe/Berlin) on 2026-06-02'])
  })

  it("through the schedule's fires: a job that runs past the deadline is told; a paused schedule expects nothing", async () => {
    clock = berlin(4)
    const schedules = new SqliteSchedules(temp.store)
    const { watch } = watchOver(config('Europe/Berlin'), temp.store, { schedules })
    watch.start()
    await watch.settle()
    const late = finishJob(temp.store, { type: 'sync', outcome: 'succeeded', at: berlin(7, 30), schedule: 'nightly', createdAt: berlin(5) })
    await schedules.record([{ fire: { schedule: 'nightly', scheduledFor: berlin(5), firedAt: berlin(5), outcome: 'enqueued', reason: null, jobId: late }, job: null }], berlin(5))
    clock = berlin(7, 31)
    await watch.settle()
    expect(outboxRows(temp.store).map((r) => r.title)).toEqual(['nightly did not finish by 07:00 (Europe/Berlin) on 2026-06-02: it finished late (succeeded)'])

    await schedules.setPause('nightly', { pausedAt: clock, until: null })
    clock = berlin(7) + 86_400_000 + DEADLINE_GRACE_MS
    await watch.settle()
    expect(outboxRows(temp.store)).toHaveLength(1)
  })

  it('finished in time: nothing', async () => {
    clock = berlin(4)
    const { watch } = watchOver(config('Europe/Berlin'))
    watch.start()
    finishJob(temp.store, { type: 'sync', outcome: 'succeeded', at: berlin(6, 50), schedule: 'nightly', createdAt: berlin(5) })
    clock = berlin(7, 1)
    await watch.settle()
    expect(outboxRows(temp.store)).toEqual([])
  })

  it('the zone is the schedule zone: 07:00 UTC is two hours after 07:00 in Berlin', async () => {
    clock = berlin(4)
    const { watch } = watchOver(config('UTC'))
    watch.start()
    // 06:30 UTC: past 07:00 in Berlin, not yet 07:00 in UTC.
    finishJob(temp.store, { type: 'sync', outcome: 'succeeded', at: Date.UTC(2026, 5, 2, 6, 30), schedule: 'nightly', createdAt: Date.UTC(2026, 5, 2, 5) })
    clock = berlin(7, 1)
    await watch.settle()
    clock = Date.UTC(2026, 5, 2, 7, 1)
    await watch.settle()
    expect(outboxRows(temp.store)).toEqual([])
  })
})

describe('kill -9', () => {
  const CONFIG = FAILED_TO_BOTH
  const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url))

  /**
   * Another process on the same file, with a watch of its own that has not run yet (its timers
   * never fire), commits a failure and says so; the test SIGKILLs it there.
   */
  function failAndWait(file: string): ChildProcess {
    const script = `
      const { openDatabase } = await import(${JSON.stringify(here('../store/sqlite/open-database.ts'))})
      const { SqliteStore } = await import(${JSON.stringify(here('../store/sqlite/sqlite-store.ts'))})
      const { finishJob, configOf } = await import(${JSON.stringify(here('../test-support/alert-history.ts'))})
      const { EventBus } = await import(${JSON.stringify(here('../events/event-bus.ts'))})
      const { AlertWatch } = await import(${JSON.stringify(here('./alert-watch.ts'))})
      const store = new SqliteStore(openDatabase(${JSON.stringify(file)}))
      const config = configOf(${JSON.stringify(CONFIG)})
      const watch = new AlertWatch({ store, config: () => config, events: new EventBus(), timers: { setTimeout: () => null, clearTimeout: () => undefined }, onAlerts: () => {}, log: () => {} })
      watch.start()
      const id = finishJob(store, { type: 'sync', outcome: 'failed', at: Date.now() })
      process.stdout.write('committed ' + id + '\\n')
      setInterval(() => {}, 1000)
    `
    return spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
  }

  it('a failure committed by a process killed before its watch decided it is decided once by the next process', async () => {
    const file = path.join(temp.dir, 'jobdeck.sqlite')
    clock = Date.now()
    // Alerting began on this file earlier (the app ran before).
    const first = watchOver(CONFIG)
    first.watch.start()
    await first.watch.settle()
    await first.watch.stop()

    const child = failAndWait(file)
    const id = await new Promise<string>((resolve, reject) => {
      let out = ''
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString()
        const match = /committed (\S+)\n/.exec(out)
        if (match) resolve(match[1] as string)
      })
      child.on('exit', (code) => reject(new Error(`the child exited (${code}) before committing`)))
    })
    child.kill('SIGKILL')
    await new Promise((resolve) => child.once('exit', resolve))
    expect(outboxRows(temp.store)).toEqual([])

    clock = Date.now()
    for (let restart = 0; restart < 2; restart++) {
      const db = openDatabase(file)
      const next = watchOver(CONFIG, new SqliteStore(db))
      next.watch.start()
      await next.watch.settle()
      await next.watch.stop()
      db.close()
    }
    expect(outboxRows(temp.store).map((r) => `${r.key.split(':')[1]} ${r.channel}`)).toEqual([`${id} ops`, `${id} oncall`])
  }, 30_000)
})
