// One poll of one source: the changed (or new) rows page by page from the watermark, then, for a
// table without `updated`, the rows mirrored as unfinished read again by id. Each page is written
// with the watermark after it in one SQLite transaction; status values the mapping does not name
// are counted, never written and never dropped silently.
import type { RereadCursor, SourceStateRow, SourceWriter } from './source-writer'
import { mapRow, mirroredJobId, mirroredRunId, type MirroredJob, type MirroredRun, type SourceRow } from './source-rows'
import type { Queryable, SourcePlan, Watermark } from './source-sql'
import type { SourceSpec } from './source-spec'

export interface PollLimits {
  /** Rows per page. */
  page: number
  /** Rows committed late with an older time than the watermark are still read within this margin. */
  marginMs: number
  /** Unfinished rows read again per poll (without `updated`), in batches of `page`. */
  rereadCap: number
  /**
   * From this many rows in the table (the planner's or the statistics' count), a first backfill
   * is a bulk load: below it, rebuilding the cache's indexes over its whole history costs more.
   */
  bulkFrom: number
}

export const DEFAULT_LIMITS: PollLimits = { page: 2000, marginMs: 5_000, rereadCap: 10_000, bulkFrom: 50_000 }

export interface PollResult {
  /** Rows whose job or run changed in the cache. */
  mirrored: number
  /** Rows read. */
  read: number
  /** Milliseconds spent waiting on the source's database. */
  dbMs: number
  /** The first backfill ended in this poll. */
  backfillDone: boolean
}

export interface PollContext {
  spec: SourceSpec
  plan: SourcePlan
  db: Queryable
  writer: SourceWriter
  limits: PollLimits
  now: () => number
  /** Rows with a status the mapping does not name, by value (their source ids). */
  unmapped: Map<string, Set<string>>
  /**
   * The table is large: its first backfill is a bulk load (SourceWriter.bulkLoad). For a small one
   * rebuilding the cache's indexes over all of its history would cost more than it saves.
   */
  large: boolean
  /** Where the re-read of unfinished rows goes on (kept by the loop from poll to poll). */
  reread: { cursor: RereadCursor | null }
  /** The loop is stopping: end after the page in hand. */
  stopping: () => boolean
}

export async function pollOnce(ctx: PollContext): Promise<PollResult> {
  const state = ctx.writer.state(ctx.spec.name)
  const quiet = !state || state.backfilled === 0
  return quiet && ctx.large ? ctx.writer.bulkLoad(() => pollFrom(ctx, state, true)) : pollFrom(ctx, state, quiet)
}

