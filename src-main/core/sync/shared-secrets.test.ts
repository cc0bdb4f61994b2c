// Secret params in shared mode: every instance seals and opens with JOBDECK_SECRET_KEY, the one
// key they must all share; without it an instance refuses to start, with another its runs fail.
import fs from 'node:fs'
import path from 'node:path'
import pg from 'pg'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Core } from '../core'
import { cachedStatus, useSharedDatabase } from '../test-support/shared-instances'
import { waitFor } from '../test-support/test-env'

const TOKEN = 'tok-shared-hunter2'
const KEY = Buffer.alloc(32, 1).toString('base64')
const OTHER_KEY = Buffer.alloc(32, 2).toString('hex')

const CONFIG = `
jobs:
  deploy:
    command: [node, scripts/proof.js, "{token}"]
    params:
      token: { type: string, secret: true, required: true }
`
const PROOF_SCRIPT = `require('node:fs').writeFileSync(process.env.PROOF, process.argv[2]); console.log('token ' + process.argv[2])`

const shared = useSharedDatabase('jobdeck_shared_secrets')
let proof: string

afterEach(() => vi.unstubAllEnvs())

/** An instance of its own data dir on the shared database, with `key` as its JOBDECK_SECRET_KEY. */
function instance(key: string | null, url?: string): Core {
  const env = shared.env(CONFIG)
  fs.writeFileSync(path.join(env.dir, 'scripts', 'proof.js'), PROOF_SCRIPT)
  proof = path.join(env.dir, 'proof.txt')
  vi.stubEnv('PROOF', proof)
  vi.stubEnv('JOBDECK_SECRET_KEY', key ?? '')
  return shared.open(env, url ? { postgres: { url, source: 'flag' } } : {})
}

describe('secret params in shared mode', () => {
  it('refuses to start without JOBDECK_SECRET_KEY when the config declares secret params, and with a malformed one', () => {
    // Nothing listens on port 1: the refusal comes before any connection.
    expect(() => instance(null, 'postgres://queue@127.0.0.1:1/jobdeck')).toThrow(
      /the config declares secret params \(jobs\.deploy\.params\.token\), but in shared mode every Jobdeck sharing the database needs the same key in JOBDECK_SECRET_KEY/,
    )
    expect(() => instance('not a key', 'postgres://queue@127.0.0.1:1/jobdeck')).toThrow(/JOBDECK_SECRET_KEY must be 32 random bytes written as base64 .* or hex/)
  })

  it('instances with the same key share secret params; one with another key fails the run and says why', async () => {
    const a = instance(KEY)
    const b = instance(KEY)
    const bProof = proof
    await Promise.all([a.ready(), b.ready()])
    const job = await a.api['jobs.enqueue']({ type: 'deploy', params: { token: TOKEN } })
    b.startRunner()
    await waitFor(() => cachedStatus(b, job.id) === 'succeeded', 30_000, 'the job to run on b')
    expect(fs.readFileSync(bProof, 'utf8')).toBe(TOKEN)
    await b.close()

    const c = instance(OTHER_KEY)
    await c.ready()
    const second = await a.api['jobs.enqueue']({ type: 'deploy', params: { token: TOKEN } })
    c.startRunner()
    await waitFor(() => cachedStatus(c, second.id) === 'failed', 30_000, 'the job to fail on c')
    const { run } = await c.api['runs.get']({ id: second.id })
    expect(run.error).toMatch(
      /^secret param "token" cannot be opened: it was sealed with key [0-9a-f]{8}, and this Jobdeck has [0-9a-f]{8} \(JOBDECK_SECRET_KEY\); every instance sharing the database must have the same JOBDECK_SECRET_KEY/,
    )
    await c.close()

    // In the shared database: sealed params, masked output.
    const client = new pg.Client({ connectionString: shared.db.url })
    await client.connect()
    try {
      const rows = await client.query<{ text: string }>(
        `SELECT params::text AS text FROM jobdeck.jobs UNION ALL SELECT params::text FROM jobdeck.runs UNION ALL SELECT text FROM jobdeck.run_logs`,
      )
      expect(rows.rows.length).toBeGreaterThan(0)
      expect(rows.rows.some((r) => r.text.includes(TOKEN))).toBe(false)
      expect(rows.rows.some((r) => r.text === 'token ••••')).toBe(true)
    } finally {
      await client.end()
    }
    await a.close()
  })
})
