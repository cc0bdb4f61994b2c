import { apiInputs, type ApiMethod, type JobdeckApi } from '../../../src-shared/api'
import { JobdeckError, type ErrorInfo } from '../../../src-shared/errors'

export type CallResult = { ok: true; value: unknown } | { ok: false; error: ErrorInfo }

export function isApiMethod(method: string): method is ApiMethod {
  return Object.hasOwn(apiInputs, method)
}

/**
 * The single entry every transport uses: checks the method exists, parses the input with the
 * method's schema (the error names the method and the field), and never throws.
 */
export async function dispatch(api: JobdeckApi, method: string, rawArgs: unknown): Promise<CallResult> {
  try {
    if (!isApiMethod(method)) {
      throw new JobdeckError('invalid_input', `unknown API method "${method}"`)
    }
    const parsed = apiInputs[method].safeParse(rawArgs ?? {})
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'input'}: ${i.message}`)
      throw new JobdeckError('invalid_input', `${method}: ${problems.join('; ')}`, parsed.error.issues)
    }
    const handler = api[method] as (args: unknown) => Promise<unknown>
    return { ok: true, value: await handler(parsed.data) }
  } catch (error) {
    if (error instanceof JobdeckError) return { ok: false, error: error.toInfo() }
    console.error(`jobdeck: ${method} failed`, error)
    return { ok: false, error: { code: 'internal', message: `${method} failed: ${(error as Error).message}` } }
  }
}
