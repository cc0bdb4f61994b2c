// The rules' decisions on plain facts: filters, snoozes, quiet periods, factors, deadlines.
import { describe, expect, it } from 'vitest'
import { alertRuleSchema, type AlertRuleConfig } from '../../../src-shared/alert-config'
import type { FinishedJob } from '../store/sqlite/alert-store'
import { decideAlerts, type DeadlineCheck, type RuleContext } from './alert-rules'

const rule = (input: Record<string, unknown>): AlertRuleConfig => alertRuleSchema.parse(input)

const job = (patch: Partial<FinishedJob> = {}): FinishedJob => ({
  seq: 1,
  id: 'j1',
  type: 'sync',
  status: 'failed',
  error: 'exit code 1',
  schedule: null,
  source: null,
  lastRunId: 'r1',
  startedAt: 1_000,
  finishedAt: 2_000,
  ...patch,
})

const CTX: RuleContext = { snoozed: () => false, quiet: () => false, overrunFactor: 2 }
const keys = (rules: AlertRuleConfig[], fact: Parameters<typeof decideAlerts>[1], ctx = CTX) => decideAlerts(rules, fact, ctx).map((a) => `${a.rule} ${a.channel} ${a.key}`)

describe('decideAlerts', () => {
  it('routes a failure to each rule whose filters match, once per (key, channel)', () => {
    const rules = [
      rule({ channels: ['ops'] }),
      rule({ on: 'failed', types: ['report'], channels: ['oncall'] }),
      rule({ on: 'failed', schedule: 'nightly', channels: ['oncall'] }),
      rule({ on: 'failed', source: 'legacy', channels: ['legacy-team'] }),
      rule({ on: 'failed', channels: ['ops', 'oncall'] }),
    ]
    // Rule 4 names channels already given the same key by rules 0 and 2: nothing more.
    expect(keys(rules, { kind: 'finished', job: job({ schedule: 'nightly' }), failedBefore: 0 })).toEqual(['0 ops failed:j1:r1', '2 oncall failed:j1:r1'])
    expect(keys(rules, { kind: 'finished', job: job({ type: 'legacy/report', source: 'legacy' }), failedBefore: 0 })).toEqual([
      '0 ops failed:j1:r1',
      '3 legacy-team failed:j1:r1',
      '4 oncall failed:j1:r1',
    ])
  })

  it('a snoozed type and a quiet rule write nothing; rules not about a type ignore snoozes', () => {
    const rules = [rule({ on: 'failed', channels: ['ops'] }), rule({ on: 'health', channels: ['ops'] })]
    const snoozed: RuleContext = { ...CTX, snoozed: (type) => type === 'sync' }
    expect(keys(rules, { kind: 'finished', job: job(), failedBefore: 0 }, snoozed)).toEqual([])
    expect(keys(rules, { kind: 'health', instance: 'box:1', criticalSince: 5, recovered: false, reasons: [], at: 6 }, snoozed)).toEqual(['1 ops health:box:1:5'])
    const quiet: RuleContext = { ...CTX, quiet: (_rule, _type, at, ms) => at < 10_000 + ms }
    expect(keys([rule({ on: 'failed', quiet: '1m', channels: ['ops'] })], { kind: 'finished', job: job(), failedBefore: 0 }, quiet)).toEqual([])
  })

  it('overrun: a rule factor above the event factor waits for elapsed ≥ usual × factor', () => {
    const rules = [rule({ on: 'overrun', factor: 4, channels: ['ops'] }), rule({ on: 'overrun', channels: ['oncall'] })]
    const overrun = (elapsedMs: number) => ({ kind: 'overrun' as const, subject: { type: 'sync', schedule: null, source: null }, runId: 'r9', jobId: 'j9', elapsedMs, usualMs: 1_000, factor: 2, at: 0 })
    expect(keys(rules, overrun(2_500))).toEqual(['1 oncall overrun:r9'])
    expect(keys(rules, overrun(4_000))).toEqual(['0 ops overrun:r9', '1 oncall overrun:r9'])
  })

  it('deadline: nothing on a day the schedule does not fire, nor when a job succeeded by the time', () => {
    const rules = [rule({ on: 'deadline', schedule: 'nightly', notFinishedBy: '07:00', channels: ['ops'] })]
    const check = (patch: Partial<DeadlineCheck>): DeadlineCheck => ({
      rule: 0,
      schedule: 'nightly',
      zone: 'UTC',
      notFinishedBy: '07:00',
      day: '2026-06-02',
      deadlineAt: 100,
      windowStart: 0,
      expected: true,
      jobs: [],
      ...patch,
    })
    expect(keys(rules, { kind: 'deadline', check: check({ expected: false }) })).toEqual([])
    expect(keys(rules, { kind: 'deadline', check: check({ jobs: [{ id: 'a', status: 'partial', finishedAt: 99 }] }) })).toEqual([])
    expect(keys(rules, { kind: 'deadline', check: check({ jobs: [{ id: 'a', status: 'succeeded', finishedAt: 101 }] }) })).toEqual(['0 ops deadline:nightly:2026-06-02'])
    expect(keys(rules, { kind: 'deadline', check: check({}) })).toEqual(['0 ops deadline:nightly:2026-06-02'])
  })
})
