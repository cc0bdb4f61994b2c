import { describe, expect, it } from 'vitest'
import { CHART_THEME } from '../charts/chart-theme'
import { concurrencyMarkLine, concurrencyMarksOf, describeConcurrencyMark, hitConcurrencyMark } from './concurrency-marks'

const changes = [
  { at: '2026-03-01T10:05:00.000Z', from: 3, to: 4, max: 4, reason: 'CPU 30% under 50%' },
  { at: '2026-03-01T10:00:00.000Z', from: 4, to: 3, max: 4, reason: 'CPU 85% over 80%' },
]

describe("the Timeline's host strip marks each step of adaptive concurrency", () => {
  it('one vertical mark per step, at its time, a step down in the warning hue, labelled with the new limit', () => {
    const marks = concurrencyMarksOf(changes)
    expect(marks.map((m) => m.t)).toEqual([Date.parse('2026-03-01T10:00:00.000Z'), Date.parse('2026-03-01T10:05:00.000Z')])
    const line = concurrencyMarkLine(marks, CHART_THEME.light)
    const data = line.data as Array<{ xAxis: number; lineStyle: { color: string }; label: { formatter: string } }>
    expect(data.map((d) => [d.xAxis, d.label.formatter, d.lineStyle.color])).toEqual([
      [marks[0]?.t, '↓3', CHART_THEME.light.warning],
      [marks[1]?.t, '↑4', CHART_THEME.light.muted],
    ])
  })

  it('the pointer near a mark tells the step in words; away from every mark, nothing', () => {
    const marks = concurrencyMarksOf(changes)
    const down = Date.parse('2026-03-01T10:00:00.000Z')
    const hit = hitConcurrencyMark(marks, down + 2_000, 4_000)
    expect(hit?.to).toBe(3)
    expect(describeConcurrencyMark(hit ?? (marks[0] as never))).toMatchObject({ title: 'concurrency 4 → 3: CPU 85% over 80%', lines: [['At', expect.stringMatching(/^2026-03-01 /)], ['Limit', '3 of 4 at once']] })
    expect(hitConcurrencyMark(marks, down + 60_000, 4_000)).toBeNull()
  })
})
