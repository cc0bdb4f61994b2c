// The Timeline in Chromium over a day holding 100k runs of Jobdeck's own and 100k rows of another
// system's `background_jobs` table, mirrored through the real source backfill from PostgreSQL
// (issue 15): from the click on "Timeline" to the chart painted, and a zoom, as the Timeline's own
// benchmark measures them. Target: first paint ≤ 250 ms.
import { performance } from 'node:perf_hooks'
import pg from 'pg'
import { createSeedTable, seedBackgroundJobs } from '../src-main/core/test-support/source-tables'
import { fmt, report } from './bench-support'
import { ensureRendererBuilt, RENDERER_DIR } from './browser-support'
import { createBenchDatabase } from './pg-bench-support'
import { measure, rowsOf } from './timeline-chromium'
import { seedTimelineCore } from './timeline-data'

const OWN = Number(process.env.BENCH_TIMELINE_RUNS ?? 100_000)
const SOURCE_ROWS = Number(process.env.BENCH_SOURCE_ROWS ?? 100_000)

export async function benchTimelineSources(): Promise<void> {
  ensureRendererBuilt()
  const db = await createBenchDatabase('jobdeck_bench_tl_sources')
  try {
    const admin = new pg.Client({ connectionString: db.url })
    await admin.connect()
    await createSeedTable(admin, 'background_jobs')
    await seedBackgroundJobs(admin, SOURCE_ROWS, 1)
    await admin.end()
    const url = new URL(db.url)
    const t0 = performance.now()
    const seeded = seedTimelineCore(OWN, 86_400_000, Date.now(), `
connections:
  app: { url: "${url.toString()}" }
sources:
  legacy: { connection: app, preset: background_jobs, since: 2d, poll: 1h }
`)
    try {
      const seedMs = performance.now() - t0
      const t1 = performance.now()
      const [info] = await seeded.core.api['sources.sync']({ name: 'legacy' })
      if (info?.status !== 'online') throw new Error(`the source is ${info?.status}: ${info?.error}`)
      const backfillMs = performance.now() - t1
      const figures = await measure(seeded, 'this checkout', RENDERER_DIR, ['dispatch', 'wheel'])
      report(
        `timeline in Chromium, ${OWN.toLocaleString('en-US')} own runs + ${info.rows.toLocaleString('en-US')} source rows over 24 h (own seeded in ${fmt(seedMs / 1000, 1)} s, source backfilled in ${fmt(backfillMs / 1000, 1)} s)`,
        rowsOf(figures),
      )
    } finally {
      await seeded.dispose()
    }
  } finally {
    await db.drop()
  }
}
