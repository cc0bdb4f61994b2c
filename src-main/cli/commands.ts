import { absoluteTime } from '../../src-shared/local-time'
import fs from 'node:fs'
import type { ParseArgsConfig } from 'node:util'
import { JobdeckError } from '../../src-shared/errors'
import { parseBulkText } from '../../src-shared/bulk-parse'
import { parseDuration } from '../../src-shared/units'
import { findConfigPath, exampleConfigPath } from '../core/config/config-path'
import { formatConfigError, loadConfigFile } from '../core/config/load-config'
import { lineLog } from '../core/app-log'
import { createCore, type Core, type CoreOptions } from '../core/core'
import { dataDirPlace, resolveDataDir } from '../core/paths'
import { prepareDataDir } from '../core/data-dir'
import type { BulkRowError } from '../core/services/services'
import { echo } from '../../src-shared/redact'
import { callApi, typed, type Place } from './api-call'
import { printJson, printLine } from './output'
import { warnPasswordInFlag } from './pg-flag'
import { escapeTerminal } from './terminal-text'
import { paramFlags } from './args'
import { LOG_FILE_HELP, LOG_FILE_OPTION, openProcessLog, type ProcessLog } from './log-option'
import { runHeadless } from './run-command'
import { serveHeadless } from './serve-command'
import { runMonitor } from './monitor-command'
import { printStatus } from './status-command'
import { firesCommand, printScheduleFires, schedulesCommand } from './schedules-command'
import { sourcesCommand } from './sources-command'
import { retentionCommand } from './retention-command'
import { historyCommand } from './history-command'
import { overlapsCommand } from './overlaps-command'
import { alertsCommand } from './alerts-command'
import { tokensCommand } from './tokens-command'
import { auditCommand } from './audit-command'

export interface CommandInput {
  values: Record<string, unknown>
  positionals: string[]
}

export interface Command {
  usage: string
  summary: string
  /** Names of the arguments it takes, in order (`TYPE`); any more is refused. */
  positionals: readonly string[]
  options: NonNullable<ParseArgsConfig['options']>
  run(input: CommandInput): Promise<number>
}

export function str(values: Record<string, unknown>, key: string): string | undefined {
  const value = values[key]
  return typeof value === 'string' ? value : undefined
}

function configPathFor(values: Record<string, unknown>): { path: string; source: string } {
  return findConfigPath({
    flag: str(values, 'config'),
    env: process.env.JOBDECK_CONFIG,
    dataDir: resolveDataDir(str(values, 'data-dir')),
    examplePath: exampleConfigPath(),
  })
}

/** `--pg URL` beats JOBDECK_PG_URL; without either the config file's `postgres.url` decides. */
export function postgresOverride(values: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): CoreOptions['postgres'] {
  const flag = str(values, 'pg')
  if (flag !== undefined) {
    warnPasswordInFlag(flag)
    return { url: flag, source: 'flag' }
  }
  const fromEnv = env.JOBDECK_PG_URL
  return fromEnv ? { url: fromEnv, source: 'env' } : undefined
}

/** The data dir, checked (and made) first: an error names the flag or variable it came from. */
function dataDirOf(values: Record<string, unknown>): string {
  const flag = str(values, 'data-dir')
  return prepareDataDir(resolveDataDir(flag), dataDirPlace(flag))
}

/** `longLived`: `run` and `serve`, which follow edits of the config file as they are saved. */
function openCore(values: Record<string, unknown>, offline = false, longLived = false, log?: ProcessLog): Core {
  const postgres = postgresOverride(values)
  const core = createCore({
    dataDir: dataDirOf(values),
    configPath: configPathFor(values).path,
    ...(postgres ? { postgres } : {}),
    offline,
    watchConfig: longLived,
    sources: longLived,
    ...(log ? { log: lineLog(log.logger) } : {}),
  })
  log?.follow(core)
  return core
}

/** The shared database's schema is newer than this build: nothing here may touch it. */
export function refuseIfRefused(core: Core): void {
  const c = core.connection()
  if (c.refused) throw new JobdeckError('conflict', c.error ?? 'the shared database cannot be used by this Jobdeck')
}

/** Shared mode: says on stderr when the answer comes from the cache because the database is unreachable. */
function noteOffline(core: Core): void {
  const c = core.connection()
  if (c.mode !== 'shared' || c.status === 'online') return
  const synced = c.lastSyncAt ? `last synced ${absoluteTime(c.lastSyncAt)}` : 'never synced'
  printLine(`offline: the shared database ${c.url ?? ''} is unreachable (${c.error ?? 'no answer'}); showing the local cache, ${synced}`, process.stderr)
}

