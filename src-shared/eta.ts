// How long a run has left, and when a waiting job starts: pure estimates the window and the CLI
// share. A run that reports progress is judged by its own pace (elapsed ÷ progress), leaning on
// its history only while its progress is too young to trust; without progress, the median of
// runs with the same params, else of the type. With nothing to go on the answer is "unknown".
import type { DurationHint, RunnerStatus } from './domain'
import { formatDuration } from './units'
import type { WaitReason } from './wait-reason'

/** Below this much progress, the run's own pace is blended with its history. */
export const PROGRESS_TRUSTED_AT = 0.1

export type EtaBasis = 'progress' | 'progress+history' | 'params' | 'type'

export type RunEta =
  | { kind: 'unknown' }
  | {
      kind: 'estimate'
      /** Time left (0 once the estimate is passed). */
      leftMs: number
      /** The whole run as estimated. */
      totalMs: number
      /** How far the run is past the estimate (only without progress; 0 otherwise). */
      overMs: number
      basis: EtaBasis
      /** Finished runs behind a history-based estimate. */
      samples: number
    }

export interface RunEtaInput {
  elapsedMs: number
  /** 0..100 as the run reported it, or null. */
  percent: number | null
  expected: DurationHint | null
}

export function runEta({ elapsedMs, percent, expected }: RunEtaInput): RunEta {
  const elapsed = Math.max(0, elapsedMs)
  const fraction = percent === null || !Number.isFinite(percent) ? null : Math.max(0, Math.min(1, percent / 100))
  const history = expected && expected.p50Ms > 0 ? expected : null
  if (fraction !== null && fraction > 0 && elapsed > 0) {
    const ownTotal = elapsed / fraction
    if (history && fraction < PROGRESS_TRUSTED_AT) {
      const weight = fraction / PROGRESS_TRUSTED_AT
      // History shorter than what already passed is known wrong: at least the elapsed time.
      const total = weight * ownTotal + (1 - weight) * Math.max(history.p50Ms, elapsed)
      return estimate(total, elapsed, 'progress+history', history.samples, false)
    }
    return estimate(ownTotal, elapsed, 'progress', 0, false)
  }
  if (history) return estimate(history.p50Ms, elapsed, history.basis, history.samples, true)
  return { kind: 'unknown' }
}

function estimate(total: number, elapsed: number, basis: EtaBasis, samples: number, mayOverrun: boolean): RunEta {
  const left = total - elapsed
  return { kind: 'estimate', leftMs: Math.max(0, left), totalMs: total, overMs: mayOverrun ? Math.max(0, -left) : 0, basis, samples }
}

// ── when waiting jobs start ────────────────────────────────────────────────────────────────

export interface StartSimulation {
  concurrency: number
  laneLimit(lane: string): number
  /** Runs now: their lane and time left (null: unknown, so their slot frees at an unknown time). */
  running: ReadonlyArray<{ lane: string; leftMs: number | null }>
  /** Waiting jobs in run order (priority, then age), as the runner takes them. */
  waiting: ReadonlyArray<{
    id: string
    lane: string
    /** How long it will run once started (null: unknown). */
    expectedMs: number | null
    /** Not before this many ms from now (a retry's backoff); 0 when it may start now. */
    notBeforeMs: number
    /** Held by something no estimate can see the end of (paused, gate, no runner, unknown type). */
    held: boolean
  }>
}

/** Start time of each waiting job, in ms from now, or null when it cannot be told. */
export type StartEtas = Map<string, number | null>

/**
 * Replays the runner's claims: at each instant it takes, in run order, every job whose lane has
 * room, whose backoff has passed, while the global limit allows; time then moves to the next
 * run's end or backoff. A slot held by a run of unknown length blocks what would follow it.
 */
export function startEtas(sim: StartSimulation): StartEtas {
  const result: StartEtas = new Map()
  const active: Array<{ lane: string; end: number }> = sim.running.map((r) => ({ lane: r.lane, end: r.leftMs === null ? Infinity : Math.max(0, r.leftMs) }))
  const pending = sim.waiting.filter((job) => {
    if (job.held) result.set(job.id, null)
    return !job.held
  })
  let t = 0
  for (let guard = 0; pending.length > 0 && guard < 4 * (sim.waiting.length + sim.running.length) + 4; guard++) {
    for (let i = active.length - 1; i >= 0; i--) if ((active[i] as { end: number }).end <= t) active.splice(i, 1)
    const perLane = new Map<string, number>()
    for (const run of active) perLane.set(run.lane, (perLane.get(run.lane) ?? 0) + 1)
    for (let i = 0; i < pending.length && active.length < sim.concurrency; ) {
      const job = pending[i] as StartSimulation['waiting'][number]
      const inLane = perLane.get(job.lane) ?? 0
      if (job.notBeforeMs <= t && inLane < sim.laneLimit(job.lane)) {
        result.set(job.id, t)
        active.push({ lane: job.lane, end: job.expectedMs === null ? Infinity : t + job.expectedMs })
        perLane.set(job.lane, inLane + 1)
        pending.splice(i, 1)
      } else i++
    }
    const next = Math.min(...active.map((r) => r.end).filter((end) => end > t), ...pending.map((j) => j.notBeforeMs).filter((at) => at > t))
    if (!Number.isFinite(next)) break
    t = next
  }
  for (const job of pending) result.set(job.id, null)
  return result
}

