// From a job type and concrete params to what gets spawned, and which lane the job waits in.
import path from 'node:path'
import type { JobTypeConfig } from '../../../src-shared/config-schema'
import type { Params } from '../../../src-shared/domain'
import { substitute } from '../../../src-shared/template'
import { inheritedJobEnv } from './job-env'
import type { LoadedConfig } from './load-config'

export interface CommandSpec {
  /** Spawned directly, never through a shell: a value with spaces stays one argument. */
  argv: string[]
  cwd: string
  env: Record<string, string>
}

export const DEFAULT_LANE = 'default'

/**
 * `type` is a resolved job type from `LoadedConfig.types`. Env layers, later winning:
 * the engine's own environment without its credentials (job-env.ts), `extraEnv` (from the
 * runner), the type's `env`; but the run's JOBDECK_RUN_ID is never overridden: it is how a
 * run's processes are found and stopped.
 */
export function buildCommand(
  type: JobTypeConfig,
  params: Params,
  extraEnv: Record<string, string>,
  baseEnv: Readonly<Record<string, string | undefined>> = process.env,
): CommandSpec {
  if (!type.command) throw new Error('this job type has no `command`; it runs through another executor')
  const argv = type.command.map((element) => substitute(element, params))
  const cwd = type.cwd === undefined ? process.cwd() : substitute(type.cwd, params)
  if (!path.isAbsolute(cwd)) {
    throw new Error(`cwd ${JSON.stringify(type.cwd)} became the relative path ${JSON.stringify(cwd)}; a cwd that starts with a {param} must be an absolute path`)
  }
  const env = inheritedJobEnv(baseEnv)
  Object.assign(env, extraEnv)
  for (const [key, value] of Object.entries(type.env)) env[key] = substitute(value, params)
  if (extraEnv.JOBDECK_RUN_ID !== undefined) env.JOBDECK_RUN_ID = extraEnv.JOBDECK_RUN_ID
  return { argv, cwd, env }
}

/** The lane of a job; a template whose params are all empty falls back to the default lane. */
export function resolveLane(type: JobTypeConfig, params: Params): string {
  const lane = substitute(type.lane, params).trim()
  return lane === '' ? DEFAULT_LANE : lane
}

/** Exact lane key first, then the first `*` pattern in file order (`dealer:*`), else 1. */
export function laneLimit(config: LoadedConfig, lane: string): number {
  const lanes = config.raw.lanes
  const exact = Object.hasOwn(lanes, lane) ? lanes[lane] : undefined
  if (exact) return exact.limit
  for (const [pattern, settings] of Object.entries(lanes)) {
    if (pattern.includes('*') && globToRegExp(pattern).test(lane)) return settings.limit
  }
  return 1
}

/** The lane limits as the shared queue applies them: exact names, then `*` patterns in file order. */
export function laneLimitSettings(config: LoadedConfig): { exact: Record<string, number>; patterns: Array<[string, number]> } {
  const exact: Record<string, number> = {}
  const patterns: Array<[string, number]> = []
  for (const [name, settings] of Object.entries(config.raw.lanes)) {
    if (name.includes('*')) patterns.push([name, settings.limit])
    else exact[name] = settings.limit
  }
  return { exact, patterns }
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .split('*')
    .map((piece) => piece.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*')
  return new RegExp(`^${body}$`, 's')
}
