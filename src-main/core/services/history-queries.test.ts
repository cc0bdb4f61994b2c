import fs from 'node:fs'
import path from 'node:path'
import Papa from 'papaparse'
import { afterEach, describe, expect, it } from 'vitest'
import { makeTestEnv, waitForTerminal, type TestEnv } from '../test-support/test-env'
import type { Core } from '../core'
import { bucketedRuns, bucketList, type Run } from '../../../src-shared/domain'
import { runsToCsv } from './runs-csv'
import { terminal } from '../model/transitions'
import { CONFIG_WITH_SOURCE, insertRuns } from '../test-support/source-rows'

const CONFIG = `
runner: { concurrency: 2 }
jobs:
  say:
    command: [node, scripts/say.js, "{text}", "{mode}"]
    params:
      text: { type: string, required: true }
      mode: { type: enum, values: [ok, fail], default: ok }
  other:
    command: [node, -e, "console.log('other')"]
`

const SAY = `console.log(process.argv[2])
if (process.argv[3] === 'fail') {
  console.error('=cmd|evil, "quoted" reason')
  process.exit(3)
}`

let env: TestEnv
afterEach(() => env.cleanup())

function setup(): void {
  env = makeTestEnv(CONFIG)
  fs.writeFileSync(path.join(env.dir, 'scripts', 'say.js'), SAY)
}

async function runAll(core: Core, jobs: Array<{ type: string; params: Record<string, unknown> }>): Promise<void> {
  const ids: string[] = []
  for (const j of jobs) ids.push((await core.api['jobs.enqueue']({ type: j.type, params: j.params })).id)
  core.startRunner()
  await waitForTerminal(core, ids)
}

