import type { ParseArgsConfig } from 'node:util'
import { parseCommandArgs, UsageError } from './args'
import { COMMANDS, usage } from './commands'
import { echo, safeMessage } from '../../src-shared/redact'
import { escapeLines, escapeTerminal } from './terminal-text'
import { exitCodeFor, printError } from './output'
import { watchForClosedOutput } from './closed-output'

const GLOBAL_OPTIONS = {
  'data-dir': { type: 'string' },
  config: { type: 'string' },
  /** Shared mode: the PostgreSQL URL (beats JOBDECK_PG_URL and the config file). */
  pg: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options']

/** `jobdeck COMMAND [args]`: returns the process exit code (0 ok, 1 user error, 2 internal error). */
export async function main(argv: readonly string[]): Promise<number> {
  watchForClosedOutput()
  const [name, ...rest] = argv
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage())
    return name ? 0 : 1
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${process.env.npm_package_version ?? '0.1.0'}\n`)
    return 0
  }
  const command = COMMANDS[name]
  if (!command) {
    process.stderr.write(`${escapeTerminal(`jobdeck: unknown command ${echo(name, 100)}`)}\n\n${usage()}`)
    return 1
  }
  try {
    const parsed = parseCommandArgs(rest, { ...GLOBAL_OPTIONS, ...command.options }, command.positionals)
    if (parsed.values.help) {
      process.stdout.write(`${command.usage}\n`)
      return 0
    }
    return await command.run(parsed)
  } catch (error) {
    const parseError = error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')
    if (parseError || error instanceof UsageError) {
      process.stderr.write(`jobdeck ${name}: ${escapeLines(safeMessage(error.message))}\nusage: ${command.usage}\n`)
      return 1
    }
    printError(error)
    return exitCodeFor(error)
  }
}
