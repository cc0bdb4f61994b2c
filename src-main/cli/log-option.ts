// Where `jobdeck run` and `jobdeck serve` log: stderr as always, or with `--log-file PATH` a
// rotating file (core/log-file.ts, loaded only then: electron-log is not read by every command).
// Either way each line goes through the redaction of core/app-log.ts, console.error/warn too.
import path from 'node:path'
import { captureConsole, envSecretValues, followConfigSecrets, LogRedaction, stderrLogger, type ConfigSource, type Logger } from '../core/app-log'
import { UsageError } from './args'

/** The option, and the rotation rule its help states. */
export const LOG_FILE_OPTION = { 'log-file': { type: 'string' } } as const
export const LOG_FILE_HELP =
  '  --log-file PATH  log to PATH instead of stderr (levels, timestamps, no secrets); past 5 MiB it is renamed to\n' +
  '                   PATH with .old before its extension (replacing the previous one) and a new file starts'

export interface ProcessLog {
  logger: Logger
  /** Only with --log-file: the file (the transitions printed on stdout are written there too). */
  file: string | null
  /** Keeps the redaction current with the config's secrets (webhook URLs, SMTP passwords). */
  follow(core: ConfigSource): void
}

export async function openProcessLog(command: 'run' | 'serve', file: string | undefined): Promise<ProcessLog> {
  const redaction = new LogRedaction()
  redaction.setKnown('env', envSecretValues(process.env))
  const debug = process.env.JOBDECK_DEBUG === '1'
  let logger: Logger
  let resolved: string | null = null
  if (file === undefined) {
    logger = stderrLogger({ prefix: 'jobdeck', redaction, debug })
  } else {
    if (file.trim() === '') throw new UsageError('--log-file: expected a file path, got an empty one')
    const { fileLogger } = await import('../core/log-file')
    try {
      const opened = fileLogger({ file, source: `${command}[${process.pid}]`, redaction, debug })
      logger = opened
      resolved = opened.file
    } catch (error) {
      throw new UsageError(`--log-file: cannot write ${path.resolve(file)}: ${(error as Error).message}`)
    }
  }
  // console.log stays the commands' output; the core reports its own errors through console.error.
  captureConsole(logger, ['error', 'warn'])
  return { logger, file: resolved, follow: (core) => void followConfigSecrets(redaction, core) }
}
