import { describe, expect, it } from 'vitest'
import { cronProblem, describeEvery, describeTiming, FireTimes, firesBetween, upcomingFires, zoneProblem, type ScheduleSpec } from './schedule-times'

const iso = (ms: number): string => new Date(ms).toISOString()
const at = (text: string): number => Date.parse(text)

describe('fire times', () => {
  it('every: is anchored to the Unix epoch, not to when a process started', () => {
    const every5m = new FireTimes({ everyMs: 300_000 })
    // Two instances started at different moments compute the same scheduled times.
    expect(every5m.next(at('2026-03-01T10:01:17.123Z'), 2).map(iso)).toEqual(['2026-03-01T10:05:00.000Z', '2026-03-01T10:10:00.000Z'])
    expect(every5m.next(at('2026-03-01T10:04:59.999Z'), 1).map(iso)).toEqual(['2026-03-01T10:05:00.000Z'])
    // Strictly after: a fire at t is not its own next.
    expect(every5m.nextAfter(at('2026-03-01T10:05:00.000Z'))).toBe(at('2026-03-01T10:10:00.000Z'))
    // 7m does not divide an hour: still multiples of 7 minutes since the epoch.
    const every7m = new FireTimes({ everyMs: 420_000 })
    for (const t of every7m.next(at('2026-03-01T10:00:00Z'), 5)) expect(t % 420_000).toBe(0)
  })

  it('a cron fires in its own zone', () => {
    const nightly = new FireTimes({ cron: '0 2 * * *', timezone: 'Europe/Berlin' })
    expect(nightly.next(at('2026-01-10T12:00:00Z'), 2).map(iso)).toEqual(['2026-01-11T01:00:00.000Z', '2026-01-12T01:00:00.000Z'])
    const newYork = new FireTimes({ cron: '0 2 * * *', timezone: 'America/New_York' })
    expect(newYork.next(at('2026-01-10T12:00:00Z'), 1).map(iso)).toEqual(['2026-01-11T07:00:00.000Z'])
  })

  it('six fields put seconds first; nicknames and L are croner’s', () => {
    expect(new FireTimes({ cron: '*/15 * * * * *', timezone: 'UTC' }).next(at('2026-01-01T00:00:01Z'), 2).map(iso)).toEqual([
      '2026-01-01T00:00:15.000Z',
      '2026-01-01T00:00:30.000Z',
    ])
    expect(new FireTimes({ cron: '@daily', timezone: 'UTC' }).next(at('2026-01-01T10:00:00Z'), 1).map(iso)).toEqual(['2026-01-02T00:00:00.000Z'])
    expect(new FireTimes({ cron: '0 3 L * *', timezone: 'UTC' }).next(at('2026-02-01T00:00:00Z'), 1).map(iso)).toEqual(['2026-02-28T03:00:00.000Z'])
  })

  it('Europe/Berlin spring-forward (29 March 2026): 02:30 does not exist, so that day the fire comes at 03:00 CEST, the first valid time after the gap; once', () => {
    const nightly = new FireTimes({ cron: '30 2 * * *', timezone: 'Europe/Berlin' })
    expect(nightly.between(at('2026-03-28T00:00:00Z'), at('2026-03-31T00:00:00Z'), 10).map(iso)).toEqual([
      '2026-03-28T01:30:00.000Z', // 02:30 CET
      '2026-03-29T01:00:00.000Z', // the gap: 02:00-03:00 local is skipped; 03:00 CEST
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
    ])
    // An hourly pattern simply has one hour less that day.
    const hourly = new FireTimes({ cron: '0 * * * *', timezone: 'Europe/Berlin' })
    expect(hourly.between(at('2026-03-28T23:00:00Z'), at('2026-03-29T22:00:00Z'), 100)).toHaveLength(23)
  })

  it('Europe/Berlin fall-back (25 October 2026): a fixed time inside the repeated hour fires once, not twice', () => {
    const nightly = new FireTimes({ cron: '30 2 * * *', timezone: 'Europe/Berlin' })
    const fires = nightly.between(at('2026-10-24T12:00:00Z'), at('2026-10-26T12:00:00Z'), 10).map(iso)
    expect(fires).toHaveLength(2)
    expect(fires[0]?.startsWith('2026-10-25T0')).toBe(true)
    expect(fires[1]).toBe('2026-10-26T01:30:00.000Z') // 02:30 CET
  })

  it('tail counts a long downtime without listing it and keeps the newest fires', () => {
    const everySecond = new FireTimes({ everyMs: 1_000 })
    const tail = everySecond.tail(at('2026-01-01T00:00:00Z'), at('2026-01-02T00:00:00Z'), 3, 1_000_000)
    expect(tail.count).toBe(86_400)
    expect(tail.newest.map(iso)).toEqual(['2026-01-01T23:59:58.000Z', '2026-01-01T23:59:59.000Z', '2026-01-02T00:00:00.000Z'])
    const hourly = new FireTimes({ cron: '0 * * * *', timezone: 'UTC' })
    const h = hourly.tail(at('2026-01-01T00:00:00Z'), at('2026-01-01T05:30:00Z'), 2, 1000)
    expect(h).toEqual({ count: 5, newest: [at('2026-01-01T04:00:00Z'), at('2026-01-01T05:00:00Z')], capped: false })
  })
})

