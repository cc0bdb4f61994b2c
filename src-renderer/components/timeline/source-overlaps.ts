// Overlaps across systems on the Timeline: spans where a source's run (another system's job
// table) ran at the same time as a run of another source or of Jobdeck's own, whatever their
// lanes. This is what the hand-written dashboards answered ("what else ran then?"); a lane's own
// overlaps (more runs at once than its limit, a source's rows among themselves included) are
// findOverlaps' in gantt-data.ts. Only runs in view are swept, as there.
import { sourceOfType } from '../../../src-shared/sources'
import type { TimelineItem } from '../../../src-shared/domain'
import { endOf, type Overlap } from './gantt-data'

/** What Jobdeck's own runs are called among the systems of an overlap. */
export const OWN_ORIGIN = 'Jobdeck'

const originOf = (item: TimelineItem): string => sourceOfType(item.type) ?? OWN_ORIGIN

/**
 * One sweep over start/end events of every run with a known span: while runs of two or more
 * systems (at least one a source) run at once, that is an overlap; its span ends when they no
 * longer do. Nothing is swept when no source run is in view.
 */
export function findSourceOverlaps(items: readonly TimelineItem[], now: number): Overlap[] {
  if (!items.some((item) => sourceOfType(item.type) !== null)) return []
  const events: Array<{ at: number; delta: 1 | -1; item: TimelineItem }> = []
  for (const item of items) {
    const end = endOf(item, now)
    if (end <= item.startedAt || item.startKind === 'unknown') continue
    events.push({ at: item.startedAt, delta: 1, item }, { at: end, delta: -1, item })
  }
  // Ends before starts at the same instant: touching runs do not overlap.
  events.sort((a, b) => a.at - b.at || a.delta - b.delta)
  const active = new Map<TimelineItem, string>()
  // Runs at once per system: how many systems run now is the number of keys, without a set per event.
  const perOrigin = new Map<string, number>()
  const out: Overlap[] = []
  let current: { start: number; peak: number; runIds: Set<string>; origins: Set<string> } | null = null
  for (const event of events) {
    const origin = originOf(event.item)
    if (event.delta === 1) {
      active.set(event.item, origin)
      perOrigin.set(origin, (perOrigin.get(origin) ?? 0) + 1)
    } else {
      active.delete(event.item)
      const left = (perOrigin.get(origin) ?? 1) - 1
      if (left === 0) perOrigin.delete(origin)
      else perOrigin.set(origin, left)
    }
    // Two systems or more: one of them is a source (Jobdeck's own runs are one system).
    const across = perOrigin.size >= 2
    if (across) {
      if (!current) {
        // Everything running as it begins is part of it; after that, each run that joins.
        current = { start: event.at, peak: 0, runIds: new Set(), origins: new Set() }
        for (const [item, o] of active) {
          current.runIds.add(item.id)
          current.origins.add(o)
        }
      } else if (event.delta === 1) {
        current.runIds.add(event.item.id)
        current.origins.add(origin)
      }
      current.peak = Math.max(current.peak, active.size)
    } else if (current) {
      const systems = [...current.origins].sort((a, b) => (a === OWN_ORIGIN ? 1 : b === OWN_ORIGIN ? -1 : a.localeCompare(b)))
      out.push({ lane: systems.join(' × '), limit: 1, start: current.start, end: event.at, peak: current.peak, runIds: [...current.runIds], origins: systems })
      current = null
    }
  }
  return out
}
