// What the timeline's tooltip says about what is under the pointer: a run, a block of sub-pixel
// runs, an overlap or a waiting job, a schedule's upcoming fire, a predicted conflict, or fires
// that did not run, in the words the other views use (type title with its name,
// attempt N of M, 24 h times).
import { attemptCount, attemptShort } from '../../../src-shared/attempts'
import { absoluteTime, clockTime, formatDuration, relativeTime } from '../../format'
import type { AnyStatus } from '../../status'
import { shortId, startKindText, typeLabel } from '../../wording'
import type { TimelineItem } from '../../../src-shared/domain'
import { sourceOfType } from '../../../src-shared/sources'
import { fireReasonText } from '../schedules/schedule-text'
import type { PredictedConflict, Upcoming } from './forecast'
import type { AheadHit } from './gantt-ahead'
import { describeCounts, type GroupBy, type Hit, type Overlap } from './gantt-data'

export interface TipText {
  title: string
  status: AnyStatus | null
  lines: Array<[string, string]>
  hint: string | null
}

export interface TipContext {
  now: number
  groupBy: GroupBy
  typeOf: (name: string) => { title?: string; retries: { max: number | null } } | undefined
  /** A source's state in words (`legacy · offline · synced 10:41`), when the window knows it. */
  sourceText?: (source: string) => string
}

export function describeHit(hit: Hit, ctx: TipContext): TipText {
  const { groupBy, typeOf } = ctx
  switch (hit.kind) {
    case 'run':
      return describeRun(hit.item, ctx)
    case 'block':
      return {
        title: describeCounts(hit.block.byStatus),
        status: null,
        lines: [
          [groupBy === 'lane' ? 'Lane' : 'Type', hit.rowKey],
          ['From', absoluteTime(hit.block.start)],
          ['To', absoluteTime(hit.block.end)],
        ],
        hint: 'Each run here is shorter than a pixel · click to zoom in',
      }
    case 'overlap': {
      const o = hit.overlap
      return {
        title: o.origins ? `${o.peak} runs of ${o.origins.join(', ')} at once` : `${o.peak} runs at once in lane ${o.lane} (limit ${o.limit})`,
        status: null,
        lines: [
          ['From', absoluteTime(o.start)],
          ['To', absoluteTime(o.end)],
          ['Overlap', formatDuration(o.end - o.start)],
          ['Runs', String(o.runIds.length)],
        ],
        hint: 'Click to zoom to it',
      }
    }
    case 'waiting': {
      const j = hit.job
      return {
        title: j.id,
        status: j.status,
        lines: [
          ['Type', typeLabel(j.type, typeOf(j.type)?.title)],
          ['Lane', j.lane],
          j.status === 'retrying' ? ['Retries at', absoluteTime(j.end)] : ['Waiting since', absoluteTime(j.start)],
          ['Why', j.reason],
        ],
        hint: null,
      }
    }
  }
}

/**
 * A run's tooltip. A source's run (another system's row) says its source and state; a start its
 * table did not record says "start observed by Jobdeck", or "start unknown" (no wait, no length);
 * a stuck one says so, in words.
 */
function describeRun(i: TimelineItem, ctx: TipContext): TipText {
  const { now, typeOf } = ctx
  const end = i.finishedAt ?? now
  const source = sourceOfType(i.type)
  const unknown = i.startKind === 'unknown'
  const lines: Array<[string, string]> = [['Type', typeLabel(i.type, typeOf(i.type)?.title)]]
  if (source !== null) lines.push(['Source', ctx.sourceText?.(source) ?? source])
  lines.push(['Lane', i.lane])
  if (source === null) lines.push(['Attempt', attemptShort(attemptCount(i.attempt, typeOf(i.type)?.retries.max ?? null))])
  lines.push(['Queued', absoluteTime(i.queuedAt)])
  lines.push(['Started', unknown ? 'start unknown' : i.startKind === 'observed' ? `${absoluteTime(i.startedAt)}, start observed by Jobdeck` : absoluteTime(i.startedAt)])
  lines.push(['Finished', i.finishedAt === null ? 'still running' : absoluteTime(i.finishedAt)])
  if (!unknown) {
    lines.push(['Waited', formatDuration(Math.max(0, i.startedAt - i.queuedAt))])
    lines.push([i.finishedAt === null ? 'Running for' : 'Duration', `${i.startKind === 'observed' ? 'at least ' : ''}${formatDuration(end - i.startedAt)}`])
  }
  if (i.stuck) lines.push(['⚠ Stuck', 'running past its stuckAfter'])
  const kind = startKindText(i.startKind)
  return { title: i.id, status: i.status, lines, hint: kind ? `${kind} · click to open the run` : 'Click to open the run' }
}

