import { apiInputs, type ApiMethod, type JobdeckApi } from '../../../src-shared/api'
import { JobdeckError, type ErrorInfo } from '../../../src-shared/errors'
import type { CallResult } from '../../../src-shared/wire'
import { inputErrorReply, internalErrorReply, serviceErrorReply, unknownMethodReply } from './error-reply'

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
  if (typeof method !== 'string' || !isApiMethod(method)) return unknownMethodReply(method)
  const proto = protoKeyPath(rawArgs, [], 0)
  if (proto !== null) {
    return inputErrorReply(method, [{ path: proto, code: 'unrecognized_keys', message: '"__proto__" is not a field or param name' }])
  }
  let parsed
  try {
    parsed = apiInputs[method].safeParse(rawArgs ?? {})
  } catch {
    // zod runs a field's checks even on a value of the wrong type: `{"length": [{"toString": 0}]}`
    // where a string is expected makes its length check throw. Still bad input, not an internal error.
    return inputErrorReply(method, [{ path: [], code: 'custom', message: 'expected the input this method takes; a value of the wrong type could not even be read' }])
  }
  if (!parsed.success) return inputErrorReply(method, parsed.error.issues)
  return { ok: true, method, args: parsed.data }
}

/**
 * The single entry every transport uses: checks the method exists, parses the input with the
 * method's schema (the error names the method and the field), and never throws. Every error
 * names the method and repeats no more than a clipped, credential-free piece of the input.
 */
export async function dispatch(api: JobdeckApi, method: string, rawArgs: unknown): Promise<CallResult> {
  try {
    const input = parseApiInput(method, rawArgs)
    if (!input.ok) return input
    const handler = api[input.method] as (args: unknown) => Promise<unknown>
    return { ok: true, value: await handler(input.args) }
  } catch (error) {
    if (error instanceof JobdeckError && isApiMethod(method)) return serviceErrorReply(method, error.toInfo())
    console.error(`jobdeck: ${String(method).slice(0, 100)} failed`, error)
    return internalErrorReply(String(method).slice(0, 100), error)
  }
}

/**
 * Where the input has an own `__proto__` key (JSON.parse makes one). zod's records drop it without
 * a word, so `params: {"__proto__": …}` was accepted as no params at all; it is refused instead.
 */
function protoKeyPath(value: unknown, path: Array<string | number>, depth: number): Array<string | number> | null {
  if (typeof value !== 'object' || value === null || depth > 8) return null
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = protoKeyPath(value[i], [...path, i], depth + 1)
      if (found) return found
    }
    return null
  }
  if (Object.hasOwn(value, '__proto__')) return [...path, '__proto__']
  for (const [key, item] of Object.entries(value)) {
    const found = protoKeyPath(item, [...path, key], depth + 1)
    if (found) return found
  }
  return null
}
