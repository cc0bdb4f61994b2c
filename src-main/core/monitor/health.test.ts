import { describe, expect, it } from 'vitest'
import { DEFAULT_MONITOR_CONFIG } from '../../../src-shared/config-schema'
import { HealthEvaluator } from './health'
import { fakeSample } from '../test-support/host-samples'

const config = () => DEFAULT_MONITOR_CONFIG // memory: warning 85, critical 95; 3 samples; margin 5

function feed(evaluator: HealthEvaluator, memUsedPercent: number[]): string[] {
  return memUsedPercent.map((m) => {
    evaluator.update(fakeSample({ memUsedPercent: m }))
    return evaluator.health.level
  })
}

describe('HealthEvaluator', () => {
  it('enters a level only after three samples past its threshold', () => {
    const evaluator = new HealthEvaluator(config)
    expect(feed(evaluator, [96, 96, 96])).toEqual(['healthy', 'healthy', 'critical'])
    expect(evaluator.health.reasons[0]).toMatch(/memory 96% used \(critical at 95%\)/)
  })

  it('does not flap on a value hovering around a threshold', () => {
    const evaluator = new HealthEvaluator(config)
    feed(evaluator, [96, 96, 96])
    // 93–96: below critical but not by the 5-point margin, so it stays critical.
    expect(feed(evaluator, [93, 96, 92, 94, 93, 91])).toEqual(Array(6).fill('critical'))
    // Clearly down for three samples: warning (89 + 5 ≥ 85) …
    expect(feed(evaluator, [89, 89, 89])).toEqual(['critical', 'critical', 'warning'])
    // … and healthy once 5 points under the warning threshold for three samples.
    expect(feed(evaluator, [79, 79, 79])).toEqual(['warning', 'warning', 'healthy'])
  })

  it('a single spike or dip resets the count', () => {
    const evaluator = new HealthEvaluator(config)
    expect(feed(evaluator, [96, 96, 50, 96, 96, 96])).toEqual(['healthy', 'healthy', 'healthy', 'healthy', 'healthy', 'critical'])
  })

  it('reports a change only when a metric changes level, not when its figure moves', () => {
    const evaluator = new HealthEvaluator(config)
    evaluator.update(fakeSample({ memUsedPercent: 40 })) // initial state
    const changes = [96, 96, 96, 97, 98, 97].map((m) => evaluator.update(fakeSample({ memUsedPercent: m })))
    expect(changes.filter(Boolean)).toHaveLength(1)
  })

  it('takes the worst metric as the level and names every reason', () => {
    const evaluator = new HealthEvaluator(config)
    for (let i = 0; i < 3; i++) evaluator.update(fakeSample({ memUsedPercent: 90, diskUsedPercent: 98, cpu: 10 }))
    expect(evaluator.health.level).toBe('critical')
    expect(evaluator.health.reasons).toEqual([expect.stringMatching(/^memory 90% used \(warning/), expect.stringMatching(/^disk 98% used at \/ \(critical/)])
  })

  it('names the metrics at the critical level, and leaves critical after three samples under it less the margin, whichever level they point to', () => {
    const evaluator = new HealthEvaluator(config)
    feed(evaluator, [97, 97, 97])
    expect(evaluator.health.critical).toEqual([{ metric: 'memory', reason: 'memory 97% used (critical at 95%)' }])
    // 89 points to warning, 70 to healthy: three in a row under 90% leave critical, for the nearer level.
    expect(feed(evaluator, [89, 70, 89])).toEqual(['critical', 'critical', 'warning'])
    expect(evaluator.health.critical).toEqual([])
  })
})

