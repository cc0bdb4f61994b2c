// From a job type and concrete params to what gets spawned, and which lane the job waits in.
import path from 'node:path'
import type { JobTypeConfig, LaneConfig, LaneRate } from '../../../src-shared/config-schema'
import type { Params } from '../../../src-shared/domain'
import { laneEntry } from '../../../src-shared/lane-pattern'
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

/** A lane's settings: its exact key first, then the first `*` pattern in file order (`dealer:*`). */
function laneSettings(config: LoadedConfig, lane: string): LaneConfig | undefined {
  return laneEntry(config.raw.lanes, lane)
}

/** Exact lane key first, then the first `*` pattern in file order (`dealer:*`), else 1. */
export function laneLimit(config: LoadedConfig, lane: string): number {
  return laneSettings(config, lane)?.limit ?? 1
}

/**
 * The lane's start rate, found like its limit; null when it has none. A `*` pattern's rate holds
 * for each matching lane on its own (each has its own window), as its limit does.
 */
export function laneRate(config: LoadedConfig, lane: string): LaneRate | null {
  return laneSettings(config, lane)?.rate ?? null
}

/** The rates as the shared queue applies them: exact names, then `*` patterns in file order; null when no lane has one. */
export function laneRateSettings(config: LoadedConfig): { exact: Record<string, LaneRate>; patterns: Array<[string, LaneRate]> } | null {
  const exact: Record<string, LaneRate> = {}
  const patterns: Array<[string, LaneRate]> = []
  let any = false
  for (const [name, settings] of Object.entries(config.raw.lanes)) {
    // A lane without a rate still shadows the patterns after it, as for limits: null stands for "none".
    if (settings.rate) any = true
    if (name.includes('*')) patterns.push([name, settings.rate ?? NO_RATE])
    else exact[name] = settings.rate ?? NO_RATE
  }
  return any ? { exact, patterns } : null
}

/** A lane's settings without a rate, as the shared queue reads it: no limit on starts. */
export const NO_RATE: LaneRate = Object.freeze({ limit: 0, windowMs: 0, text: '' })

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
