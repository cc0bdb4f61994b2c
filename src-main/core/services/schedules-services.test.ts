// The schedules API through the core as every transport calls it.
import { afterEach, describe, expect, it } from 'vitest'
import { JobdeckError } from '../../../src-shared/errors'
import { makeTestEnv, waitForTerminal, type TestEnv } from '../test-support/test-env'

const CONFIG = `
jobs:
  quick:
    command: [node, scripts/sleep.js, "30"]
    lane: 'dealer:{dealer}'
    params:
      dealer: { type: string, required: true }
  fresh:
    command: [node, scripts/sleep.js, "10"]
lanes:
  "dealer:*": { limit: 2 }
schedules:
  nightly:
    job: quick
    params: { dealer: "12284" }
    cron: "0 2 * * *"
    timezone: Europe/Berlin
  hourly:
    job: fresh
    cron: "@hourly"
    timezone: UTC
  off:
    job: fresh
    every: 5m
    enabled: false
`

let env: TestEnv
afterEach(() => env.cleanup())

const refusal = async (promise: Promise<unknown>): Promise<JobdeckError> => {
  try {
    await promise
  } catch (error) {
    if (error instanceof JobdeckError) return error
    throw error
  }
  throw new Error('expected a refusal')
}

describe('schedules API', () => {
  it('list: each schedule in words with its zone, lane, next fires; none while disabled', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    const list = await core.api['schedules.list']({ fires: 3 })
    expect(list.map((s) => [s.name, s.description, s.timezone, s.lane, s.nextFires.length, s.enabled])).toEqual([
      ['nightly', 'At 02:00', 'Europe/Berlin', 'dealer:12284', 3, true],
      ['hourly', expect.stringMatching(/hour/i), 'UTC', 'default', 3, true],
      ['off', 'Every 5 minutes', expect.any(String), 'default', 0, false],
    ])
    const nightly = list[0]
    for (const at of nightly?.nextFires ?? []) expect(new Date(at).toISOString().slice(11, 16)).toMatch(/^0[01]:00$/)
    expect(nightly).toMatchObject({ missed: 'latest', catchupWindowMs: 86_400_000, overlap: 'skip', jitterMs: 0, paused: false, pausedUntil: null, lastFire: null, priority: null })
  })

  it('pause until, resume and run now; a pause in the past and an unknown name are refused naming the problem', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    const until = Date.now() + 3_600_000
    const paused = await core.api['schedules.pause']({ name: 'nightly', until })
    expect(paused).toMatchObject({ paused: true, pausedUntil: new Date(until).toISOString() })
    expect((await core.api['schedules.resume']({ name: 'nightly' })).paused).toBe(false)
    expect((await refusal(core.api['schedules.pause']({ name: 'nightly', until: Date.now() - 1 }))).message).toMatch(/has passed/)
    expect((await refusal(core.api['schedules.runNow']({ name: 'weekly' }))).message).toBe('no schedule named "weekly"; the config declares: nightly, hourly, off')
    const { fire, job } = await core.api['schedules.runNow']({ name: 'nightly' })
    expect(job).toMatchObject({ type: 'quick', params: { dealer: '12284' }, lane: 'dealer:12284', schedule: 'nightly', status: 'queued' })
    expect(fire).toMatchObject({ schedule: 'nightly', outcome: 'manual', jobId: job.id, reason: 'run now by the operator' })
    expect((await core.api['schedules.list']({ fires: 1 }))[0]?.lastFire).toEqual(fire)
    expect(await core.api['schedules.fires']({ limit: 10, outcome: 'manual' })).toEqual([fire])
    expect(await core.api['schedules.fires']({ limit: 10, schedule: 'hourly' })).toEqual([])
  })

  it('fires: newest first in keyset pages, filtered by schedule, outcome and time', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    const made = []
    for (const name of ['nightly', 'hourly', 'nightly']) made.push((await core.api['schedules.runNow']({ name })).fire)
    const all = await core.api['schedules.fires']({ limit: 10 })
    expect(all).toHaveLength(3)
    const order = [...made].sort((a, b) => (a.scheduledFor === b.scheduledFor ? (a.schedule < b.schedule ? 1 : -1) : a.scheduledFor < b.scheduledFor ? 1 : -1))
    expect(all).toEqual(order)
    const first = await core.api['schedules.fires']({ limit: 2 })
    const last = first.at(-1)
    if (!last) throw new Error('no page')
    const rest = await core.api['schedules.fires']({ limit: 2, before: { at: last.scheduledFor, schedule: last.schedule } })
    expect([...first, ...rest]).toEqual(all)
    expect(await core.api['schedules.fires']({ limit: 10, schedule: 'nightly' })).toHaveLength(2)
    expect(await core.api['schedules.fires']({ limit: 10, outcome: 'missed' })).toEqual([])
    expect(await core.api['schedules.fires']({ limit: 10, since: Date.now() + 60_000 })).toEqual([])
  })

  it('preview: the next fires of any cron or interval in any zone; bad input is refused with the reason', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    const after = Date.parse('2026-03-28T12:00:00Z')
    expect(await core.api['schedules.preview']({ cron: '30 2 * * *', timezone: 'Europe/Berlin', count: 3, after })).toEqual({
      description: 'At 02:30',
      fires: ['2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z', '2026-03-31T00:30:00.000Z'],
    })
    expect((await core.api['schedules.preview']({ every: '15m', count: 2, after })).fires).toEqual(['2026-03-28T12:15:00.000Z', '2026-03-28T12:30:00.000Z'])
    const badCron = await refusal(core.api['schedules.preview']({ cron: '0 25 * * *', count: 5 }))
    expect(badCron.code).toBe('invalid_input')
    expect(badCron.message).toMatch(/^cron: croner refuses "0 25 \* \* \*": .+/)
    expect((await refusal(core.api['schedules.preview']({ cron: '0 2 * * *', timezone: 'Mars/Olympus', count: 5 }))).message).toMatch(/^timezone: unknown time zone "Mars\/Olympus"/)
    expect((await refusal(core.api['schedules.preview']({ count: 5 }))).message).toBe('expected exactly one of cron or every, got neither')
    expect((await refusal(core.api['schedules.preview']({ every: 'soon', count: 5 }))).message).toMatch(/^every: expected an interval/)
  })

  it('forecast: upcoming fires in range with their lane and limit, p95 of the type when it has history, null when it has none', async () => {
    env = makeTestEnv(CONFIG)
    const core = env.open()
    const { job } = await core.api['schedules.runNow']({ name: 'nightly' })
    core.startRunner()
    await waitForTerminal(core, [job.id])
    const since = Date.now()
    const until = since + 86_400_000
    const forecast = await core.api['schedules.forecast']({ since, until })
    const nightly = forecast.filter((f) => f.schedule === 'nightly')
    const hourly = forecast.filter((f) => f.schedule === 'hourly')
    expect(nightly).toHaveLength(1)
    expect(hourly.length).toBeGreaterThanOrEqual(23)
    expect(forecast.some((f) => f.schedule === 'off')).toBe(false)
    expect(nightly[0]).toMatchObject({ type: 'quick', lane: 'dealer:12284', laneLimit: 2, basis: 'p95', expectedMs: expect.any(Number) })
    expect(hourly[0]).toMatchObject({ type: 'fresh', lane: 'default', laneLimit: 1, expectedMs: null, basis: null })
    for (const f of forecast) expect(Date.parse(f.at) >= since && Date.parse(f.at) <= until).toBe(true)
    expect(forecast.map((f) => f.at)).toEqual([...forecast.map((f) => f.at)].sort())
    expect((await refusal(core.api['schedules.forecast']({ since: until, until: since }))).message).toMatch(/is before since/)
  })
})
