// A command's arguments as node:util parseArgs reads them, plus what it lets through silently: an
// argument no command takes (`jobdeck status extra`) and an option given twice, of which it kept
// the last (`--limit 5 --limit 10`, `--param k=a --param k=b`).
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { JobdeckError } from '../../src-shared/errors'
import { echo } from '../../src-shared/redact'

export type Options = NonNullable<ParseArgsConfig['options']>

export interface ParsedArgs {
  values: Record<string, unknown>
  positionals: string[]
}

/** A mistake in the command line: main prints it with the command's usage and exits 1. */
export class UsageError extends JobdeckError {
  constructor(message: string) {
    super('invalid_input', message)
    this.name = 'UsageError'
  }
}

/**
 * `expected` names the positional arguments the command takes (`['TYPE']`); more is refused here,
 * fewer is the command's to say. Throws UsageError, or parseArgs' own ERR_PARSE_ARGS errors.
 */
export function parseCommandArgs(args: readonly string[], options: Options, expected: readonly string[]): ParsedArgs {
  const parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true, tokens: true })
  const given = new Map<string, string[]>()
  for (const token of parsed.tokens) {
    if (token.kind !== 'option') continue
    const values = given.get(token.name) ?? []
    values.push(token.value ?? `--${token.name}`)
    given.set(token.name, values)
    if (values.length === 2 && options[token.name]?.multiple !== true) {
      const shown = options[token.name]?.type === 'boolean' ? '' : ` (${values.map((v) => echo(v, 60)).join(' and ')})`
      throw new UsageError(`--${token.name} is given twice${shown}; give it once`)
    }
  }
  const extra = parsed.positionals.slice(expected.length)
  if (extra.length > 0) {
    const takes = expected.length === 0 ? 'takes no arguments' : `takes ${expected.join(' ')}`
    throw new UsageError(`unexpected argument${extra.length === 1 ? '' : 's'} ${extra.map((a) => echo(a, 60)).join(' ')}: this command ${takes}`)
  }
  return { values: parsed.values as Record<string, unknown>, positionals: parsed.positionals }
}

/** `--param name=value` flags as params; a name given twice is refused, not overwritten. */
export function paramFlags(flags: readonly string[]): Record<string, string> {
  const params: Record<string, string> = {}
  for (const flag of flags) {
    const eq = flag.indexOf('=')
    if (eq <= 0) throw new UsageError(`--param: expected name=value, got ${echo(flag)}`)
    const name = flag.slice(0, eq)
    const value = flag.slice(eq + 1)
    if (Object.hasOwn(params, name)) {
      throw new UsageError(`--param: ${echo(name, 60)} is given twice (${echo(params[name], 60)} and ${echo(value, 60)}); give each param once`)
    }
    // defineProperty: a param called __proto__ stays a param.
    Object.defineProperty(params, name, { value, enumerable: true, writable: true, configurable: true })
  }
  return params
}
