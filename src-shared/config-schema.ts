// The shape of jobdeck.yaml. The core parses the file (with positions for errors); the renderer
// reuses the same types to build forms, so the schema lives here.
import { z } from 'zod'
import { PARAM_TYPES, PRIORITIES } from './domain'
import { MISSED_POLICIES, OVERLAP_POLICIES } from './schedules'
import { SOURCE_COLUMN_KEYS, SOURCE_MEANINGS, SOURCE_PRESETS } from './sources'
import { compilePattern } from './param-pattern'
import { MAX_DURATION_MS, MAX_TIMER_MS, parseDuration, readDuration, readSeconds } from './units'
import { describeConfigValue, durationText, percentText, sizeText } from './config-values'
import { alertsSchema } from './alert-config'
import { DEFAULT_RETENTION, retentionSchema } from './retention-config'

export { describeConfigValue } from './config-values'

/** What a job type needs from the machine before it may start (the resource gate). */
export const needsSchema = z.strictObject({
  freeMemory: sizeText('needs.freeMemory').optional(),
  /** Free space on the filesystem of the type's working dir. */
  freeDisk: sizeText('needs.freeDisk').optional(),
  /** The machine's CPU use must be below this. */
  maxCpu: percentText('needs.maxCpu').optional(),
})
export type Needs = z.output<typeof needsSchema>

const scalar = z.union([z.string(), z.number(), z.boolean()])

export const paramDefSchema = z
  .strictObject({
    type: z.enum(PARAM_TYPES),
    required: z.boolean().default(false),
    default: scalar.optional(),
    pattern: z.string().optional(),
    min: z.number().optional(),
    max: z.number().optional(),
    values: z.array(z.union([z.string(), z.number()]).transform(String)).min(1).optional(),
    description: z.string().optional(),
    label: z.string().optional(),
    /** Stored encrypted, shown as •••• everywhere, handed only to the job (secret-params.ts). */
    secret: z.boolean().optional(),
  })
  .superRefine((def, ctx) => {
    if (def.type === 'enum' && !def.values) {
      ctx.addIssue({ code: 'custom', path: ['values'], message: 'an enum param needs `values: [a, b, …]`' })
    }
    if (def.type !== 'enum' && def.values) {
      ctx.addIssue({ code: 'custom', path: ['values'], message: '`values` applies only to `type: enum`' })
    }
    if (def.pattern !== undefined) {
      if (def.type !== 'string') {
        ctx.addIssue({ code: 'custom', path: ['pattern'], message: '`pattern` applies only to `type: string`' })
      }
      const compiled = compilePattern(def.pattern)
      if (!compiled.ok) {
        ctx.addIssue({ code: 'custom', path: ['pattern'], message: `invalid regular expression ${def.pattern}: ${compiled.reason}` })
      }
    }
    if (def.min !== undefined && def.max !== undefined && def.min > def.max) {
      ctx.addIssue({ code: 'custom', path: ['max'], message: `\`max\` (${def.max}) is below \`min\` (${def.min})` })
    }
    if ((def.min !== undefined || def.max !== undefined) && def.type !== 'integer' && def.type !== 'number') {
      ctx.addIssue({
        code: 'custom',
        path: [def.min !== undefined ? 'min' : 'max'],
        message: '`min`/`max` apply only to integer and number params',
      })
    }
  })
export type ParamDef = z.output<typeof paramDefSchema>

export const retryPolicySchema = z.strictObject({
  max: z.number().int().min(0).max(100).default(0),
  backoff: z.enum(['fixed', 'exponential']).default('exponential'),
  base: durationText('retries.base').default(30_000),
  maxDelay: durationText('retries.maxDelay').default(3_600_000),
  jitter: z.boolean().default(true),
})
export type RetryPolicy = z.output<typeof retryPolicySchema>

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/
const SOURCE_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,31}$/

/**
 * Names every JS object already answers to. As a key of a plain object `__proto__` vanishes (a job
 * type named so left "valid: 0 job types") and the others shadow or break lookups.
 */
