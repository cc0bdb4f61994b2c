// `secret: true` params end to end on one engine: sealed at rest, masked in every answer, event,
// export and log line, refused as the mask, and opened only for the job itself.
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { SECRET_MASK } from '../../src-shared/secret-params'
import { makeTestEnv, waitForTerminal, type TestEnv } from './test-support/test-env'
import type { Core } from './core'

const TOKEN = 'tok-5f3a9c-hunter2'

const CONFIG = `
jobs:
  deploy:
    command: [node, scripts/secret.js, "--token={token}", "{region}"]
    env: { API_TOKEN: "{token}" }
    params:
      token: { type: string, secret: true, required: true, pattern: "tok-[a-z0-9-]+" }
      region: { type: string, default: eu }
  plain:
    command: [node, scripts/secret.js, "--token={token}"]
    params:
      token: { type: string }
`

// Receives the token by argv and env, proves it in a file, then echoes it in every way a job can.
const SECRET_SCRIPT = `const fs = require('node:fs')
const token = process.argv[2].slice('--token='.length)
fs.writeFileSync(process.env.PROOF, JSON.stringify({ argv: token, env: process.env.API_TOKEN ?? null }))
console.log('using ' + token + ' for ' + process.argv[3])
console.log('::progress 50% authenticated as ' + token)
console.error('the API refused ' + token)
process.exit(1)`

let env: TestEnv
afterEach(() => {
  vi.unstubAllEnvs()
  env?.cleanup()
})

function setup(): { core: Core; proof: string; seen: string[] } {
  env = makeTestEnv(CONFIG)
  fs.writeFileSync(path.join(env.dir, 'scripts', 'secret.js'), SECRET_SCRIPT)
  const proof = path.join(env.dir, 'proof.json')
  vi.stubEnv('PROOF', proof)
  const core = env.open()
  const seen: string[] = []
  core.events.onAny((name, payload) => seen.push(`${name} ${JSON.stringify(payload)}`))
  return { core, proof, seen }
}

