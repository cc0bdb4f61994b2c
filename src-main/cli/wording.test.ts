import { describe, expect, it } from 'vitest'
import type { GateBlock } from '../../src-shared/wait-reason'
import { waitReasonText } from './wording'

describe('the CLI words why a job waits', () => {
  it('in a 24 h clock, whatever the machine locale says', () => {
    const now = new Date(2026, 2, 1, 16, 59).getTime()
    const at = new Date(2026, 2, 1, 17, 0, 15).toISOString()
    expect(waitReasonText({ kind: 'retrying', at, error: 'exit code 2' }, now)).toBe('retrying at 17:00:15 after a failed attempt: exit code 2')
    const tomorrow = new Date(2026, 2, 2, 9, 5, 0).toISOString()
    expect(waitReasonText({ kind: 'retrying', at: tomorrow, error: null }, now)).toBe('retrying at 2026-03-02 09:05:00 after a failed attempt')
  })

  it('with the command that clears it', () => {
    expect(waitReasonText({ kind: 'paused' })).toBe('runner paused (resume with `jobdeck resume`)')
    expect(waitReasonText({ kind: 'no-runner', shared: false })).toMatch(/start one with `jobdeck run`/)
    expect(waitReasonText({ kind: 'lane-busy', lane: 'dealer:1', running: 1, limit: 1 })).toBe('lane dealer:1 busy: 1 running (limit 1)')
    expect(waitReasonText({ kind: 'gate', gate: { kind: 'cpu', busyPercent: 93.4, belowPercent: 80 } })).toBe('waiting for CPU: 93% busy, needs below 80%')
  })

  it('says how far adaptive concurrency holds the runner under its maximum, and what clears a critical hold', () => {
    expect(waitReasonText({ kind: 'runner-busy', running: 2, concurrency: 2, max: 4, reason: 'CPU 85% over 80%' })).toBe(
      'runner busy: 2 running, concurrency 2 of 4: CPU 85% over 80%',
    )
    expect(waitReasonText({ kind: 'runner-busy', running: 2, concurrency: 2 })).toBe('runner busy: 2 of 2 concurrent runs (runner.concurrency)')
    const gate: GateBlock = { kind: 'health-critical', reasons: ['disk 98% used at / (critical at 97%)'], clears: { samples: 1, below: [{ metric: 'disk', percent: 92 }] } }
    expect(waitReasonText({ kind: 'gate', gate })).toBe('host health is critical (disk 98% used at / (critical at 97%)): critical until disk is under 92% for one sample')
  })
})

