// The bytes of jobdeck.yaml as text. Read no further than MAX_CONFIG_BYTES, and decoded only when
// the encoding is certain: UTF-8 (a BOM is skipped), or UTF-16 with a BOM. Anything else is refused
// at its first byte that does not fit, never silently replaced (Latin-1 bytes became U+FFFD).
import { isUtf8 } from 'node:buffer'
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { formatBytes } from '../../../src-shared/units'

/**
 * The largest config file read. A thousand job types take about 200 KiB and validate in a fraction
 * of a second; 1 MiB holds about five thousand. A 20 MB file of 254k types ran past 120 s and
 * 2.5 GB before this limit.
 */
export const MAX_CONFIG_BYTES = 1024 * 1024

export type ConfigText = { ok: true; text: string } | { ok: false; line: number; col: number; message: string }

export function tooLargeMessage(size: number | null): string {
  const what = size === null ? 'over 1 MiB' : `${formatBytes(size)} (${size} bytes)`
  return `the config file is ${what}; a config file is at most 1 MiB (${MAX_CONFIG_BYTES} bytes), which holds thousands of job types`
}

/** The file as text, or why it cannot be read as such. File system errors are thrown. */
export function readConfigFile(file: string): ConfigText {
  const bytes = readAtMost(file, MAX_CONFIG_BYTES)
  if (!Buffer.isBuffer(bytes)) return { ok: false, line: 1, col: 1, message: tooLargeMessage(bytes.tooLarge) }
  return decodeConfigBytes(bytes)
}

/** The file's bytes, or its size (null when unknown, as for a pipe) when it holds more than `limit`. */
function readAtMost(file: string, limit: number): Buffer | { tooLarge: number | null } {
  const fd = openSync(file, 'r')
  try {
    const stat = fstatSync(fd)
    if (stat.isFile() && stat.size > limit) return { tooLarge: stat.size }
    const chunks: Buffer[] = []
    let total = 0
    const chunk = Buffer.alloc(64 * 1024)
    for (;;) {
      const read = readSync(fd, chunk, 0, chunk.length, null)
      if (read === 0) return Buffer.concat(chunks, total)
      chunks.push(Buffer.from(chunk.subarray(0, read)))
      total += read
      // A file that grows while read, or a device with no end, stops here too.
      if (total > limit) return { tooLarge: stat.isFile() ? Math.max(total, stat.size) : null }
    }
  } finally {
    closeSync(fd)
  }
}

const SAVE_AS_UTF8 = 'save it as UTF-8'

export function decodeConfigBytes(bytes: Uint8Array): ConfigText {
  const starts = (...prefix: number[]): boolean => prefix.every((byte, i) => bytes[i] === byte)
  if (starts(0xff, 0xfe, 0, 0) || starts(0, 0, 0xfe, 0xff)) {
    return { ok: false, line: 1, col: 1, message: `the config file is UTF-32, which is not supported; ${SAVE_AS_UTF8}` }
  }
  if (starts(0xff, 0xfe) || starts(0xfe, 0xff)) return decodeUtf16(bytes)
  const body = starts(0xef, 0xbb, 0xbf) ? bytes.subarray(3) : bytes
  // Before UTF-8: the text of a UTF-16 file without BOM is rarely also valid UTF-8.
  if (looksLikeUtf16(body)) {
    return { ok: false, line: 1, col: 1, message: `the config file looks like UTF-16 without a byte order mark; ${SAVE_AS_UTF8}` }
  }
  if (!isUtf8(body)) {
    const bad = firstInvalidUtf8(body)
    const { line, col } = positionOfByte(body, bad)
    const byte = (body[bad] ?? 0).toString(16).toUpperCase().padStart(2, '0')
    return {
      ok: false,
      line,
      col,
      message: `the config file is not valid UTF-8: byte 0x${byte} here is not part of a UTF-8 character (is the file Latin-1 or Windows-1252?); ${SAVE_AS_UTF8}`,
    }
  }
  return withoutNul(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'))
}

function decodeUtf16(bytes: Uint8Array): ConfigText {
  const encoding = bytes[0] === 0xff ? 'utf-16le' : 'utf-16be'
  try {
    return withoutNul(new TextDecoder(encoding, { fatal: true, ignoreBOM: false }).decode(bytes))
  } catch {
    return { ok: false, line: 1, col: 1, message: `the config file starts as ${encoding.toUpperCase()} but is not valid ${encoding.toUpperCase()}; ${SAVE_AS_UTF8}` }
  }
}

/** A NUL is valid UTF-8 but no text; inside a command it would fail every start. */
function withoutNul(text: string): ConfigText {
  const at = text.indexOf('\0')
  if (at === -1) return { ok: true, text }
  const lineStart = text.lastIndexOf('\n', at) + 1
  let line = 1
  for (let i = text.indexOf('\n'); i !== -1 && i < at; i = text.indexOf('\n', i + 1)) line++
  return { ok: false, line, col: at - lineStart + 1, message: 'the config file holds a NUL character here; a config file is text' }
}

/** ASCII in UTF-16 has a zero in every other byte. */
function looksLikeUtf16(bytes: Uint8Array): boolean {
  const sample = bytes.subarray(0, 64)
  let zerosEven = 0
  let zerosOdd = 0
  sample.forEach((byte, i) => {
    if (byte === 0) {
      if (i % 2 === 0) zerosEven++
      else zerosOdd++
    }
  })
  return Math.max(zerosEven, zerosOdd) >= Math.max(1, sample.length / 4)
}

/** Offset of the first byte that does not belong to a well-formed UTF-8 sequence. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0
  while (i < bytes.length) {
    const lead = bytes[i] as number
    if (lead < 0x80) {
      i++
      continue
    }
    const length = lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0
    if (length === 0) return i
    // The second byte's range excludes overlong forms, surrogates and code points past U+10FFFF.
    let low = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80
    let high = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf
    for (let k = 1; k < length; k++) {
      const next = bytes[i + k]
      if (next === undefined || next < low || next > high) return i
      low = 0x80
      high = 0xbf
    }
    i += length
  }
  return -1
}

/** 1-based line and column (in UTF-16 units, as every other position) of byte `offset`. */
function positionOfByte(bytes: Uint8Array, offset: number): { line: number; col: number } {
  let line = 1
  let lineStart = 0
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++
      lineStart = i + 1
    }
  }
  const before = Buffer.from(bytes.buffer, bytes.byteOffset + lineStart, offset - lineStart).toString('utf8')
  return { line, col: before.length + 1 }
}