export const RESERVED_NAMES: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype'])
export const RESERVED_NAME_MESSAGE = '__proto__, constructor and prototype are reserved names; choose another'

/** A key the operator names (a job type, lane, param, connection, env variable, header). */
const userName = (key: z.ZodString = z.string()) => key.refine((name) => !RESERVED_NAMES.has(name), RESERVED_NAME_MESSAGE)

/** A PostgreSQL URL; a password inside it must come from the environment, never the config file. */
const postgresUrl = () =>
  z
    .string()
    .min(1)
    .superRefine((value, ctx) => {
      let url: URL
      try {
        url = new URL(value)
      } catch {
        ctx.addIssue({ code: 'custom', message: `expected a URL like postgres://user@host:5432/db, got ${JSON.stringify(value)}` })
        return
      }
      if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
        ctx.addIssue({ code: 'custom', message: `expected a postgres:// or postgresql:// URL, got ${url.protocol}` })
      }
      if (url.password) {
        ctx.addIssue({
          code: 'custom',
          message: `the password must not be written in the config file; remove it and use PGPASSWORD, ~/.pgpass, JOBDECK_PG_URL, or the app's Settings (kept in the OS keychain)`,
        })
      }
    })

export const tlsSchema = z.union([
  z.boolean(),
  z.strictObject({
    /** Verify the server certificate (default true). */
    rejectUnauthorized: z.boolean().default(true),
    /** Path of a CA certificate file (PEM). */
    ca: z.string().optional(),
    /** Client certificate and key files (PEM) for certificate authentication. */
    cert: z.string().optional(),
    key: z.string().optional(),
  }),
])
export type TlsConfig = z.output<typeof tlsSchema>

/** The shared-mode database: one queue and history for every instance pointed at it. */
const postgresFields = {
  poolSize: z.number().int().min(2).max(100).default(10),
  connectTimeout: durationText('postgres.connectTimeout').default(5_000),
  statementTimeout: durationText('postgres.statementTimeout').default(30_000),
  /** A run whose runner stops renewing its lease for this long is rescued by another runner. */
  lease: durationText('postgres.lease').default(30_000),
  ssl: tlsSchema.optional(),
}
/** `url` may be left to `--pg` / JOBDECK_PG_URL; the other settings still apply. */
export const postgresSchema = z.strictObject({ url: postgresUrl().optional(), ...postgresFields })
/** The same settings with a URL from the environment or `--pg`, where a password may be. */
export const postgresRuntimeSchema = z.strictObject({ url: z.string().min(1), ...postgresFields })
export type PostgresConfig = z.output<typeof postgresRuntimeSchema>

/** A database `sql` jobs run against. */
export const connectionSchema = z.strictObject({
  url: postgresUrl(),
  ssl: tlsSchema.optional(),
  poolSize: z.number().int().min(1).max(100).default(4),
  connectTimeout: durationText('connections.connectTimeout').default(5_000),
})
export type ConnectionConfig = z.output<typeof connectionSchema>

/** `sql` executor: a statement or a script file, params bound by name (`:dealer_id`), never interpolated. */
export const sqlJobSchema = z
  .strictObject({
    /** A name under `connections:`; default: the shared-mode `postgres:` database. */
    connection: z.string().min(1).optional(),
    statement: z.string().min(1).optional(),
    /** A .sql file (relative to the config file); statements run in order in one transaction. */
    script: z.string().min(1).optional(),
    statementTimeout: durationText('sql.statementTimeout').default(60_000),
  })
  .refine((s) => (s.statement === undefined) !== (s.script === undefined), {
    message: 'expected exactly one of `statement` or `script`',
  })
export type SqlJobConfig = z.output<typeof sqlJobSchema>

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'] as const

