// The config of `sql` and `http` job types, shared mode and named connections: what loads, and
// every mistake reported at its line and column.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { loadConfigFile, type ConfigLoadResult } from './load-config'

let dir: string
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobdeck-exec-config-'))
})
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }))

function load(text: string): ConfigLoadResult {
  const file = path.join(dir, 'jobdeck.yaml')
  fs.writeFileSync(file, text)
  return loadConfigFile(file)
}

function located(result: ConfigLoadResult): string[] {
  if (result.ok) throw new Error('expected the config to be rejected')
  return result.errors.map((e) => `${e.line}:${e.col}: ${e.message}`)
}

describe('sql and http job types', () => {
  it('loads both executors, resolving a script path against the config folder', () => {
    fs.writeFileSync(path.join(dir, 'refresh.sql'), 'SELECT 1;')
    const result = load(`
postgres:
  url: postgres://jobdeck@db.internal:5432/jobdeck
  lease: 20s
connections:
  warehouse: { url: "postgres://etl@wh:5432/dw", poolSize: 2 }
jobs:
  refresh:
    sql: { connection: warehouse, script: refresh.sql, statementTimeout: 5m }
    params: { day: { type: date, required: true } }
  ping:
    http:
      method: POST
      url: "https://api.example.com/dealers/{dealer}/sync"
      body: { dealer: "{dealer}", full: true }
      breaker: { failures: 3, resetAfter: 1m }
    params: { dealer: { type: string, required: true } }
`)
    if (!result.ok) throw new Error(result.errors.map((e) => e.message).join('\n'))
    const refresh = result.config.types.get('refresh')
    expect(refresh?.sql).toEqual({ connection: 'warehouse', script: path.join(dir, 'refresh.sql'), statementTimeout: 300_000 })
    expect(result.config.types.get('ping')?.http).toMatchObject({ method: 'POST', timeout: 30_000, breaker: { failures: 3, resetAfter: 60_000 } })
    expect(result.config.raw.postgres).toMatchObject({ url: 'postgres://jobdeck@db.internal:5432/jobdeck', lease: 20_000, poolSize: 10 })
  })

  it('reports a job with no executor or two, an unknown connection, a missing script and an unknown placeholder', () => {
    const lines = [
      'jobs:',
      '  none:',
      '    title: nothing to run',
      '  both:',
      '    command: [node, x.js]',
      '    http: { url: "https://x" }',
      '  q:',
      '    sql: { connection: nowhere, statement: "SELECT 1" }',
      '  s:',
      '    sql: { script: missing.sql }',
      '  h:',
      '    http: { url: "https://x/{who}" }',
    ]
    expect(located(load(lines.join('\n')))).toEqual([
      '2:3: jobs.none: expected an executor: `command: [argv…]`, `sql: { statement }` or `http: { url }`',
      '4:3: jobs.both: expected exactly one executor, got command and http',
      '8:24: jobs.q.sql.connection: no connection named "nowhere"; declare it under `connections:`',
      `10:20: jobs.s.sql.script: script file not found: ${path.join(dir, 'missing.sql')}`,
      '12:29: jobs.h.http.url: unknown placeholder {who}; this job type declares no params',
    ])
  })

  it('refuses a password in the config file and a URL that is not PostgreSQL', () => {
    const errors = located(load('postgres:\n  url: postgres://jd:hunter2@db/q\nconnections:\n  w: { url: "mysql://w/x" }\njobs: {}\n'))
    expect(errors[0]).toMatch(/^2:8: postgres\.url: the password must not be written in the config file/)
    expect(errors[1]).toMatch(/^4:13: connections\.w\.url: expected a postgres:\/\/ or postgresql:\/\/ URL/)
  })
})
