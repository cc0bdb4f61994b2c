import { describe, expect, it } from 'vitest'
import { absoluteTime } from '../../format'
import { didNotRun, fireReasonText, nextFireText, policyText, scheduleState, spanText, stripCountText, stripMarks, zonedClock } from './schedule-text'

const NOW = Date.parse('2026-12-05T00:56:00Z')
const HOUR = 3_600_000

describe('nextFireText', () => {
  it('says the next fire relative to now and in the operator`s clock, with the same instant in the schedule`s zone', () => {
    const text = nextFireText({ nextFires: ['2026-12-05T01:00:00.000Z', '2026-12-06T01:00:00.000Z'], timezone: 'Europe/Berlin' }, NOW, 'UTC')
    expect(text?.relative).toBe('in 4 min')
    expect(text?.absolute).toBe(absoluteTime(Date.parse('2026-12-05T01:00:00Z')))
    // 01:00 UTC is 02:00 in Berlin in December (CET).
    expect(text?.zoned).toBe('Sat 02:00 Europe/Berlin')
    expect(text?.otherZone).toBe(true)
  })

  it('knows when the schedule runs in the operator`s own zone', () => {
    expect(nextFireText({ nextFires: ['2026-12-05T01:00:00Z'], timezone: 'UTC' }, NOW, 'UTC')?.otherZone).toBe(false)
  })

  it('passes over a fire that fell due since the list was read', () => {
    const text = nextFireText({ nextFires: ['2026-12-05T00:55:00Z', '2026-12-05T01:05:00Z'], timezone: 'UTC' }, NOW, 'UTC')
    expect(text?.at).toBe(Date.parse('2026-12-05T01:05:00Z'))
    expect(text?.relative).toBe('in 9 min')
  })

  it('gives nothing when no fire is due (disabled, or paused without end)', () => {
    expect(nextFireText({ nextFires: [], timezone: 'UTC' }, NOW)).toBeNull()
  })
})

describe('zonedClock', () => {
  it('reads the clock of the zone on its side of a DST change', () => {
    // Berlin springs forward on 2026-03-29 at 02:00 → 03:00.
    expect(zonedClock(Date.parse('2026-03-29T00:30:00Z'), 'Europe/Berlin')).toBe('Sun 01:30')
    expect(zonedClock(Date.parse('2026-03-29T01:30:00Z'), 'Europe/Berlin')).toBe('Sun 03:30')
  })
})

describe('scheduleState', () => {
  it('says paused until when, paused until resumed, disabled in the config, or active', () => {
    const until = '2026-12-05T06:00:00.000Z'
    const paused = scheduleState({ enabled: true, paused: true, pausedUntil: until }, NOW)
    expect(paused.kind).toBe('paused')
    expect(paused.text).toBe(`Paused until ${absoluteTime(until).slice(5, 16)}`)
    expect(paused.title).toContain('in 5 h')
    expect(scheduleState({ enabled: true, paused: true, pausedUntil: null }, NOW).text).toBe('Paused')
    expect(scheduleState({ enabled: false, paused: true, pausedUntil: null }, NOW).kind).toBe('disabled')
    expect(scheduleState({ enabled: true, paused: false, pausedUntil: null }, NOW).kind).toBe('active')
  })
})

describe('fire words', () => {
  it('gives the engine`s reason when it has one, else says what the outcome means', () => {
    expect(fireReasonText({ outcome: 'skipped', reason: 'previous job 01JABCDEFGH still running', jobId: null })).toBe('previous job 01JABCDEFGH still running')
    expect(fireReasonText({ outcome: 'missed', reason: null, jobId: null })).toMatch(/^missed: nothing ran at that time/)
    expect(fireReasonText({ outcome: 'enqueued', reason: null, jobId: '01JAAAAAAAAAAAAAAAAAAAAAAA' })).toBe('enqueued job …AAAAAAAA')
    expect(fireReasonText({ outcome: 'paused', reason: null, jobId: null })).toBe('the schedule was paused')
  })

  it('counts skipped, missed and paused fires as not run', () => {
    expect(['enqueued', 'manual', 'skipped', 'missed', 'paused'].filter((outcome) => didNotRun({ outcome: outcome as never }))).toEqual(['skipped', 'missed', 'paused'])
  })

  it('words the policies as the config writes them', () => {
    expect(policyText({ missed: 'latest', catchupWindowMs: 24 * HOUR, overlap: 'skip', jitterMs: 0 })).toBe('missed: latest within 24h · overlap: skip')
    expect(policyText({ missed: 'all', catchupWindowMs: 6 * HOUR, overlap: 'queue', jitterMs: 30_000 })).toBe('missed: all within 6h · overlap: queue · jitter up to 30s')
    expect(spanText(90 * 60_000)).toBe('90m')
  })
})

describe('stripMarks', () => {
  it('places each fire of the next 24 h across the strip, and none outside it', () => {
    const marks = stripMarks([NOW + 6 * HOUR, NOW - HOUR, NOW + 12 * HOUR, NOW + 25 * HOUR], NOW)
    expect(marks.map((m) => m.x)).toEqual([0.25, 0.5])
  })

  it('draws an every-minute schedule as a band of at most one mark per gap, not 1,440 marks', () => {
    const fires = Array.from({ length: 1440 }, (_, i) => NOW + i * 60_000)
    const marks = stripMarks(fires, NOW, 24 * HOUR, 1 / 240)
    expect(marks.length).toBeLessThanOrEqual(241)
    expect(marks.length).toBeGreaterThan(200)
    expect(stripCountText(1440)).toBe('1,440 fires in the next 24 h')
  })
})
