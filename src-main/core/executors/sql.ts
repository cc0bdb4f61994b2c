// The `sql` executor: a statement or a script against a configured PostgreSQL connection, in one
// transaction of its own with `SET LOCAL statement_timeout`, params bound by name (never
// interpolated). Any failure rolls the whole transaction back; cancel stops the running statement
// with pg_cancel_backend from another connection.
import { readFile as fsReadFile } from 'node:fs/promises'
import { performance } from 'node:perf_hooks'
import pg from 'pg'
import type { SqlJobConfig } from '../../../src-shared/config-schema'
import { formatShortDuration, withSafeError } from './outcome'
import type { SqlConnections } from './sql-connections'
import {
  bindNamedParams,
  characterPositionToOffset,
  lineAndColumn,
  psqlMetaCommand,
  splitSqlScript,
  SqlParamError,
  transactionControl,
  type BoundSql,
  type SqlScriptStatement,
} from './sql-params'
import { clip, connectFailure, isConnectionError, jsonValue, messageOf, oneLine, plural, result, toError } from './sql-text'
import type { ExecutionContext, ExecutionResult, Executor } from './types'

export interface SqlExecutorDeps {
  connections: SqlConnections
  /** Reads the script file (default: fs, UTF-8). */
  readFile?: (path: string) => Promise<string>
}

/** Rows of a result shown in the log (as JSON lines on stdout). */
export const SQL_ROW_PREVIEW = 20
const MAX_ROW_CHARS = 2_000
const MAX_HEAD_CHARS = 80
const MAX_DETAIL_CHARS = 200
/** After a cancel, how long the statement may take to stop before its connection is closed. */
const CANCEL_WAIT_MS = 5_000
/** How long past statement_timeout the server may stay silent before the connection counts as dead. */
const ANSWER_GRACE_MS = 15_000
/** BEGIN, SET, ROLLBACK: instant on a live server. */
const CONTROL_ANSWER_MS = 30_000

export function createSqlExecutor(spec: SqlJobConfig, deps: SqlExecutorDeps): Executor {
  return { execute: async (ctx) => withSafeError(await new SqlRun(spec, deps, ctx).run()) }
}

interface PreparedStatement {
  source: SqlScriptStatement
  bound: BoundSql
}

type Phase = 'preparing' | 'connecting' | 'control' | 'statement' | 'committing' | 'done'

class SqlRun {
  private pool: pg.Pool | null = null
  private client: pg.PoolClient | null = null
  private released = false
  private phase: Phase = 'preparing'
  private canceled = false
  private cancelDone: Promise<void> = Promise.resolve()
  private cancelTimer: NodeJS.Timeout | null = null
  /** Why the executor closed the connection itself (no answer, cancel not honoured). */
  private dropped: string | null = null
  private backendPid: number | null = null
  private source = ''
  private statements: PreparedStatement[] = []
  private readonly timeoutMs: number

  constructor(
    private readonly spec: SqlJobConfig,
    private readonly deps: SqlExecutorDeps,
    private readonly ctx: ExecutionContext,
  ) {
    this.timeoutMs = Math.max(0, Math.round(spec.statementTimeout))
  }

  /** Never rejects: every failure is a `failed` result. */
  async run(): Promise<ExecutionResult> {
    try {
      return await this.runUnguarded()
    } catch (error) {
      return result('failed', `sql job: ${messageOf(error)}`)
    } finally {
      this.ctx.signal.removeEventListener('abort', this.onAbort)
      if (this.cancelTimer) clearTimeout(this.cancelTimer)
      await this.resetSession()
      this.release()
    }
  }

  /**
   * The transaction is over; a script may still have changed the session (SET without LOCAL,
   * session advisory locks, temp tables, LISTEN). None of it may follow the connection to the
   * next run that borrows it.
   */
  private async resetSession(): Promise<void> {
    if (this.client === null || this.released) return
    try {
      await this.query('DISCARD ALL', [], CONTROL_ANSWER_MS)
    } catch (error) {
      this.release(toError(error))
    }
  }

