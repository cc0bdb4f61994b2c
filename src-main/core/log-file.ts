// A Logger (app-log.ts) that writes a rotating file through electron-log's Node build: the app's
// main.log and engine.log, and `jobdeck run|serve --log-file PATH`. electron-log rotates: when a
// file passes maxSize it is renamed NAME.old.log (replacing the previous one) and a new file
// starts, so one log takes at most twice maxSize. Writes are synchronous: a line logged just
// before a crash is on disk. The Node build (not electron-log/main) in the app's main process
// too: that one opens an IPC channel through which any page could write lines into our log.
import fs from 'node:fs'
import path from 'node:path'
import { inspect } from 'node:util'
import electronLog from 'electron-log/node'
import { LogRedaction, type Logger } from './app-log'

/** Per file, before it is rotated to NAME.old.log. */
export const LOG_MAX_BYTES = 5 * 1024 * 1024

/** `[2026-01-31 10:42:07.123+01:00] [warn]  engine[4242]: …`: local time with its offset, level, source. */
const LINE_FORMAT = '[{y}-{m}-{d} {h}:{i}:{s}.{ms}{z}] [{level}] {source}: {text}'

export interface FileLoggerOptions {
  file: string
  /** Who writes the lines (`main`, `engine[4242]`, `run[4242]`). */
  source: string
  redaction?: LogRedaction
  maxBytes?: number
  /** Debug lines are written only when asked for (JOBDECK_DEBUG=1). */
  debug?: boolean
}

export interface FileLogger extends Logger {
  readonly file: string
}

let instances = 0

/** Makes the file's folder (private, as the data dir is) and returns a logger appending to it. */
export function fileLogger(options: FileLoggerOptions): FileLogger {
  const file = path.resolve(options.file)
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 })
  // Opened once here so a file that cannot be written is said at start, not lost line by line.
  fs.closeSync(fs.openSync(file, 'a', 0o600))
  const redaction = options.redaction ?? new LogRedaction()
  const log = electronLog.create({ logId: `jobdeck-${process.pid}-${++instances}` })
  log.variables.source = options.source
  log.transports.console.level = false
  for (const name of ['ipc', 'remote']) {
    const transport = log.transports[name]
    if (transport) transport.level = false
  }
  const transport = log.transports.file
  transport.level = options.debug ? 'debug' : 'info'
  transport.maxSize = options.maxBytes ?? LOG_MAX_BYTES
  transport.format = LINE_FORMAT
  transport.sync = true
  transport.writeOptions = { flag: 'a', mode: 0o600, encoding: 'utf8' }
  transport.setAppName('Jobdeck')
  transport.resolvePathFn = () => file
  // The one redaction hook: every line, whatever its level, before any transport formats it.
  log.hooks.push((message) => ({
    ...message,
    // A line of its own in the text is indented: it cannot pass for an entry of the log.
    data: message.data.map((part: unknown) => redaction.apply(typeof part === 'string' ? part : inspect(part, { depth: 4 })).replace(/\r?\n/g, '\n    ')),
  }))
  return {
    file,
    error: (line) => log.error(line),
    warn: (line) => log.warn(line),
    info: (line) => log.info(line),
    debug: (line) => log.debug(line),
  }
}

/** Every line to each of `loggers` (the app's main process: main.log and stderr). */
export function teeLogger(...loggers: Logger[]): Logger {
  return {
    error: (line) => loggers.forEach((l) => l.error(line)),
    warn: (line) => loggers.forEach((l) => l.warn(line)),
    info: (line) => loggers.forEach((l) => l.info(line)),
    debug: (line) => loggers.forEach((l) => l.debug(line)),
  }
}

/** How much of each file's end is read for a tail: a few hundred lines of a busy log. */
const TAIL_BYTES = 256 * 1024
const STAMP = /^\[(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{2}:\d{2})\]/

function lastBytes(file: string, bytes: number): string {
  let fd: number
  try {
    fd = fs.openSync(file, 'r')
  } catch {
    return ''
  }
  try {
    const size = fs.fstatSync(fd).size
    const start = Math.max(0, size - bytes)
    const buffer = Buffer.alloc(size - start)
    fs.readSync(fd, buffer, 0, buffer.length, start)
    const text = buffer.toString('utf8')
    // Started mid-file: the first, partial line is dropped.
    return start > 0 ? text.slice(text.indexOf('\n') + 1) : text
  } finally {
    fs.closeSync(fd)
  }
}

interface Entry {
  at: number
  lines: string[]
}

/** A log's entries: a stamped line and the unstamped lines after it (a stack trace). */
function entriesOf(text: string): Entry[] {
  const entries: Entry[] = []
  for (const line of text.split('\n')) {
    if (line === '') continue
    const stamp = STAMP.exec(line)
    if (stamp?.[1] !== undefined) entries.push({ at: Date.parse(stamp[1].replace(' ', 'T')), lines: [line] })
    else if (entries.length > 0) entries.at(-1)?.lines.push(line)
  }
  return entries
}

/**
 * The last `count` lines of `files` (main.log and engine.log) merged in time order, each file's
 * rotated NAME.old.log read first when the current one is short. Lines already went through the
 * redaction when they were written.
 */
export function logTail(files: readonly string[], count = 200): string[] {
  const entries: Entry[] = []
  for (const file of files) {
    const parsed = path.parse(file)
    const old = path.join(parsed.dir, `${parsed.name}.old${parsed.ext}`)
    entries.push(...entriesOf(lastBytes(old, TAIL_BYTES) + lastBytes(file, TAIL_BYTES)))
  }
  // A stable sort keeps each file's own order among lines of the same millisecond.
  const lines = entries.sort((a, b) => a.at - b.at).flatMap((entry) => entry.lines)
  return lines.slice(-count)
}
