// The sql executor and its connection pools against a real PostgreSQL (vitest globalSetup).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import pg from 'pg'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { ConnectionConfig, SqlJobConfig } from '../../../src-shared/config-schema'
import type { LogStream, Params, Progress } from '../../../src-shared/domain'
import { MemorySecretStore, NoSecretStore, pgSecretKey } from '../secrets/secret-store'
import { createTestDatabase, type TestDatabase } from '../test-support/postgres'
import { createSqlExecutor } from './sql'
import { parsePostgresUrl, SqlConnections } from './sql-connections'
import type { ExecutionContext, ExecutionResult } from './types'

interface Recorded {
  started: Array<number | null>
  logs: Array<{ stream: LogStream; text: string }>
  progress: Progress[]
}

function makeContext(params: Params = {}, signal: AbortSignal = new AbortController().signal): { ctx: ExecutionContext; rec: Recorded } {
  const rec: Recorded = { started: [], logs: [], progress: [] }
  const ctx: ExecutionContext = {
    runId: 'run-1',
    jobId: 'job-1',
    type: 'sql-test',
    attempt: 1,
    params,
    signal,
    onStarted: (pid) => rec.started.push(pid),
    onProgress: (progress) => rec.progress.push(progress),
    onItems: () => {},
    onLog: (stream, text) => rec.logs.push({ stream, text }),
  }
  return { ctx, rec }
}

const lines = (rec: Recorded, stream: LogStream): string[] => rec.logs.filter((l) => l.stream === stream).map((l) => l.text)

function job(spec: Partial<SqlJobConfig>): SqlJobConfig {
  return { connection: 'main', statementTimeout: 10_000, ...spec }
}

function connection(url: string, extra: Partial<ConnectionConfig> = {}): ConnectionConfig {
  return { url, poolSize: 4, connectTimeout: 3_000, ...extra }
}

function withoutPassword(url: string): string {
  const parsed = new URL(url)
  parsed.password = ''
  return parsed.toString()
}

async function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 1))
    })
  })
}

async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== null && value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

