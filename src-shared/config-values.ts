// The value parsers of jobdeck.yaml shared by its schemas: durations, sizes and percentages as
// operators write them, each refusing what it cannot represent with the expectation in words.
import { z } from 'zod'
import { describeValue } from './params'
import { MAX_DURATION_MS, MAX_DURATION_TEXT, MAX_TIMER_MS, MAX_TIMER_TEXT, readByteCount, readDuration, readSeconds, readSize } from './units'

/** How a config value reads in a message; YAML's `.nan` and `.inf` keep their YAML spelling. */
export function describeConfigValue(got: unknown): string {
  if (typeof got === 'number' && !Number.isFinite(got)) {
    return Number.isNaN(got) ? '.nan (not a number)' : `${got < 0 ? '-' : ''}.inf (infinity)`
  }
  return describeValue(got)
}

function durationExpected(what: string, got: unknown): string {
  return `expected ${what} as a duration like 30s, 10m, 1h30m or 250ms, got ${describeConfigValue(got)}`
}

/**
 * A duration in milliseconds. Numbers are seconds. `timer` marks one a timer waits on, which must
 * stay at most MAX_TIMER_MS; any other must still be finite.
 */
export const durationText = (what: string, use: 'timer' | 'age' = 'timer'): z.ZodType<number> =>
  z
    .union([z.string(), z.number()], { error: (issue) => durationExpected(what, issue.input) })
    .transform((value, ctx) => {
      const reading = typeof value === 'number' ? readSeconds(value) : readDuration(value)
      const [max, why] =
        use === 'timer'
          ? [MAX_TIMER_MS, `${MAX_TIMER_TEXT} (a timer cannot wait longer than 2^31-1 ms, about 24.8 days)`]
          : [MAX_DURATION_MS, MAX_DURATION_TEXT]
      if (reading.ok && reading.value <= max) return reading.value
      const problem = reading.ok ? 'too-large' : reading.problem
      const message =
        problem === 'malformed'
          ? durationExpected(what, value)
          : problem === 'fraction'
            ? `expected ${what} as a whole number of milliseconds like 1.5s or 250ms, got ${describeConfigValue(value)}`
            : `expected ${what} of at most ${why}, got ${describeConfigValue(value)}`
      ctx.addIssue({ code: 'custom', message })
      return z.NEVER
    })

const sizeExpected = (what: string, got: unknown): string =>
  `expected ${what} as a size like 2GB, 512MiB or 1048576, got ${describeConfigValue(got)}`

/** A size in bytes: `2GB` is decimal, `2GiB` binary; a number is bytes. */
export const sizeText = (what: string): z.ZodType<number> =>
  z.union([z.string(), z.number()], { error: (issue) => sizeExpected(what, issue.input) }).transform((value, ctx) => {
    const reading = typeof value === 'number' ? readByteCount(value) : readSize(value)
    if (reading.ok) return reading.value
    const message =
      reading.problem === 'malformed'
        ? sizeExpected(what, value)
        : reading.problem === 'fraction'
          ? `expected ${what} as a whole number of bytes like 1.5KB or 512MiB, got ${describeConfigValue(value)}`
          : `expected ${what} of at most ${Number.MAX_SAFE_INTEGER} bytes (2^53-1, about 8 PiB), got ${describeConfigValue(value)}`
    ctx.addIssue({ code: 'custom', message })
    return z.NEVER
  })

const percentExpected = (what: string, got: unknown): string =>
  `expected ${what} as a percentage from 0 to 100 like 80%, got ${describeConfigValue(got)}`

export const percentText = (what: string): z.ZodType<number> =>
  z.union([z.string(), z.number()], { error: (issue) => percentExpected(what, issue.input) }).transform((value, ctx) => {
    const number = typeof value === 'number' ? value : Number(value.trim().replace(/%$/, ''))
    if (!Number.isFinite(number) || number < 0 || number > 100) {
      ctx.addIssue({ code: 'custom', message: percentExpected(what, value) })
      return z.NEVER
    }
    return number
  })