  private async runUnguarded(): Promise<ExecutionResult> {
    if (this.ctx.signal.aborted) return result('canceled', null)
    const problem = await this.prepare()
    if (problem !== null) return result('failed', problem)

    let pool: pg.Pool
    try {
      pool = await this.deps.connections.pool(this.spec.connection)
    } catch (error) {
      return result('failed', messageOf(error))
    }
    this.pool = pool
    const target = this.deps.connections.describe(this.spec.connection)

    this.phase = 'connecting'
    this.ctx.signal.addEventListener('abort', this.onAbort, { once: true })
    const acquired = await this.acquire(pool)
    if (acquired === 'canceled') return result('canceled', null)
    if (acquired instanceof Error) {
      return result('failed', `could not connect to ${target}: ${connectFailure(acquired, pool.options.connectionTimeoutMillis)}`)
    }
    this.client = acquired
    acquired.on('error', this.onClientError)
    acquired.on('notice', this.onNotice)
    this.ctx.onStarted(null)
    const n = this.statements.length
    const what = this.spec.script !== undefined ? `${plural(n, 'statement')} from ${this.spec.script}` : plural(n, 'statement')
    const limit = this.timeoutMs > 0 ? `statement timeout ${formatShortDuration(this.timeoutMs)}` : 'no statement timeout'
    this.system(`running ${what} on ${target} in one transaction, ${limit}`)

    this.phase = 'control'
    try {
      await this.query('BEGIN', [], CONTROL_ANSWER_MS)
      await this.query(`SET LOCAL statement_timeout = ${this.timeoutMs}`, [], CONTROL_ANSWER_MS)
      const pid = await this.query('SELECT pg_backend_pid()', [], CONTROL_ANSWER_MS)
      this.backendPid = Number(pid.rows[0]?.[0] ?? 0) || null
    } catch (error) {
      return this.fail(error, null)
    }

    for (let i = 0; i < n && !this.canceled; i++) {
      const statement = this.statements[i] as PreparedStatement
      this.phase = 'statement'
      const started = performance.now()
      let answer: pg.QueryArrayResult
      try {
        answer = await this.query(statement.bound.text, statement.bound.values, this.answerWithin())
      } catch (error) {
        return this.fail(error, i)
      } finally {
        this.phase = 'control'
        if (this.cancelTimer) clearTimeout(this.cancelTimer)
      }
      this.report(i, answer, performance.now() - started)
    }
    if (this.canceled) return this.rollBackCanceled()

    this.phase = 'committing'
    try {
      const started = performance.now()
      await this.query('COMMIT', [], this.answerWithin())
      this.system(`committed in ${Math.round(performance.now() - started)} ms`)
    } catch (error) {
      return this.fail(error, 'commit')
    } finally {
      this.phase = 'done'
    }
    return result('succeeded', null)
  }

  // --- preparing ---------------------------------------------------------------------------------

  /** Reads, splits and binds everything before connecting; returns the error, or null. */
  private async prepare(): Promise<string | null> {
    const script = this.spec.script
    if (script !== undefined) {
      try {
        this.source = await (this.deps.readFile ?? ((path) => fsReadFile(path, 'utf8')))(script)
      } catch (error) {
        return `could not read the script ${script}: ${messageOf(error)}`
      }
      if (this.source.startsWith('\uFEFF')) this.source = this.source.slice(1)
    } else {
      this.source = this.spec.statement ?? ''
    }
    const parts = splitSqlScript(this.source)
    if (parts.length === 0) return script !== undefined ? `the script ${script} has no statements` : 'the statement is empty'
    const statements: PreparedStatement[] = []
    for (const [index, part] of parts.entries()) {
      const where = this.where(index, parts.length, part)
      const meta = psqlMetaCommand(part.text)
      if (meta !== null) {
        return `${where}: ${meta} is a psql meta-command, not SQL; the job sends its statements to the server itself, without psql`
      }
      const control = transactionControl(part.text)
      if (control !== null) {
        return `${where}: ${control} is not allowed; the job runs in one transaction that Jobdeck commits, or rolls back on failure`
      }
      try {
        statements.push({ source: part, bound: bindNamedParams(part.text, this.ctx.params) })
      } catch (error) {
        if (error instanceof SqlParamError) return where === 'statement' ? error.message : `${where}: ${error.message}`
        throw error
      }
    }
    this.statements = statements
    return null
  }