describe('sql executor (real PostgreSQL)', () => {
  let db: TestDatabase
  let admin: pg.Client
  let connections: SqlConnections
  let single: SqlConnections
  let scratch: string
  let port: number
  const poolErrors: string[] = []

  beforeAll(async () => {
    db = await createTestDatabase()
    admin = new pg.Client({ connectionString: db.url })
    await admin.connect()
    await admin.query('CREATE TABLE notes (id serial PRIMARY KEY, dealer_id int NOT NULL, body text NOT NULL)')
    await admin.query('CREATE TABLE steps (n int PRIMARY KEY, v int)')
    await admin.query('CREATE TABLE deferred (a int UNIQUE DEFERRABLE INITIALLY DEFERRED)')
    const secrets = new MemorySecretStore()
    const storeUrl = withoutPassword(db.url)
    port = await closedPort()
    await secrets.set(pgSecretKey(storeUrl), decodeURIComponent(new URL(db.url).password))
    connections = new SqlConnections({
      connections: {
        main: connection(db.url),
        viaStore: connection(storeUrl),
        down: connection(`postgres://nobody@127.0.0.1:${port}/nothing`),
      },
      secrets,
      onPoolError: (target, error) => poolErrors.push(`${target}: ${error.message}`),
    })
    // One connection only: the cancel must not wait for a pool slot, session state must not leak.
    single = new SqlConnections({ connections: { main: connection(db.url, { poolSize: 1 }) }, secrets: new NoSecretStore() })
    scratch = mkdtempSync(join(tmpdir(), 'jobdeck-sql-'))
  })

  afterAll(async () => {
    await connections?.close()
    await single?.close()
    await admin?.end()
    await db?.drop()
    if (scratch) rmSync(scratch, { recursive: true, force: true })
  })

  beforeEach(async () => {
    await admin.query('TRUNCATE notes, steps, deferred')
  })

  const run = (spec: Partial<SqlJobConfig>, params: Params = {}, signal?: AbortSignal, conns = connections) => {
    const { ctx, rec } = makeContext(params, signal)
    return { rec, done: createSqlExecutor(job(spec), { connections: conns }).execute(ctx) }
  }

  const backendFor = (query: string) =>
    waitFor(`a backend running ${query}`, async () => {
      const { rows } = await admin.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE query = $1 AND state = 'active' AND pid <> pg_backend_pid()",
        [query],
      )
      return rows[0]?.pid
    })

  const stateOf = async (pid: number): Promise<string | null> => {
    const { rows } = await admin.query<{ state: string }>('SELECT state FROM pg_stat_activity WHERE pid = $1', [pid])
    return rows[0]?.state ?? null
  }

  it('binds params by name: a value that looks like SQL is stored literally', async () => {
    const body = "x'); DROP TABLE notes; --"
    const { rec, done } = run(
      { statement: 'INSERT INTO notes (dealer_id, body) VALUES (:dealer_id, :body), (:dealer_id, :body || \'::2\')' },
      { dealer_id: 42, body },
    )
    const result = await done
    expect(result).toEqual<ExecutionResult>({
      outcome: 'succeeded',
      exitCode: null,
      signal: null,
      error: null,
      timedOut: false,
      itemsOk: null,
      itemsFailed: null,
    })
    const { rows } = await admin.query('SELECT dealer_id, body FROM notes ORDER BY id')
    expect(rows).toEqual([
      { dealer_id: 42, body },
      { dealer_id: 42, body: `${body}::2` },
    ])
    expect(rec.started).toEqual([null])
    expect(lines(rec, 'system')).toContainEqual(expect.stringMatching(/^statement 1\/1: 2 rows affected in \d+ ms$/))
    expect(lines(rec, 'system')).toContainEqual(expect.stringMatching(/^committed in \d+ ms$/))
    expect(rec.progress).toEqual([{ percent: 100, current: 1, total: 1, message: 'statement 1/1' }])
  })

  it('logs the first 20 rows of a result as JSON lines', async () => {
    const { rec, done } = run({
      statement: "SELECT n, 'r' || n AS label, n % 2 = 0 AS even, NULL::int AS nothing, '\\x00ff'::bytea AS raw FROM generate_series(1, :count) AS n",
    }, { count: 25 })
    expect((await done).outcome).toBe('succeeded')
    const rows = lines(rec, 'stdout')
    expect(rows).toHaveLength(20)
    expect(JSON.parse(rows[0] as string)).toEqual({ n: 1, label: 'r1', even: false, nothing: null, raw: '\\x00ff' })
    expect(lines(rec, 'system')).toContainEqual(expect.stringMatching(/^statement 1\/1: 25 rows in \d+ ms$/))
    expect(lines(rec, 'system')).toContain('… 5 more rows not shown')
  })

  it('runs a script in order in one transaction, reporting progress per statement', async () => {
    const path = join(scratch, 'ok.sql')
    writeFileSync(path, "-- fill\nINSERT INTO steps VALUES (1, :v);\nUPDATE steps SET v = v + 1 WHERE n = 1;\nCREATE TEMP TABLE tmp (x int);\n")
    const { rec, done } = run({ script: path }, { v: 10 })
    expect((await done).outcome).toBe('succeeded')
    expect((await admin.query('SELECT n, v FROM steps')).rows).toEqual([{ n: 1, v: 11 }])
    expect(rec.progress.map((p) => [p.percent, p.current, p.total])).toEqual([
      [33, 1, 3],
      [67, 2, 3],
      [100, 3, 3],
    ])
    const system = lines(rec, 'system')
    expect(system[0]).toMatch(/^running 3 statements from .*ok\.sql on "main" \(127\.0\.0\.1:\d+\/jobdeck_test_\w+\) in one transaction, statement timeout 10s$/)
    expect(system).toContainEqual(expect.stringMatching(/^statement 1\/3: 1 row affected in \d+ ms$/))
    expect(system).toContainEqual(expect.stringMatching(/^statement 3\/3: CREATE done in \d+ ms$/))
  })

  it('a script whose 3rd statement fails leaves none of its writes, and says which statement and where', async () => {
    const script = [
      'INSERT INTO steps VALUES (1, 1);',
      '',
      '-- the second step',
      'UPDATE steps',
      '   SET v = 2;',
      '/* the third step fails */',
      'INSERT INTO steps',
      '  VALUES (3, nope);',
    ].join('\n')
    const executor = createSqlExecutor(job({ script: '/virtual/steps.sql' }), { connections, readFile: async () => script })
    const { ctx, rec } = makeContext()
    const result = await executor.execute(ctx)
    expect(result.outcome).toBe('failed')
    expect(result.error).toBe('statement 3/3 (line 7: INSERT INTO steps): column "nope" does not exist (at line 8, column 14)')
    expect((await admin.query('SELECT count(*)::int AS n FROM steps')).rows[0].n).toBe(0)
    expect(rec.progress.map((p) => p.current)).toEqual([1, 2])
    const system = lines(rec, 'system')
    expect(system.slice(-4)).toEqual([
      'ERROR 42703: column "nope" does not exist',
      '8 |   VALUES (3, nope);',
      '  |              ^',
      'rolled back: none of the changes were applied',
    ])
  })

  it('a script file that cannot be read fails before connecting', async () => {
    const { rec, done } = run({ script: join(scratch, 'missing.sql') })
    expect((await done).error).toMatch(/^could not read the script .*missing\.sql: ENOENT/)
    expect(rec.started).toEqual([])
  })

  it('maps the server error position back through the bound params', async () => {
    const { done } = run({ statement: 'SELECT :dealer_id AS d,\n       nope FROM notes' }, { dealer_id: 1 })
    const result = await done
    expect(result.outcome).toBe('failed')
    expect(result.error).toBe('column "nope" does not exist (at line 2, column 8)')
  })

  it("the run's error masks a password the failing statement or the server's message repeats", async () => {
    const url = await run({ statement: "SELECT 'postgres://etl:hunter2@wh.internal/dw'::int" })
    const urlError = (await url.done).error ?? ''
    expect(urlError).toMatch(/invalid input syntax for type integer: "postgres:\/\/etl:••••@wh\.internal\/dw"/)
    expect(urlError).not.toContain('hunter2')
    const role = await run({ statement: "SELECT 1;\nALTER ROLE jobdeck_nobody PASSWORD 's3cret'" })
    const roleError = (await role.done).error ?? ''
    expect(roleError).toMatch(/^statement 2\/2 \(line 2: ALTER ROLE jobdeck_nobody PASSWORD '••••'\): role "jobdeck_nobody" does not exist/)
    expect(roleError).not.toContain('s3cret')
  })

  it('a runtime error has no position; notices go to stderr', async () => {
    const { rec, done } = run({ statement: "DO $$ BEGIN RAISE NOTICE 'hello :x'; END $$;\nSELECT 1 / 0" })
    expect((await done).error).toBe('statement 2/2 (line 2: SELECT 1 / 0): division by zero')
    expect(lines(rec, 'stderr')).toEqual(['NOTICE: hello :x'])
    expect(lines(rec, 'system')).toContainEqual(expect.stringMatching(/^statement 1\/2: DO done in \d+ ms$/))
  })

  it('a failed COMMIT (deferred constraint) fails the run and keeps nothing', async () => {
    const { done } = run({ statement: 'INSERT INTO deferred VALUES (1); INSERT INTO deferred VALUES (1)' })
    const result = await done
    expect(result.outcome).toBe('failed')
    expect(result.error).toMatch(/^COMMIT: duplicate key value violates unique constraint .*; DETAIL: Key \(a\)=\(1\) already exists\.$/)
    expect((await admin.query('SELECT count(*)::int AS n FROM deferred')).rows[0].n).toBe(0)
  })

  it('statement timeout: fails quickly with a timeout message', async () => {
    const started = performance.now()
    const { rec, done } = run({ statement: 'SELECT pg_sleep(5)', statementTimeout: 300 })
    const result = await done
    expect(performance.now() - started).toBeLessThan(3_000)
    expect(result).toMatchObject({ outcome: 'failed', error: 'statement timed out after 300ms', timedOut: true })
    expect(lines(rec, 'system')).toContain('ERROR 57014: canceling statement due to statement timeout')
  })

  it('statement timeout in a script names the statement', async () => {
    const { done } = run({ statement: 'SELECT 1;\nSELECT pg_sleep(5)', statementTimeout: 300 })
    expect((await done).error).toBe('statement 2/2 timed out after 300ms (line 2: SELECT pg_sleep(5))')
  })

  for (const [label, conns] of [
    ['a second pool connection', () => connections],
    ['a one-off connection when the pool is full', () => single],
  ] as const) {
    it(`cancel during pg_sleep resolves 'canceled' fast and leaves the backend idle (${label})`, async () => {
      const abort = new AbortController()
      const { rec, done } = run(
        { statement: 'INSERT INTO steps VALUES (1, 1);\nSELECT pg_sleep(30)', connection: 'main' },
        {},
        abort.signal,
        conns(),
      )
      const pid = await backendFor('SELECT pg_sleep(30)')
      const started = performance.now()
      abort.abort()
      const result = await done
      expect(performance.now() - started).toBeLessThan(2_000)
      expect(result).toMatchObject({ outcome: 'canceled', error: null, timedOut: false })
      expect(await stateOf(pid)).toBe('idle')
      expect((await admin.query('SELECT count(*)::int AS n FROM steps')).rows[0].n).toBe(0)
      expect(lines(rec, 'system')).toContain(`canceled: stopped the running statement (pg_cancel_backend(${pid}))`)
      expect(lines(rec, 'system')).toContain('rolled back: none of the changes were applied')
    })
  }

  it('cancel before the run starts resolves canceled without connecting', async () => {
    const abort = new AbortController()
    abort.abort()
    const { rec, done } = run({ statement: 'SELECT 1', connection: 'down' }, {}, abort.signal)
    expect((await done).outcome).toBe('canceled')
    expect(rec.started).toEqual([])
  })

  it('a connection killed under a statement fails the run and is not reused', async () => {
    const { rec, done } = run({ statement: 'SELECT pg_sleep(30)' })
    const pid = await backendFor('SELECT pg_sleep(30)')
    await admin.query('SELECT pg_terminate_backend($1)', [pid])
    const result = await done
    expect(result.outcome).toBe('failed')
    expect(result.error).toMatch(/^lost the connection: terminating connection due to administrator command; nothing was committed$/)
    expect(lines(rec, 'system')).toContain('the connection was closed: the server rolls the transaction back')
    // The pool hands out a working connection afterwards.
    expect((await run({ statement: 'SELECT 1' }).done).outcome).toBe('succeeded')
  })

  it('a session SET in a script does not follow the connection to the next run', async () => {
    const first = run({ statement: "SET search_path TO nowhere; SELECT pg_advisory_lock(7)" }, {}, undefined, single)
    expect((await first.done).outcome).toBe('succeeded')
    const second = run({ statement: 'SHOW search_path; SELECT count(*)::int AS locks FROM pg_locks WHERE locktype = \'advisory\'' }, {}, undefined, single)
    expect((await second.done).outcome).toBe('succeeded')
    expect(lines(second.rec, 'stdout')).toEqual(['{"search_path":"\\"$user\\", public"}', '{"locks":0}'])
  })

  it('an unknown param fails before connecting, naming it and listing the params', async () => {
    const { rec, done } = run({ statement: 'SELECT * FROM notes WHERE dealer_id = :dealer', connection: 'down' }, { dealer_id: 1, since: '2024-01-01' })
    expect(await done).toMatchObject({ outcome: 'failed', error: "unknown param :dealer; this run's params: dealer_id, since" })
    expect(rec.started).toEqual([])
  })

  it('an unknown param in a script names the statement', async () => {
    const { done } = run({ statement: 'SELECT 1;\n\nSELECT :nope' }, {})
    expect((await done).error).toBe('statement 2/2 (line 3: SELECT :nope): unknown param :nope; this run has no params')
  })

  it('refuses psql meta-commands before connecting, naming the command', async () => {
    const { rec, done } = run({ statement: 'SELECT 1;\n\\set x 1\nSELECT :x', connection: 'down' })
    expect((await done).error).toBe(
      'statement 2/2 (line 2: \\set x 1): \\set is a psql meta-command, not SQL; the job sends its statements to the server itself, without psql',
    )
    expect(rec.started).toEqual([])
  })

  it('refuses a script that would end the transaction itself', async () => {
    const { done } = run({ statement: 'INSERT INTO steps VALUES (1, 1); COMMIT; INSERT INTO steps VALUES (2, 1)' })
    expect((await done).error).toBe(
      'statement 2/3 (line 1: COMMIT): COMMIT is not allowed; the job runs in one transaction that Jobdeck commits, or rolls back on failure',
    )
    expect((await admin.query('SELECT count(*)::int AS n FROM steps')).rows[0].n).toBe(0)
  })

  it('an unknown connection fails with the declared names', async () => {
    const { done } = run({ statement: 'SELECT 1', connection: 'nope' })
    expect(await done).toMatchObject({
      outcome: 'failed',
      error: 'sql job: no connection named "nope"; the config declares: main, viaStore, down',
    })
  })

  it('an unreachable server fails with a message naming the connection and host', async () => {
    const started = performance.now()
    const { rec, done } = run({ statement: 'SELECT 1', connection: 'down' })
    const result = await done
    expect(performance.now() - started).toBeLessThan(3_000)
    expect(result.outcome).toBe('failed')
    expect(result.error).toBe(`could not connect to "down" (127.0.0.1:${port}/nothing): connect ECONNREFUSED 127.0.0.1:${port}`)
    expect(rec.started).toEqual([])
  })

  it('takes the password from the secret store when the URL has none', async () => {
    const { done } = run({ statement: 'SELECT current_user', connection: 'viaStore' })
    expect(await done).toMatchObject({ outcome: 'succeeded' })
  })

  it('an idle pooled connection that dies does not crash the process', async () => {
    const pool = await connections.pool('main')
    const client = await pool.connect()
    const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid
    client.release()
    const before = poolErrors.length
    await admin.query('SELECT pg_terminate_backend($1)', [pid])
    await waitFor('the pool error', async () => (poolErrors.length > before ? true : null))
    expect(poolErrors.at(-1)).toMatch(/^"main": terminating connection due to administrator command/)
    expect((await run({ statement: 'SELECT 1' }).done).outcome).toBe('succeeded')
  })
})

