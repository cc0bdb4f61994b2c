// Schedules in shared mode across real processes: two `jobdeck run --pg` runners on one real
// PostgreSQL run the same `every: 1s` schedule; each scheduled time is enqueued exactly once.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { ScheduleFire, ScheduleInfo } from '../../src-shared/schedules'
import { databaseFile } from '../core/paths'
import { createTestDatabase, type TestDatabase } from '../core/test-support/postgres'
import { makeTestEnv, sleep, waitFor, type TestEnv } from '../core/test-support/test-env'

const BIN = fileURLToPath(new URL('../../bin/jobdeck.mjs', import.meta.url))

const CONFIG = `
jobs:
  tick:
    command: [node, -e, "setTimeout(() => undefined, 20)"]
    lane: ticks
lanes:
  ticks: { limit: 10 }
schedules:
  every-second:
    job: tick
    every: 1s
    timezone: UTC
    overlap: allow
`

let db: TestDatabase
let env: TestEnv
let client: pg.Client
const children: ChildProcess[] = []

beforeAll(async () => {
  db = await createTestDatabase('jobdeck_schedules')
  client = new pg.Client({ connectionString: db.url })
  await client.connect()
})

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
  await client.query('DROP SCHEMA IF EXISTS jobdeck CASCADE')
  env?.cleanup()
})

afterAll(async () => {
  await client?.end()
  await db?.drop()
})

function runner(name: string): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, [BIN, 'run', '--pg', db.url, '--data-dir', path.join(env.dir, name), '--config', env.configPath], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  children.push(child)
  return Object.assign(child, { output: () => output })
}

function cli(args: string[], dataDir = path.join(env.dir, 'cli')): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, ...args, '--pg', db.url, '--data-dir', dataDir, '--config', env.configPath], { encoding: 'utf8', timeout: 60_000 })
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr }
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode)
    else child.once('exit', (code) => resolve(code))
  })
}

describe('schedules in shared mode', () => {
  it('two runners on one database run an every: 1s schedule for 20 s: each scheduled time is enqueued exactly once', async () => {
    env = makeTestEnv(CONFIG)
    const a = runner('a')
    const b = runner('b')
    await waitFor(() => /runner (idle|running)/.test(a.output()) && /runner (idle|running)/.test(b.output()), 60_000, 'both runners')
    const since = Date.now()
    await sleep(20_000)
    const until = Date.now() - 1_500
    a.kill('SIGTERM')
    b.kill('SIGTERM')
    expect(await exited(a)).toBe(0)
    expect(await exited(b)).toBe(0)

    const { rows: fires } = await client.query<{ scheduled_for: number; outcome: string; job_id: string | null }>(
      `SELECT scheduled_for::float8 AS scheduled_for, outcome, job_id FROM jobdeck.schedule_fires
       WHERE schedule = 'every-second' AND scheduled_for BETWEEN $1 AND $2 ORDER BY scheduled_for`,
      [since, until],
    )
    const expected = Math.floor(until / 1000) - Math.ceil(since / 1000) + 1
    expect(fires.map((f) => f.scheduled_for)).toEqual(Array.from({ length: expected }, (_, i) => (Math.ceil(since / 1000) + i) * 1000))
    expect(fires.every((f) => f.outcome === 'enqueued')).toBe(true)
    const { rows: jobs } = await client.query<{ id: string }>(`SELECT id FROM jobdeck.jobs WHERE schedule = 'every-second' AND created_at BETWEEN $1 AND $2`, [since, until + 1_000])
    const jobIds = new Set(jobs.map((j) => j.id))
    for (const fire of fires) expect(jobIds.has(fire.job_id as string)).toBe(true)
    // Each instance keeps a copy of the fires it made itself: together they are every fire, none twice.
    const madeBy = ['a', 'b'].map((name) => {
      const local = new Database(databaseFile(path.join(env.dir, name)), { readonly: true })
      try {
        return (local.prepare(`SELECT scheduled_for FROM schedule_fires WHERE scheduled_for BETWEEN ? AND ?`).all(since, until) as Array<{ scheduled_for: number }>).map((r) => r.scheduled_for)
      } finally {
        local.close()
      }
    })
    expect([...(madeBy[0] ?? []), ...(madeBy[1] ?? [])].sort()).toEqual(fires.map((f) => f.scheduled_for))
    // No job without its fire.
    const { rows: orphans } = await client.query(`SELECT id FROM jobdeck.jobs j WHERE schedule IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM jobdeck.schedule_fires f WHERE f.job_id = j.id)`)
    expect(orphans).toEqual([])

    // `fires` reads PostgreSQL while online: a data dir that never ran sees every instance's fires.
    const listed = JSON.parse(cli(['fires', '--json', '--limit', '10000']).stdout) as ScheduleFire[]
    expect(listed.filter((f) => Date.parse(f.scheduledFor) >= since && Date.parse(f.scheduledFor) <= until)).toHaveLength(expected)
  }, 90_000)

  it('a pause on one instance holds on every instance', async () => {
    env = makeTestEnv(CONFIG)
    const a = runner('a')
    await waitFor(() => /runner (idle|running)/.test(a.output()), 60_000, 'the runner')
    expect(cli(['schedules', 'pause', 'every-second']).code).toBe(0)
    const [info] = JSON.parse(cli(['schedules', '--json'], path.join(env.dir, 'other')).stdout) as ScheduleInfo[]
    expect(info).toMatchObject({ paused: true, pausedUntil: null })
    await sleep(2_500)
    const { rows } = await client.query<{ outcome: string }>(`SELECT outcome FROM jobdeck.schedule_fires ORDER BY scheduled_for DESC LIMIT 2`)
    expect(rows.map((r) => r.outcome)).toEqual(['paused', 'paused'])
    a.kill('SIGTERM')
    await exited(a)
  }, 90_000)
})