describe('secret params', () => {
  it('reach the job in clear, and nothing else: not the database, an answer, an event, the CSV or the log', async () => {
    const { core, proof, seen } = setup()
    const job = await core.api['jobs.enqueue']({ type: 'deploy', params: { token: TOKEN, region: 'us' }, priority: 'normal' })
    expect(job.params).toEqual({ token: SECRET_MASK, region: 'us' })
    const status = await core.api['runner.status']({ limit: 10 })
    expect(JSON.stringify(status)).not.toContain(TOKEN)

    core.startRunner()
    const [done] = await waitForTerminal(core, [job.id])
    expect(done?.status).toBe('failed')
    // The job itself got the value, by argv and by env.
    expect(JSON.parse(fs.readFileSync(proof, 'utf8'))).toEqual({ argv: TOKEN, env: TOKEN })

    const detail = await core.api['runs.get']({ id: job.id })
    const runs = await core.api['runs.list']({ limit: 10 })
    const log = await core.api['runs.log']({ id: job.id, afterId: 0, limit: 1000 })
    const tail = await core.api['runs.log']({ id: job.id, afterId: 0, limit: 1000, tail: 50 })
    const csv = await core.api['runs.export']({ limit: 100 })
    const search = await core.api['runs.list']({ limit: 10, search: 'refused' })
    for (const answer of [detail, runs, log, tail, csv, search]) expect(JSON.stringify(answer)).not.toContain(TOKEN)
    expect(detail.run.params).toEqual({ token: SECRET_MASK, region: 'us' })
    expect(detail.job.params.token).toBe(SECRET_MASK)
    expect(detail.run.error).toBe(`exit code 1: the API refused ${SECRET_MASK}`)
    expect(log.lines.map((l) => l.text)).toEqual(expect.arrayContaining([`using ${SECRET_MASK} for us`, `the API refused ${SECRET_MASK}`]))
    expect(csv.csv).toContain(SECRET_MASK)
    expect(seen.length).toBeGreaterThan(0)
    expect(seen.join('\n')).not.toContain(TOKEN)
    expect(seen.join('\n')).toContain(`authenticated as ${SECRET_MASK}`)

    // At rest: sealed, in the jobs and the runs, and the text of no log line holds it.
    const db = new Database(path.join(env.dataDir, 'jobdeck.sqlite'), { readonly: true })
    try {
      const stored = db.prepare('SELECT params FROM jobs UNION ALL SELECT params FROM runs').all() as Array<{ params: string }>
      for (const { params } of stored) {
        expect(params).not.toContain(TOKEN)
        expect(JSON.parse(params).token).toMatchObject({ 'jobdeck:secret': 1, kid: expect.stringMatching(/^[0-9a-f]{8}$/) })
      }
      const texts = db.prepare('SELECT text FROM run_logs').all() as Array<{ text: string }>
      expect(texts.length).toBeGreaterThan(0)
      expect(texts.some((t) => t.text.includes(TOKEN))).toBe(false)
      expect(fs.readFileSync(path.join(env.dataDir, 'jobdeck.sqlite-wal')).includes(TOKEN)).toBe(false)
    } finally {
      db.close()
    }
    // Headless, the key is a file of the data dir, the owner's alone.
    expect(fs.statSync(path.join(env.dataDir, 'params.key')).mode & 0o777).toBe(process.platform === 'win32' ? expect.any(Number) : 0o600)

    // A retry is a new run of the same job: its sealed value still opens.
    fs.rmSync(proof)
    await core.api['jobs.retry']({ id: job.id })
    await waitForTerminal(core, [job.id])
    expect(JSON.parse(fs.readFileSync(proof, 'utf8'))).toEqual({ argv: TOKEN, env: TOKEN })
  })

  it('refuses the mask as a value and never quotes a refused secret', async () => {
    const { core } = setup()
    await expect(core.api['jobs.enqueue']({ type: 'deploy', params: { token: SECRET_MASK }, priority: 'normal' })).rejects.toThrow(
      /is how a stored secret is shown, not its value/,
    )
    const refused = core.api['jobs.enqueue']({ type: 'deploy', params: { token: 'NOT-A-TOKEN-hunter2' }, priority: 'normal' })
    await expect(refused).rejects.toThrow(/param "token": expected a value matching/)
    const error = await refused.catch((e: unknown) => e)
    expect(JSON.stringify({ message: (error as Error).message, details: (error as { details?: unknown }).details })).not.toContain('hunter2')
    const bulk = await core.api['jobs.enqueueBulk']({ type: 'deploy', rows: [{ token: 'BAD-hunter2' }], priority: 'normal' }).catch((e: unknown) => e)
    expect(JSON.stringify({ message: (bulk as Error).message, details: (bulk as { details?: unknown }).details })).not.toContain('hunter2')
    // A param that is not secret is quoted as before.
    const plain = await core.api['jobs.enqueue']({ type: 'deploy', params: { token: TOKEN, region: 7 as unknown as string }, priority: 'normal' })
    expect(plain.params.region).toBe('7')
  })

  it('a value that cannot be opened fails its run with a clear error; the engine goes on', async () => {
    const { core: enqueuer } = setup()
    const job = await enqueuer.api['jobs.enqueue']({ type: 'deploy', params: { token: TOKEN }, priority: 'normal' })
    await enqueuer.close()
    // Another key in place of the one it was sealed with (e.g. a data dir copied without params.key).
    fs.writeFileSync(path.join(env.dataDir, 'params.key'), `${Buffer.alloc(32, 7).toString('base64')}\n`, { mode: 0o600 })
    const core = env.open()
    core.startRunner()
    const [done] = await waitForTerminal(core, [job.id])
    expect(done?.status).toBe('failed')
    const { run } = await core.api['runs.get']({ id: job.id })
    expect(run.error).toMatch(/^secret param "token" cannot be opened: it was sealed with key [0-9a-f]{8}, and this Jobdeck has [0-9a-f]{8} \(.*params\.key\)/)
    const next = await core.api['jobs.enqueue']({ type: 'plain', params: { token: 'visible' }, priority: 'normal' })
    await waitForTerminal(core, [next.id])
    expect(core.store.getJob(next.id).params).toEqual({ token: 'visible' })
    expect(core.store.getJob(next.id).status).toBe('failed')
  })
})
