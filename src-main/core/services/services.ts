import { newId } from '../ids'
import type { ApiResults, ConfigInfo, JobdeckApi } from '../../../src-shared/api'
import { jobTypeInfo, type ParamDef } from '../../../src-shared/config-schema'
import type { Params, Priority } from '../../../src-shared/domain'
import { JobdeckError } from '../../../src-shared/errors'
import { echo } from '../../../src-shared/redact'
import { validateParams, type ParamError, type ParamsResult } from '../../../src-shared/params'
import type { ConfigManager } from '../config/config-manager'
import { laneLimit, resolveLane } from '../config/job-command'
import { isAlive } from '../process/process-tree'
import type { QueueRunner } from '../runner/queue-runner'
import type { QueueWriter } from './queue-writer'
import type { SharedLink } from '../sync/shared-link'
import { connectionServices } from './connection-services'
import type { SecretStore } from '../secrets/secret-store'
import type { PgCredentials } from '../secrets/pg-credentials'
import type { StoredParams } from '../secrets/param-cipher'
import type { ParamSecrets } from '../secrets/param-secrets'
import { isSecretParam, maskSecretParams, redactSecretValue, SECRET_MASK, secretParamNames } from '../../../src-shared/secret-params'
import { explainOne, explainWaiting, type WaitContext } from '../runner/wait-reasons'
import { JobReads } from '../store/sqlite/job-reads'
import type { GateBlock } from '../../../src-shared/wait-reason'
import type { SqliteStore } from '../store/sqlite/sqlite-store'
import type { NewJob } from '../store/store-types'
import { runsToCsv } from './runs-csv'
import type { MonitorStore } from '../store/sqlite/monitor-store'
import type { Monitor } from '../monitor/monitor'
import { gateReason } from '../monitor/gate'
import type { HostHealthSummary, LogLine, LogStream, Run, RunnerStatus } from '../../../src-shared/domain'
import type { Health, HostSample } from '../../../src-shared/monitor'
import { LOCAL_CONNECTION, type BreakerState, type ConnectionState } from '../../../src-shared/connection'

export interface ServiceDeps {
  store: SqliteStore
  monitorStore: MonitorStore
  config: ConfigManager
  /** The monitor of this process, when it runs the runner. */
  monitor: () => Monitor | null
  /** The runner of this process, when it runs one. */
  runner: () => QueueRunner | null
  /** Where writes go: the local queue, or the shared one. */
  writer: QueueWriter
  /** Shared mode: the link to the shared database. */
  link: SharedLink | null
  /** Circuit breakers of `http` jobs, for status. */
  breakers?: () => BreakerState[]
  /** Where connection.save keeps a password (the desktop keychain); none headless. */
  secrets?: SecretStore
  /** The configured PostgreSQL passwords, each bound to its server (connection.test). */
  credentials?: PgCredentials
  /** Seals `secret: true` params at enqueue; without it, such a job is refused. */
  paramSecrets?: Pick<ParamSecrets, 'seal' | 'missingKey'>
  /** Publishes committed changes as events. */
  publishChanges: () => void
  now?: () => number
  lockStaleMs?: number
}

export interface BulkRowError {
  row: number
  errors: ParamError[]
}

function toEpoch(value: string | number, field: string): number {
  const ms = typeof value === 'number' ? value : Date.parse(value)
  if (!Number.isFinite(ms)) {
    throw new JobdeckError('invalid_input', `${field}: expected an ISO-8601 date/time or epoch milliseconds, got ${echo(value)}`)
  }
  return ms
}