/** `http` executor: templates get params (URL-encoded in `url`, JSON-encoded in `body`). */
export const httpJobSchema = z.strictObject({
  method: z.enum(HTTP_METHODS).default('GET'),
  url: z.string().min(1),
  headers: z.record(userName(), z.union([z.string(), z.number()]).transform(String)).default({}),
  /** A JSON value whose strings may hold `{param}` placeholders, or a string template. */
  body: z.unknown().optional(),
  /** Per request. */
  timeout: durationText('http.timeout').default(30_000),
  /** Retries within one run on network errors and 5xx. */
  retries: z
    .strictObject({ max: z.number().int().min(0).max(20).default(2), base: durationText('http.retries.base').default(500) })
    .default({ max: 2, base: 500 }),
  /** Per host: open after `failures` consecutive failures, try again (half-open) after `resetAfter`. */
  breaker: z
    .strictObject({ failures: z.number().int().min(1).max(1000).default(5), resetAfter: durationText('http.breaker.resetAfter').default(30_000) })
    .default({ failures: 5, resetAfter: 30_000 }),
  /** Status codes counted as success (default: 2xx). */
  okStatus: z.array(z.number().int().min(100).max(599)).optional(),
})
export type HttpJobConfig = z.output<typeof httpJobSchema>

/** A C string ends at a NUL: an argument, variable or path holding one failed every start. */
const withoutNul = z.superRefine<string>((text, ctx) => {
  const at = text.indexOf('\0')
  if (at !== -1) {
    ctx.addIssue({
      code: 'custom',
      message: `holds a NUL character (\\0) at character ${at + 1}; a program argument, environment variable or path cannot hold one`,
    })
  }
})

export const jobTypeSchema = z.strictObject({
  title: z.string().optional(),
  description: z.string().optional(),
  command: z
    .array(z.union([z.string(), z.number()]).transform(String).check(withoutNul))
    .min(1, 'expected a command as a non-empty argv array, e.g. [node, jobs/fetch.js]')
    .optional(),
  sql: sqlJobSchema.optional(),
  http: httpJobSchema.optional(),
  cwd: z.string().check(withoutNul).optional(),
  env: z.record(userName(), z.union([z.string(), z.number(), z.boolean()]).transform(String).check(withoutNul)).default({}),
  params: z
    .record(userName(z.string().regex(PARAM_NAME, 'a param name is letters, digits, _ or -')), paramDefSchema)
    .default({}),
  lane: z.string().min(1).default('default'),
  timeout: durationText('timeout').optional(),
  killGrace: durationText('killGrace').default(10_000),
  retries: retryPolicySchema.default({ max: 0, backoff: 'exponential', base: 30_000, maxDelay: 3_600_000, jitter: true }),
  priority: z.enum(PRIORITIES).default('normal'),
  onInterrupt: z.enum(['requeue', 'fail']).default('requeue'),
  /** Bytes of output kept per run (newest kept). */
  logLimit: z.number().int().min(1024).default(1024 * 1024),
  needs: needsSchema.optional(),
}).superRefine((type, ctx) => {
  const executors = (['command', 'sql', 'http'] as const).filter((key) => type[key] !== undefined)
  if (executors.length !== 1) {
    ctx.addIssue({
      code: 'custom',
      params: { at: 'key' },
      message:
        executors.length === 0
          ? 'expected an executor: `command: [argv…]`, `sql: { statement }` or `http: { url }`'
          : `expected exactly one executor, got ${executors.join(' and ')}`,
    })
  }
})
export type JobTypeConfig = z.output<typeof jobTypeSchema>

const rateExpected = (got: unknown): string =>
  `expected rate as starts per window like 10/m, 5/2s or 100/1h (N/DURATION), got ${describeConfigValue(got)}`

/** `N/DURATION`: at most N starts in any sliding window of DURATION (`10/m`, `5/2s`, `100/1h`). */
export const rateText = z.string({ error: (issue) => rateExpected(issue.input) }).transform((value, ctx): LaneRate => {
  // On trimmed text, and the window's number starts with a digit: with `\s*` on both sides of an
  // optional empty number, `1/` and 40,000 spaces took 1.6 s to refuse.
  const match = /^(\d+)\s*\/\s*(?:(\d+(?:\.\d+)?)\s*)?(ms|s|m|h|d)$/.exec(value.trim())
  const limit = match ? Number(match[1]) : NaN
  const windowMs = match ? parseDuration(`${match[2] ?? '1'}${match[3]}`) : null
  if (!match || !Number.isInteger(limit) || limit < 1 || limit > 1_000_000 || windowMs === null || windowMs < 1 || windowMs > MAX_TIMER_MS) {
    ctx.addIssue({ code: 'custom', message: rateExpected(value) })
    return z.NEVER
  }
  return { limit, windowMs, text: value.replace(/\s+/g, '') }
})
export interface LaneRate {
  limit: number
  windowMs: number
  /** As written, without spaces (`10/m`), for messages. */
  text: string
}

