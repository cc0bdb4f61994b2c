import { describe, expect, it } from 'vitest'
import { DEFAULT_MONITOR_CONFIG, jobTypeSchema } from '../../../src-shared/config-schema'
import type { JobTypeConfig } from '../../../src-shared/config-schema'
import type { Health, HostSample } from '../../../src-shared/monitor'
import { gateText, type GateBlock } from '../../../src-shared/wait-reason'
import { gateReason as gateBlock } from './gate'

/** The gate's reason as both surfaces word it, or null when the type may start (default monitor config). */
const gateReason = (...args: [JobTypeConfig, HostSample | null, Health]): string | null => {
  const block: GateBlock | null = gateBlock(...args, DEFAULT_MONITOR_CONFIG)
  return block === null ? null : gateText(block)
}
import { fakeSample } from '../test-support/host-samples'

const healthy: Health = { level: 'healthy', reasons: [], since: new Date().toISOString() }
const type = (needs: Record<string, unknown>) => jobTypeSchema.parse({ command: ['true'], cwd: '/data', needs })

describe('gateReason', () => {
  it('holds every job while memory or disk is critical, saying what clears it', () => {
    // Defaults: memory critical at 95%, disk at 97%; left after 3 samples in a row 5 points under.
    const memory = { metric: 'memory', reason: 'memory 97% used (critical at 95%)' } as const
    const critical: Health = { level: 'critical', reasons: [memory.reason], since: '', critical: [memory] }
    expect(gateBlock(type({}), fakeSample(), critical, DEFAULT_MONITOR_CONFIG)).toEqual({
      kind: 'health-critical',
      reasons: ['memory 97% used (critical at 95%)'],
      clears: { samples: 3, below: [{ metric: 'memory', percent: 90 }] },
    })
    expect(gateReason(type({}), fakeSample(), critical)).toBe(
      'host health is critical (memory 97% used (critical at 95%)): critical until memory is under 90% for 3 samples in a row',
    )
    const disk = { metric: 'disk', reason: 'disk 99% used at / (critical at 97%)' } as const
    const both: Health = { level: 'critical', reasons: [memory.reason, disk.reason], since: '', critical: [memory, disk] }
    expect(gateReason(type({}), fakeSample(), both)).toBe(
      'host health is critical (memory 97% used (critical at 95%); disk 99% used at / (critical at 97%)): ' +
        'critical until memory is under 90% and disk under 92%, each for 3 samples in a row',
    )
  })

  it('does not hold jobs for critical CPU: busy CPU holds only a type that declares needs.maxCpu', () => {
    const cpu = { metric: 'cpu', reason: 'CPU 100% busy (critical at 100%)' } as const
    const pegged: Health = { level: 'critical', reasons: [cpu.reason], since: '', critical: [cpu] }
    expect(gateReason(type({}), fakeSample({ cpu: 100 }), pegged)).toBeNull()
    expect(gateReason(type({ maxCpu: '80%' }), fakeSample({ cpu: 100 }), pegged)).toBe('waiting for CPU: 100% busy, needs below 80%')
  })

  it('says how much memory is free and how much the type needs', () => {
    const reason = gateReason(type({ freeMemory: '2GiB' }), fakeSample({ availableBytes: 1.2 * 1024 ** 3 }), healthy)
    expect(reason).toBe('waiting for memory: 1.2 GiB free, needs 2.0 GiB')
    expect(gateReason(type({ freeMemory: '2GiB' }), fakeSample({ availableBytes: 3 * 1024 ** 3 }), healthy)).toBeNull()
  })

  it('checks CPU and the free space of the type working dir', () => {
    expect(gateReason(type({ maxCpu: '80%' }), fakeSample({ cpu: 93 }), healthy)).toBe('waiting for CPU: 93% busy, needs below 80%')
    expect(gateReason(type({ freeDisk: '300GiB' }), fakeSample({ diskUsedPercent: 50 }), healthy)).toMatch(/^waiting for disk: 250 GiB free at \/, needs 300 GiB$/)
  })

  it('before the first sample, holds back only the types that declare needs', () => {
    expect(gateReason(type({ freeMemory: '1TB' }), null, healthy)).toBe('waiting for the first resource sample')
    expect(gateReason(jobTypeSchema.parse({ command: ['true'] }), null, healthy)).toBeNull()
  })
})