/** The core's implementation of the API. Transports call these; none of them adds logic. */
export function createServices(deps: ServiceDeps): JobdeckApi {
  const { store, config, writer, link } = deps
  const now = deps.now ?? Date.now
  const connection = (): ConnectionState => link?.state ?? LOCAL_CONNECTION
  const jobReads = new JobReads(store.db)

  function typeOf(name: string) {
    const type = config.current.types.get(name)
    if (!type) {
      const known = [...config.current.types.keys()].join(', ')
      throw new JobdeckError('invalid_input', `unknown job type ${echo(name)}; the config declares: ${known || 'none'}`)
    }
    return type
  }

  function newJob(typeName: string, params: Params, priority: Priority | undefined): NewJob {
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

  /**
   * Validation as for any param, but a refused secret is not quoted in its error, and the mask
   * itself (copied from a view or `--json` output) is refused as what it is.
   */
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

  function checkedParams(typeName: string, input: Record<string, unknown>): Params {
    const defs = typeOf(typeName).params
    const result = validated(defs, input)
    if (!result.ok) {
      throw new JobdeckError('invalid_input', `invalid params for ${typeName}: ${result.errors.map((e) => e.message).join('; ')}`, result.errors)
    }
    return result.params
  }

  function afterWrite(): void {
    deps.publishChanges()
    deps.runner()?.refresh()
  }

  function configInfo(): ConfigInfo {
    const errors = config.errors
    return {
      path: config.path,
      ok: errors.length === 0,
      errors,
      types: [...config.current.types].map(([name, type]) => jobTypeInfo(name, type)),
      monitor: config.current.raw.monitor,
      runner: config.current.raw.runner,
      lanes: Object.fromEntries(Object.entries(config.current.raw.lanes).map(([lane, { limit }]) => [lane, limit])),
    }
  }

  /** Shared mode: the runners whose heartbeat the last sync saw. */
  function sharedRunners(): RunnerStatus['runners'] {
    if (!link) return []
    const text = store.metaValue('pg_runners')
    if (!text) return []
    try {
      const rows = JSON.parse(text) as Array<{ id: string; host: string; pid: number; heartbeat_at: number; running: number }>
      return rows.map((r) => ({ id: r.id, host: r.host, pid: r.pid, heartbeatAt: new Date(r.heartbeat_at).toISOString(), running: r.running }))
    } catch {
      return []
    }
  }

  function runnerAlive(): boolean {
    const local = deps.runner()
    if (local) return local.state() !== 'stopped'
    if (link) return sharedRunners().some((r) => now() - Date.parse(r.heartbeatAt) < (deps.lockStaleMs ?? 15_000) * 2)
    const lock = store.lockInfo()
    if (!lock) return false
    const fresh = now() - lock.heartbeatAt < (deps.lockStaleMs ?? 15_000)
    return fresh && isAlive(lock.pid)
  }

  /** From the local monitor, or as the runner process last recorded them. */
  function hostState(): { sample: HostSample | null; health: Health } {
    const local = deps.monitor()
    if (local) return { sample: local.latest(), health: local.health() }
    const health = deps.monitorStore.savedHealth() ?? { level: 'healthy' as const, reasons: [], since: new Date(now()).toISOString() }
    return { sample: deps.monitorStore.latestSample(), health }
  }

  function gateReasons(sample: HostSample | null, health: Health): Record<string, GateBlock> {
    const reasons: Record<string, GateBlock> = {}
    for (const [name, type] of config.current.types) {
      const reason = gateReason(type, sample, health)
      if (reason) reasons[name] = reason
    }
    return reasons
  }

  /** What decides why a job waits now (wait-reasons.ts), as runner.status and jobs.get see it. */
  function waitContext(running: Run[], known: { paused?: boolean; alive?: boolean; host?: ReturnType<typeof hostState> } = {}): WaitContext {
    const current = config.current
    const host = known.host ?? hostState()
    const gated = gateReasons(host.sample, host.health)
    return {
      now: now(),
      paused: known.paused ?? store.isPaused(),
      runnerAlive: known.alive ?? runnerAlive(),
      shared: link !== null,
      concurrency: current.raw.runner.concurrency,
      laneLimit: (lane) => laneLimit(current, lane),
      knownType: (type) => current.types.has(type),
      running,
      gate: (type) => gated[type] ?? null,
    }
  }

  function healthSummary(sample: HostSample | null, health: Health): HostHealthSummary | null {
    if (!sample) return null
    return {
      level: health.level,
      reasons: health.reasons,
      sampledAt: new Date(sample.at).toISOString(),
      cpu: sample.cpuPercent,
      memory: { usedPercent: sample.memory.usedPercent, availableBytes: sample.memory.availableBytes, totalBytes: sample.memory.totalBytes },
      disk: sample.disks.map((d) => ({ path: d.path, usedPercent: d.usedPercent, freeBytes: d.freeBytes })),
    }
  }

  const api: JobdeckApi = {
    async 'jobs.enqueue'(args) {
      const job = newJob(args.type, checkedParams(args.type, args.params), args.priority)
      const [created] = await writer.enqueue([job], now())
      afterWrite()
      return created as ApiResults['jobs.enqueue']
    },

    async 'jobs.enqueueBulk'(args) {
      const defs = typeOf(args.type).params
      const bad: BulkRowError[] = []
      const jobs: NewJob[] = []
      args.rows.forEach((row, index) => {
        const result = validated(defs, row)
        if (result.ok) jobs.push(newJob(args.type, result.params, args.priority))
        else bad.push({ row: index + 1, errors: result.errors })
      })
      if (bad.length > 0) {
        const first = bad
          .slice(0, 5)
          .map((b) => `row ${b.row}: ${b.errors.map((e) => e.message).join('; ')}`)
          .join('\n')
        throw new JobdeckError(
          'invalid_input',
          `${bad.length} of ${args.rows.length} rows are invalid; nothing was enqueued\n${first}${bad.length > 5 ? `\n… and ${bad.length - 5} more` : ''}`,
          bad,
        )
      }
      const created = await writer.enqueue(jobs, now())
      afterWrite()
      return created
    },

    async 'jobs.cancel'(args) {
      const result = await writer.cancel(args.id, now())
      afterWrite()
      return result
    },

    async 'jobs.retry'(args) {
      const job = await writer.retry(args.id, now())
      afterWrite()
      return job
    },

    async 'jobs.setPriority'(args) {
      const job = await writer.setPriority(args.id, args.priority)
      afterWrite()
      return job
    },

    async 'jobs.clear'(args) {
      const before = toEpoch(args.before, 'before')
      const removed = await writer.clear(before, now())
      afterWrite()
      return { removed }
    },

    async 'runner.pause'() {
      await writer.setPaused(true)
      afterWrite()
      return { paused: true as const }
    },

    async 'runner.resume'() {
      await writer.setPaused(false)
      afterWrite()
      return { paused: false as const }
    },

    async 'runner.drain'(args) {
      const local = deps.runner()
      if (!local) throw new JobdeckError('conflict', 'this process runs no runner; there is nothing to drain')
      local.setDraining(args.draining)
      return { draining: local.draining }
    },

    async 'jobs.restore'(args) {
      const job = await writer.restore(args.id)
      afterWrite()
      return job
    },

    async 'jobs.get'(args) {
      const job = store.resolveJob(args.id)
      const place = jobReads.place(job)
      const waitReason = place ? explainOne(job, place.aheadInLane, waitContext(store.listRunning().map((r) => r.run))) : null
      return { job, attempts: store.runsOfJob(job.id), position: place ? place.ahead + 1 : null, waitReason }
    },

    async 'jobs.list'(args) {
      const page = jobReads.list({
        status: args.status,
        ...(args.type ? { type: args.type } : {}),
        ...(args.since !== undefined ? { since: toEpoch(args.since, 'since') } : {}),
        ...(args.until !== undefined ? { until: toEpoch(args.until, 'until') } : {}),
        ...(args.before ? { before: { at: toEpoch(args.before.at, 'before.at'), id: args.before.id } } : {}),
        limit: args.limit,
        countUpTo: args.countUpTo,
      })
      return { ...page, next: page.next ? { at: new Date(page.next.at).toISOString(), id: page.next.id } : null }
    },

    async 'runner.status'(args) {
      const running = store.listRunning()
      const paused = store.isPaused()
      const alive = runnerAlive()
      const lock = store.lockInfo()
      const host = hostState()
      const waiting = explainWaiting(store.listWaiting(args.limit), waitContext(running.map((r) => r.run), { paused, alive, host }))
      const expected = jobReads.expecter()
      return {
        state: !alive ? 'stopped' : paused ? 'paused' : running.length > 0 ? 'running' : 'idle',
        paused,
        draining: deps.runner()?.draining ?? false,
        runnerId: alive ? (deps.runner()?.runnerId ?? lock?.runnerId ?? null) : null,
        runnerPid: alive ? (lock?.pid ?? null) : null,
        running: running.map((entry) => ({ ...entry, expected: expected(entry.run) })),
        queued: waiting.map((job) => ({ ...job, expected: expected(job) })),
        limits: {
          concurrency: config.current.raw.runner.concurrency,
          lanes: Object.fromEntries([...new Set([...running.map((r) => r.run.lane), ...waiting.map((j) => j.lane)])].map((lane) => [lane, laneLimit(config.current, lane)])),
        },
        counts: store.counts(),
        health: healthSummary(host.sample, host.health),
        breakers: deps.breakers?.() ?? [],
        connection: connection(),
        runners: sharedRunners(),
      }
    },

    async 'runs.list'(args) {
      return store.listRuns({
        ...(args.type ? { type: args.type } : {}),
        ...(args.status ? { status: args.status } : {}),
        ...(args.jobId ? { jobId: args.jobId } : {}),
        ...(args.since !== undefined ? { since: toEpoch(args.since, 'since') } : {}),
        ...(args.until !== undefined ? { until: toEpoch(args.until, 'until') } : {}),
        ...(args.before ? { before: { startedAt: toEpoch(args.before.startedAt, 'before.startedAt'), id: args.before.id } } : {}),
        ...(args.search ? { search: args.search } : {}),
        limit: args.limit,
      })
    },

    async 'runs.count'(args) {
      return store.countRuns(
        {
          ...(args.type ? { type: args.type } : {}),
          ...(args.status ? { status: args.status } : {}),
          ...(args.jobId ? { jobId: args.jobId } : {}),
          ...(args.since !== undefined ? { since: toEpoch(args.since, 'since') } : {}),
          ...(args.until !== undefined ? { until: toEpoch(args.until, 'until') } : {}),
          ...(args.search ? { search: args.search } : {}),
        },
        args.countUpTo,
      )
    },

    async 'runs.export'(args) {
      const runs = store.listRuns({
        ...(args.type ? { type: args.type } : {}),
        ...(args.status ? { status: args.status } : {}),
        ...(args.since !== undefined ? { since: toEpoch(args.since, 'since') } : {}),
        ...(args.until !== undefined ? { until: toEpoch(args.until, 'until') } : {}),
        ...(args.search ? { search: args.search } : {}),
        limit: args.limit + 1,
      })
      const truncated = runs.length > args.limit
      const rows = truncated ? runs.slice(0, args.limit) : runs
      return { csv: runsToCsv(rows), rows: rows.length, truncated }
    },

    async 'stats.byType'() {
      return store.typeStats()
    },

    async 'timeline.range'(args) {
      const since = toEpoch(args.since, 'since')
      const until = toEpoch(args.until, 'until')
      if (until <= since) throw new JobdeckError('invalid_input', 'timeline.range: until must be after since')
      return store.timeline({ since, until, groupBy: args.groupBy, bucketMs: args.bucketMs, maxItems: args.maxItems, now: now() })
    },

    async 'timeline.extent'(args) {
      return store.timelineExtent(toEpoch(args.since, 'since'))
    },

    async 'runs.get'(args) {
      const run = store.findRun(args.id) ?? lastRunOf(args.id)
      return { run, job: store.getJob(run.jobId), attempts: store.runsOfJob(run.jobId) }
    },

    async 'runs.log'(args) {
      const run = store.findRun(args.id) ?? lastRunOf(args.id)
      if (args.tail !== undefined) {
        const { lines, earlier } = store.logTail(run.id, args.tail)
        if (lines.length > 0 || !link?.online) return { lines, truncated: run.logTruncated, earlier }
        // Another instance ran it: its output lives in the shared database only.
        const shared = await link.queue.logs(run.id, 0, 100_000)
        const tail = shared.slice(-args.tail)
        return { lines: tail.map(sharedLogLine), truncated: run.logTruncated, earlier: shared.length - tail.length }
      }
      const lines = store.logs(run.id, args.afterId, args.limit)
      if (lines.length > 0 || args.afterId > 0 || !link?.online) return { lines, truncated: run.logTruncated }
      return { lines: (await link.queue.logs(run.id, args.afterId, args.limit)).map(sharedLogLine), truncated: run.logTruncated }
    },

    async 'runs.usage'(args) {
      const run = store.findRun(args.id) ?? lastRunOf(args.id)
      return { runId: run.id, points: deps.monitorStore.runUsage(run.id), peakRssBytes: run.peakRssBytes, cpuSeconds: run.cpuSeconds }
    },

    async 'monitor.latest'() {
      const { sample, health } = hostState()
      return { sample, health, waiting: gateReasons(sample, health) }
    },

    async 'monitor.range'(args) {
      const since = toEpoch(args.since, 'since')
      const until = args.until === undefined ? now() : toEpoch(args.until, 'until')
      // Raw samples exist only for the retention window; older spans come from the minutes.
      const rawFrom = now() - config.current.raw.monitor.rawRetention
      const resolution = args.resolution === 'auto' ? (until - since <= 3_600_000 && since >= rawFrom - 60_000 ? 'raw' : 'minute') : args.resolution
      return resolution === 'raw'
        ? { resolution, samples: deps.monitorStore.samples(since, until), minutes: [] }
        : { resolution, samples: [], minutes: deps.monitorStore.minutes(since - (since % 60_000), until) }
    },

    async 'config.get'() {
      return configInfo()
    },

    async 'config.reload'() {
      config.reload()
      afterWrite()
      return configInfo()
    },

    ...connectionServices({
      config,
      link,
      connection,
      ...(deps.secrets ? { secrets: deps.secrets } : {}),
      ...(deps.credentials ? { credentials: deps.credentials } : {}),
    }),
  }

  function sharedLogLine(row: { id: number; run_id: string; stream: string; at: number; text: string }): LogLine & { id: number } {
    return { id: row.id, runId: row.run_id, stream: row.stream as LogStream, at: new Date(row.at).toISOString(), text: row.text }
  }

  function lastRunOf(jobId: string) {
    const job = store.resolveJob(jobId)
    if (!job.lastRunId) throw new JobdeckError('not_found', `job ${job.id} has not run yet; it is ${job.status}`)
    return store.getRun(job.lastRunId)
  }

  return api
}
