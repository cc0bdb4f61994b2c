import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import type { Run } from '../../src-shared/domain'
import type { Overlap } from '../../src-shared/sources'
import { CONFIG_WITH_SOURCE, insertRuns } from '../core/test-support/source-rows'
import { makeTestEnv, type TestEnv } from '../core/test-support/test-env'

const BIN = fileURLToPath(new URL('../../bin/jobdeck.mjs', import.meta.url))


let env: TestEnv
afterEach(() => env.cleanup())

function cli(args: string[]): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, ...args, '--data-dir', env.dataDir, '--config', env.configPath], { encoding: 'utf8', timeout: 60_000 })
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr }
}

const json = <T>(text: string): T => JSON.parse(text) as T

/** A stuck row running for an hour, a failure in its lane 50 to 40 minutes ago, a row first seen finished; then one run of Jobdeck's own. */
async function setup(): Promise<void> {
  env = makeTestEnv(CONFIG_WITH_SOURCE)
  const now = Date.now()
  const core = env.open()
  await core.ready()
  insertRuns(core.store.db, [
    { id: '41', source: 'legacy', type: 'report', lane: 'legacy', status: 'running', startedAt: now - 3_600_000, finishedAt: null, startKind: 'observed', stuckAt: now - 1_800_000 },
    { id: '42', source: 'legacy', type: 'report', lane: 'legacy', status: 'failed', startedAt: now - 3_000_000, finishedAt: now - 2_400_000, error: 'billing export failed: disk full' },
    { id: '43', source: 'legacy', type: 'cleanup', lane: 'legacy', status: 'succeeded', startedAt: now - 600_000, finishedAt: now - 600_000, startKind: 'unknown' },
  ])
  await core.close()
  expect(cli(['enqueue', 'sync']).code).toBe(0)
  expect(cli(['run', '--until-idle']).code).toBe(0)
}

describe('jobdeck history and overlaps over a source', () => {
  it('history --source lists one source\'s rows (or - Jobdeck\'s own), each JSON row saying its source and whether it is stuck', async () => {
    await setup()
    const legacy = json<Array<Run & { stuck: boolean }>>(cli(['history', '--json', '--source', 'legacy']).stdout)
    expect(legacy.map((r) => [r.id, r.source, r.sourceId, r.stuck])).toEqual([
      ['legacy:43/run', 'legacy', '43', false],
      ['legacy:42/run', 'legacy', '42', false],
      ['legacy:41/run', 'legacy', '41', true],
    ])
    const own = json<Array<Run & { stuck: boolean }>>(cli(['history', '--json', '--source', '-']).stdout)
    expect(own.map((r) => [r.type, r.status, r.source, r.stuck])).toEqual([['sync', 'succeeded', null, false]])

    const table = cli(['history', '--source', 'legacy']).stdout
    expect(table.split('\n')[0]).toMatch(/^run\s+type\s+source\s+status/)
    expect(table).toMatch(/legacy:41\/run\s+legacy\/report\s+legacy #41\s+running \(stuck since [\d: -]+\)\s+1\s+[\d: -]+ \(observed\)/)
    expect(table).toMatch(/legacy:43\/run\s+legacy\/cleanup\s+legacy #43\s+succeeded\s+1\s+unknown \(first seen finished\)\s+—/)
    // Jobdeck alone prints as before: no source column.
    expect(cli(['history', '--source', '-']).stdout.split('\n')[0]).toMatch(/^run\s+type\s+status\s+attempt/)

    const typo = cli(['history', '--source', 'legcy'])
    expect(typo.code).toBe(1)
    expect(typo.stderr).toMatch(/^jobdeck: --source: no source named "legcy" \(expected one of legacy, or - for Jobdeck's own runs\)/)
  })

  it('history --search finds runs by words in their errors and output, as the History view does, within a source too', async () => {
    await setup()
    expect(json<Run[]>(cli(['history', '--json', '--search', 'billing disk']).stdout).map((r) => r.id)).toEqual(['legacy:42/run'])
    expect(json<Run[]>(cli(['history', '--json', '--search', 'synced dealers']).stdout).map((r) => r.type)).toEqual(['sync'])
    expect(json<Run[]>(cli(['history', '--json', '--search', 'synced', '--source', 'legacy']).stdout)).toEqual([])
    const table = cli(['history', '--search', 'billing'])
    expect(table.stdout.split('\n')[0]).toMatch(/\smatch$/)
    expect(table.stdout).toMatch(/error: ‹billing› export failed: disk full/)
  })

  it('overlaps: pairs across the source and Jobdeck\'s own lanes, longest first, as a top-level JSON array or a table', async () => {
    await setup()
    const all = json<Overlap[]>(cli(['overlaps', '--json']).stdout)
    expect(Array.isArray(all)).toBe(true)
    // The failure ran ten minutes inside the stuck row's hour; the unknown start is in no pair.
    expect(all[0]).toMatchObject({ a: { runId: 'legacy:41/run', sourceId: '41' }, b: { runId: 'legacy:42/run', source: 'legacy' }, seconds: 600, sameLane: true })
    expect(all.map((o) => [o.a.runId, o.b.type, o.sameLane])).toEqual([
      ['legacy:41/run', 'legacy/report', true],
      ['legacy:41/run', 'sync', false],
    ])
    expect(all.flatMap((o) => [o.a.runId, o.b.runId])).not.toContain('legacy:43/run')
    expect(json<Overlap[]>(cli(['overlaps', '--json', '--source', '-']).stdout).map((o) => o.b.type)).toEqual(['sync'])
    expect(json<Overlap[]>(cli(['overlaps', '--json', '--same-lane']).stdout)).toHaveLength(1)
    expect(json<Overlap[]>(cli(['overlaps', '--json', '--since', '30m']).stdout).map((o) => o.b.type)).toEqual(['sync'])

    const table = cli(['overlaps']).stdout.split('\n')
    expect(table[0]).toMatch(/^from\s+to\s+shared\s+run a\s+run b\s+lanes$/)
    expect(table[1]).toMatch(/10m 00s\s+legacy\/report #41\s+legacy\/report #42\s+same lane legacy$/)
    expect(table[2]).toMatch(/legacy\/report #41\s+sync \S+\s+legacy \/ default$/)
    expect(cli(['overlaps', '--since', '2000-01-01', '--until', '2000-01-02']).stdout).toMatch(/^no runs overlapped since 2000-01-01/)

    // A duration it cannot hold exactly (half a ms, past 2^53-1 ms) is refused, not rounded or sent on.
    for (const since of ['yesterday', '0.5ms', '99999999999999999999d']) {
      const bad = cli(['overlaps', '--since', since])
      expect(bad.code, since).toBe(1)
      expect(bad.stderr, since).toMatch(/--since: expected a duration like 24h or 7d, or a date/)
    }
  })
})
