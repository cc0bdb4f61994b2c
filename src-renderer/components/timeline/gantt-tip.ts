// What the timeline's tooltip says about what is under the pointer: a run, a block of sub-pixel
// runs, an overlap or a waiting job, in the words the other views use (type title with its name,
// attempt N of M, 24 h times).
import { attemptCount, attemptShort } from '../../../src-shared/attempts'
import { absoluteTime, formatDuration } from '../../format'
import type { AnyStatus } from '../../status'
import { typeLabel } from '../../wording'
import { describeCounts, type GroupBy, type Hit } from './gantt-data'

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
}

export function describeHit(hit: Hit, ctx: TipContext): TipText {
  const { now, groupBy, typeOf } = ctx
  switch (hit.kind) {
    case 'run': {
      const i = hit.item
      const end = i.finishedAt ?? now
      return {
        title: i.id,
        status: i.status,
        lines: [
          ['Type', typeLabel(i.type, typeOf(i.type)?.title)],
          ['Lane', i.lane],
          ['Attempt', attemptShort(attemptCount(i.attempt, typeOf(i.type)?.retries.max ?? null))],
          ['Queued', absoluteTime(i.queuedAt)],
          ['Started', absoluteTime(i.startedAt)],
          ['Finished', i.finishedAt === null ? 'still running' : absoluteTime(i.finishedAt)],
          ['Waited', formatDuration(Math.max(0, i.startedAt - i.queuedAt))],
          [i.finishedAt === null ? 'Running for' : 'Duration', formatDuration(end - i.startedAt)],
        ],
        hint: 'Click to open the run',
      }
    }
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
        title: `${o.peak} runs at once in lane ${o.lane} (limit ${o.limit})`,
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
