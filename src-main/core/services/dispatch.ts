import { apiAccess, apiInputs, type ApiMethod, type JobdeckApi } from '../../../src-shared/api'
import { roleAllows, type Caller } from '../../../src-shared/access'
import type { AuditedCall, AuditSink } from '../access/audit-sink'
import { JobdeckError, type ErrorInfo } from '../../../src-shared/errors'
import type { CallResult } from '../../../src-shared/wire'
import { forbiddenReply, inputErrorReply, internalErrorReply, serviceErrorReply, unknownMethodReply } from './error-reply'

export type { CallResult }
export type { AuditedCall, AuditSink }

/** What dispatch calls into: the core's API and its audit log. */
export interface DispatchTarget {
  api: JobdeckApi
  audit: AuditSink | null
}

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
 * The single entry every transport uses: checks the method exists, that the caller's role may
 * call it, parses the input with the method's schema (the error names the method and the field),
 * and never throws. Every error names the method and repeats no more than a clipped,
 * credential-free piece of the input. A call that changes something (apiAccess) is recorded in
 * the audit log before the answer leaves, whether it was allowed or refused for its role.
 */
export async function dispatch(target: DispatchTarget, method: string, rawArgs: unknown, caller: Caller): Promise<CallResult> {
  const at = Date.now()
  if (typeof method === 'string' && isApiMethod(method) && !roleAllows(caller.role, apiAccess[method].role)) {
    const refused = forbiddenReply(method, caller, apiAccess[method].role)
    if (apiAccess[method].changes) await audit(target, { caller, method, args: rawArgs, result: refused, at })
    return refused
  }
  const input = parseApiInput(method, rawArgs)
  if (!input.ok) return input
  const result = await answer(target.api, input.method, input.args, caller)
  if (apiAccess[input.method].changes) await audit(target, { caller, method: input.method, args: input.args, result, at })
  return result
}

async function answer(api: JobdeckApi, method: ApiMethod, args: unknown, caller: Caller): Promise<CallResult> {
  try {
    const handler = api[method] as (args: unknown, caller: Caller) => Promise<unknown>
    return { ok: true, value: await handler(args, caller) }
  } catch (error) {
    if (error instanceof JobdeckError) return serviceErrorReply(method, error.toInfo())
    console.error(`jobdeck: ${method} failed`, error)
    return internalErrorReply(method, error)
  }
}

/** The change is made already: a failing audit write is logged, and the answer still goes out. */
async function audit(target: DispatchTarget, call: AuditedCall): Promise<void> {
  if (!target.audit) return
  try {
    await target.audit.record(call)
  } catch (error) {
    console.error(`jobdeck: could not write the audit record of ${call.method} by ${call.caller.who}`, error)
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