export async function withCore<T>(values: Record<string, unknown>, fn: (core: Core) => Promise<T>, options: { offline?: boolean } = {}): Promise<T> {
  const core = openCore(values, options.offline === true)
  try {
    if (!options.offline) {
      await core.ready()
      refuseIfRefused(core)
      noteOffline(core)
    }
    return await fn(core)
  } finally {
    await core.close()
  }
}

function onePositional(input: CommandInput, what: string, usage: string): string {
  const [value, ...extra] = input.positionals
  if (!value || extra.length > 0) throw new JobdeckError('invalid_input', `expected exactly one ${what}\nusage: ${usage}`)
  return value
}

/** `24h`/`7d` (that long ago) or an ISO date/time. */
export function parseInstant(text: string, flag: string): number {
  const ago = parseDuration(text)
  if (ago !== null) return Date.now() - ago
  const ms = Date.parse(text)
  if (Number.isFinite(ms)) return ms
  throw new JobdeckError('invalid_input', `${flag}: expected a duration like 24h or 7d, or a date like 2026-01-31, got "${text}"`)
}

/** A flag's text as a whole number; the range is the API's to check (callApi says it with the flag). */
export function wholeNumber(text: string, flag: string): number {
  if (!/^-?\d{1,15}$/.test(text)) throw new JobdeckError('invalid_input', `${flag}: expected a whole number, got ${echo(text)}`)
  return Number(text)
}

