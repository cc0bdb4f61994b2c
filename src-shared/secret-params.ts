// Params declared `secret: true` (a token, a password): every view, export and message shows them
// as SECRET_MASK; only the job receives the value. Shared with the renderer, so no node imports.
import type { ParamDef } from './config-schema'
import type { Params } from './domain'

/** How a secret param's value is shown everywhere: API answers, views, CLI, CSV, logs. */
export const SECRET_MASK = '••••'

export function isSecretParam(def: ParamDef | undefined): boolean {
  return def?.secret === true
}

/** The secret params of a job type, in declaration order. */
export function secretParamNames(defs: Record<string, ParamDef>): string[] {
  return Object.entries(defs)
    .filter(([, def]) => isSecretParam(def))
    .map(([name]) => name)
}

/** `params` with every secret one replaced by the mask. */
export function maskSecretParams(params: Params, defs: Record<string, ParamDef>): Params {
  const masked: Params = { ...params }
  for (const name of secretParamNames(defs)) if (Object.hasOwn(masked, name)) masked[name] = SECRET_MASK
  return masked
}

/** A validation message quotes the value it refuses (`got "hunter2"`): for a secret, the mask instead. */
export function redactSecretValue(message: string, raw: unknown): string {
  if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') return message
  const text = String(raw)
  if (text === '') return message
  const quoted = message.split(JSON.stringify(text)).join(JSON.stringify(SECRET_MASK))
  // Unquoted too (numbers are), unless so short that every word would lose letters to it.
  return text.length < 3 && typeof raw === 'string' ? quoted : quoted.split(text).join(SECRET_MASK)
}
