import { apiInputs, type ApiMethod, type JobdeckApi } from '../../../src-shared/api'
import { JobdeckError, type ErrorInfo } from '../../../src-shared/errors'
import type { CallResult } from '../../../src-shared/wire'

export type { CallResult }

export function isApiMethod(method: string): method is ApiMethod {
  return Object.hasOwn(apiInputs, method)
}

/**
 * Checks the method exists and parses its input with the method's schema; the error names the
 * method and each field at fault. Transports that relay (Electron IPC) check here before relaying.
 */
export function parseApiInput(
  method: string,
  rawArgs: unknown,
): { ok: true; method: ApiMethod; args: unknown } | { ok: false; error: ErrorInfo } {
  if (!isApiMethod(method)) {
    return { ok: false, error: { code: 'invalid_input', message: `unknown API method "${String(method)}"` } }
  }
  const parsed = apiInputs[method].safeParse(rawArgs ?? {})
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'input'}: ${i.message}`)
    return {
      ok: false,
      error: new JobdeckError('invalid_input', `${method}: ${problems.join('; ')}`, parsed.error.issues).toInfo(),
    }
  }
  return { ok: true, method, args: parsed.data }
}

/**
 * The single entry every transport uses: checks the method exists, parses the input with the
 * method's schema (the error names the method and the field), and never throws.
 */
export async function dispatch(api: JobdeckApi, method: string, rawArgs: unknown): Promise<CallResult> {
  try {
    const input = parseApiInput(method, rawArgs)
    if (!input.ok) return input
    const handler = api[input.method] as (args: unknown) => Promise<unknown>
    return { ok: true, value: await handler(input.args) }
  } catch (error) {
    if (error instanceof JobdeckError) return { ok: false, error: error.toInfo() }
    console.error(`jobdeck: ${method} failed`, error)
    return { ok: false, error: { code: 'internal', message: `${method} failed: ${(error as Error).message}` } }
  }
}
