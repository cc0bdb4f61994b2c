import type { Job, Run, WaitingJob } from '../../../src-shared/domain'

export interface WaitContext {
  now: number
  paused: boolean
  runnerAlive: boolean
  /** Shared mode: runners anywhere may take the job, not only this data dir's. */
  shared?: boolean
  concurrency: number
  laneLimit(lane: string): number
  knownType(type: string): boolean
  running: readonly Run[]
  /** A reason the type may not start now (resource gate), or null. */
  gate?(type: string): string | null
}

/**
 * Why each waiting job is not running, in the order the runner would take them. A job never
 * waits silently: the first reason that applies is the one the operator can act on.
 */
export function explainWaiting(waiting: readonly Job[], ctx: WaitContext): WaitingJob[] {
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

function reasonFor(job: Job, ctx: WaitContext, perLane: Map<string, number>, total: number, aheadInLane: number): string {
  if (!ctx.knownType(job.type)) return `type "${job.type}" is not in the config; add it back or cancel this job`
  if (job.status === 'retrying' && job.runAfter && Date.parse(job.runAfter) > ctx.now) {
    const at = new Date(job.runAfter).toLocaleTimeString()
    return `retrying at ${at} after a failed attempt${job.error ? `: ${job.error}` : ''}`
  }
  if (!ctx.runnerAlive) {
    return ctx.shared
      ? 'no runner shares this queue right now (start one with `jobdeck run --pg …` or the app)'
      : 'no runner is running on this data dir (start one with `jobdeck run` or the app)'
  }
  if (ctx.paused) return 'runner paused (resume with `jobdeck resume`)'
  const gateReason = ctx.gate?.(job.type) ?? null
  if (gateReason) return gateReason
  const inLane = perLane.get(job.lane) ?? 0
  const limit = ctx.laneLimit(job.lane)
  if (inLane >= limit) return `lane ${job.lane} busy: ${inLane} running (limit ${limit})`
  if (aheadInLane > 0 && inLane + aheadInLane >= limit) {
    return `behind ${aheadInLane} earlier job${aheadInLane === 1 ? '' : 's'} in lane ${job.lane}`
  }
  if (total >= ctx.concurrency) return `runner busy: ${total} of ${ctx.concurrency} concurrent runs (runner.concurrency)`
  return 'starting'
}
