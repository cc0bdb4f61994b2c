// A job as enqueue makes it: its type looked up in the config, its params checked against the
// type's schema (a refused secret is not quoted, the mask is refused as what it is), secret params
// sealed for the job's id, its priority and its lane resolved.
import { newId } from '../ids'
import { resolveLane } from '../config/job-command'
import type { StoredParams } from '../secrets/param-cipher'
import type { NewJob } from '../store/store-types'
import type { JobTypeConfig, ParamDef } from '../../../src-shared/config-schema'
import type { Params, Priority } from '../../../src-shared/domain'
import { JobdeckError } from '../../../src-shared/errors'
import { validateParams, type ParamError, type ParamsResult } from '../../../src-shared/params'
import { echo } from '../../../src-shared/redact'
import { isSecretParam, maskSecretParams, redactSecretValue, SECRET_MASK, secretParamNames } from '../../../src-shared/secret-params'
import type { ServiceDeps } from './service-deps'

/** One refused row of a bulk add (the `details` of its refusal): 1-based, with its param errors. */
export interface BulkRowError {
  row: number
  errors: ParamError[]
}

export interface JobParams {
  typeOf(name: string): JobTypeConfig
  /**
   * Validation as for any param, but a refused secret is not quoted in its error, and the mask
   * itself (copied from a view or `--json` output) is refused as what it is.
   */
  validated(defs: Record<string, ParamDef>, input: Record<string, unknown>): ParamsResult
  /** The params of one job, or a refusal naming each param at fault. */
  checkedParams(typeName: string, input: Record<string, unknown>): Params
  newJob(typeName: string, params: Params, priority: Priority | undefined): NewJob
}

export function jobParams(deps: Pick<ServiceDeps, 'config' | 'paramSecrets'>): JobParams {
  const { config } = deps

  function typeOf(name: string): JobTypeConfig {
    const type = config.current.types.get(name)
    if (!type) {
      const known = [...config.current.types.keys()].join(', ')
      throw new JobdeckError('invalid_input', `unknown job type ${echo(name)}; the config declares: ${known || 'none'}`)
    }
    return type
  }

  /** Secret params sealed for job `id` (enqueue takes them in plaintext; nothing stores them so). */
  function sealedParams(id: string, typeName: string, params: Params): StoredParams {
    const names = secretParamNames(typeOf(typeName).params).filter((name) => Object.hasOwn(params, name))
    if (names.length === 0) return params
    const secrets = deps.paramSecrets
    const missing = secrets ? secrets.missingKey() : 'this Jobdeck has no key for them'
    if (!secrets || missing !== null) {
      throw new JobdeckError('unavailable', `${typeName} has secret params (${names.join(', ')}) and they cannot be stored sealed: ${missing}`)
    }
    return secrets.seal(id, params, names)
  }

  function validated(defs: Record<string, ParamDef>, input: Record<string, unknown>): ParamsResult {
    const masks = secretParamNames(defs).filter((name) => Object.hasOwn(input, name) && input[name] === SECRET_MASK)
    if (masks.length > 0) {
      return {
        ok: false,
        errors: masks.map((name) => ({ param: name, message: `param "${name}": ${SECRET_MASK} is how a stored secret is shown, not its value; give the value itself` })),
      }
    }
    const result = validateParams(defs, input)
    if (result.ok) return result
    return { ok: false, errors: result.errors.map((e) => (isSecretParam(defs[e.param]) ? { ...e, message: redactSecretValue(e.message, input[e.param]) } : e)) }
  }

  return {
    typeOf,
    validated,
    checkedParams(typeName, input) {
      const defs = typeOf(typeName).params
      const result = validated(defs, input)
      if (!result.ok) {
        throw new JobdeckError('invalid_input', `invalid params for ${typeName}: ${result.errors.map((e) => e.message).join('; ')}`, result.errors)
      }
      return result.params
    },
    newJob(typeName, params, priority) {
      const type = typeOf(typeName)
      const id = newId()
      return {
        id,
        type: typeName,
        params: sealedParams(id, typeName, params),
        priority: priority ?? type.priority,
        // The config refuses a secret param in a lane; masked all the same, as the lane is shown in clear.
        lane: resolveLane(type, maskSecretParams(params, type.params)),
      }
    },
  }
}
