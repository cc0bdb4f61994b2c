// Jobdeck instances in shared mode for one test file: each with its own data dir and SQLite cache,
// all on one fresh PostgreSQL database made before the file's tests and dropped after them.
import { afterAll, beforeAll } from 'vitest'
import type { Core, CoreOptions } from '../core'
import { createTestDatabase, type TestDatabase } from './postgres'
import { makeTestEnv, sleep, type TestEnv } from './test-env'

/** Quick for tests: a lost connection is retried within half a second, a lease lapses after 3 s. */
export const TEST_SHARED_TIMINGS = { backoff: { baseMs: 50, maxMs: 500 }, pollMs: 200, leaseMs: 3_000 }

export interface SharedTestDatabase {
  /** The file's database (made in its beforeAll). */
  readonly db: TestDatabase
  /** A data dir of its own with this config, removed after the file's tests. */
  env(configYaml: string): TestEnv
  /** `env` opened in shared mode on the file's database, quiet, with `options` over those defaults. */
  open(env: TestEnv, options?: Partial<CoreOptions>): Core
}

/** Call at the top of a test file: registers the beforeAll that makes the database and the afterAll that drops it. */
export function useSharedDatabase(prefix: string): SharedTestDatabase {
  let made: TestDatabase | undefined
  const envs: TestEnv[] = []
  beforeAll(async () => {
    made = await createTestDatabase(prefix)
  })
  afterAll(async () => {
    for (const env of envs) env.cleanup()
    await sleep(200)
    await made?.drop()
  })
  const shared: SharedTestDatabase = {
    get db() {
      if (!made) throw new Error(`the shared test database ${prefix} is made in beforeAll: use it inside a test`)
      return made
    },
    env(configYaml) {
      const env = makeTestEnv(configYaml)
      envs.push(env)
      return env
    },
    open(env, options = {}) {
      return env.open({ postgres: options.postgres ?? { url: shared.db.url, source: 'flag' }, shared: TEST_SHARED_TIMINGS, log: () => {}, ...options })
    },
  }
  return shared
}

/** A job's status in this instance's cache: one enqueued on another instance reaches it with a later pull. */
export function cachedStatus(core: Core, id: string): string {
  try {
    return core.store.getJob(id).status
  } catch {
    return 'not yet pulled'
  }
}
