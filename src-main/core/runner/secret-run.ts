// A run's secret params meet its job and nothing else: they are opened just before the executor
// starts (argv, env, http and sql params get the values), and every output line, progress message
// and error the run produces has their exact values masked before it is stored or announced.
import type { Params } from '../../../src-shared/domain'
import { JobdeckError } from '../../../src-shared/errors'
import { SECRET_MASK } from '../../../src-shared/secret-params'
import { failedResult } from '../executors/outcome'
import type { ExecutionContext, ExecutionResult, Executor } from '../executors/types'
import { isSealed, type StoredParams } from '../secrets/param-cipher'
import type { ParamSecrets } from '../secrets/param-secrets'

export type ParamOpener = Pick<ParamSecrets, 'open'>

export interface RunParams {
  params: Params
  /** The text with every secret value of this run replaced by the mask. */
  mask(text: string): string
}

const unchanged = (text: string): string => text

/** Throws a JobdeckError that names no value when a sealed param cannot be opened. */
export function openRunParams(jobId: string, stored: StoredParams, opener: ParamOpener | null | undefined): RunParams {
  const sealed = Object.keys(stored).filter((name) => isSealed(stored[name]))
  if (sealed.length === 0) return { params: stored as Params, mask: unchanged }
  if (!opener) throw new JobdeckError('unavailable', `secret param "${sealed[0]}" cannot be opened: this runner has no key`)
  const params = opener.open(jobId, stored)
  // Longest first: a value inside another is masked as part of the longer one.
  const values = [...new Set(sealed.map((name) => String(params[name])))].filter((v) => v !== '').sort((a, b) => b.length - a.length)
  return {
    params,
    mask: (text) => {
      let out = text
      for (const value of values) if (out.includes(value)) out = out.split(value).join(SECRET_MASK)
      return out
    },
  }
}

/** The executor's callbacks with the run's secrets masked on their way to logs and events. */
export function maskedContext(ctx: ExecutionContext, mask: RunParams['mask']): ExecutionContext {
  if (mask === unchanged) return ctx
  return {
    ...ctx,
    onLog: (stream, text) => ctx.onLog(stream, mask(text)),
    onProgress: (progress) => ctx.onProgress(progress.message === null ? progress : { ...progress, message: mask(progress.message) }),
  }
}

export function maskedResult(result: ExecutionResult, mask: RunParams['mask']): ExecutionResult {
  return result.error === null || mask === unchanged ? result : { ...result, error: mask(result.error) }
}

/**
 * Runs one claimed run: its params opened, its callbacks and result masked. Never rejects: a
 * missing executor, a param that cannot be opened or an executor that throws is a failed result.
 */
export function executeWithSecrets(run: {
  executor: Executor | null
  /** The failure when there is no executor (the type left the config). */
  missing: string
  stored: StoredParams
  opener: ParamOpener | null | undefined
  ctx: Omit<ExecutionContext, 'params'>
}): Promise<ExecutionResult> {
  const { executor } = run
  if (!executor) return Promise.resolve(failedResult(run.missing))
  let prepared: RunParams
  try {
    prepared = openRunParams(run.ctx.jobId, run.stored, run.opener)
  } catch (error) {
    return Promise.resolve(failedResult((error as Error).message))
  }
  let execution: Promise<ExecutionResult>
  try {
    execution = executor.execute(maskedContext({ ...run.ctx, params: prepared.params }, prepared.mask))
  } catch (error) {
    execution = Promise.reject(error)
  }
  return execution
    .catch((error: unknown) => failedResult(`executor failed: ${(error as Error).message}`))
    .then((result) => maskedResult(result, prepared.mask))
}
