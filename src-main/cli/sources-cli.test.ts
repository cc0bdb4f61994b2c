// Sources through the real command: `jobdeck sources` and `sources sync` as scripts use them, and
// a `sources sync` killed with SIGKILL in the middle of its backfill, started again: the backfill
// resumes from its last committed page, every row once.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { runCli, type CliResult } from '../core/test-support/cli-process'
import type { SourceInfo } from '../../src-shared/sources'
import { databaseFile } from '../core/paths'
import { createSeedTable, insertBackgroundJobs, seedBackgroundJobs, sourceConfig, useSourceDatabase } from '../core/test-support/source-tables'
import { makeTestEnv, waitFor, type TestEnv } from '../core/test-support/test-env'

const BIN = fileURLToPath(new URL('../../bin/jobdeck.mjs', import.meta.url))

const envs: TestEnv[] = []
const db = useSourceDatabase('jobdeck_sources_cli', envs)
let env: TestEnv | null = null

function useEnv(config: string): TestEnv {
  const made = makeTestEnv(config)
  envs.push(made)
  env = made
  return made
}

const cli = (args: string[]): CliResult => runCli(env, args)

describe('jobdeck sources', () => {
  it('lists from the cache without polling, pulls once on `sources sync`, and says markFailed is disabled', async () => {
    await createSeedTable(db.pool, 'background_jobs', { indexed: false })
    await insertBackgroundJobs(db.pool, [{ job_type: 'report', status: 'failed', error_message: 'upstream 503' }, { job_type: 'report', status: 'pending' }])
    useEnv(sourceConfig('preset: background_jobs', db.url))
    const before = JSON.parse(cli(['sources', '--json']).stdout) as SourceInfo[]
    expect(before).toEqual([expect.objectContaining({ name: 'legacy', status: 'connecting', rows: 0, lastSyncAt: null })])

    const sync = cli(['sources', 'sync', 'legacy'])
    expect(sync.code, sync.stderr).toBe(0)
    expect(sync.stdout).toMatch(/^legacy\s+public\.background_jobs\s+online\s+2\s+1\s+0\s+0\s+\d{4}-/m)
    expect(sync.stdout).toContain('legacy: index: NOT indexed (Seq Scan on background_jobs): CREATE INDEX CONCURRENTLY ON "public"."background_jobs" ("created_at")')
    expect(sync.stdout).toContain('legacy: markFailed is disabled (enable with actions: { markFailed: true } under sources.legacy)')

    const [after] = JSON.parse(cli(['sources', '--json']).stdout) as SourceInfo[]
    expect(after).toMatchObject({ status: 'online', rows: 2, queued: 1, index: { indexed: false } })
    expect(cli(['sources', 'sync', 'nope']).stderr).toContain('no source named "nope"; the config declares: legacy')
  })

  it('a `sources sync` killed with SIGKILL mid-backfill resumes without duplicates', async () => {
    await createSeedTable(db.pool, 'background_jobs')
    const total = 60_000
    await seedBackgroundJobs(db.pool, total)
    const { dataDir, configPath } = useEnv(sourceConfig('preset: background_jobs', db.url))
    const file = databaseFile(dataDir)
    const child = spawn(process.execPath, [BIN, 'sources', 'sync', '--data-dir', dataDir, '--config', configPath], { stdio: 'ignore' })
    const exited = new Promise((resolve) => child.once('exit', resolve))
    // Killed once some pages are committed and the backfill is not done.
    await waitFor(() => {
      try {
        const sqlite = new Database(file, { readonly: true, fileMustExist: true })
        try {
          const state = sqlite.prepare(`SELECT watermark, backfilled FROM source_state WHERE name = 'legacy'`).get() as { watermark: string | null; backfilled: number } | undefined
          return state?.watermark != null && state.backfilled === 0
        } finally {
          sqlite.close()
        }
      } catch {
        return false
      }
    }, 60_000, 'a committed page of the backfill')
    child.kill('SIGKILL')
    await exited
    const partial = new Database(file, { readonly: true })
    const mirrored = (partial.prepare(`SELECT count(*) AS n FROM jobs WHERE source = 'legacy'`).get() as { n: number }).n
    partial.close()
    expect(mirrored).toBeGreaterThan(0)
    expect(mirrored).toBeLessThan(total)

    const again = cli(['sources', 'sync', '--json'])
    expect(again.code, again.stderr).toBe(0)
    const [info] = JSON.parse(again.stdout) as SourceInfo[]
    expect(info?.rows).toBe(total)
    const sqlite = new Database(file, { readonly: true })
    try {
      expect(sqlite.prepare(`SELECT count(*) AS jobs, count(DISTINCT source_id) AS ids FROM jobs WHERE source = 'legacy'`).get()).toEqual({ jobs: total, ids: total })
      expect(sqlite.prepare(`SELECT count(*) AS n FROM runs WHERE source = 'legacy'`).get()).toEqual({ n: total })
      expect(sqlite.prepare(`PRAGMA integrity_check`).get()).toEqual({ integrity_check: 'ok' })
    } finally {
      sqlite.close()
    }
  }, 180_000)
})