export const laneSchema = z.strictObject({
  limit: z.number().int().min(1).max(1000).default(1),
  /** Starts per sliding window (`10/m`); across instances in shared mode. */
  rate: rateText.optional(),
})
export type LaneConfig = z.output<typeof laneSchema>

/**
 * `runner.concurrency`: a plain number (fixed, as before), or adaptive: the effective limit steps
 * between `min` and `max` with the host's CPU and free memory (runner/adaptive-concurrency.ts).
 */
const adaptiveConcurrencySchema = z
  .strictObject({
    min: z.number().int().min(1).max(1000).default(1),
    max: z.number().int().min(1).max(1000),
    cpu: z
      .strictObject({ high: percentText('runner.concurrency.cpu.high').default(80), low: percentText('runner.concurrency.cpu.low').default(50) })
      .refine((c) => c.low < c.high, { message: 'runner.concurrency.cpu: low must be below high' })
      .default({ high: 80, low: 50 }),
    /** Steps down while the host's available memory is under this. */
    freeMemory: sizeText('runner.concurrency.freeMemory').optional(),
  })
  .refine((c) => c.min <= c.max, { message: 'runner.concurrency: min must not be above max', path: ['min'] })

export interface RunnerConcurrency {
  min: number
  max: number
  /** null: fixed at `max` (a plain number). */
  adaptive: null | { cpuHigh: number; cpuLow: number; freeMemoryBytes: number | null }
}

const concurrencySchema = z
  .union([z.number().int().min(1).max(1000), adaptiveConcurrencySchema], {
    error: (issue) =>
      `expected runner.concurrency as a number from 1 to 1000, or { min, max, cpu: { high, low }, freeMemory }, got ${describeConfigValue(issue.input)}`,
  })
  .transform((value): RunnerConcurrency =>
    typeof value === 'number'
      ? { min: value, max: value, adaptive: null }
      : { min: value.min, max: value.max, adaptive: { cpuHigh: value.cpu.high, cpuLow: value.cpu.low, freeMemoryBytes: value.freeMemory ?? null } },
  )

export const runnerSchema = z.strictObject({
  concurrency: concurrencySchema.default({ min: 1, max: 1, adaptive: null }),
  /** A job whose runs were interrupted this many times fails instead of being re-queued. */
  interruptLimit: z.number().int().min(1).max(100).default(3),
})

const thresholdPair = (what: string, warning: number, critical: number) =>
  z
    .strictObject({ warning: percentText(`${what}.warning`), critical: percentText(`${what}.critical`) })
    .refine((t) => t.warning < t.critical, { message: `${what}: warning must be below critical` })
    .default({ warning, critical })

export const monitorSchema = z.strictObject({
  /** Host sampling period. */
  interval: durationText('monitor.interval').default(1_000),
  /** Per-run process tree sampling period. */
  runInterval: durationText('monitor.runInterval').default(500),
  thresholds: z
    .strictObject({
      cpu: thresholdPair('monitor.thresholds.cpu', 90, 100),
      memory: thresholdPair('monitor.thresholds.memory', 85, 95),
      disk: thresholdPair('monitor.thresholds.disk', 90, 97),
    })
    .default({ cpu: { warning: 90, critical: 100 }, memory: { warning: 85, critical: 95 }, disk: { warning: 90, critical: 97 } }),
  /** A level is entered after this many samples past its threshold, and left after as many back below it by `margin`. */
  hysteresis: z
    .strictObject({ samples: z.number().int().min(1).max(60).default(3), margin: z.number().min(0).max(50).default(5) })
    .default({ samples: 3, margin: 5 }),
  /** A run longer than its type's p95 duration times this emits `run.overrun`. */
  overrunFactor: z.number().min(1).max(100).default(2),
  rawRetention: durationText('monitor.rawRetention', 'age').default(3_600_000),
  aggregateRetention: durationText('monitor.aggregateRetention', 'age').default(30 * 86_400_000),
})
export type MonitorConfig = z.output<typeof monitorSchema>