describe('SqlConnections', () => {
  const url = 'postgres://app@db.internal:6543/warehouse'

  it('uses the shared postgres database when a job names no connection, and says so when there is none', async () => {
    const none = new SqlConnections({ connections: { a: { url, poolSize: 1, connectTimeout: 1000 } }, secrets: new NoSecretStore() })
    await expect(none.pool()).rejects.toThrow('sql job: no connection given and no shared postgres database configured; the config declares: a')
    const shared = new SqlConnections({
      connections: {},
      postgres: { url, poolSize: 10, connectTimeout: 2_000, statementTimeout: 30_000, lease: 30_000 },
      secrets: new NoSecretStore(),
    })
    const pool = await shared.pool()
    expect(pool.options).toMatchObject({ host: 'db.internal', port: 6543, user: 'app', database: 'warehouse', max: 4, connectionTimeoutMillis: 2_000 })
    expect(shared.describe()).toBe('the shared postgres database (db.internal:6543/warehouse)')
    expect(await shared.pool()).toBe(pool)
    await shared.close()
    await expect(shared.pool()).rejects.toThrow(/closed/)
  })

  it('lists no connections when there are none', async () => {
    const none = new SqlConnections({ connections: {}, secrets: new NoSecretStore() })
    await expect(none.pool('x')).rejects.toThrow('sql job: no connection named "x"; the config declares no connections')
  })

  it('maps TLS options, reading the certificate files', async () => {
    const files: Record<string, string> = { '/tls/ca.pem': 'CA', '/tls/cert.pem': 'CERT', '/tls/key.pem': 'KEY' }
    const conns = new SqlConnections({
      connections: {
        verify: { url, poolSize: 2, connectTimeout: 1000, ssl: true },
        off: { url, poolSize: 2, connectTimeout: 1000, ssl: false },
        custom: { url, poolSize: 2, connectTimeout: 1000, ssl: { rejectUnauthorized: false, ca: '/tls/ca.pem', cert: '/tls/cert.pem', key: '/tls/key.pem' } },
        missing: { url, poolSize: 2, connectTimeout: 1000, ssl: { rejectUnauthorized: true, ca: '/tls/nope.pem' } },
        half: { url, poolSize: 2, connectTimeout: 1000, ssl: { rejectUnauthorized: true, cert: '/tls/cert.pem' } },
        fromUrl: { url: `${url}?sslmode=no-verify`, poolSize: 2, connectTimeout: 1000 },
      },
      secrets: new NoSecretStore(),
      readFile: async (path) => {
        const content = files[path]
        if (content === undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' })
        return content
      },
    })
    expect((await conns.pool('verify')).options.ssl).toEqual({ rejectUnauthorized: true })
    expect((await conns.pool('off')).options.ssl).toBe(false)
    const custom = (await conns.pool('custom')).options.ssl
    expect({ ...(custom as object), key: (custom as { key?: string }).key }).toEqual({ rejectUnauthorized: false, ca: 'CA', cert: 'CERT', key: 'KEY' })
    await expect(conns.pool('missing')).rejects.toThrow(`sql job: "missing": could not read ssl.ca file /tls/nope.pem: ENOENT`)
    await expect(conns.pool('half')).rejects.toThrow('sql job: "half": ssl.cert and ssl.key go together')
    expect((await conns.pool('fromUrl')).options.ssl).toEqual({ rejectUnauthorized: false })
    // A failure is not remembered: once the file is there, the pool is made.
    files['/tls/nope.pem'] = 'CA2'
    expect((await conns.pool('missing')).options.ssl).toEqual({ rejectUnauthorized: true, ca: 'CA2' })
    await conns.close()
  })

  it('uses a password saved after the pool was made without one', async () => {
    const secrets = new MemorySecretStore()
    const conns = new SqlConnections({ connections: { a: { url, poolSize: 1, connectTimeout: 1000 } }, secrets })
    const first = await conns.pool('a')
    expect(first.options.password).toBeUndefined()
    expect(await conns.pool('a')).toBe(first)
    await secrets.set(pgSecretKey(url), 's3cret')
    const second = await conns.pool('a')
    expect(second).not.toBe(first)
    expect(typeof second.options.password).toBe('function')
    expect(await (second.options.password as () => Promise<string>)()).toBe('s3cret')
    expect(await conns.pool('a')).toBe(second)
    await conns.close()
  })
})

describe('parsePostgresUrl', () => {
  it('reads host, port, user, password, database and the supported parameters', () => {
    expect(parsePostgresUrl('postgresql://us%40er:p%3Ass@[::1]:5433/my%20db?application_name=etl&options=-c%20search_path%3Dx&sslmode=disable')).toEqual({
      host: '::1',
      port: 5433,
      user: 'us@er',
      password: 'p:ss',
      database: 'my db',
      applicationName: 'etl',
      options: '-c search_path=x',
      sslmode: false,
    })
    expect(parsePostgresUrl('postgres:///app?host=/var/run/postgresql')).toMatchObject({ host: '/var/run/postgresql', port: undefined, user: undefined, database: 'app' })
  })

  it('refuses a parameter it would otherwise ignore', () => {
    expect(() => parsePostgresUrl('postgres://h/db?target_session_attrs=read-write', '"x"')).toThrow(
      'sql job: "x": the URL parameter "target_session_attrs" is not supported',
    )
    expect(() => parsePostgresUrl('postgres://h/db?sslmode=sometimes', '"x"')).toThrow('sql job: "x": unknown sslmode "sometimes"')
  })
})