  /** `statement`, or for scripts and multi-statement text `statement 2/3 (line 5: UPDATE ...)`. */
  private where(index: number, total: number, part: SqlScriptStatement): string {
    if (total === 1 && this.spec.script === undefined) return 'statement'
    return `statement ${index + 1}/${total} (line ${part.line}: ${clip(part.head, MAX_HEAD_CHARS)})`
  }

  // --- connection --------------------------------------------------------------------------------

  /** A client from the pool, or 'canceled' when the run is canceled first (the client, if it comes, goes back). */
  private acquire(pool: pg.Pool): Promise<pg.PoolClient | Error | 'canceled'> {
    return new Promise((resolve) => {
      let settled = false
      const onAbort = (): void => {
        if (settled) return
        settled = true
        resolve('canceled')
      }
      this.ctx.signal.addEventListener('abort', onAbort, { once: true })
      if (this.ctx.signal.aborted) onAbort()
      pool.connect().then(
        (client) => {
          this.ctx.signal.removeEventListener('abort', onAbort)
          if (settled) {
            client.release()
            return
          }
          settled = true
          resolve(client)
        },
        (error: unknown) => {
          this.ctx.signal.removeEventListener('abort', onAbort)
          if (settled) return
          settled = true
          resolve(error instanceof Error ? error : new Error(String(error)))
        },
      )
    })
  }

  private async query(text: string, values: unknown[], answerWithinMs: number | null): Promise<pg.QueryArrayResult> {
    const client = this.client
    if (client === null || this.released) throw new Error(this.dropped ?? 'the connection is closed')
    let timer: NodeJS.Timeout | null = null
    if (answerWithinMs !== null) {
      timer = setTimeout(
        () => this.dropConnection(`no answer from the server within ${formatShortDuration(answerWithinMs)}`),
        answerWithinMs,
      )
    }
    try {
      return await client.query({ text, values, rowMode: 'array' })
    } finally {
      if (timer) clearTimeout(timer)
    }
  }

  private answerWithin(): number | null {
    return this.timeoutMs > 0 ? this.timeoutMs + ANSWER_GRACE_MS : null
  }

  /** Closes the connection under a hanging query: the query fails, the server rolls back. */
  private dropConnection(reason: string): void {
    if (this.released) return
    this.dropped ??= reason
    this.system(`${reason}: closing the connection (the server rolls the transaction back)`)
    this.release(new Error(reason))
  }

  /** Back to the pool; with an error the connection is closed instead of reused. Idempotent. */
  private release(error?: Error): void {
    const client = this.client
    if (client === null || this.released) return
    this.released = true
    client.removeListener('notice', this.onNotice)
    // Keep a listener until the pool has put its own back on (release does that synchronously).
    client.release(error)
    client.removeListener('error', this.onClientError)
  }

  private readonly onClientError = (error: Error): void => {
    // The socket died between queries; the next query fails with it. Listening keeps it from
    // being an unhandled 'error' event.
    this.dropped ??= `lost the connection: ${error.message}`
  }

  private readonly onNotice = (notice: { severity?: string; message?: string }): void => {
    this.ctx.onLog('stderr', `${notice.severity ?? 'NOTICE'}: ${notice.message ?? ''}`)
  }

  // --- cancel --------------------------------------------------------------------------------------

  private readonly onAbort = (): void => {
    if (this.canceled) return
    if (this.phase === 'committing') {
      this.system('cancel requested during COMMIT: the COMMIT goes on and its outcome stands')
      return
    }
    if (this.phase === 'done') return
    this.canceled = true
    if (this.phase === 'statement') this.cancelDone = this.cancelStatement()
    // connecting: acquire() resolves 'canceled'; preparing / control: the next step sees the flag.
  }