export const DEFAULT_MONITOR_CONFIG: MonitorConfig = monitorSchema.parse({})

/**
 * A recurring fire of a job type. `cron` and `every` are kept as written; the core checks the cron
 * (croner), the zone, the job type and the params (like an enqueue), and exactly one of cron/every.
 */
export const scheduleSchema = z.strictObject({
  /** A job type under `jobs:`. */
  job: z.string().min(1),
  params: z.record(z.string(), z.unknown()).default({}),
  /** 5 fields, 6 with seconds first, or a nickname (@daily, @hourly…). */
  cron: z.string().min(1).optional(),
  /** A fixed interval (`5m`), anchored to the Unix epoch. */
  every: z.union([z.string().min(1), z.number()]).optional(),
  /** IANA zone; default the machine's (required in shared mode). */
  timezone: z.string().min(1).optional(),
  /** Default: the type's. */
  priority: z.enum(PRIORITIES).optional(),
  missed: z.enum(MISSED_POLICIES).default('latest'),
  /** Missed fires older than this are recorded as missed and never run. */
  catchupWindow: durationText('catchupWindow', 'age').default(86_400_000),
  overlap: z.enum(OVERLAP_POLICIES).default('skip'),
  /** A random delay per fire, from 0 up to this. */
  jitter: durationText('jitter').default(0),
  enabled: z.boolean().default(true),
  /** A desktop notification for each skipped fire (off by default). */
  notifySkipped: z.boolean().default(false),
})
export type ScheduleConfig = z.output<typeof scheduleSchema>

/** `stuckAfter:` a duration, or `p95x3`: three times the type's p95 duration. */
const STUCK_P95 = /^p95x(\d+(?:\.\d+)?)$/
const stuckAfterSchema = z.union([z.string(), z.number()]).transform((value, ctx): { ms: number } | { p95Times: number } => {
  const p95 = typeof value === 'string' ? STUCK_P95.exec(value.trim()) : null
  if (p95) {
    const times = Number(p95[1])
    if (times >= 1 && times <= 100) return { p95Times: times }
  }
  const reading = typeof value === 'number' ? readSeconds(value) : readDuration(value)
  if (p95 === null && reading.ok && reading.value > 0 && reading.value <= MAX_DURATION_MS) return { ms: reading.value }
  ctx.addIssue({ code: 'custom', message: `expected stuckAfter as a duration like 30m or as p95x3 (3 times the type's p95, from 1 to 100), got ${describeConfigValue(value)}` })
  return z.NEVER
})

/**
 * Another system's job table, mirrored read-only: a preset, or a `table:` with its `columns:` and
 * `statuses:` mapping. The core checks the table and columns at connect, and the rest here and in
 * config/source-checks.ts (file:line:col).
 */
