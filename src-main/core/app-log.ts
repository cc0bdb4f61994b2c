// The one logger port of every Jobdeck process (the app's main process, its engine, `jobdeck run`
// and `serve`): four levels, each line through one redaction hook before it is written anywhere,
// so no sink can forget it. Plain Node: where lines go (stderr, or a rotating file through
// electron-log in log-file.ts) is chosen by each process's entry.
import { formatWithOptions } from 'node:util'
import { MASK, redactLogText } from '../../src-shared/redact'
import type { LoadedConfig } from './config/load-config'

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

export interface Logger {
  error(line: string): void
  warn(line: string): void
  info(line: string): void
  debug(line: string): void
}

/** The core's `log` callbacks (engine notes: standby, rescues, sources offline) at `level`. */
export function lineLog(logger: Logger, level: LogLevel = 'info'): (line: string) => void {
  return (line) => logger[level](line)
}

/**
 * The redaction every line passes: the values known to be secret right now (a PostgreSQL password
 * handed over by the app, SMTP passwords and webhook URLs read from the environment), replaced
 * wherever they appear, then the patterns of src-shared/redact.ts (URL passwords, Authorization
 * headers, `password=`/`token=` pairs, every http(s) URL cut to its origin).
 */
export class LogRedaction {
  private readonly known = new Map<string, readonly string[]>()
  /** Longest first: a value inside another is masked as part of the longer one. */
  private values: string[] = []

  /** The secret values of `source` (replacing what it said before). Values under 4 characters would mask ordinary words and are left to the patterns. */
  setKnown(source: string, values: Iterable<string>): void {
    this.known.set(source, [...new Set(values)].filter((value) => value.length >= 4))
    this.values = [...new Set([...this.known.values()].flat())].sort((a, b) => b.length - a.length)
  }

  apply(text: string): string {
    let out = text
    for (const value of this.values) if (out.includes(value)) out = out.split(value).join(MASK)
    return redactLogText(out)
  }
}

/**
 * The secret values a config names by reference, as they are now in `env`: each webhook URL (from
 * `urlEnv` or written as `url`) and each SMTP password from `passwordEnv`.
 */
export function configSecretValues(config: Pick<LoadedConfig, 'raw'>, env: NodeJS.ProcessEnv = process.env): string[] {
  const values: string[] = []
  const fromEnv = (name: string | undefined): void => {
    const value = name === undefined ? undefined : env[name]
    if (value) values.push(value)
  }
  for (const channel of Object.values(config.raw.alerts?.channels ?? {})) {
    if (channel.webhook?.url) values.push(channel.webhook.url)
    fromEnv(channel.webhook?.urlEnv)
    fromEnv(channel.email?.smtp.passwordEnv)
  }
  return values
}

/** The PostgreSQL password of the environment: PGPASSWORD, and the one inside JOBDECK_PG_URL. */
export function envSecretValues(env: NodeJS.ProcessEnv = process.env): string[] {
  const values: string[] = []
  if (env.PGPASSWORD) values.push(env.PGPASSWORD)
  if (env.JOBDECK_PG_URL) {
    try {
      const { password } = new URL(env.JOBDECK_PG_URL)
      if (password) values.push(password, decodeURIComponent(password))
    } catch {
      // Not a URL (the shared-mode check says so): the patterns still mask a `:password@`.
    }
  }
  return values
}

/** The process's events as seen by followConfig (the core's bus and config manager). */
export interface ConfigSource {
  readonly config: { readonly current: Pick<LoadedConfig, 'raw'> }
  readonly events: { on(event: 'config.changed', listener: () => void): () => void }
}

/** Keeps `redaction` current with the config's secrets: at once, and at every reload. */
export function followConfigSecrets(redaction: LogRedaction, core: ConfigSource, env: NodeJS.ProcessEnv = process.env): () => void {
  const update = (): void => redaction.setKnown('config', configSecretValues(core.config.current, env))
  update()
  return core.events.on('config.changed', update)
}

export interface StderrLoggerOptions {
  /** `jobdeck` or `jobdeck engine[pid]`: what starts every line, as before there were levels. */
  prefix: string
  redaction?: LogRedaction
  /** Debug lines are written only when asked for (JOBDECK_DEBUG=1). */
  debug?: boolean
  write?: (text: string) => void
}

const STDERR_TAGS: Record<LogLevel, string> = { error: 'error: ', warn: 'warning: ', info: '', debug: 'debug: ' }

/** Lines on stderr as `jobdeck: …` (info) or `jobdeck: warning: …`, redacted. */
export function stderrLogger(options: StderrLoggerOptions): Logger {
  const write = options.write ?? ((text: string) => void process.stderr.write(text))
  const redaction = options.redaction ?? new LogRedaction()
  const line = (level: LogLevel) => (text: string) => {
    if (level === 'debug' && !options.debug) return
    const tag = STDERR_TAGS[level]
    write(`${options.prefix}: ${tag}${redaction.apply(text)}\n`)
  }
  return { error: line('error'), warn: line('warn'), info: line('info'), debug: line('debug') }
}

const CONSOLE_LEVELS = { error: 'error', warn: 'warn', info: 'info', log: 'info', debug: 'debug' } as const
type ConsoleMethod = keyof typeof CONSOLE_LEVELS

/**
 * Routes `console.*` (the core's own error reports: a listener that threw, a sample that failed)
 * through `logger`, so they are leveled, redacted and reach the file too. `methods` says which:
 * the CLI keeps `console.log` for its output. Returns the function that puts console back.
 */
export function captureConsole(logger: Logger, methods: readonly ConsoleMethod[] = ['error', 'warn', 'info', 'log', 'debug']): () => void {
  const saved = new Map<ConsoleMethod, (...args: unknown[]) => void>()
  for (const method of methods) {
    saved.set(method, console[method])
    const level = CONSOLE_LEVELS[method]
    console[method] = (...args: unknown[]) => logger[level](formatWithOptions({ colors: false, depth: 4 }, ...args).replace(/^jobdeck: /, ''))
  }
  return () => {
    for (const [method, original] of saved) console[method] = original
  }
}
