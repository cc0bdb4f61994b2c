// The CLI's way into the API: the same dispatch as the IPC and WebSocket transports, so the
// method's schema parses what the operator typed and checks its limits (one place for them). A
// refused input is said in the command line's own terms: the flag, argument or file line it came
// from, what was expected, and what was given.
import { z } from 'zod'
import { apiInputs, type ApiInput, type ApiMethod, type ApiResults } from '../../src-shared/api'
import { JobdeckError, type ErrorInfo } from '../../src-shared/errors'
import { echo } from '../../src-shared/redact'
import type { Core } from '../core/core'
import { dispatch } from '../core/services/dispatch'
import { cliCaller } from '../core/access/callers'

/** Whoever runs `jobdeck` in a shell owns the data dir: admin, recorded as `cli:user@host`. */
const CLI_CALLER = cliCaller()
import { isInputIssues, type InputIssue } from '../core/services/error-reply'

/** Where a field of the API input came from on the command line. */
export interface Place {
  /** The flag or argument: `--limit`, `JOB_ID|RUN_ID`, `--bulk jobs.csv`. */
  name: string
  /** What was given there, as it reads in the message: `"0"`, `120000 rows`. */
  given?: string
  /** A place inside the field (a row of a bulk file), from the rest of the issue's path. */
  inner?: (rest: ReadonlyArray<string | number>) => string
}

/** The field's name (its first path segment) → its place on the command line. */
export type Places = Readonly<Record<string, Place>>

/** A place for a value typed on the command line, quoted as typed. */
export const typed = (name: string, value: string | undefined): Place => (value === undefined ? { name } : { name, given: echo(value) })

/** Text where the schema takes one of some words: the schema, not the CLI, says which words. */
type AsTyped<T> = T extends string ? string : T
export type CliInput<M extends ApiMethod> = { [K in keyof ApiInput<M>]: AsTyped<ApiInput<M>[K]> }

/** One method called through dispatch; a refusal is thrown as a JobdeckError the CLI prints. */
export async function callApi<M extends ApiMethod>(core: Pick<Core, 'api' | 'audit'>, method: M, args: CliInput<M>, places: Places = {}): Promise<ApiResults[M]> {
  const result = await dispatch(core, method, args, CLI_CALLER)
  if (result.ok) return result.value as ApiResults[M]
  throw cliError(method, result.error, places)
}

/** A number field's bounds as the method's schema declares them, when it declares both. */
function numberRange(method: ApiMethod, field: string): { min: number; max: number; whole: boolean } | null {
  let schema: unknown = (apiInputs[method].shape as Record<string, unknown>)[field]
  while (schema instanceof z.ZodDefault || schema instanceof z.ZodOptional) schema = schema.unwrap()
  if (!(schema instanceof z.ZodNumber)) return null
  const { minValue, maxValue, isInt } = schema
  return minValue !== null && maxValue !== null && Number.isFinite(minValue) && Number.isFinite(maxValue) ? { min: minValue, max: maxValue, whole: isInt } : null
}

/** The schema's own words, without zod's category ("Too small: ", "Invalid option: "), the way the CLI words limits. */
export function expectation(method: ApiMethod, issue: InputIssue): string {
  const [field] = issue.path
  const range = (issue.code === 'too_small' || issue.code === 'too_big') && issue.path.length === 1 ? numberRange(method, String(field)) : null
  if (range) return `expected ${range.whole ? 'a whole number' : 'a number'} from ${range.min} to ${range.max}`
  const text = issue.message.replace(/^(?:Too small|Too big|Invalid option|Invalid input): /, '')
  const bound = /^expected \w+ to (?:be|have) ([<>]=?)(-?[\d.]+)(?: (\w+))?$/.exec(text)
  if (bound) {
    const words: Record<string, string> = { '>=': 'at least', '>': 'more than', '<=': 'at most', '<': 'less than' }
    return `expected ${words[bound[1] ?? ''] ?? bound[1]} ${bound[2]}${bound[3] ? ` ${bound[3]}` : ''}`
  }
  const choice = /^expected one of (.+)$/.exec(text)
  if (choice) return `expected one of ${(choice[1] ?? '').split('|').map((word) => word.replace(/^"|"$/g, '')).join(', ')}`
  return text
}

function cliError(method: ApiMethod, error: ErrorInfo, places: Places): JobdeckError {
  if (error.code === 'invalid_input' && isInputIssues(error.details)) {
    const lines = error.details.map((issue) => {
      const [field, ...rest] = issue.path
      const place = field === undefined ? undefined : places[String(field)]
      if (!place) return `${method}: ${issue.path.length ? issue.path.join('.') : 'input'}: ${issue.message}`
      const where = place.inner && rest.length > 0 ? place.inner(rest) : place.name
      return `${where}: ${expectation(method, issue)}${place.given !== undefined && rest.length === 0 ? `, got ${place.given}` : ''}`
    })
    return new JobdeckError('invalid_input', lines.join('\n'))
  }
  // The operator named the command: the method the dispatch puts first says nothing more.
  const message = error.message.startsWith(`${method}: `) ? error.message.slice(method.length + 2) : error.message
  return new JobdeckError(error.code, message, error.details)
}
