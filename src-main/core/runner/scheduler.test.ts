// The scheduler over a real SQLite file with a controllable clock: the wall clock and the
// monotonic clock are the test's, and each look is a `wake()`. What it records is what an
// operator reads in `jobdeck fires`.
import { afterEach, describe, expect, it } from 'vitest'
import { parseConfigText, type LoadedConfig } from '../config/load-config'
import { EventBus } from '../events/event-bus'
import { SqliteSchedules } from '../store/sqlite/schedule-fires'
import type { SqliteStore } from '../store/sqlite/sqlite-store'
import type { FireRecord, FireWrite, ScheduleStore } from '../store/schedule-store'
import { openTempStore, removeTempStore } from '../test-support/temp-store'
import { Scheduler } from './scheduler'

const M = 60_000
const H = 60 * M
const START = Date.parse('2026-06-01T12:00:00Z')

interface Rig {
  store: SqliteStore
  schedules: SqliteSchedules
  clock: { wall: number; mono: number }
  notices: string[]
  scheduler(): Scheduler
  /** Both clocks move: time passes while the process runs. */
  pass(ms: number): Promise<void>
  /** Only the wall clock moves: the laptop slept, or the clock was set. */
  jump(ms: number): Promise<void>
  fires(schedule?: string): FireRecord[]
  finishJobs(): void
  restart(): Promise<void>
  dispose(): Promise<void>
}

let rig: Rig | null = null
afterEach(async () => {
  await rig?.dispose()
  rig = null
})

function config(schedules: string): LoadedConfig {
  const result = parseConfigText(`jobs:\n  t:\n    command: [node, -e, '0']\n    params:\n      n: { type: integer, default: 1 }\nschedules:\n${schedules}`, '/cfg/jobdeck.yaml')
  if (!result.ok) throw new Error(result.errors.map((e) => e.message).join('\n'))
  return result.config
}

/** Makes the store's next `n` records fail, as a busy or unreachable database would. */
let failRecords = 0

async function makeRig(schedules: string, random: () => number = () => 0): Promise<Rig> {
  failRecords = 0
  const temp = openTempStore('jobdeck-scheduler-')
  const { db, store } = temp
  const fireStore = new SqliteSchedules(store)
  const loaded = config(schedules)
  const clock = { wall: START, mono: 1_000 }
  const notices: string[] = []
  const events = new EventBus()
  events.on('schedule.notice', ({ message }) => notices.push(message))
  const flaky: ScheduleStore = Object.assign(Object.create(fireStore) as SqliteSchedules, {
    record: (writes: readonly FireWrite[], now: number) => (failRecords-- > 0 ? Promise.reject(new Error('database is locked')) : fireStore.record(writes, now)),
  })
  const make = (): Scheduler =>
    new Scheduler({
      schedules: flaky,
      config: () => loaded,
      events,
      afterEnqueue: () => undefined,
      now: () => clock.wall,
      monotonic: () => clock.mono,
      random,
      // The test looks by itself; the timer never comes first.
      checkMs: 3_600_000_000,
    })
  let current = make()
  await current.start()
  return {
    store,
    schedules: fireStore,
    clock,
    notices,
    scheduler: () => current,
    async pass(ms) {
      clock.wall += ms
      clock.mono += ms
      await current.wake()
    },
    async jump(ms) {
      clock.wall += ms
      await current.wake()
    },
    fires: (schedule) => fireStore.firesNow({ limit: 100_000, ...(schedule ? { schedule } : {}) }).reverse(),
    finishJobs() {
      db.prepare(`UPDATE jobs SET status = 'succeeded', finished_at = ? WHERE status IN ('queued','running','retrying')`).run(clock.wall)
    },
    async restart() {
      await current.stop()
      current = make()
      await current.start()
    },
    async dispose() {
      await current.stop()
      removeTempStore(temp)
    },
  }
}

const outcomes = (fires: FireRecord[]): string[] => fires.map((f) => `${new Date(f.scheduledFor).toISOString().slice(11, 16)} ${f.outcome}`)

