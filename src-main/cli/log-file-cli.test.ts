// `jobdeck run --log-file`: a real runner in shared mode, its PostgreSQL URL carrying a password
// (environment) and two webhook channels whose URLs carry tokens (one from the environment, one
// written in the file). The runner logs a failed job and a config reload whose errors quote a URL
// with the password and one with a token; the file has levels and timestamps, and neither the
// password nor a token, in the file or on stdout.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../core/test-support/postgres'
import { makeTestEnv, waitFor, type TestEnv } from '../core/test-support/test-env'

const BIN = fileURLToPath(new URL('../../bin/jobdeck.mjs', import.meta.url))
const PASSWORD = `PgS3cret${Math.random().toString(36).slice(2, 10)}`
const HOOK_TOKEN = 'HookT0kenFromEnv123'
const FILE_TOKEN = 'FileT0kenInYaml456'
const HOOK_URL = `https://hooks.example.com/services/T0/B0/${HOOK_TOKEN}`

const CONFIG = `
jobs:
  boom:
    command: [node, scripts/fail.js]
alerts:
  channels:
    ops-hook: { webhook: { urlEnv: HOOK_URL, format: slack } }
    filed: { webhook: { url: "https://hooks.example.com/services/T1/B1/${FILE_TOKEN}" } }
  rules:
    - { on: failed, channels: [ops-hook, filed] }
`

let db: TestDatabase
let role: string
let pgUrl: string
let env: TestEnv
const children: ChildProcess[] = []

beforeAll(async () => {
  db = await createTestDatabase('jobdeck_logs')
  role = `jd_logs_${process.pid}`
  const admin = new pg.Client({ connectionString: db.url })
  await admin.connect()
  try {
    await admin.query(`DROP ROLE IF EXISTS ${role}`)
    await admin.query(`CREATE ROLE ${role} LOGIN SUPERUSER PASSWORD '${PASSWORD}'`)
  } finally {
    await admin.end()
  }
  const url = new URL(db.url)
  url.username = role
  url.password = PASSWORD
  pgUrl = url.toString()
})

afterAll(async () => {
  await db?.drop()
  const admin = new pg.Client({ connectionString: db.url.replace(/\/[^/]*$/, '/postgres') })
  await admin.connect()
  await admin.query(`DROP ROLE IF EXISTS ${role}`).finally(() => admin.end())
})

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
  env?.cleanup()
})

const childEnv = (): NodeJS.ProcessEnv => ({ ...process.env, JOBDECK_PG_URL: pgUrl, HOOK_URL })

describe('jobdeck run --log-file', () => {
  it('writes leveled, timestamped lines to the file and never the PostgreSQL password or a webhook token', async () => {
    env = makeTestEnv(CONFIG)
    const logFile = path.join(env.dir, 'logs', 'run.log')
    const runner = spawn(process.execPath, [BIN, 'run', '--log-file', logFile, '--data-dir', env.dataDir, '--config', env.configPath], {
      env: childEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    children.push(runner)
    let stdout = ''
    let stderr = ''
    runner.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    runner.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const log = (): string => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '')
    await waitFor(() => log().includes('runner starting'), 30_000, 'the runner to start')

    const enqueue = spawnSync(process.execPath, [BIN, 'enqueue', 'boom', '--data-dir', env.dataDir, '--config', env.configPath], { env: childEnv(), encoding: 'utf8', timeout: 60_000 })
    expect(enqueue.status, enqueue.stderr).toBe(0)
    await waitFor(() => /\[info\] +run\[\d+\]: failed +boom /.test(log()), 30_000, 'the failure in the log')
    // The rules alert both channels; neither host answers, and the deliverer says so.
    await waitFor(() => /ops-hook.*failed, retrying/.test(log()) && /filed.*failed, retrying/.test(log()), 30_000, 'the failed deliveries in the log')

    // A reload whose errors quote a URL holding the password and one holding the hook's token.
    const broken = new URL(pgUrl)
    fs.appendFileSync(
      env.configPath,
      `connections:\n  crm: { url: "postgres://${role}:${PASSWORD}@127.0.0.1:99999/crm" }\n  hook: { url: "https://hooks.example.com:99999/services/T0/B0/${HOOK_TOKEN}" }\n`,
    )
    await waitFor(() => log().includes('config NOT reloaded'), 30_000, 'the reload error in the log')

    runner.kill('SIGTERM')
    await new Promise((resolve) => runner.once('exit', resolve))
    const text = log()
    expect(text).toMatch(/^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{2}:\d{2}\] \[info\] +run\[\d+\]: runner starting on /m)
    expect(text).toMatch(/\[warn\] +run\[\d+\]: config NOT reloaded/)
    // The lines that held them are there, masked.
    expect(text).toContain(`postgres://${role}:••••@127.0.0.1:99999/crm`)
    expect(text).toContain('https://hooks.example.com:99999/••••')
    for (const secret of [PASSWORD, HOOK_TOKEN, FILE_TOKEN, broken.password]) {
      expect(text).not.toContain(secret)
      expect(stdout).not.toContain(secret)
      expect(stderr).not.toContain(secret)
    }
    // Nothing of the log went to stderr: the file has it.
    expect(stderr).not.toContain('config NOT reloaded')
  }, 90_000)

  it('says when the log file cannot be written, before anything starts', () => {
    env = makeTestEnv(CONFIG)
    fs.writeFileSync(path.join(env.dir, 'not-a-folder'), '')
    const result = spawnSync(process.execPath, [BIN, 'run', '--log-file', path.join(env.dir, 'not-a-folder', 'run.log'), '--data-dir', env.dataDir, '--config', env.configPath], {
      encoding: 'utf8',
      timeout: 60_000,
    })
    expect(result.status).toBe(1)
    expect(result.stderr).toMatch(/--log-file: cannot write .*not-a-folder\/run\.log/)
  })
})
