import { describe, expect, it } from 'vitest'
import { formatBytes, formatDuration, parseDuration, parseSize, readByteCount, readDuration, readSeconds, readSize } from './units'

describe('durations as operators write them', () => {
  it('reads the notation of the docs and examples', () => {
    expect(parseDuration('30s')).toBe(30_000)
    expect(parseDuration('10m')).toBe(600_000)
    expect(parseDuration('1h30m')).toBe(5_400_000)
    expect(parseDuration('250ms')).toBe(250)
    expect(parseDuration(' 90d ')).toBe(90 * 86_400_000)
    expect(parseDuration('2y')).toBe(2 * 365 * 86_400_000)
    expect(parseDuration('1.5s')).toBe(1500)
  })

  it('reads decimals exactly: 1.001s is 1001 ms, not 1000.9999999999999', () => {
    expect(parseDuration('1.001s')).toBe(1001)
    expect(parseDuration('0.001s')).toBe(1)
    expect(parseDuration('1.50000000000000000000000000000000000000000000000000s')).toBe(1500)
  })

  it('refuses a duration that is not a whole number of milliseconds instead of rounding it', () => {
    expect(readDuration('0.5ms')).toEqual({ ok: false, problem: 'fraction' })
    expect(readDuration('1.0000001s')).toEqual({ ok: false, problem: 'fraction' })
    expect(readDuration('1.0001s1ms')).toEqual({ ok: false, problem: 'fraction' })
    expect(readDuration(`1.${'0'.repeat(100_000)}1s`)).toEqual({ ok: false, problem: 'fraction' })
  })

  it('refuses a duration past 2^53-1 ms, where a number no longer holds every whole value', () => {
    expect(parseDuration('9007199254740991ms')).toBe(Number.MAX_SAFE_INTEGER)
    expect(readDuration('9007199254740992ms')).toEqual({ ok: false, problem: 'too-large' })
    expect(readDuration('9007199254740993ms')).toEqual({ ok: false, problem: 'too-large' })
    expect(readDuration('99999999999999999999d')).toEqual({ ok: false, problem: 'too-large' })
    expect(readDuration(`${'9'.repeat(400)}d`)).toEqual({ ok: false, problem: 'too-large' })
    // Each part is within range; their sum is not.
    expect(readDuration('9007199254740991ms1ms')).toEqual({ ok: false, problem: 'too-large' })
  })

  it('refuses what another parser would guess at: signs, spaces, exponents, other units, bare numbers', () => {
    for (const text of ['', '   ', '-5m', '+5m', '5 m', '1h 30m', '5M', '5H', '3 minutes', 'soon', '1e3s', 'Infinity', 'NaN', '10', '1h30', '.5s', '5.s', '1,5s']) {
      expect(readDuration(text), JSON.stringify(text)).toEqual({ ok: false, problem: 'malformed' })
    }
  })

  it('a malformed text is malformed even where a part of it is also inexact', () => {
    expect(readDuration('0.5ms and more')).toEqual({ ok: false, problem: 'malformed' })
  })

  it('a number of seconds in the config is read through its decimal text', () => {
    expect(readSeconds(90)).toEqual({ ok: true, value: 90_000 })
    expect(readSeconds(1.001)).toEqual({ ok: true, value: 1001 })
    expect(readSeconds(0)).toEqual({ ok: true, value: 0 })
    expect(readSeconds(0.0005)).toEqual({ ok: false, problem: 'fraction' })
    expect(readSeconds(1e-7)).toEqual({ ok: false, problem: 'fraction' })
    expect(readSeconds(9007199254740.992)).toEqual({ ok: false, problem: 'too-large' })
    expect(readSeconds(1e21)).toEqual({ ok: false, problem: 'too-large' })
    expect(readSeconds(Infinity)).toEqual({ ok: false, problem: 'too-large' })
    expect(readSeconds(-5)).toEqual({ ok: false, problem: 'malformed' })
    expect(readSeconds(-Infinity)).toEqual({ ok: false, problem: 'malformed' })
    expect(readSeconds(NaN)).toEqual({ ok: false, problem: 'malformed' })
  })
})