describe('scheduler: on time', () => {
  it('fires each scheduled time once, with a job that carries the schedule’s name', async () => {
    rig = await makeRig(`  every5m:\n    job: t\n    every: 5m\n    overlap: allow\n`)
    await rig.pass(4 * M) // 12:04
    expect(rig.fires()).toEqual([])
    await rig.pass(M) // 12:05
    await rig.pass(0)
    await rig.pass(5 * M) // 12:10
    expect(outcomes(rig.fires())).toEqual(['12:05 enqueued', '12:10 enqueued'])
    const jobs = rig.store.db.prepare(`SELECT id, schedule FROM jobs ORDER BY created_at`).all() as Array<{ id: string; schedule: string }>
    expect(jobs.map((j) => j.schedule)).toEqual(['every5m', 'every5m'])
    expect(rig.fires().map((f) => f.jobId)).toEqual(jobs.map((j) => j.id))
  })

  it('overlap skip names the previous job; queue holds the fire until it finishes; allow enqueues', async () => {
    rig = await makeRig(
      `  s:\n    job: t\n    every: 1h\n    overlap: skip\n    notifySkipped: true\n  q:\n    job: t\n    every: 1h\n    overlap: queue\n  a:\n    job: t\n    every: 1h\n    overlap: allow\n`,
    )
    await rig.pass(H) // 13:00: every schedule enqueues its first job
    const first = new Map(rig.fires().map((f) => [f.schedule, f.jobId]))
    await rig.pass(H) // 14:00: the first jobs have not finished
    expect(rig.fires('s').at(-1)).toMatchObject({ outcome: 'skipped', reason: `previous job ${first.get('s')} still queued` })
    // Only the schedule that asks for it (notifySkipped) notifies a skipped fire.
    expect(rig.notices).toEqual([`s skipped its fire of 2026-06-01T14:00:00.000Z: previous job ${first.get('s')} still queued`])
    expect(rig.fires('a').at(-1)).toMatchObject({ outcome: 'enqueued', reason: expect.stringContaining('overlap: allow') })
    expect(rig.fires('q')).toHaveLength(1) // 14:00 is held, not recorded yet
    await rig.pass(H) // 15:00: a second fire of q while one waits is skipped
    expect(rig.fires('q').at(-1)).toMatchObject({ outcome: 'skipped', reason: expect.stringContaining('already waits') })
    rig.finishJobs()
    await rig.pass(M)
    const held = rig.fires('q').find((f) => new Date(f.scheduledFor).toISOString().endsWith('14:00:00.000Z'))
    expect(held).toMatchObject({ outcome: 'enqueued', reason: `waited for previous job ${first.get('q')} to finish (overlap: queue)`, firedAt: START + 3 * H + M })
  })

  it('overlap queue: a fire still held when the runner stops is recorded as skipped, saying so', async () => {
    rig = await makeRig(`  q:\n    job: t\n    every: 1h\n    overlap: queue\n`)
    await rig.pass(H)
    await rig.pass(H) // 14:00 is held behind the 13:00 job
    expect(rig.fires()).toHaveLength(1)
    await rig.scheduler().stop()
    expect(rig.fires().at(-1)).toMatchObject({ scheduledFor: START + 2 * H, outcome: 'skipped', reason: expect.stringContaining('the runner stopped while it waited for previous job') })
  })

  it('jitter delays a fire by 0..jitter; the record keeps the scheduled time', async () => {
    rig = await makeRig(`  j:\n    job: t\n    every: 1h\n    jitter: 10m\n`, () => 0.5)
    await rig.pass(H + 4 * M) // 13:04: its 5-minute delay has not passed
    expect(rig.fires()).toEqual([])
    await rig.pass(M) // 13:05
    expect(rig.fires()).toMatchObject([{ scheduledFor: START + H, firedAt: START + H + 5 * M, outcome: 'enqueued' }])
  })

  it('a pause until a time records the fires it covers as paused, and fires again after it', async () => {
    rig = await makeRig(`  p:\n    job: t\n    every: 1h\n    overlap: allow\n`)
    await rig.schedules.setPause('p', { pausedAt: START, until: START + 2 * H + 30 * M })
    await rig.pass(H)
    await rig.pass(H)
    await rig.pass(H)
    expect(outcomes(rig.fires())).toEqual(['13:00 paused', '14:00 paused', '15:00 enqueued'])
    expect(rig.fires()[0]?.reason).toBe('paused until 2026-06-01T14:30:00.000Z')
  })
})

