// Why a waiting job is not running, as data: the engine says which rule holds it and with what
// values; each surface (the window, the CLI) words it in its own clock and its own instructions.
import { formatBytes } from './units'

/** Why the resource gate holds a job type back now. */
export type GateBlock =
  /**
   * Memory or disk is critical (CPU alone no longer holds jobs): every job waits until each
   * critical resource has been under its percentage for `samples` samples in a row.
   */
  | { kind: 'health-critical'; reasons: string[]; clears: { samples: number; below: Array<{ metric: 'memory' | 'disk'; percent: number }> } }
  /** The type declares needs and no host sample has been taken yet. */
  | { kind: 'first-sample' }
  | { kind: 'memory'; freeBytes: number; needsBytes: number }
  | { kind: 'cpu'; busyPercent: number; belowPercent: number }
  | { kind: 'disk'; freeBytes: number; at: string; needsBytes: number }

export type WaitReason =
  /** The job's type is no longer in the config. */
  | { kind: 'unknown-type'; type: string }
  /** Backoff after a failed attempt: may start at `at` (ISO-8601). */
  | { kind: 'retrying'; at: string; error: string | null }
  /** No runner holds this data dir (`shared`: none shares this queue). */
  | { kind: 'no-runner'; shared: boolean }
  | { kind: 'paused' }
  | { kind: 'gate'; gate: GateBlock }
  /** Its lane is at its limit. */
  | { kind: 'lane-busy'; lane: string; running: number; limit: number }
  /** Earlier jobs of its lane take the room the lane has. */
  | { kind: 'behind'; lane: string; ahead: number }
  /**
   * The runner's global limit is reached: `concurrency` is the effective limit; under adaptive
   * concurrency it may be below `max`, for `reason` ("CPU 85% over 80%").
   */
  | { kind: 'runner-busy'; running: number; concurrency: number; max?: number; reason?: string }
  /** Its lane started `limit` jobs in the last `windowMs` (`rate`, as written): the next may start at `nextAt`. */
  | { kind: 'rate-limited'; lane: string; rate: string; limit: number; windowMs: number; nextAt: string }
  /** Nothing holds it: the runner takes it on its next pass. */
  | { kind: 'starting' }

export type WaitReasonKind = WaitReason['kind']

/**
 * The gate's reason in words. The same on every surface: sizes and percentages only, no clock
 * and nothing to type, so the window and the CLI share it.
 */
export function gateText(gate: GateBlock): string {
  switch (gate.kind) {
    case 'health-critical': {
      const { samples, below } = gate.clears
      const clears = below.map((b, i) => `${b.metric}${i === 0 ? ' is' : ''} under ${b.percent}%`).join(' and ')
      const each = below.length > 1 ? ', each' : ''
      const span = samples === 1 ? 'one sample' : `${samples} samples in a row`
      const until = clears === '' ? '' : `: critical until ${clears}${each} for ${span}`
      return `host health is critical${gate.reasons.length > 0 ? ` (${gate.reasons.join('; ')})` : ''}${until}`
    }
    case 'first-sample':
      return 'waiting for the first resource sample'
    case 'memory':
      return `waiting for memory: ${formatBytes(gate.freeBytes)} free, needs ${formatBytes(gate.needsBytes)}`
    case 'cpu':
      return `waiting for CPU: ${Math.round(gate.busyPercent)}% busy, needs below ${gate.belowPercent}%`
    case 'disk':
      return `waiting for disk: ${formatBytes(gate.freeBytes)} free at ${gate.at}, needs ${formatBytes(gate.needsBytes)}`
  }
}
