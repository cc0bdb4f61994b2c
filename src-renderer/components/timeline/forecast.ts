// What the Timeline draws ahead of now, pure: each upcoming fire of a schedule as a ghost bar as
// long as its type's recorded duration, and the conflicts that predicts. A lane runs at most its
// limit at once, so a fire that finds its lane full waits: for runs already running (their
// recorded length from when they started), or for fires before it. The prediction replays each
// lane in time order with its limit's slots; it uses only recorded durations, so where a length
// is unknown (a type with no history) it says a fire will wait without saying how long.
import type { ForecastFire } from '../../../src-shared/schedules'

/** An upcoming fire, its time as epoch ms. */
export interface Upcoming {
  /** `schedule@ISO time`: one fire of one schedule. */
  id: string
  schedule: string
  type: string
  lane: string
  laneLimit: number
  at: number
  /** Recorded p95 (or average) duration; null: no history, drawn as "unknown length". */
  expectedMs: number | null
  basis: 'p95' | 'average' | null
}

/** A run running now, with its type's recorded duration (null: none recorded). */
export interface RunningNow {
  id: string
  type: string
  lane: string
  startedAt: number
  expectedMs: number | null
}

export type Blocker = { kind: 'fire'; id: string; schedule: string; at: number } | { kind: 'run'; runId: string; type: string; startedAt: number }

export interface PredictedConflict {
  lane: string
  limit: number
  /** The fire that will wait. */
  fire: Upcoming
  /** When it is predicted to start; equals `fire.at + waitMs`, or `fire.at` when the wait is unknown. */
  startsAt: number
  /** How long it waits; null: behind something whose length is unknown. */
  waitMs: number | null
  /** What holds the lane when it fires. */
  behind: Blocker[]
}

export function upcomingOf(fires: readonly ForecastFire[]): Upcoming[] {
  return fires.map((f) => ({
    id: `${f.schedule}@${f.at}`,
    schedule: f.schedule,
    type: f.type,
    lane: f.lane,
    laneLimit: f.laneLimit,
    at: Date.parse(f.at),
    expectedMs: f.expectedMs,
    basis: f.basis,
  }))
}

/** Where a ghost bar ends: its fire plus its recorded length (NaN: unknown length). */
export function expectedEnd(fire: Upcoming): number {
  return fire.expectedMs === null ? NaN : fire.at + fire.expectedMs
}

interface Slot {
  end: number
  /** The end is a guess of "any moment": the length behind it is not recorded. */
  unknown: boolean
  blocker: Blocker
}

/**
 * The conflicts ahead, by time: each upcoming fire (at or after `now`) that finds its lane
 * full. A running run holds its slot until its start plus its recorded length, or until now if
 * it has overrun it; one of unknown length (or overrun) is taken to end any moment: only a
 * fire at this very instant is flagged behind it. A fire of unknown
 * length holds its slot only at its own instant: a fire at the same time waits, for how long
 * is unknown, and later fires are not flagged behind it.
 */
export function predictConflicts(fires: readonly Upcoming[], running: readonly RunningNow[], now: number): PredictedConflict[] {
  const byLane = new Map<string, Upcoming[]>()
  for (const fire of fires) {
    if (fire.at < now) continue
    let list = byLane.get(fire.lane)
    if (!list) byLane.set(fire.lane, (list = []))
    list.push(fire)
  }
  const out: PredictedConflict[] = []
  for (const [lane, list] of byLane) {
    list.sort((a, b) => a.at - b.at || (a.schedule < b.schedule ? -1 : a.schedule > b.schedule ? 1 : 0))
    const limit = Math.max(1, (list[0] as Upcoming).laneLimit)
    let slots: Slot[] = running
      .filter((r) => r.lane === lane)
      .map((r) => ({
        end: r.expectedMs === null ? now : Math.max(now, r.startedAt + r.expectedMs),
        unknown: r.expectedMs === null || r.startedAt + r.expectedMs <= now,
        blocker: { kind: 'run', runId: r.id, type: r.type, startedAt: r.startedAt },
      }))
    for (const fire of list) {
      // A slot is free once its holder has ended; one of unknown length holds only its instant.
      slots = slots.filter((s) => s.end > fire.at || (s.unknown && s.end === fire.at))
      const self: Blocker = { kind: 'fire', id: fire.id, schedule: fire.schedule, at: fire.at }
      if (slots.length < limit) {
        slots.push(fire.expectedMs === null ? { end: fire.at, unknown: true, blocker: self } : { end: fire.at + fire.expectedMs, unknown: false, blocker: self })
        continue
      }
      // Full: it starts when the first holder ends.
      let first = 0
      for (let i = 1; i < slots.length; i++) if ((slots[i] as Slot).end < (slots[first] as Slot).end) first = i
      const freed = slots[first] as Slot
      const known = !freed.unknown
      const startsAt = known ? freed.end : fire.at
      out.push({ lane, limit, fire, startsAt, waitMs: known ? startsAt - fire.at : null, behind: slots.map((s) => s.blocker) })
      slots.splice(first, 1)
      slots.push(
        fire.expectedMs === null || !known
          ? { end: startsAt, unknown: true, blocker: self }
          : { end: startsAt + fire.expectedMs, unknown: false, blocker: self },
      )
    }
  }
  return out.sort((a, b) => a.fire.at - b.fire.at || a.lane.localeCompare(b.lane))
}
