// The reads over a real source, end to end: a background_jobs table in real PostgreSQL with
// overlapping rows, a failure and a stuck row, pulled once by the mirror, then read back
// through the real `jobdeck` binary (history by source and by words, overlaps) and the Timeline.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Run } from '../../src-shared/domain'
import type { Overlap } from '../../src-shared/sources'
import { createTestDatabase, type TestDatabase } from '../core/test-support/postgres'
import { createSeedTable, insertBackgroundJobs, sourceConfig } from '../core/test-support/source-tables'
import { makeTestEnv, type TestEnv } from '../core/test-support/test-env'

const BIN = fileURLToPath(new URL('../../bin/jobdeck.mjs', import.meta.url))
const min = 60_000

let db: TestDatabase
let env: TestEnv
beforeAll(async () => {
  db = await createTestDatabase('jobdeck_source_reads')
})
afterAll(async () => {
  env?.cleanup()
  await db.drop()
})

function cli(args: string[]): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, ...args, '--data-dir', env.dataDir, '--config', env.configPath], { encoding: 'utf8', timeout: 60_000 })
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr }
}

const json = <T>(text: string): T => JSON.parse(text) as T

describe('a background_jobs source read back by the CLI', () => {
  it('history by source and by error words, the stuck row flagged, and its overlaps longest first', async () => {
    const pool = new pg.Pool({ connectionString: db.url, max: 1 })
    const now = Date.now()
    const at = (minutesAgo: number): Date => new Date(now - minutesAgo * min)
    try {
      await createSeedTable(pool, 'background_jobs')
      await insertBackgroundJobs(pool, [
        { job_type: 'report', status: 'completed', created_at: at(51), started_at: at(50), completed_at: at(20) },
        { job_type: 'export', status: 'failed', created_at: at(41), started_at: at(40), completed_at: at(30), error_message: 'warehouse unreachable: timeout after 30s' },
        { job_type: 'report', status: 'running', created_at: at(121), started_at: at(120) },
      ])
    } finally {
      await pool.end()
    }
    env = makeTestEnv(sourceConfig('preset: background_jobs\npoll: 1h\nstuckAfter: 30m', db.url))
    // One pull, as `jobdeck sources sync` makes it; then only the CLI reads.
    const puller = env.open()
    const [info] = await puller.api['sources.sync']({ name: 'legacy' })
    expect(info).toMatchObject({ status: 'online', rows: 3, stuck: 1 })
    await puller.close()

    const history = json<Array<Run & { stuck: boolean }>>(cli(['history', '--json', '--source', 'legacy']).stdout)
    expect(history.map((r) => [r.id, r.type, r.status, r.source, r.sourceId, r.stuck])).toEqual([
      ['legacy:2/run', 'legacy/export', 'failed', 'legacy', '2', false],
      ['legacy:1/run', 'legacy/report', 'succeeded', 'legacy', '1', false],
      ['legacy:3/run', 'legacy/report', 'running', 'legacy', '3', true],
    ])
    expect(json<Run[]>(cli(['history', '--json', '--search', 'warehouse timeout', '--source', 'legacy']).stdout).map((r) => r.id)).toEqual(['legacy:2/run'])
    expect(json<Run[]>(cli(['history', '--json', '--source', '-']).stdout)).toEqual([])
    expect(cli(['history', '--source', 'legacy']).stdout).toMatch(/legacy:3\/run\s+legacy\/report\s+legacy #3\s+running \(stuck since/)

    const overlaps = json<Overlap[]>(cli(['overlaps', '--json', '--since', '3h']).stdout)
    expect(overlaps.map((o) => [o.a.runId, o.b.runId, o.seconds, o.sameLane])).toEqual([
      ['legacy:3/run', 'legacy:1/run', 1800, true],
      ['legacy:1/run', 'legacy:2/run', 600, true],
      ['legacy:3/run', 'legacy:2/run', 600, true],
    ])

    const core = env.open()
    const page = await core.api['timeline.range']({ since: now - 3 * 3_600_000, until: now, groupBy: 'lane', bucketMs: 1, maxItems: 100 })
    expect(page.items.filter((i) => i.stuck).map((i) => i.id)).toEqual(['legacy:3/run'])
  })
})