describe('history queries', () => {
  it('finds runs by words in their output or their error', async () => {
    setup()
    const core = env.open()
    await runAll(core, [
      { type: 'say', params: { text: 'fetched page 4 of dealer 12345' } },
      { type: 'say', params: { text: 'nothing to see' } },
      { type: 'say', params: { text: 'about to fail', mode: 'fail' } },
    ])
    const byLog = await core.api['runs.list']({ limit: 10, search: 'dealer 1234' })
    expect(byLog.map((r) => r.params.text)).toEqual(['fetched page 4 of dealer 12345'])
    const byError = await core.api['runs.list']({ limit: 10, search: 'evil reason' })
    expect(byError.map((r) => r.status)).toEqual(['failed'])
    expect(await core.api['runs.list']({ limit: 10, search: 'zebra' })).toEqual([])
    expect(await core.api['runs.list']({ limit: 10, search: '"*' })).toHaveLength(3) // no words: no filter, no FTS syntax error
  })

  it('keeps per-type stats: counts, success rate, durations, last run, trend', async () => {
    setup()
    const core = env.open()
    await runAll(core, [
      { type: 'say', params: { text: 'a' } },
      { type: 'say', params: { text: 'b' } },
      { type: 'say', params: { text: 'c', mode: 'fail' } },
      { type: 'other', params: {} },
    ])
    const stats = await core.api['stats.byType']({})
    const say = stats.find((s) => s.type === 'say')
    expect(say).toMatchObject({ runs: 3, succeeded: 2, failed: 1 })
    expect(say?.successRate).toBeCloseTo(2 / 3)
    expect(say?.trend).toHaveLength(3)
    expect(say?.p95DurationMs).toBeGreaterThan(0)
    expect(say?.avgDurationMs).toBeGreaterThan(0)
    expect(say?.lastRunId).toBeTruthy()
    expect(stats.find((s) => s.type === 'other')?.runs).toBe(1)
    await core.api['jobs.clear']({ before: Date.now() + 1000 })
    expect((await core.api['stats.byType']({})).find((s) => s.type === 'say')?.runs ?? 0).toBe(0)
  })

  it('exports the filtered runs as CSV with ISO times, quoting, and no spreadsheet formulas', async () => {
    setup()
    const core = env.open()
    await runAll(core, [
      { type: 'say', params: { text: 'x' } },
      { type: 'say', params: { text: 'y', mode: 'fail' } },
    ])
    const all = await core.api['runs.export']({ limit: 100 })
    expect(all.rows).toBe(2)
    const failed = await core.api['runs.export']({ status: 'failed', limit: 100 })
    const [header, row, ...rest] = failed.csv.trimEnd().split('\r\n')
    expect(rest).toEqual([])
    expect(header?.split(',').slice(0, 4)).toEqual(['id', 'jobId', 'type', 'status'])
    expect(row).toMatch(/,say,failed,1,default,\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z,/)
    expect(row).toContain(`"exit code 3: =cmd|evil, ""quoted"" reason"`)
    const [run] = await core.api['runs.list']({ limit: 1, status: 'failed' })
    const risky = runsToCsv([{ ...(run as Run), lane: '=HYPERLINK("http://x")', type: '+cmd' }])
    expect(risky).toContain(`,'+cmd,`)
    expect(risky).toContain(`,"'=HYPERLINK(""http://x"")",`)
  })

  it('exports a formula from a param or another system\'s error escaped, as the cell reads back, and a negative exit code as it is', async () => {
    env = makeTestEnv(`${CONFIG_WITH_SOURCE}  tagged:
    command: [node, -e, "process.exit(0)"]
    params:
      tag: { type: string, required: true }
    lane: "{tag}"
`)
    const core = env.open()
    await core.ready()
    const now = Date.now()
    const formulas = ['=HYPERLINK("http://x","y")', '+1', '@SUM(A1)', '-2+3', '\uFF1D1+1', '=1+1\nsecond line']
    insertRuns(
      core.store.db,
      formulas.map((error, i) => ({ id: String(i), source: 'legacy', type: 'report', lane: 'legacy', status: 'failed', startedAt: now - 60_000, finishedAt: now, error })),
    )
    core.store.db.prepare(`UPDATE runs SET exit_code = -1 WHERE id = 'legacy:0/run'`).run()
    const job = await core.api['jobs.enqueue']({ type: 'tagged', params: { tag: '=HYPERLINK("http://x","y")' } })
    core.startRunner()
    await waitForTerminal(core, [job.id])

    const exported = await core.api['runs.export']({ limit: 100 })
    expect(exported.rows).toBe(formulas.length + 1)
    expect(exported.csv).toContain(`,"'=HYPERLINK(""http://x"",""y"")",`)
    expect(exported.csv).toContain(`,-1,`)
    const read = Papa.parse<Record<string, string>>(exported.csv, { header: true, skipEmptyLines: true })
    expect(read.errors).toEqual([])
    const bySourceId = new Map(read.data.map((row) => [row.sourceId, row]))
    expect(formulas.map((_, i) => bySourceId.get(String(i))?.error)).toEqual(formulas.map((f) => `'${f}`))
    expect(bySourceId.get('0')?.exitCode).toBe('-1')
    const own = bySourceId.get('')
    expect(own).toMatchObject({ type: 'tagged', status: 'succeeded', exitCode: '0', lane: `'=HYPERLINK("http://x","y")` })
    expect(JSON.parse(own?.params ?? '')).toEqual({ tag: '=HYPERLINK("http://x","y")' })
  })

  it('lists runs on the timeline, and buckets the ones shorter than a pixel when there are too many', async () => {
    setup()
    const core = env.open()
    const now = Date.now()
    const { store } = core
    // 299 quick runs and 4 long ones (every 100th), recorded directly with chosen times.
    for (let i = 0; i < 303; i++) {
      const long = i % 100 === 0
      store.enqueue([{ id: `01J0000000000000000000${String(i).padStart(4, '0')}`, type: long ? 'other' : 'say', params: {}, priority: 'normal', lane: `l${i % 3}` }], now)
      const [c] = store.claim({ now: now - 3_600_000 + i * 10_000, runnerId: 'r', concurrency: 1, laneLimit: () => 1, allowedTypes: ['say', 'other'] })
      store.finish({
        runId: c?.run.id ?? '',
        runnerId: 'r',
        now: now - 3_600_000 + i * 10_000 + (long ? 600_000 : 50),
        outcome: 'succeeded',
        exitCode: 0,
        signal: null,
        error: null,
        progress: { percent: null, current: null, total: null, message: null },
        itemsOk: null,
        itemsFailed: null,
        transition: terminal('succeeded', 0, now - 3_600_000 + i * 10_000 + (long ? 600_000 : 50), null),
      })
    }
    const all = await core.api['timeline.range']({ since: now - 3_700_000, until: now, groupBy: 'type', bucketMs: 1000, maxItems: 5000 })
    expect(all.items).toHaveLength(303)
    expect(all.buckets).toHaveLength(0)
    expect(all.rows).toEqual(['other', 'say'])

    const packed = await core.api['timeline.range']({ since: now - 3_700_000, until: now, groupBy: 'lane', bucketMs: 60_000, maxItems: 100 })
    expect(packed.total).toBe(303)
    expect(packed.items.map((i) => i.type)).toEqual(['other', 'other', 'other', 'other'])
    expect(bucketedRuns(packed.buckets)).toBe(299)
    const packedBuckets = packed.buckets.flatMap(bucketList)
    expect(packedBuckets.every((b) => b.end - b.start === 60_000 && b.byStatus.succeeded === b.count)).toBe(true)
    expect(packed.rows).toEqual(['l0', 'l1', 'l2'])

    // More runs wider than a bucket than maxItems: the longest are listed, the rest counted, none lost.
    const capped = await core.api['timeline.range']({ since: now - 3_700_000, until: now, groupBy: 'type', bucketMs: 1, maxItems: 100 })
    expect(capped.items.length).toBeLessThanOrEqual(100)
    expect(capped.items.length + bucketedRuns(capped.buckets)).toBe(303)
    expect(capped.items.filter((i) => i.type === 'other')).toHaveLength(4)

    const window = await core.api['timeline.range']({ since: now - 3_600_000 + 100_000, until: now - 3_600_000 + 200_000, groupBy: 'type', bucketMs: 100, maxItems: 5000 })
    // Runs 10–19 start inside the window; run 0 (600 s long) started before it and overlaps it.
    expect(window.items.map((i) => i.id).sort()).toEqual([0, ...Array.from({ length: 10 }, (_, k) => 10 + k)].map((i) => `01J0000000000000000000${String(i).padStart(4, '0')}`).sort().map((id) => core.store.getJob(id).lastRunId))
  })
})