async function pollFrom(ctx: PollContext, state: SourceStateRow | null, quiet: boolean): Promise<PollResult> {
  const { spec, writer } = ctx
  const result: PollResult = { mirrored: 0, read: 0, dbMs: 0, backfillDone: false }
  const timed = async <T>(fn: () => Promise<T>): Promise<T> => {
    const t0 = performance.now()
    try {
      return await fn()
    } finally {
      result.dbMs += performance.now() - t0
    }
  }

  let mark: Watermark = state?.watermark ? (JSON.parse(state.watermark) as Watermark) : await timed(() => startMark(ctx))
  // The first page of a poll starts from the watermark less the margin (no id); the next pages exactly after the last row.
  const args = ctx.plan.changesArgs(spec.changesBy === 'id' ? mark : { at: mark.at, id: null }, ctx.limits.page, ctx.limits.marginMs)
  const fetch = (values: unknown[]) => timed(() => ctx.db.query<SourceRow & Record<string, unknown>>(ctx.plan.changes, values))
  result.backfillDone = await pages()
  // The next page is asked for before this one is written: the database reads while SQLite writes.
  async function pages(): Promise<boolean> {
    let pending = fetch(args)
    for (;;) {
      const { rows } = await pending
      result.read += rows.length
      const last = rows.at(-1)
      if (last) mark = { at: last.w ?? mark.at, id: last.id }
      const done = rows.length < ctx.limits.page
      // Stopping (the process shuts down): the watermark of this page is committed, the next start resumes there.
      const stopping = ctx.stopping()
      if (!done && !stopping) {
        pending = fetch(ctx.plan.changesArgs(mark, ctx.limits.page, ctx.limits.marginMs))
        // Awaited next turn; should this page's write throw first, its failure is not left unhandled.
        pending.catch(() => undefined)
      }
      result.mirrored += write(ctx, rows, { watermark: mark, backfilled: !quiet || done }, quiet)
      if (done) return quiet
      if (stopping) return false
    }
  }

  if (spec.changesBy !== 'updated') {
    const { sourceIds: ids, next } = writer.unfinished(spec.name, ctx.limits.rereadCap, ctx.reread.cursor)
    ctx.reread.cursor = next
    for (let i = 0; i < ids.length && !ctx.stopping(); i += ctx.limits.page) {
      const batch = ids.slice(i, i + ctx.limits.page)
      const { rows } = await timed(() => ctx.db.query<SourceRow & Record<string, unknown>>(ctx.plan.byId, [batch]))
      result.read += rows.length
      result.mirrored += write(ctx, rows, null, quiet)
      // Rows the table no longer has (a library's pruner, a delete by hand) would wait or run in
      // the cache forever, and a running one be flagged stuck: they end, canceled, saying why.
      const returned = new Set(rows.map((row) => row.id))
      const gone = batch.filter((id) => !returned.has(id))
      if (gone.length > 0) {
        const why = `${spec.tableText} no longer has this row (deleted before Jobdeck saw it finish)`
        result.mirrored += writer.endVanished(spec.name, gone, ctx.now(), why, quiet)
      }
    }
  }

  // Rows held back for a status the mapping does not name are read again by id at every poll
  // (after a restart too: the loop keeps their ids in source_state), so none is dropped once the
  // watermark has passed it: mirrored as soon as its status maps, forgotten once the table drops it.
  const held = [...new Set([...ctx.unmapped.values()].flatMap((ids) => [...ids]))].slice(0, ctx.limits.page)
  if (held.length > 0 && !ctx.stopping()) {
    const { rows } = await timed(() => ctx.db.query<SourceRow & Record<string, unknown>>(ctx.plan.byId, [held]))
    result.read += rows.length
    const returned = new Set(rows.map((row) => row.id))
    for (const ids of ctx.unmapped.values()) for (const id of held) if (!returned.has(id)) ids.delete(id)
    result.mirrored += write(ctx, rows, null, quiet)
  }
  return result
}

/** Rows read again by id (after markFailed, or a test): written like any incremental change. */
export async function rereadRows(ctx: PollContext, sourceIds: string[]): Promise<number> {
  const { rows } = await ctx.db.query<SourceRow & Record<string, unknown>>(ctx.plan.byId, [sourceIds])
  return write(ctx, rows, null, false)
}

/** Where the first backfill starts: `since:` ago (ordered by id: the first row created since then). */
async function startMark(ctx: PollContext): Promise<Watermark> {
  const since = new Date(ctx.now() - ctx.spec.sinceMs).toISOString()
  if (ctx.spec.changesBy !== 'id' || ctx.plan.firstId === null) return { at: since, id: null }
  const { rows } = await ctx.db.query<{ id: string | null }>(ctx.plan.firstId, ctx.spec.columns.created ? [since] : [])
  return { at: null, id: rows[0]?.id ?? null }
}

function write(ctx: PollContext, rows: SourceRow[], mark: { watermark: Watermark; backfilled: boolean } | null, quiet: boolean): number {
  const now = ctx.now()
  const { spec } = ctx
  const priors = ctx.writer.priors(rows.map((row) => mirroredRunId(jobIdOf(spec, row))))
  const mapped: Array<{ job: MirroredJob; run: MirroredRun | null }> = []
  for (const row of rows) {
    const out = mapRow(spec, row, priors.get(mirroredRunId(jobIdOf(spec, row))) ?? null, now)
    for (const ids of ctx.unmapped.values()) ids.delete(row.id)
    if (out.ok) {
      mapped.push({ job: out.job, run: out.run })
      continue
    }
    let ids = ctx.unmapped.get(out.unmapped)
    if (!ids) ctx.unmapped.set(out.unmapped, (ids = new Set()))
    if (ids.size < 100_000) ids.add(row.id)
  }
  for (const [value, ids] of ctx.unmapped) if (ids.size === 0) ctx.unmapped.delete(value)
  if (mapped.length === 0 && mark === null) return 0
  return ctx.writer.writePage(spec.name, mapped, mark, quiet)
}

function jobIdOf(spec: SourceSpec, row: SourceRow): string {
  return mirroredJobId(spec.name, row.id)
}