describe('fire times kept per schedule', () => {
  const spec = (cron: string | null, everyMs: number | null): ScheduleSpec => ({
    name: 'x', job: 't', params: {}, cron, every: null, everyMs, timezone: 'Europe/Berlin', priority: null,
    missed: 'latest', catchupWindowMs: 0, overlap: 'skip', jitterMs: 0, enabled: true, notifySkipped: false,
  })

  it('firesBetween answers every range as croner would, ranges moving forward, back and overlapping', () => {
    for (const s of [spec('*/7 1-3 * * *', null), spec('30 2 * * *', null), spec(null, 11 * 60_000)]) {
      const fresh = new FireTimes(s.cron !== null ? { cron: s.cron, timezone: s.timezone } : { everyMs: s.everyMs ?? 0 })
      let from = at('2026-03-27T00:00:00Z')
      const H = 3_600_000
      const asks: Array<[number, number, number]> = []
      for (let i = 0; i < 40; i++) {
        // Mostly a day ahead as now moves on; now and then back, or a narrow slice, or a cap.
        const step = i % 9 === 8 ? -30 * H : i % 5 === 4 ? 0 : 2 * H
        from += step
        asks.push([from, from + (i % 7 === 6 ? 3 * H : 24 * H), i % 11 === 10 ? 3 : 1_000])
      }
      for (const [a, b, max] of asks) expect(firesBetween(s, a, b, max), `${s.cron ?? s.everyMs} ${iso(a)}..${iso(b)}`).toEqual(fresh.between(a, b, max))
    }
  })

  it('upcomingFires is what croner says next, asked again when the first has passed or the clock went back', () => {
    const s = spec('0 * * * *', null)
    const fresh = new FireTimes({ cron: '0 * * * *', timezone: 'Europe/Berlin' })
    for (const t of ['2026-03-29T00:10:00Z', '2026-03-29T00:20:00Z', '2026-03-29T01:00:00Z', '2026-03-29T03:30:00Z', '2026-03-28T22:00:00Z']) {
      expect(upcomingFires(s, at(t), 5)).toEqual(fresh.next(at(t), 5))
    }
  })
})

describe('checks and words', () => {
  it('croner gives its reason for a bad cron; unknown zones are named', () => {
    expect(cronProblem('0 2 * * *', 'UTC')).toBeNull()
    expect(cronProblem('61 2 * * *', 'UTC')).toMatch(/.+/)
    expect(cronProblem('not a cron', 'UTC')).toMatch(/.+/)
    expect(zoneProblem('Europe/Berlin')).toBeNull()
    expect(zoneProblem('Europe/Atlantis')).toMatch(/unknown time zone "Europe\/Atlantis"/)
  })

  it('says a cron and an interval in words', () => {
    expect(describeTiming({ cron: '0 2 * * *', everyMs: null })).toBe('At 02:00')
    expect(describeTiming({ cron: '@hourly', everyMs: null })).toMatch(/hour/i)
    expect(describeEvery(300_000)).toBe('Every 5 minutes')
    expect(describeEvery(3_600_000)).toBe('Every hour')
    expect(describeEvery(5_400_000)).toBe('Every 1 hour 30 minutes')
    expect(describeEvery(1_000)).toBe('Every second')
  })
})