describe('scheduler: downtime and the wall clock', () => {
  it('a restart after downtime judges the missed fires by the policy: latest runs one, the others are missed; no fire twice', async () => {
    rig = await makeRig(`  nightly:\n    job: t\n    every: 1h\n    missed: latest\n    overlap: allow\n`)
    await rig.pass(H) // 13:00 enqueued
    await rig.scheduler().stop()
    rig.clock.wall += 3 * H + 10 * M // down until 16:10
    rig.clock.mono += 3 * H + 10 * M
    await rig.restart()
    expect(outcomes(rig.fires())).toEqual(['13:00 enqueued', '14:00 missed', '15:00 missed', '16:00 enqueued'])
    expect(rig.notices).toEqual(['nightly missed 3 fires; ran the latest'])
    await rig.restart()
    await rig.pass(0)
    expect(rig.fires()).toHaveLength(4)
  })

  it('all runs each missed fire inside the catch-up window, oldest first; skip runs none', async () => {
    rig = await makeRig(`  all:\n    job: t\n    every: 1h\n    missed: all\n    catchupWindow: 2h30m\n  skip:\n    job: t\n    every: 1h\n    missed: skip\n`)
    await rig.pass(H)
    rig.finishJobs()
    await rig.scheduler().stop()
    rig.clock.wall += 5 * H // down until 18:00
    await rig.restart()
    expect(outcomes(rig.fires('all'))).toEqual(['13:00 enqueued', '14:00 missed', '15:00 missed', '16:00 enqueued', '17:00 enqueued', '18:00 enqueued'])
    expect(outcomes(rig.fires('skip'))).toEqual(['13:00 enqueued', '14:00 missed', '15:00 missed', '16:00 missed', '17:00 missed', '18:00 missed'])
    const jobs = rig.store.db.prepare(`SELECT id FROM jobs WHERE schedule = 'all' ORDER BY rowid`).all() as Array<{ id: string }>
    expect(rig.fires('all').filter((f) => f.jobId).map((f) => f.jobId)).toEqual(jobs.map((j) => j.id))
    expect(rig.notices).toEqual(['all missed 5 fires; ran the 3 inside the catch-up window', 'skip missed 5 fires; ran none (missed: skip)'])
  })

  it('a wall-clock jump (sleep) is caught up like downtime; a clock set back fires nothing twice', async () => {
    rig = await makeRig(`  h:\n    job: t\n    every: 1h\n    overlap: allow\n`)
    await rig.pass(H)
    await rig.jump(3 * H) // slept 13:00 → 16:00
    expect(outcomes(rig.fires())).toEqual(['13:00 enqueued', '14:00 missed', '15:00 missed', '16:00 enqueued'])
    await rig.jump(-2 * H) // the clock set back to 14:00
    await rig.pass(H) // 15:00 again
    expect(rig.fires()).toHaveLength(4)
    await rig.pass(2 * H) // 17:00
    expect(outcomes(rig.fires()).at(-1)).toBe('17:00 enqueued')
    expect(rig.fires()).toHaveLength(5)
  })

  it('a fire already recorded (by a restart, or another writer) is neither recorded again nor enqueued again', async () => {
    rig = await makeRig(`  h:\n    job: t\n    every: 1h\n    overlap: allow\n`)
    const write = (id: string) => ({
      fire: { schedule: 'h', scheduledFor: START + H, firedAt: START + H, outcome: 'enqueued' as const, reason: null, jobId: id },
      job: { id, type: 't', params: {}, priority: 'normal' as const, lane: 'default', schedule: 'h' },
    })
    expect(await rig.schedules.record([write('J1')], START + H)).toHaveLength(1)
    expect(await rig.schedules.record([write('J2')], START + H)).toEqual([])
    await rig.pass(H) // the scheduler's own fire of 13:00 finds the key taken
    expect(rig.fires().map((f) => f.jobId)).toEqual(['J1'])
    expect(rig.store.db.prepare(`SELECT id FROM jobs`).all()).toEqual([{ id: 'J1' }])
  })

  it('a fire whose record failed (the database busy) is judged again at the next look, once', async () => {
    rig = await makeRig(`  h:\n    job: t\n    every: 1h\n    overlap: allow\n`)
    failRecords = 1
    await rig.pass(H) // 13:00: the record fails
    expect(rig.fires()).toEqual([])
    await rig.pass(M) // 13:01: tried again
    expect(rig.fires()).toMatchObject([{ scheduledFor: START + H, firedAt: START + H + M, outcome: 'enqueued' }])
    await rig.pass(M)
    expect(rig.fires()).toHaveLength(1)
  })

  it('a schedule never fired before starts now: nothing before it is missed', async () => {
    rig = await makeRig(`  new:\n    job: t\n    cron: "0 * * * *"\n    timezone: Europe/Berlin\n`)
    expect(rig.fires()).toEqual([])
    expect(rig.scheduler().nextFires().get('new')).toBe(START + H)
  })
})