/** `3 at once · limit 1`, or across systems `2 at once · legacy × Jobdeck`: an overlap in the side list. */
export function overlapWhat(o: Overlap): string {
  return o.origins ? `${o.peak} at once · ${o.origins.join(' × ')}` : `${o.peak} at once · limit ${o.limit}`
}

/** `waits ~4m 10s for its lane` or `will wait, for how long is unknown`. */
export function waitText(conflict: PredictedConflict): string {
  return conflict.waitMs === null ? 'will wait; how long is unknown (no recorded length)' : `will wait ~${formatDuration(conflict.waitMs)} for its lane`
}

/** `nightly-report at 02:00` / `run …1234 (export)`: what a conflict's fire waits behind. */
export function behindText(conflict: PredictedConflict): string {
  return conflict.behind
    .map((b) => (b.kind === 'fire' ? `${b.schedule} at ${clockTime(b.at).slice(0, 5)}` : `run ${shortId(b.runId)} (${b.type}, running since ${clockTime(b.startedAt).slice(0, 5)})`))
    .join(', ')
}

function lengthText(fire: Upcoming): string {
  if (fire.expectedMs === null) return 'unknown: no run of this type recorded yet'
  return `${formatDuration(fire.expectedMs)} (${fire.basis === 'average' ? 'average' : 'p95'} of recorded runs)`
}

/** The tooltip for what is drawn ahead of now: a fire, a predicted conflict, or skipped/missed fires on the axis. */
export function describeAheadHit(hit: AheadHit, ctx: TipContext): TipText {
  switch (hit.kind) {
    case 'ahead': {
      const f = hit.fire
      const lines: Array<[string, string]> = [
        ['Fires', `${absoluteTime(f.at)} (${relativeTime(f.at, ctx.now)})`],
        ['Type', typeLabel(f.type, ctx.typeOf(f.type)?.title)],
        ['Lane', `${f.lane} (limit ${f.laneLimit})`],
        ['Expected length', lengthText(f)],
      ]
      if (hit.conflict) lines.push(['Conflict', waitText(hit.conflict)], ['Behind', behindText(hit.conflict)])
      return { title: `Next fire of ${f.schedule}`, status: null, lines, hint: 'Predicted from recorded durations only' }
    }
    case 'conflict': {
      const c = hit.conflict
      return {
        title: `${c.fire.schedule} ${waitText(c)}`,
        status: null,
        lines: [
          ['Fires', absoluteTime(c.fire.at)],
          ['Starts', c.waitMs === null ? 'unknown' : absoluteTime(c.startsAt)],
          ['Lane', `${c.lane} (limit ${c.limit})`],
          ['Behind', behindText(c)],
        ],
        hint: 'Click to zoom to it',
      }
    }
    case 'fire-mark': {
      const lines: Array<[string, string]> = hit.fires.slice(0, 6).map((f) => [`${f.outcome} ${clockTime(f.scheduledFor).slice(0, 5)}`, `${f.schedule}: ${fireReasonText(f)}`])
      if (hit.fires.length > 6) lines.push(['…', `${hit.fires.length - 6} more`])
      return { title: `${hit.fires.length} ${hit.fires.length === 1 ? 'fire' : 'fires'} that did not run`, status: null, lines, hint: 'Schedules → "Why didn\'t it run?" lists them all' }
    }
  }
}
