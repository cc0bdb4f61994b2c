import { describe, expect, it } from 'vitest'
import { jobTypeSchema } from '../../../src-shared/config-schema'
import type { Health } from '../../../src-shared/monitor'
import { gateText, type GateBlock } from '../../../src-shared/wait-reason'
import { gateReason as gateBlock } from './gate'

/** The gate's reason as both surfaces word it, or null when the type may start. */
const gateReason = (...args: Parameters<typeof gateBlock>): string | null => {
  const block: GateBlock | null = gateBlock(...args)
  return block === null ? null : gateText(block)
}
import { fakeSample } from '../test-support/host-samples'

const healthy: Health = { level: 'healthy', reasons: [], since: new Date().toISOString() }
const type = (needs: Record<string, unknown>) => jobTypeSchema.parse({ command: ['true'], cwd: '/data', needs })

describe('gateReason', () => {
  it('holds every job while health is critical, naming why', () => {
    const critical: Health = { level: 'critical', reasons: ['memory 97% used (critical at 95%)'], since: '' }
    expect(gateBlock(type({}), fakeSample(), critical)).toEqual({ kind: 'health-critical', reasons: ['memory 97% used (critical at 95%)'] })
    expect(gateReason(type({}), fakeSample(), critical)).toBe('host health is critical (memory 97% used (critical at 95%))')
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
