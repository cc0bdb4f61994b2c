import type { Job, Run } from '../../../src-shared/domain'
import type { GateBlock, WaitReason } from '../../../src-shared/wait-reason'

export interface WaitContext {
  now: number
  paused: boolean
  runnerAlive: boolean
  /** Shared mode: runners anywhere may take the job, not only this data dir's. */
  shared?: boolean
  /** The runner's global limit now (under adaptive concurrency, the effective one). */
  concurrency: number
  /** Adaptive concurrency: the configured maximum, and why the limit is under it. */
  maxConcurrency?: number
  concurrencyReason?: string | null
  laneLimit(lane: string): number
  knownType(type: string): boolean
  running: readonly Run[]
  /** Why the resource gate holds the type back now, or null. */
  gate?(type: string): GateBlock | null
}

/**
 * Why each waiting job is not running, in the order the runner would take them. A job never
 * waits silently: the first reason that applies is the one the operator can act on. Reasons are
 * data; the window and the CLI word them (in their own clock, with their own instructions).
 */
export function explainWaiting<J extends Job>(waiting: readonly J[], ctx: WaitContext): Array<J & { waitReason: WaitReason }> {
  const perLane = new Map<string, number>()
  for (const run of ctx.running) perLane.set(run.lane, (perLane.get(run.lane) ?? 0) + 1)
  const total = ctx.running.length
  const aheadInLane = new Map<string, number>()
  return waiting.map((job) => {
    const ahead = aheadInLane.get(job.lane) ?? 0
    aheadInLane.set(job.lane, ahead + 1)
    return { ...job, waitReason: reasonFor(job, ctx, perLane, total, ahead) }
  })
}

/** Why one waiting job waits, given how many waiting jobs of its lane the runner takes first. */
export function explainOne(job: Job, aheadInLane: number, ctx: WaitContext): WaitReason {
  const perLane = new Map<string, number>()
  for (const run of ctx.running) perLane.set(run.lane, (perLane.get(run.lane) ?? 0) + 1)
  return reasonFor(job, ctx, perLane, ctx.running.length, aheadInLane)
}

function reasonFor(job: Job, ctx: WaitContext, perLane: Map<string, number>, total: number, aheadInLane: number): WaitReason {
  if (!ctx.knownType(job.type)) return { kind: 'unknown-type', type: job.type }
  if (job.status === 'retrying' && job.runAfter && Date.parse(job.runAfter) > ctx.now) {
    return { kind: 'retrying', at: job.runAfter, error: job.error }
  }
  if (!ctx.runnerAlive) return { kind: 'no-runner', shared: ctx.shared === true }
  if (ctx.paused) return { kind: 'paused' }
  const gate = ctx.gate?.(job.type) ?? null
  if (gate) return { kind: 'gate', gate }
  const inLane = perLane.get(job.lane) ?? 0
  const limit = ctx.laneLimit(job.lane)
  if (inLane >= limit) return { kind: 'lane-busy', lane: job.lane, running: inLane, limit }
  if (aheadInLane > 0 && inLane + aheadInLane >= limit) return { kind: 'behind', lane: job.lane, ahead: aheadInLane }
  if (total >= ctx.concurrency) {
    const { maxConcurrency: max, concurrencyReason: reason } = ctx
    const held = max !== undefined && max > ctx.concurrency ? { max, ...(reason ? { reason } : {}) } : {}
    return { kind: 'runner-busy', running: total, concurrency: ctx.concurrency, ...held }
  }
  return { kind: 'starting' }
}