function readBulkFile(file: string): { rows: Array<Record<string, unknown>>; lines: number[] } {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (error) {
    throw new JobdeckError('invalid_input', `--bulk: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
  }
  const parsed = parseBulkText(text)
  if (parsed.errors.length > 0) {
    throw new JobdeckError(
      'invalid_input',
      `${file}: ${parsed.errors.length} row${parsed.errors.length === 1 ? '' : 's'} could not be read; nothing was enqueued\n` +
        parsed.errors.map((e) => `${file}:${e.message}`).join('\n'),
    )
  }
  if (parsed.rows.length === 0) throw new JobdeckError('invalid_input', `${file}: no rows to enqueue`)
  return { rows: parsed.rows.map((r) => r.values), lines: parsed.rows.map((r) => r.line) }
}


export const COMMANDS: Record<string, Command> = {
  validate: {
    summary: 'check the config file and print every error',
    usage: 'jobdeck validate [--config FILE]',
    positionals: [],
    options: {},
    async run({ values }) {
      const { path, source } = configPathFor(values)
      const result = loadConfigFile(path)
      if (!result.ok) {
        // One write: a file with an error per key of a large mapping has tens of thousands.
        const lines = result.errors.map((error) => `${escapeTerminal(formatConfigError(error))}\n`)
        process.stderr.write(`${lines.join('')}${result.errors.length} error${result.errors.length === 1 ? '' : 's'} in ${escapeTerminal(path)}\n`)
        return 1
      }
      // Warnings do not fail validation; they go to stderr so the valid line stays what scripts read.
      const warnings = result.config.warnings.map((warning) => `warning: ${escapeTerminal(formatConfigError(warning))}\n`)
      if (warnings.length > 0) process.stderr.write(warnings.join(''))
      const names = [...result.config.types.keys()]
      printLine(`${path} (${source}) is valid: ${names.length} job types (${names.join(', ')})`)
      printScheduleFires(result.config, Date.now())
      return 0
    },
  },

  enqueue: {
    summary: 'add a job (or many with --bulk) to the queue',
    usage: 'jobdeck enqueue TYPE [--param name=value …] [--priority normal|high|urgent] [--bulk FILE.csv|FILE.jsonl] [--json]',
    positionals: ['TYPE'],
    options: {
      param: { type: 'string', short: 'p', multiple: true },
      priority: { type: 'string' },
      bulk: { type: 'string' },
      json: { type: 'boolean' },
    },
    async run(input) {
      const type = onePositional(input, 'job type', this.usage)
      const priority = str(input.values, 'priority')
      const priorityPlace = { priority: typed('--priority', priority) }
      const bulkFile = str(input.values, 'bulk')
      const paramFlagValues = (input.values.param as string[] | undefined) ?? []
      if (bulkFile && paramFlagValues.length > 0) throw new JobdeckError('invalid_input', '--bulk and --param cannot be combined')
      const params = paramFlags(paramFlagValues)
      return withCore(input.values, async (core) => {
        if (!bulkFile) {
          const job = await callApi(core, 'jobs.enqueue', { type, params, ...(priority !== undefined ? { priority } : {}) }, { type: typed('TYPE', type), params: { name: '--param' }, ...priorityPlace })
          if (input.values.json) printJson(job)
          else printLine(job.id)
          return 0
        }
        const { rows, lines } = readBulkFile(bulkFile)
        const rowsPlace: Place = {
          name: `--bulk ${bulkFile}`,
          given: `${rows.length} rows`,
          inner: ([row]) => (typeof row === 'number' ? `${bulkFile}:${lines[row] ?? row + 1}` : `--bulk ${bulkFile}`),
        }
        try {
          const jobs = await callApi(core, 'jobs.enqueueBulk', { type, rows, ...(priority !== undefined ? { priority } : {}) }, { type: typed('TYPE', type), rows: rowsPlace, ...priorityPlace })
          if (input.values.json) printJson(jobs)
          else for (const j of jobs) printLine(j.id)
          printLine(`enqueued ${jobs.length} ${type} jobs`, process.stderr)
          return 0
        } catch (error) {
          if (error instanceof JobdeckError && Array.isArray(error.details)) {
            const bad = error.details as BulkRowError[]
            const detail = bad
              .map((b) => `${bulkFile}:${lines[b.row - 1] ?? b.row}: ${b.errors.map((e) => e.message).join('; ')}`)
              .join('\n')
            throw new JobdeckError('invalid_input', `${bad.length} of ${rows.length} rows are invalid; nothing was enqueued\n${detail}`)
          }
          throw error
        }
      })
    },
  },

  run: {
    summary: 'run the queue headless (Ctrl-C stops; running jobs are re-queued)',
    usage: `jobdeck run [--until-idle] [--log-file PATH]\n${LOG_FILE_HELP}`,
    positionals: [],
    options: { 'until-idle': { type: 'boolean' }, ...LOG_FILE_OPTION },
    async run({ values }) {
      const log = await openProcessLog('run', str(values, 'log-file'))
      const core = openCore(values, false, true, log)
      await core.ready()
      try {
        refuseIfRefused(core)
      } catch (error) {
        await core.close()
        throw error
      }
      return runHeadless(core, { untilIdle: values['until-idle'] === true, ...(log.file ? { log: log.logger } : {}) })
    },
  },

  monitor: {
    summary: 'print this machine\'s CPU, memory and disk once a second, with the health it leads to',
    usage: 'jobdeck monitor [--json]',
    positionals: [],
    options: { json: { type: 'boolean' } },
    async run({ values }) {
      const path = configPathFor(values).path
      const loaded = loadConfigFile(path)
      if (!loaded.ok) throw new JobdeckError('config_invalid', `${path} has errors; run \`jobdeck validate\``)
      return runMonitor(loaded.config, resolveDataDir(str(values, 'data-dir')), values.json === true)
    },
  },

  serve: {
    summary: 'run the queue and serve the app to a browser and the HTTP API to programs (127.0.0.1, with a token)',
    usage:
      'jobdeck serve [--port N] [--host H] [--tls-cert FILE --tls-key FILE] [--insecure-http] [--log-file PATH]\n' +
      '  --tls-cert, --tls-key  serve https and wss with this certificate and private key (PEM)\n' +
      '  --insecure-http        allow plain http on a --host other than loopback (tokens would cross the network in clear)\n' +
      LOG_FILE_HELP,
    positionals: [],
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'insecure-http': { type: 'boolean' },
      ...LOG_FILE_OPTION,
    },
    async run({ values }) {
      const log = await openProcessLog('serve', str(values, 'log-file'))
      return serveHeadless(() => openCore(values, false, true, log), {
        port: str(values, 'port'),
        host: str(values, 'host'),
        logger: log.logger,
        logToFile: log.file !== null,
        ...(str(values, 'tls-cert') !== undefined ? { tlsCert: str(values, 'tls-cert') } : {}),
        ...(str(values, 'tls-key') !== undefined ? { tlsKey: str(values, 'tls-key') } : {}),
        insecureHttp: values['insecure-http'] === true,
      })
    },
  },

  status: {
    summary: 'show the runner, running jobs and the queue with wait reasons',
    usage: 'jobdeck status [--json]',
    positionals: [],
    options: { json: { type: 'boolean' } },
    async run({ values }) {
      return withCore(values, (core) => printStatus(core, values.json === true))
    },
  },

  schedules: schedulesCommand,
  fires: firesCommand,
  sources: sourcesCommand,
  retention: retentionCommand,

  history: historyCommand,
  overlaps: overlapsCommand,
  alerts: alertsCommand,
  tokens: tokensCommand,
  audit: auditCommand,

  logs: {
    summary: "print a run's captured output (a job id shows its latest run)",
    usage: 'jobdeck logs RUN_ID|JOB_ID',
    positionals: ['RUN_ID|JOB_ID'],
    options: {},
    async run(input) {
      const id = onePositional(input, 'run or job id', this.usage)
      return withCore(input.values, async (core) => {
        const page = await callApi(core, 'runs.log', { id, afterId: 0, limit: 100_000 }, { id: typed('RUN_ID|JOB_ID', id) })
        if (page.truncated) process.stderr.write('(older output was dropped: the run exceeded its log limit)\n')
        for (const line of page.lines) {
          const out = line.stream === 'stdout' ? process.stdout : process.stderr
          // A job's own output, tabs and all; what could drive the terminal is escaped.
          out.write(`${line.stream === 'system' ? '[jobdeck] ' : ''}${escapeTerminal(line.text, { tabs: true })}\n`)
        }
        return 0
      })
    },
  },

  cancel: {
    summary: 'cancel a waiting job, or stop a running one (its process tree is killed)',
    usage: 'jobdeck cancel JOB_ID|RUN_ID',
    positionals: ['JOB_ID|RUN_ID'],
    options: {},
    async run(input) {
      const id = onePositional(input, 'job or run id', this.usage)
      return withCore(input.values, async (core) => {
        const { job, action } = await callApi(core, 'jobs.cancel', { id }, { id: typed('JOB_ID|RUN_ID', id) })
        printLine(action === 'canceled' ? `canceled ${job.id}` : `cancel requested for running job ${job.id}; the runner is stopping it`)
        return 0
      })
    },
  },

  retry: {
    summary: 'queue a finished job again (a new run)',
    usage: 'jobdeck retry JOB_ID|RUN_ID',
    positionals: ['JOB_ID|RUN_ID'],
    options: {},
    async run(input) {
      const id = onePositional(input, 'job or run id', this.usage)
      return withCore(input.values, async (core) => {
        const job = await callApi(core, 'jobs.retry', { id }, { id: typed('JOB_ID|RUN_ID', id) })
        printLine(`${job.id} queued again`)
        return 0
      })
    },
  },

  'start-now': {
    summary: 'let a waiting job pass the resource gate once (its lane, the runner and the rate still hold)',
    usage: 'jobdeck start-now JOB_ID',
    positionals: ['JOB_ID'],
    options: {},
    async run(input) {
      const id = onePositional(input, 'job id', this.usage)
      return withCore(input.values, async (core) => {
        const job = await callApi(core, 'jobs.startNow', { id }, { id: typed('JOB_ID', id) })
        printLine(`${job.id} starts at its next claim, past the resource gate; its lane's and the runner's limits still hold`)
        return 0
      })
    },
  },

  priority: {
    summary: 'change the priority of a waiting job',
    usage: 'jobdeck priority JOB_ID normal|high|urgent',
    positionals: ['JOB_ID', 'PRIORITY'],
    options: {},
    async run(input) {
      const [id, priority, ...extra] = input.positionals
      if (!id || !priority || extra.length > 0) throw new JobdeckError('invalid_input', `usage: ${this.usage}`)
      return withCore(input.values, async (core) => {
        const job = await callApi(core, 'jobs.setPriority', { id, priority }, { id: typed('JOB_ID', id), priority: typed('PRIORITY', priority) })
        printLine(`${job.id} is now ${job.priority}`)
        return 0
      })
    },
  },

  pause: {
    summary: 'let running jobs finish but start nothing new',
    usage: 'jobdeck pause',
    positionals: [],
    options: {},
    async run({ values }) {
      return withCore(values, async (core) => {
        await callApi(core, 'runner.pause', {})
        process.stdout.write('runner paused: running jobs finish, nothing new starts (resume with `jobdeck resume`)\n')
        return 0
      })
    },
  },

  resume: {
    summary: 'start taking jobs again',
    usage: 'jobdeck resume',
    positionals: [],
    options: {},
    async run({ values }) {
      return withCore(values, async (core) => {
        await callApi(core, 'runner.resume', {})
        process.stdout.write('runner resumed\n')
        return 0
      })
    },
  },

  clear: {
    summary: 'delete finished jobs (and their runs and logs) finished before a date',
    usage: 'jobdeck clear --before DATE|7d',
    positionals: [],
    options: { before: { type: 'string' } },
    async run({ values }) {
      const before = str(values, 'before')
      if (!before) throw new JobdeckError('invalid_input', `--before is required (a date like 2026-01-31, or 7d for a week ago)\nusage: ${this.usage}`)
      const at = parseInstant(before, '--before')
      return withCore(values, async (core) => {
        const { removed } = await callApi(core, 'jobs.clear', { before: at }, { before: typed('--before', before) })
        process.stdout.write(`removed ${removed} finished job${removed === 1 ? '' : 's'} finished before ${new Date(at).toISOString()}\n`)
        return 0
      })
    },
  },
}

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length))
  return (
    'usage: jobdeck COMMAND [options]   (global: --data-dir DIR, --config FILE, --pg URL)\n\n' +
    Object.entries(COMMANDS)
      .map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
      .join('\n') +
    '\n\nRun `jobdeck COMMAND --help` for a command\'s options.\n'
  )
}