/** What the runner is held by, for the whole queue or for one job, that no estimate sees the end of. */
const HELD: ReadonlySet<WaitReason['kind']> = new Set(['paused', 'no-runner', 'unknown-type', 'gate'])

export interface QueueEtas {
  /** By run id. */
  runs: Map<string, RunEta>
  /** By job id: ms from now until it starts, or null when it cannot be told. */
  starts: StartEtas
}

/** Every estimate of a runner status at `now`: time left of each run, start of each waiting job. */
export function queueEtas(status: Pick<RunnerStatus, 'state' | 'running' | 'queued' | 'limits'>, now: number): QueueEtas {
  const runs = new Map<string, RunEta>()
  for (const { run, expected } of status.running) {
    runs.set(run.id, runEta({ elapsedMs: now - Date.parse(run.startedAt), percent: run.progress.percent, expected }))
  }
  const stopped = status.state === 'paused' || status.state === 'stopped'
  // A lane held by its start rate starts nothing before the rate's `nextAt`: neither the held
  // job nor the ones behind it. (Later starts in the lane are not spaced by the rate here.)
  const rateHeld = new Map<string, number>()
  for (const job of status.queued) {
    if (job.waitReason.kind !== 'rate-limited') continue
    const at = Date.parse(job.waitReason.nextAt) - now
    rateHeld.set(job.lane, Math.max(rateHeld.get(job.lane) ?? 0, at))
  }
  const starts = startEtas({
    concurrency: status.limits.concurrency,
    laneLimit: (lane) => status.limits.lanes[lane] ?? 1,
    running: status.running.map(({ run }) => {
      const eta = runs.get(run.id)
      // A run past its estimate has an unknown end: what waits for its slot cannot be timed.
      return { lane: run.lane, leftMs: eta?.kind === 'estimate' && eta.overMs === 0 ? eta.leftMs : null }
    }),
    waiting: status.queued.map((job) => ({
      id: job.id,
      lane: job.lane,
      expectedMs: job.expected?.p50Ms ?? null,
      notBeforeMs: Math.max(0, job.runAfter === null ? 0 : Date.parse(job.runAfter) - now, rateHeld.get(job.lane) ?? 0),
      held: stopped || HELD.has(job.waitReason.kind),
    })),
  })
  return { runs, starts }
}

// ── words shared by the window and the CLI (durations only: no clock) ───────────────────────

/** `~1m 53s`, `+30s over`, `unknown`. */
export function etaLeftText(eta: RunEta): string {
  if (eta.kind === 'unknown') return 'unknown'
  if (eta.overMs > 0) return `+${formatDuration(eta.overMs)} over`
  return `~${formatDuration(eta.leftMs)}`
}

/** Where an estimate comes from, for a tooltip or a `--json` reader's eye. */
export function etaBasisText(eta: RunEta): string {
  if (eta.kind === 'unknown') return 'no progress reported and no finished run of this type to estimate from'
  switch (eta.basis) {
    case 'progress':
      return 'from its own progress (elapsed ÷ progress)'
    case 'progress+history':
      return `from its own progress, blended with the median of ${runsText(eta.samples)} while its progress is young`
    case 'params':
    case 'type':
      return `from ${hintText({ p50Ms: eta.totalMs, samples: eta.samples, basis: eta.basis })}`
  }
}

/** `the median of 3 recent successful runs with the same params`. */
export function hintText(hint: DurationHint): string {
  return `the median of ${runsText(hint.samples)} ${hint.basis === 'params' ? 'with the same params' : 'of this type'}`
}

function runsText(samples: number): string {
  return `${samples} recent successful run${samples === 1 ? '' : 's'}`
}

/** `now`, `in ~2m 10s`, `unknown`. */
export function startText(ms: number | null): string {
  if (ms === null) return 'unknown'
  return ms < 1000 ? 'now' : `in ~${formatDuration(ms)}`
}
