// When a `deadline` rule's time of day falls, in the schedule's zone: croner works out the instants
// (a daily cron at HH:MM in that zone, with its DST rules), so "07:00 in Europe/Berlin" is 05:00
// UTC in summer and 06:00 in winter.
import { FireTimes } from '../model/schedule-times'

export interface DeadlineTimes {
  times: FireTimes
  zone: string
}

export function deadlineTimes(notFinishedBy: string, zone: string): DeadlineTimes {
  const [hh, mm] = notFinishedBy.split(':').map(Number)
  return { times: new FireTimes({ cron: `${mm ?? 0} ${hh ?? 0} * * *`, timezone: zone }), zone }
}

/** The latest deadline at or before `t` and the one before it (the window it judges). */
export function lastDeadline(deadline: DeadlineTimes, t: number): { at: number; windowStart: number } | null {
  const times = deadline.times.between(t - 3 * 86_400_000, t, 10)
  const at = times.at(-1)
  const before = times.at(-2)
  if (at === undefined || before === undefined) return null
  return { at, windowStart: before }
}

/** YYYY-MM-DD of an instant in a zone. */
export function dayIn(zone: string, t: number): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(t))
}
