// How the Schedules view words a schedule, pure: its next fire relative and absolute in the
// operator's zone with the time in the schedule's own zone beside it, its state (paused until,
// disabled), why a fire did not run, and where its fires fall on a 24 h strip. The engine sends
// times, outcomes and reasons as data; the words and the clock are decided here.
import { absoluteTime, formatDuration, relativeTime } from '../../format'
import { FIRE_LOOK } from '../../status'
import type { ScheduleFire, ScheduleInfo } from '../../../src-shared/schedules'
import { shortId } from '../../wording'

export const STRIP_MS = 86_400_000

/** The operator's zone (the machine's, as the browser knows it). */
export function operatorZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone
}

const zonedFormats = new Map<string, Intl.DateTimeFormat>()

/** `Sat 02:00` in `zone`, 24 h. */
export function zonedClock(at: number, zone: string): string {
  let format = zonedFormats.get(zone)
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', { timeZone: zone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    zonedFormats.set(zone, format)
  }
  return format.format(at).replace(',', '')
}

export interface NextFireText {
  /** `in 4 min`. */
  relative: string
  /** `2026-12-05 02:00:00` in the operator's zone. */
  absolute: string
  /** `Sat 03:00 Europe/Berlin`: the same instant in the schedule's zone. */
  zoned: string
  /** Whether the schedule's zone is another than the operator's (then both are worth reading). */
  otherZone: boolean
  at: number
}

/**
 * The next fire of a schedule, or null when none is due (disabled, paused without end, none
 * left). A fire that fell due since the list was read is passed over: the next one is next.
 */
export function nextFireText(info: Pick<ScheduleInfo, 'nextFires' | 'timezone'>, now: number, zone = operatorZone()): NextFireText | null {
  const at = info.nextFires.map((iso) => Date.parse(iso)).find((t) => Number.isFinite(t) && t > now)
  if (at === undefined) return null
  return {
    relative: relativeTime(at, now),
    absolute: absoluteTime(at),
    zoned: `${zonedClock(at, info.timezone)} ${info.timezone}`,
    otherZone: info.timezone !== zone,
    at,
  }
}

export type ScheduleStateKind = 'active' | 'paused' | 'disabled'

/** Whether it fires: active, paused (until when), or disabled in the config. */
export function scheduleState(info: Pick<ScheduleInfo, 'enabled' | 'paused' | 'pausedUntil'>, now: number): { kind: ScheduleStateKind; text: string; title: string } {
  if (!info.enabled) return { kind: 'disabled', text: 'Disabled', title: 'enabled: false in the config: it does not fire until the config enables it' }
  if (info.paused) {
    if (info.pausedUntil === null) return { kind: 'paused', text: 'Paused', title: 'Paused until resumed: its fires are recorded as paused' }
    return {
      kind: 'paused',
      text: `Paused until ${absoluteTime(info.pausedUntil).slice(5, 16)}`,
      title: `Paused until ${absoluteTime(info.pausedUntil)} (${relativeTime(info.pausedUntil, now)}); fires before then are recorded as paused`,
    }
  }
  return { kind: 'active', text: 'Active', title: 'Fires on its schedule' }
}

/** `0 2 * * *` or `every 5m`, as written in the config. */
export function cadenceSource(info: Pick<ScheduleInfo, 'cron' | 'every'>): string {
  return info.cron ?? (info.every !== null ? `every ${info.every}` : '')
}

/** `24h`, `90m`, `30s`: a configured span as the config would write it. */
export function spanText(ms: number): string {
  if (ms > 0 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`
  if (ms > 0 && ms % 60_000 === 0) return `${ms / 60_000}m`
  if (ms % 1000 === 0) return `${ms / 1000}s`
  return formatDuration(ms)
}

/** The policies in a line: `missed: latest within 24h · overlap: skip · jitter 30s`. */
export function policyText(info: Pick<ScheduleInfo, 'missed' | 'catchupWindowMs' | 'overlap' | 'jitterMs'>): string {
  const parts = [`missed: ${info.missed} within ${spanText(info.catchupWindowMs)}`, `overlap: ${info.overlap}`]
  if (info.jitterMs > 0) parts.push(`jitter up to ${spanText(info.jitterMs)}`)
  return parts.join(' · ')
}

/** What became of a fire and why, in a sentence: the engine's reason when it gave one. */
export function fireReasonText(fire: Pick<ScheduleFire, 'outcome' | 'reason' | 'jobId'>): string {
  if (fire.reason) return fire.reason
  switch (fire.outcome) {
    case 'enqueued':
      return fire.jobId ? `enqueued job ${shortId(fire.jobId)}` : 'enqueued'
    case 'manual':
      return fire.jobId ? `run now: job ${shortId(fire.jobId)}` : 'run now'
    case 'skipped':
      return 'skipped: its previous job was still queued or running (overlap: skip)'
    case 'missed':
      return 'missed: nothing ran at that time, and the missed policy did not run it'
    case 'paused':
      return 'the schedule was paused'
  }
}

/** `✓ enqueued`, `✕ missed`: an outcome's glyph and word. */
export function outcomeLabel(outcome: ScheduleFire['outcome']): string {
  const look = FIRE_LOOK[outcome]
  return `${look.icon} ${look.label}`
}

/** A fire that did not make a job (the "why didn't it run?" ones). */
export function didNotRun(fire: Pick<ScheduleFire, 'outcome'>): boolean {
  return fire.outcome === 'skipped' || fire.outcome === 'missed' || fire.outcome === 'paused'
}

export interface StripMark {
  at: number
  /** 0 … 1 across the strip. */
  x: number
}

/**
 * Where the fires of the next `spanMs` fall on a strip from `from`: one mark per fire, but at
 * most one per `minGap` of the strip (an every-minute schedule is a solid band, not 1,440 marks).
 */
export function stripMarks(fires: readonly number[], from: number, spanMs = STRIP_MS, minGap = 0.002): StripMark[] {
  const out: StripMark[] = []
  let last = -Infinity
  for (const at of [...fires].sort((a, b) => a - b)) {
    if (at < from || at > from + spanMs) continue
    const x = (at - from) / spanMs
    if (x - last < minGap) continue
    out.push({ at, x })
    last = x
  }
  return out
}

/** `288 fires in the next 24 h`: what the strip counts, over what window. */
export function stripCountText(count: number): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? 'fire' : 'fires'} in the next 24 h`
}