  private async cancelStatement(): Promise<void> {
    const pid = this.backendPid
    const pool = this.pool
    this.cancelTimer = setTimeout(
      () => this.dropConnection(`the statement did not stop within ${formatShortDuration(CANCEL_WAIT_MS)} of the cancel`),
      CANCEL_WAIT_MS,
    )
    if (pid === null || pool === null) {
      this.dropConnection('canceled')
      return
    }
    try {
      await withSideClient(pool, (side) => side.query('SELECT pg_cancel_backend($1)', [pid]))
      this.system(`canceled: stopped the running statement (pg_cancel_backend(${pid}))`)
    } catch (error) {
      this.dropConnection(`canceled; could not cancel the statement on the server (${messageOf(error)})`)
    }
  }

  private async rollBackCanceled(): Promise<ExecutionResult> {
    await this.cancelDone
    const rolledBack = await this.rollback()
    this.system(rolledBack ? 'rolled back: none of the changes were applied' : 'the connection was closed: the server rolls the transaction back')
    return result('canceled', null)
  }

  // --- outcome ---------------------------------------------------------------------------------------

  /** `index`: the failed statement, null for BEGIN / SET, 'commit' for COMMIT. */
  private async fail(error: unknown, index: number | 'commit' | null): Promise<ExecutionResult> {
    if (this.canceled) return this.rollBackCanceled()
    const broken = this.dropped !== null || isConnectionError(error)
    const n = this.statements.length
    const statement = typeof index === 'number' ? this.statements[index] : undefined
    const where =
      typeof index === 'number' && statement ? this.where(index, n, statement.source) : index === 'commit' ? 'COMMIT' : 'starting the transaction'
    const prefix = where === 'statement' ? '' : `${where}: `

    let message: string
    let timedOut = false
    if (broken) {
      const why = this.dropped ?? `lost the connection: ${messageOf(error)}`
      message =
        index === 'commit'
          ? `${why} during COMMIT: whether the transaction was committed is unknown`
          : `${prefix}${why}; nothing was committed`
    } else if (error instanceof pg.DatabaseError && error.code === '57014' && /statement timeout/i.test(error.message)) {
      timedOut = true
      const after = `timed out after ${formatShortDuration(this.timeoutMs)}`
      if (statement === undefined) message = `${where} ${after}`
      else if (where === 'statement') message = `statement ${after}`
      else message = `statement ${Number(index) + 1}/${n} ${after} (line ${statement.source.line}: ${clip(statement.source.head, MAX_HEAD_CHARS)})`
    } else {
      message = `${prefix}${this.describeServerError(error, statement)}`
    }
    this.logFailure(error, statement)

    if (broken) {
      this.release(toError(error))
      if (index !== 'commit') this.system('the connection was closed: the server rolls the transaction back')
    } else if (index === 'commit') {
      this.system('the failed COMMIT rolled the transaction back: none of the changes were applied')
    } else {
      const rolledBack = await this.rollback()
      this.system(rolledBack ? 'rolled back: none of the changes were applied' : 'the connection was closed: the server rolls the transaction back')
    }
    return { ...result('failed', message), timedOut }
  }

  /** ROLLBACK; on any trouble the connection is closed instead, which rolls back on the server. */
  private async rollback(): Promise<boolean> {
    if (this.released) return false
    try {
      await this.query('ROLLBACK', [], CONTROL_ANSWER_MS)
      return true
    } catch (error) {
      this.release(toError(error))
      return false
    }
  }

  /** The server's message, where in the SQL it points, and its detail, in one line. */
  private describeServerError(error: unknown, statement: PreparedStatement | undefined): string {
    let text = oneLine(messageOf(error))
    if (!(error instanceof pg.DatabaseError)) return text
    const at = statement ? this.errorLocation(error, statement) : null
    if (at !== null) text += ` (at line ${at.line}, column ${at.column})`
    if (error.detail) text += `; DETAIL: ${clip(oneLine(error.detail), MAX_DETAIL_CHARS)}`
    if (error.hint) text += `; HINT: ${clip(oneLine(error.hint), MAX_DETAIL_CHARS)}`
    return text
  }

