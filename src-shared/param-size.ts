// What a param value may hold so the job can start at all. A value becomes a program argument (or
// is bound into SQL, or sent over HTTP): Linux refuses to start a program whose argument holds more
// than MAX_ARG_STRLEN (128 KiB with its terminating NUL) and C strings end at a NUL, so such a value
// was accepted at enqueue and then failed with `spawn E2BIG` at every start.
import { formatBytes } from './units'

/** One value in UTF-8: 128 KiB less the terminating NUL of a C string. */
export const MAX_PARAM_BYTES = 128 * 1024 - 1

/**
 * All params of a job together. Linux gives argv and the environment 2 MiB together in the usual
 * setup (a quarter of an 8 MiB stack); half of it leaves room for the command and the environment.
 */
export const MAX_PARAMS_TOTAL_BYTES = 1024 * 1024

/** Why `text` cannot be passed to a job, or null when it can. */
export function valueSizeProblem(text: string): string | null {
  const nul = text.indexOf('\0')
  if (nul !== -1) {
    return `contains a NUL character (\\0) at character ${nul + 1}; a program argument cannot hold one`
  }
  const bytes = utf8Length(text)
  if (bytes > MAX_PARAM_BYTES) {
    return `is ${formatBytes(bytes)} (${bytes} bytes in UTF-8); a value is at most ${MAX_PARAM_BYTES} bytes (128 KiB less the terminating NUL: the Linux limit for one program argument)`
  }
  return null
}

/** UTF-8 length without encoding: a lone surrogate counts as U+FFFD (3 bytes), as Node encodes it. */
export function utf8Length(text: string): number {
  let bytes = 0
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code < 0x80) bytes += 1
    else if (code < 0x800) bytes += 2
    else if (code >= 0xd800 && code <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4
      i++
    } else bytes += 3
  }
  return bytes
}

/** The params of one job together, or null when they fit. */
export function totalSizeProblem(values: Record<string, unknown>): { param: string; message: string } | null {
  let total = 0
  let largest = { name: '', bytes: -1 }
  for (const [name, value] of Object.entries(values)) {
    const bytes = utf8Length(String(value))
    total += bytes
    if (bytes > largest.bytes) largest = { name, bytes }
  }
  if (total <= MAX_PARAMS_TOTAL_BYTES) return null
  return {
    param: largest.name,
    message:
      `param "${largest.name}": the params together are ${total} bytes in UTF-8, this one the largest (${largest.bytes} bytes); ` +
      `a job's params are at most ${MAX_PARAMS_TOTAL_BYTES} bytes (1 MiB) together`,
  }
}