export const sourceSchema = z
  .strictObject({
    /** A name under `connections:`; default: the shared-mode `postgres:` database. */
    connection: z.string().min(1).optional(),
    preset: z.enum(SOURCE_PRESETS).optional(),
    /** `schema.table` or `table` (schema `public`); required without a preset, or to point a preset at another name. */
    table: z.string().min(1).max(200).optional(),
    columns: z.partialRecord(z.enum(SOURCE_COLUMN_KEYS), z.string().min(1).max(63)).optional(),
    /** Source status value → Jobdeck meaning; matched as written (and case-insensitively when unambiguous). */
    statuses: z.record(z.string().min(1).max(100), z.enum(SOURCE_MEANINGS)).optional(),
    /** A constant type when the table has no type column. */
    type: z.string().regex(/^[A-Za-z0-9_.:-]+$/, 'a type is letters, digits, _ . : or -').max(100).optional(),
    /** An SQL condition ANDed to every poll, checked at load (one expression, no `;`). */
    where: z.string().min(1).max(1000).optional(),
    poll: durationText('poll').default(10_000),
    /** A NOTIFY channel that wakes the poll early. */
    listen: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a channel is letters, digits or _').max(63).optional(),
    /** How far back the first backfill reads. */
    since: durationText('since', 'age').default(30 * 86_400_000),
    stuckAfter: stuckAfterSchema.default({ ms: 30 * 60_000 }),
    actions: z.strictObject({ markFailed: z.boolean().default(false) }).default({ markFailed: false }),
  })
  .superRefine((source, ctx) => {
    if (source.preset === undefined && source.table === undefined) {
      ctx.addIssue({ code: 'custom', params: { at: 'key' }, message: 'expected `preset:` (background_jobs, batch_jobs, processing_jobs, pg-boss, river, oban) or `table:` with `columns:`' })
    }
    if (source.preset === undefined && source.table !== undefined) {
      for (const key of ['id', 'status'] as const) {
        if (source.columns?.[key] === undefined) {
          ctx.addIssue({ code: 'custom', params: { at: 'key' }, message: `a table without a preset needs \`columns.${key}\`` })
        }
      }
      if (source.statuses === undefined) {
        ctx.addIssue({ code: 'custom', params: { at: 'key' }, message: 'a table without a preset needs `statuses:` mapping its status values to queued, running, succeeded, partial, failed or canceled' })
      }
    }
  })
export type SourceConfig = z.output<typeof sourceSchema>

export const configSchema = z.strictObject({
  runner: runnerSchema.default({ concurrency: { min: 1, max: 1, adaptive: null }, interruptLimit: 3 }),
  /** Where and when to tell people that something broke (alerts.ts). */
  alerts: alertsSchema.default({ channels: {}, rules: [], digestQuiet: 2_000, digestMaxWait: 10_000 }),
  /** How long history is kept (retention.ts). */
  retention: retentionSchema.default(DEFAULT_RETENTION),
  monitor: monitorSchema.default(DEFAULT_MONITOR_CONFIG),
  lanes: z.record(userName(z.string().min(1)), laneSchema).default({}),
  /** Shared mode: every instance with this database shares one queue and history. */
  postgres: postgresSchema.optional(),
  /** Databases for `sql` jobs, by name. */
  connections: z.record(userName(z.string().regex(PARAM_NAME, 'a connection name is letters, digits, _ or -')), connectionSchema).default({}),
  jobs: z.record(userName(z.string().regex(PARAM_NAME, 'a job type name is letters, digits, _ or -')), jobTypeSchema),
  /** Recurring fires of job types, by name. */
  schedules: z.record(userName(z.string().regex(PARAM_NAME, 'a schedule name is letters, digits, _ or -')), scheduleSchema).default({}),
  /** Other systems' job tables, mirrored read-only, by name (the `source` of `source/type`). */
  sources: z.record(userName(z.string().regex(SOURCE_NAME, 'a source name is letters, digits, _ or - (at most 32)')), sourceSchema).default({}),
})
export type JobdeckConfig = z.output<typeof configSchema>

/** What the UI and CLI need to know about a job type. */
export interface JobTypeInfo {
  name: string
  title: string
  description: string | null
  params: Record<string, ParamDef>
  lane: string
  priority: (typeof PRIORITIES)[number]
  timeoutMs: number | null
  retries: RetryPolicy
  executor: 'command' | 'sql' | 'http'
}

export function jobTypeInfo(name: string, type: JobTypeConfig): JobTypeInfo {
  return {
    name,
    title: type.title ?? name,
    description: type.description ?? null,
    params: type.params,
    lane: type.lane,
    priority: type.priority,
    timeoutMs: type.timeout ?? null,
    retries: type.retries,
    executor: type.sql ? 'sql' : type.http ? 'http' : 'command',
  }
}
