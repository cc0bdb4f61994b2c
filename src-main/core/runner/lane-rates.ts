// Lane rates (`lanes.<name>.rate: 10/m`): at most `limit` starts in any sliding window of
// `windowMs`, per lane. The runner keeps the starts of rated lanes here (seeded from the runs
// recorded, so a restart keeps the window) to bound each local claim and to set one timer to the
// moment a held lane may start again; the services build the same windows from the runs table to
// say why a job waits. Shared mode counts in PostgreSQL (its claim), this only sets the timer.
//
// Why `start > now - windowMs`: a start at t is allowed when the starts in (t - W, t] number fewer
// than `limit`; then every half-open window [a, a + W) holds at most `limit` starts (two starts W
// apart never share one). So the lane frees when its oldest counted start leaves: oldest + W.
import type { LaneRate } from '../../../src-shared/config-schema'

export interface LaneStart {
  lane: string
  /** When the run started (its claim), epoch ms. */
  at: number
}

export interface RateHold {
  rate: LaneRate
  /** When the lane may start again (epoch ms). */
  nextAt: number
}

export class LaneWindows {
  /** Per rated lane, its starts in ascending order (older ones dropped as they leave the window). */
  private readonly starts = new Map<string, number[]>()

  constructor(private readonly rateOf: (lane: string) => LaneRate | null) {}

  /** Records past starts (a restart reads them from the runs table); unrated lanes are skipped. */
  seed(starts: Iterable<LaneStart>): void {
    for (const start of starts) this.record(start.lane, start.at)
    for (const list of this.starts.values()) list.sort((a, b) => a - b)
  }

  record(lane: string, at: number): void {
    if (!this.rateOf(lane)) return
    const list = this.starts.get(lane)
    if (!list) this.starts.set(lane, [at])
    else if (list.length === 0 || (list[list.length - 1] ?? 0) <= at) list.push(at)
    else list.splice(sortedIndex(list, at), 0, at)
  }

  /** How many more starts the lane may make at `now` (Infinity without a rate). */
  startsLeft(lane: string, now: number): number {
    const rate = this.rateOf(lane)
    if (!rate) return Infinity
    return Math.max(0, rate.limit - this.inWindow(lane, rate, now).length)
  }

  /** Why the lane may not start now, or null when it may (or has no rate). */
  hold(lane: string, now: number): RateHold | null {
    const rate = this.rateOf(lane)
    if (!rate) return null
    return holdOf(rate, this.inWindow(lane, rate, now))
  }

  /** Lanes that may start nothing now. */
  heldLanes(now: number): string[] {
    return [...this.starts.keys()].filter((lane) => this.startsLeft(lane, now) === 0)
  }

  /** The earliest moment a held lane may start again, or null when none is held. */
  earliestNextAt(now: number): number | null {
    let earliest: number | null = null
    for (const lane of [...this.starts.keys()]) {
      const at = this.hold(lane, now)?.nextAt ?? null
      if (at !== null && (earliest === null || at < earliest)) earliest = at
    }
    return earliest
  }

  /** The lane's starts still in its window at `now`; older ones are dropped for good. */
  private inWindow(lane: string, rate: LaneRate, now: number): number[] {
    const list = this.starts.get(lane)
    if (!list) return []
    const since = now - rate.windowMs
    let drop = 0
    while (drop < list.length && (list[drop] ?? 0) <= since) drop++
    if (drop > 0) list.splice(0, drop)
    if (list.length === 0) this.starts.delete(lane)
    return list
  }
}

/** The hold of a lane whose starts in the window are `inWindow` (ascending), or null when it may start. */
export function holdOf(rate: LaneRate, inWindow: readonly number[]): RateHold | null {
  if (inWindow.length < rate.limit) return null
  // With more starts than the limit (a rate lowered since), enough of them must leave first.
  const freeing = inWindow[inWindow.length - rate.limit] ?? 0
  return { rate, nextAt: freeing + rate.windowMs }
}

/** The longest window of any rate in the config's lanes (how far back a restart reads starts). */
export function longestWindow(rates: Iterable<LaneRate | undefined>): number {
  let longest = 0
  for (const rate of rates) if (rate && rate.windowMs > longest) longest = rate.windowMs
  return longest
}

function sortedIndex(list: readonly number[], value: number): number {
  let low = 0
  let high = list.length
  while (low < high) {
    const mid = (low + high) >> 1
    if ((list[mid] ?? 0) <= value) low = mid + 1
    else high = mid
  }
  return low
}
