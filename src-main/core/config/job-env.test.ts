import { afterEach, describe, expect, it, vi } from 'vitest'
import { jobTypeSchema } from '../../../src-shared/config-schema'
import type { LogStream } from '../../../src-shared/domain'
import { commandExecutors } from '../executors/executor-factory'
import type { ExecutionContext } from '../executors/types'

/** Runs a real child that prints its whole environment, one `NAME=value` line each. */
async function childEnv(typeInput: Record<string, unknown>, params: Record<string, string> = {}): Promise<Map<string, string>> {
  const type = jobTypeSchema.parse({
    command: [process.execPath, '-e', 'for (const [k, v] of Object.entries(process.env)) console.log(k + "=" + v)'],
    cwd: process.cwd(),
    ...typeInput,
  })
  const lines: Array<{ stream: LogStream; text: string }> = []
  const ctx: ExecutionContext = {
    runId: 'run-1',
    jobId: 'job-1',
    type: 'env',
    attempt: 1,
    params,
    signal: new AbortController().signal,
    onStarted: () => undefined,
    onProgress: () => undefined,
    onItems: () => undefined,
    onLog: (stream, text) => lines.push({ stream, text }),
  }
  // Built as the engine builds it: the environment is copied when the executors are made.
  const result = await commandExecutors()('env', type).execute(ctx)
  expect(result.outcome, JSON.stringify(lines)).toBe('succeeded')
  const env = new Map<string, string>()
  for (const { stream, text } of lines) {
    if (stream !== 'stdout') continue
    const eq = text.indexOf('=')
    if (eq > 0) env.set(text.slice(0, eq), text.slice(eq + 1))
  }
  return env
}

describe('what a job inherits from the engine', () => {
  afterEach(() => vi.unstubAllEnvs())

  it("never hands a job the engine's database URL, password or secret key", async () => {
    vi.stubEnv('JOBDECK_PG_URL', 'postgres://queue:hunter2@db.internal:5432/jobdeck')
    vi.stubEnv('PGPASSWORD', 'hunter2')
    vi.stubEnv('JOBDECK_SECRET_KEY', 'c2VjcmV0LWtleS1vZi10aGUtcXVldWUtMzItYnl0ZXM=')
    vi.stubEnv('JOBDECK_APP_SECRET_KEY', 'a2V5LWZyb20tdGhlLWtleWNoYWluLTMyLWJ5dGVzISE=')
    vi.stubEnv('JOBDECK_TEST_ORDINARY', 'kept')
    vi.stubEnv('PGPASSFILE', '/home/op/.pgpass-jobdeck')

    const env = await childEnv({})

    for (const name of ['JOBDECK_PG_URL', 'PGPASSWORD', 'JOBDECK_SECRET_KEY', 'JOBDECK_APP_SECRET_KEY']) expect(env.has(name), name).toBe(false)
    expect([...env.values()].some((value) => value.includes('hunter2'))).toBe(false)
    // Ordinary variables, and file names that protect nothing when removed, still arrive.
    expect(env.get('JOBDECK_TEST_ORDINARY')).toBe('kept')
    expect(env.get('PGPASSFILE')).toBe('/home/op/.pgpass-jobdeck')
    expect(env.get('JOBDECK_RUN_ID')).toBe('run-1')
  })

  it('passes a database password a job type asks for by config', async () => {
    vi.stubEnv('PGPASSWORD', 'the-engines-own')
    const env = await childEnv(
      { env: { PGPASSWORD: '{db_password}', PGHOST: 'reports.internal' }, params: { db_password: { type: 'string' } } },
      { db_password: 'the-jobs-own' },
    )
    expect(env.get('PGPASSWORD')).toBe('the-jobs-own')
    expect(env.get('PGHOST')).toBe('reports.internal')
  })
})