describe('sizes as operators write them', () => {
  it('reads KB as 1000 bytes and KiB as 1024, any case, with or without a space', () => {
    expect(parseSize('2GB')).toBe(2_000_000_000)
    expect(parseSize('2GiB')).toBe(2 * 1024 ** 3)
    expect(parseSize('512MiB')).toBe(512 * 1024 ** 2)
    expect(parseSize('5 mb')).toBe(5_000_000)
    expect(parseSize('1048576')).toBe(1_048_576)
    expect(parseSize('1.5KB')).toBe(1500)
    expect(parseSize('0.5KiB')).toBe(512)
    expect(parseSize(' 1TiB ')).toBe(1024 ** 4)
  })

  it('refuses a size that is not a whole number of bytes instead of rounding it', () => {
    expect(readSize('1.5b')).toEqual({ ok: false, problem: 'fraction' })
    expect(readSize('0.3KiB')).toEqual({ ok: false, problem: 'fraction' })
    expect(readSize('1.0001KB')).toEqual({ ok: false, problem: 'fraction' })
    // 2^-40 TiB is one byte: the longest exact fraction any unit has.
    expect(parseSize('0.0000000000009094947017729282379150390625TiB')).toBe(1)
  })

  it('refuses a size past 2^53-1 bytes', () => {
    expect(parseSize('9007199254740991')).toBe(Number.MAX_SAFE_INTEGER)
    expect(readSize('9007199254740993')).toEqual({ ok: false, problem: 'too-large' })
    expect(readSize('99999999999999999999TB')).toEqual({ ok: false, problem: 'too-large' })
  })

  it('refuses signs, exponents, bare letters and unknown units, even ones named like object keys', () => {
    for (const text of ['', '  ', '-5MB', '1e3', 'Infinity', 'NaN', '2 G', '2G', 'MB', '5constructor', '1__proto__', '2toString']) {
      expect(readSize(text), JSON.stringify(text)).toEqual({ ok: false, problem: 'malformed' })
    }
  })

  it('a value padded with a long run of spaces is refused (the old pattern backtracked over it for seconds)', () => {
    expect(readSize(`1${' '.repeat(200_000)}!`)).toEqual({ ok: false, problem: 'malformed' })
  })

  it('a number of bytes in the config must be whole and exact', () => {
    expect(readByteCount(1024)).toEqual({ ok: true, value: 1024 })
    expect(readByteCount(1.5)).toEqual({ ok: false, problem: 'fraction' })
    expect(readByteCount(2 ** 53)).toEqual({ ok: false, problem: 'too-large' })
    expect(readByteCount(Infinity)).toEqual({ ok: false, problem: 'too-large' })
    expect(readByteCount(-1)).toEqual({ ok: false, problem: 'malformed' })
    expect(readByteCount(NaN)).toEqual({ ok: false, problem: 'malformed' })
  })
})

describe('durations and sizes as the window and the CLI show them (UI.md)', () => {
  it('durations are humanised to two units', () => {
    expect(formatDuration(850)).toBe('850ms')
    expect(formatDuration(1500)).toBe('1.5s')
    expect(formatDuration(42_000)).toBe('42s')
    expect(formatDuration(134_000)).toBe('2m 14s')
    expect(formatDuration(3_780_000)).toBe('1h 03m')
    expect(formatDuration(90_061_000)).toBe('1d 01h')
    expect(formatDuration(-5)).toBe('—')
    expect(formatDuration(NaN)).toBe('—')
  })

  it('sizes are in binary units, and one that rounds up to 1024 of a unit is shown in the next', () => {
    expect(formatBytes(512)).toBe('512 B')
    expect(formatBytes(1536)).toBe('1.5 KiB')
    expect(formatBytes(1_288_490_189)).toBe('1.2 GiB')
    expect(formatBytes(1_048_575)).toBe('1.0 MiB')
    expect(formatBytes(1023 * 1024)).toBe('1023 KiB')
    expect(formatBytes(-2048)).toBe('-2.0 KiB')
    expect(formatBytes(5 * 1024 ** 5)).toBe('5120 TiB')
    expect(formatBytes(Infinity)).toBe('—')
  })
})
