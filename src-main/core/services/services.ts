// The core's implementation of the API, by area: jobs, runs (the history), runner, monitor,
// config and connection each answer their own methods from the same deps. createServices puts
// them together and checks, in the types and once more when the core is made, that together they
// answer every API method exactly once. Transports call the result through dispatch; none of them
// adds logic.
import { retentionServices } from './retention-services'
import { apiInputs, type ApiMethod, type JobdeckApi } from '../../../src-shared/api'
import { configServices } from './config-services'
import { connectionServices } from './connection-services'
import { jobsServices } from './jobs-services'
import { monitorServices } from './monitor-services'
import { runnerServices } from './runner-services'
import { runnerView } from './runner-view'
import { runsServices } from './runs-services'
import { schedulesServices } from './schedules-services'
import { sourcesServices } from './sources-services'
import { overlapsServices } from './overlaps-services'
import { alertSnoozeServices } from './alert-snooze-services'
import { alertsServices } from './alerts-services'
import type { ServiceDeps } from './service-deps'
import { sessionServices } from './session-services'
import { tokensServices } from './tokens-services'
import { auditServices } from './audit-services'

export type { ServiceDeps } from './service-deps'
export type { BulkRowError } from './job-params'

type KeysOf<P> = P extends readonly [infer H, ...infer R] ? keyof H | KeysOf<R> : never
type Twice<P, Seen = never> = P extends readonly [infer H, ...infer R] ? (keyof H & Seen) | Twice<R, Seen | keyof H> : never

/** `P` when its parts answer every API method exactly once and nothing else; else a type naming what is wrong. */
export type EachMethodOnce<P extends readonly object[]> = [Twice<P>] extends [never]
  ? [Exclude<ApiMethod, KeysOf<P>>] extends [never]
    ? [Exclude<KeysOf<P>, ApiMethod>] extends [never]
      ? P
      : { 'not an API method': Exclude<KeysOf<P>, ApiMethod> }
    : { 'API methods no part answers': Exclude<ApiMethod, KeysOf<P>> }
  : { 'API methods answered twice': Twice<P> }

/** The parts as one API: every method answered by exactly one part (a compile error otherwise, and a throw). */
export function answerEachMethodOnce<const P extends readonly object[]>(...parts: P & EachMethodOnce<P>): JobdeckApi {
  const api: Record<string, unknown> = {}
  for (const part of parts as readonly object[]) {
    for (const [method, handler] of Object.entries(part)) {
      if (Object.hasOwn(api, method)) throw new Error(`${method} is answered by two parts of the services`)
      if (!Object.hasOwn(apiInputs, method)) throw new Error(`${method} is not an API method`)
      api[method] = handler
    }
  }
  const missing = Object.keys(apiInputs).filter((method) => !Object.hasOwn(api, method))
  if (missing.length > 0) throw new Error(`no part of the services answers ${missing.join(', ')}`)
  return api as JobdeckApi
}

export function createServices(deps: ServiceDeps): JobdeckApi {
  const view = runnerView(deps)
  return answerEachMethodOnce(
    jobsServices(deps, view),
    runsServices(deps),
    runnerServices(deps, view),
    monitorServices(deps, view),
    configServices(deps),
    schedulesServices(deps),
    sourcesServices(deps),
    overlapsServices(deps),
    alertsServices(deps.alerts),
    retentionServices(deps),
    alertSnoozeServices(deps),
    sessionServices(),
    tokensServices(deps.tokens),
    auditServices(deps),
    connectionServices({
      config: deps.config,
      link: deps.link,
      connection: view.connection,
      ...(deps.secrets ? { secrets: deps.secrets } : {}),
      ...(deps.credentials ? { credentials: deps.credentials } : {}),
    }),
  )
}
