// The shape of jobdeck.yaml. The core parses the file (with positions for errors); the renderer
// reuses the same types to build forms, so the schema lives here.
import { z } from 'zod'
import { PARAM_TYPES, PRIORITIES } from './domain'
import { parseDuration, parseSize } from './units'

function durationExpected(what: string, got: unknown): string {
  const shown =
    got === null ? 'an empty value' : Array.isArray(got) ? 'a list' : typeof got === 'object' ? 'a mapping' : JSON.stringify(got)
  return `expected ${what} as a duration like 30s, 10m, 1h30m or 250ms, got ${shown}`
}

const durationText = (what: string): z.ZodType<number> =>
  z
    .union([z.string(), z.number()], { error: (issue) => durationExpected(what, issue.input) })
    .transform((value, ctx) => {
      const ms = typeof value === 'number' ? value * 1000 : parseDuration(value)
      if (ms === null || ms < 0) {
        ctx.addIssue({ code: 'custom', message: durationExpected(what, value) })
        return z.NEVER
      }
      return ms
    })

const sizeText = (what: string): z.ZodType<number> =>
  z.union([z.string(), z.number()]).transform((value, ctx) => {
    const bytes = typeof value === 'number' ? value : parseSize(value)
    if (bytes === null || bytes < 0) {
      ctx.addIssue({ code: 'custom', message: `expected ${what} as a size like 2GB, 512MiB or 1048576, got ${JSON.stringify(value)}` })
      return z.NEVER
    }
    return bytes
  })

const percentText = (what: string): z.ZodType<number> =>
  z.union([z.string(), z.number()]).transform((value, ctx) => {
    const number = typeof value === 'number' ? value : Number(value.trim().replace(/%$/, ''))
    if (!Number.isFinite(number) || number < 0 || number > 100) {
      ctx.addIssue({ code: 'custom', message: `expected ${what} as a percentage from 0 to 100 like 80%, got ${JSON.stringify(value)}` })
      return z.NEVER
    }
    return number
  })

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
      try {
        new RegExp(def.pattern)
      } catch (error) {
        ctx.addIssue({
          code: 'custom',
          path: ['pattern'],
          message: `invalid regular expression ${def.pattern}: ${(error as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /, '')}`,
        })
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

// `__proto__` would not survive being a key of a plain object.
const PARAM_NAME = /^(?!__proto__$)[A-Za-z_][A-Za-z0-9_-]*$/

export const jobTypeSchema = z.strictObject({
  title: z.string().optional(),
  description: z.string().optional(),
  command: z
    .array(z.union([z.string(), z.number()]).transform(String))
    .min(1, 'expected a command as a non-empty argv array, e.g. [node, jobs/fetch.js]'),
  cwd: z.string().optional(),
  env: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).default({}),
  params: z
    .record(z.string().regex(PARAM_NAME, 'a param name is letters, digits, _ or -'), paramDefSchema)
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
})
export type JobTypeConfig = z.output<typeof jobTypeSchema>

export const laneSchema = z.strictObject({
  limit: z.number().int().min(1).max(1000).default(1),
})

export const runnerSchema = z.strictObject({
  concurrency: z.number().int().min(1).max(1000).default(1),
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
  rawRetention: durationText('monitor.rawRetention').default(3_600_000),
  aggregateRetention: durationText('monitor.aggregateRetention').default(30 * 86_400_000),
})
export type MonitorConfig = z.output<typeof monitorSchema>

export const DEFAULT_MONITOR_CONFIG: MonitorConfig = monitorSchema.parse({})

export const configSchema = z.strictObject({
  runner: runnerSchema.default({ concurrency: 1, interruptLimit: 3 }),
  monitor: monitorSchema.default(DEFAULT_MONITOR_CONFIG),
  lanes: z.record(z.string().min(1), laneSchema).default({}),
  jobs: z.record(z.string().regex(PARAM_NAME, 'a job type name is letters, digits, _ or -'), jobTypeSchema),
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
  }
}
