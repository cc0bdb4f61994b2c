// The config part of the API: the config in force (its file, errors, job types, monitor, runner
// and lane settings) and a reload from its file.
import { jobTypeInfo, type JobdeckConfig } from '../../../src-shared/config-schema'
import type { ConfigInfo, JobdeckApi } from '../../../src-shared/api'
import { afterWrite, type ServiceDeps } from './service-deps'

export type ConfigApi = Pick<JobdeckApi, 'config.get' | 'config.reload'>

export function configServices(deps: ServiceDeps): ConfigApi {
  const { config } = deps

  function configInfo(): ConfigInfo {
    const errors = config.errors
    return {
      path: config.path,
      ok: errors.length === 0,
      errors,
      types: [...config.current.types].map(([name, type]) => jobTypeInfo(name, type)),
      monitor: config.current.raw.monitor,
      runner: runnerInfo(config.current.raw.runner),
      lanes: Object.fromEntries(Object.entries(config.current.raw.lanes).map(([lane, { limit }]) => [lane, limit])),
      rates: Object.fromEntries(Object.entries(config.current.raw.lanes).flatMap(([lane, { rate }]) => (rate ? [[lane, rate.text]] : []))),
      schedules: [...config.current.schedules.values()].filter((s) => s.enabled).map((s) => s.name),
      sources: Object.keys(config.current.raw.sources),
    }
  }

  return {
    async 'config.get'() {
      return configInfo()
    },

    async 'config.reload'() {
      config.reload()
      afterWrite(deps)
      return configInfo()
    },
  }
}

function runnerInfo(runner: JobdeckConfig['runner']): ConfigInfo['runner'] {
  const { concurrency, interruptLimit } = runner
  return { concurrency: concurrency.max, minConcurrency: concurrency.min, adaptive: concurrency.adaptive !== null, interruptLimit }
}
