// The stdout line protocol of command jobs, and the splitter that turns a byte stream into lines.
import type { Progress } from '../../../src-shared/domain'

export type ProtocolMessage =
  | { kind: 'progress'; progress: Progress }
  /** null: the key was not in the line, so the previous total stands. */
  | { kind: 'items'; ok: number | null; failed: number | null }

const NUMBER = '(\\d{1,15}(?:\\.\\d{1,9})?)'
const PROGRESS_FRACTION = new RegExp(`^::progress[ \\t]+${NUMBER}[ \\t]*/[ \\t]*${NUMBER}(?:[ \\t]+(.*?))?[ \\t]*$`)
const PROGRESS_PERCENT = new RegExp(`^::progress[ \\t]+${NUMBER}[ \\t]*%(?:[ \\t]+(.*?))?[ \\t]*$`)
const ITEMS = /^::items((?:[ \t]+[A-Za-z_][\w-]*=\S*)+)[ \t]*$/
const ITEM_PAIR = /([A-Za-z_][\w-]*)=(\S*)/g

const clampPercent = (value: number): number => Math.min(100, Math.max(0, value))
const messageOf = (text: string | undefined): string | null => (text ? text : null)

/**
 * Recognises `::progress 40/100 message`, `::progress 40%[ message]` and
 * `::items ok=12 failed=1`. Anything else, including a malformed `::` line, is an ordinary log
 * line and yields null.
 */
export function parseProtocolLine(line: string): ProtocolMessage | null {
  if (!line.startsWith('::')) return null
  if (line.startsWith('::progress')) {
    const fraction = PROGRESS_FRACTION.exec(line)
    if (fraction) {
      const current = Number(fraction[1])
      const total = Number(fraction[2])
      return {
        kind: 'progress',
        progress: {
          percent: total > 0 ? clampPercent((current / total) * 100) : null,
          current,
          total,
          message: messageOf(fraction[3]),
        },
      }
    }
    const percent = PROGRESS_PERCENT.exec(line)
    if (percent) {
      return {
        kind: 'progress',
        progress: {
          percent: clampPercent(Number(percent[1])),
          current: null,
          total: null,
          message: messageOf(percent[2]),
        },
      }
    }
    return null
  }
  if (line.startsWith('::items')) {
    const match = ITEMS.exec(line)
    if (!match) return null
    let ok: number | null = null
    let failed: number | null = null
    for (const [, key, value] of (match[1] as string).matchAll(ITEM_PAIR)) {
      if (key !== 'ok' && key !== 'failed') continue // unknown keys are ignored for forward compatibility
      if (value === undefined || !/^\d{1,15}$/.test(value)) return null
      if (key === 'ok') ok = Number(value)
      else failed = Number(value)
    }
    if (ok === null && failed === null) return null
    return { kind: 'items', ok, failed }
  }
  return null
}

export const DEFAULT_MAX_LINE_BYTES = 64 * 1024

const LF = 0x0a
const CR = 0x0d

/**
 * Splits a byte stream into lines (`\n` or `\r\n`; a lone `\r` stays in the line). Lines are decoded
 * as whole UTF-8 byte runs, so a character split across chunks arrives intact. A line longer than
 * `maxLineBytes` is broken into pieces of at most that size, each cut on a character boundary.
 */
export class LineSplitter {
  private pending: Buffer[] = []
  private pendingBytes = 0

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLineBytes: number = DEFAULT_MAX_LINE_BYTES,
  ) {
    if (!Number.isInteger(maxLineBytes) || maxLineBytes < 4) throw new RangeError('maxLineBytes must be an integer ≥ 4')
  }

  push(chunk: Buffer | string): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk
    let start = 0
    while (start < bytes.length) {
      const newline = bytes.indexOf(LF, start)
      if (newline === -1) {
        this.append(bytes.subarray(start))
        return
      }
      this.append(bytes.subarray(start, newline))
      this.emitPending()
      start = newline + 1
    }
  }

  /** Emits the trailing partial line, if any. */
  flush(): void {
    if (this.pendingBytes > 0) this.emitPending()
  }

  private append(piece: Buffer): void {
    if (piece.length === 0) return
    this.pending.push(piece)
    this.pendingBytes += piece.length
    if (this.pendingBytes <= this.maxLineBytes) return
    let rest = Buffer.concat(this.pending, this.pendingBytes)
    while (rest.length > this.maxLineBytes) {
      const cut = utf8Boundary(rest, this.maxLineBytes)
      this.onLine(rest.toString('utf8', 0, cut))
      rest = rest.subarray(cut)
    }
    this.pending = rest.length > 0 ? [rest] : []
    this.pendingBytes = rest.length
  }

  private emitPending(): void {
    const line = this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending, this.pendingBytes)
    this.pending = []
    this.pendingBytes = 0
    const end = line.length > 0 && line[line.length - 1] === CR ? line.length - 1 : line.length
    this.onLine(line.toString('utf8', 0, end))
  }
}

/** The largest cut ≤ `limit` that does not fall inside a UTF-8 sequence (falls back to `limit`). */
function utf8Boundary(bytes: Buffer, limit: number): number {
  let cut = limit
  // Continuation bytes are 10xxxxxx; a sequence is at most 4 bytes long.
  while (cut > limit - 3 && cut > 0 && ((bytes[cut] as number) & 0xc0) === 0x80) cut--
  return ((bytes[cut] as number) & 0xc0) === 0x80 ? limit : cut
}