  /** The error position as line and column of the script (or of the statement text). */
  private errorLocation(error: pg.DatabaseError, statement: PreparedStatement): { line: number; column: number; offset: number } | null {
    const position = Number(error.position)
    if (!Number.isInteger(position) || position < 1) return null
    const inBound = characterPositionToOffset(statement.bound.text, position)
    const offset = statement.source.offset + statement.bound.originalOffset(inBound)
    return { ...lineAndColumn(this.source, offset), offset }
  }

  /** The whole error in the log: message, detail, hint, context and the line it points at. */
  private logFailure(error: unknown, statement: PreparedStatement | undefined): void {
    if (!(error instanceof pg.DatabaseError)) {
      this.system(`error: ${messageOf(error)}`)
      return
    }
    this.system(`ERROR ${error.code ?? ''}: ${error.message}`.replace('ERROR : ', 'ERROR: '))
    const at = statement ? this.errorLocation(error, statement) : null
    if (at !== null) {
      const lineStart = this.source.lastIndexOf('\n', at.offset - 1) + 1
      const lineEnd = this.source.indexOf('\n', at.offset)
      const sourceLine = this.source.slice(lineStart, lineEnd === -1 ? this.source.length : lineEnd).replace(/\r$/, '')
      const gutter = String(at.line)
      this.system(`${gutter} | ${sourceLine}`)
      this.system(`${' '.repeat(gutter.length)} | ${sourceLine.slice(0, at.column - 1).replace(/[^\t]/g, ' ')}^`)
    }
    if (error.detail) this.system(`DETAIL: ${error.detail}`)
    if (error.hint) this.system(`HINT: ${error.hint}`)
    if (error.where) this.system(`CONTEXT: ${error.where}`)
  }

  private report(index: number, answer: pg.QueryArrayResult, ms: number): void {
    const n = this.statements.length
    const rows = answer.rowCount ?? answer.rows.length
    let what: string
    if (AFFECTING_COMMANDS.has(answer.command)) what = `${plural(rows, 'row')} affected`
    else if (answer.fields.length > 0 || answer.rowCount !== null) what = plural(rows, 'row')
    else what = `${answer.command || 'statement'} done`
    this.system(`statement ${index + 1}/${n}: ${what} in ${Math.round(ms)} ms`)
    if (answer.fields.length > 0) {
      const names = answer.fields.map((field) => JSON.stringify(field.name))
      for (const row of answer.rows.slice(0, SQL_ROW_PREVIEW)) {
        const line = `{${names.map((name, column) => `${name}:${JSON.stringify(jsonValue(row[column]))}`).join(',')}}`
        this.ctx.onLog('stdout', clip(line, MAX_ROW_CHARS))
      }
      if (answer.rows.length > SQL_ROW_PREVIEW) {
        this.system(`… ${plural(answer.rows.length - SQL_ROW_PREVIEW, 'more row')} not shown`)
      }
    }
    this.ctx.onProgress({
      percent: Math.round(((index + 1) / n) * 100),
      current: index + 1,
      total: n,
      message: `statement ${index + 1}/${n}`,
    })
  }

  private system(text: string): void {
    this.ctx.onLog('system', text)
  }
}

const AFFECTING_COMMANDS = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE', 'COPY'])

/** A second connection for pg_cancel_backend: from the pool when it has room, else a one-off client. */
async function withSideClient<T>(pool: pg.Pool, use: (client: pg.ClientBase) => Promise<T>): Promise<T> {
  const ignore = (): void => {}
  if (pool.idleCount > 0 || pool.totalCount < pool.options.max) {
    const client = await pool.connect()
    client.on('error', ignore)
    let failure: Error | undefined
    try {
      return await use(client)
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error))
      throw error
    } finally {
      client.release(failure)
      client.removeListener('error', ignore)
    }
  }
  const client = new pg.Client(pool.options)
  client.on('error', ignore)
  await client.connect()
  try {
    return await use(client)
  } finally {
    await client.end().catch(ignore)
  }
}
