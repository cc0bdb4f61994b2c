import { describe, expect, it } from 'vitest'
import { LineSplitter, parseProtocolLine } from './line-protocol'

describe('parseProtocolLine', () => {
  it('reads current/total with a message', () => {
    expect(parseProtocolLine('::progress 40/100 fetching dealer 7')).toEqual({
      kind: 'progress',
      progress: { percent: 40, current: 40, total: 100, message: 'fetching dealer 7' },
    })
  })

  it('reads current/total without a message and computes the percent', () => {
    expect(parseProtocolLine('::progress 1/4')).toEqual({
      kind: 'progress',
      progress: { percent: 25, current: 1, total: 4, message: null },
    })
  })

  it('clamps the percent to 0..100 and leaves it unknown for a zero total', () => {
    const over = parseProtocolLine('::progress 150/100')
    expect(over?.kind === 'progress' && over.progress.percent).toBe(100)
    const zero = parseProtocolLine('::progress 0/0')
    expect(zero?.kind === 'progress' && zero.progress).toEqual({ percent: null, current: 0, total: 0, message: null })
    const pct = parseProtocolLine('::progress 250%')
    expect(pct?.kind === 'progress' && pct.progress.percent).toBe(100)
  })

  it('reads percentages, with decimals and messages', () => {
    expect(parseProtocolLine('::progress 40%')).toEqual({
      kind: 'progress',
      progress: { percent: 40, current: null, total: null, message: null },
    })
    expect(parseProtocolLine('::progress 40.5%')).toEqual({
      kind: 'progress',
      progress: { percent: 40.5, current: null, total: null, message: null },
    })
    expect(parseProtocolLine('::progress 40%   almost half  ')).toEqual({
      kind: 'progress',
      progress: { percent: 40, current: null, total: null, message: 'almost half' },
    })
  })

  it('reads items, a missing key being null (the caller keeps the previous total)', () => {
    expect(parseProtocolLine('::items ok=12 failed=1')).toEqual({ kind: 'items', ok: 12, failed: 1 })
    expect(parseProtocolLine('::items failed=3')).toEqual({ kind: 'items', ok: null, failed: 3 })
    expect(parseProtocolLine('::items ok=7')).toEqual({ kind: 'items', ok: 7, failed: null })
    expect(parseProtocolLine('::items ok=7 skipped=2')).toEqual({ kind: 'items', ok: 7, failed: null })
  })

  it.each([
    'plain output',
    '::progress',
    '::progress abc',
    '::progress 40',
    '::progress -5%',
    '::progress 40%done',
    '::progress 40/',
    '::progressive 40%',
    ' ::progress 40%',
    '::items',
    '::items ok=-1',
    '::items ok=twelve',
    '::items ok 12',
    '::items skipped=3',
    '::warning something',
  ])('treats %j as an ordinary line', (line) => {
    expect(parseProtocolLine(line)).toBeNull()
  })
})

function collect(maxLineBytes?: number): { lines: string[]; splitter: LineSplitter } {
  const lines: string[] = []
  return { lines, splitter: new LineSplitter((line) => lines.push(line), maxLineBytes) }
}

describe('LineSplitter', () => {
  it('splits on \\n and \\r\\n, keeps empty lines and emits the partial tail on flush', () => {
    const { lines, splitter } = collect()
    splitter.push(Buffer.from('one\r\ntwo\n\nthr'))
    expect(lines).toEqual(['one', 'two', ''])
    splitter.push(Buffer.from('ee\r'))
    splitter.push(Buffer.from('\nfour'))
    expect(lines).toEqual(['one', 'two', '', 'three'])
    splitter.flush()
    expect(lines).toEqual(['one', 'two', '', 'three', 'four'])
    splitter.flush()
    expect(lines).toHaveLength(5)
  })

  it('keeps multi-byte characters intact at every possible chunk boundary', () => {
    const text = 'héllo € 😀 wörld\nzweite Zeile ✓\n'
    const bytes = Buffer.from(text, 'utf8')
    for (let cut = 1; cut < bytes.length; cut++) {
      const { lines, splitter } = collect()
      splitter.push(bytes.subarray(0, cut))
      splitter.push(bytes.subarray(cut))
      splitter.flush()
      expect(lines).toEqual(['héllo € 😀 wörld', 'zweite Zeile ✓'])
    }
  })

  it('survives byte-by-byte feeding', () => {
    const { lines, splitter } = collect()
    for (const byte of Buffer.from('a😀b\r\nc')) splitter.push(Buffer.from([byte]))
    splitter.flush()
    expect(lines).toEqual(['a😀b', 'c'])
  })

  it('breaks an over-long line into pieces of at most the cap', () => {
    const { lines, splitter } = collect()
    const long = 'x'.repeat(64 * 1024 * 2 + 10)
    splitter.push(Buffer.from(long.slice(0, 1000)))
    splitter.push(Buffer.from(`${long.slice(1000)}\nnext\n`))
    expect(lines.map((line) => line.length)).toEqual([65536, 65536, 10, 4])
    expect(lines.join('').length).toBe(long.length + 4)
  })

  it('cuts a long line on a character boundary', () => {
    const { lines, splitter } = collect(8)
    // 'ab' + three 4-byte emoji = 14 bytes; a cut at byte 8 would fall inside the second emoji.
    splitter.push(Buffer.from('ab😀😀😀\n'))
    expect(lines).toEqual(['ab😀', '😀😀'])
    for (const line of lines) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(8)
  })

  it('accepts strings', () => {
    const { lines, splitter } = collect()
    splitter.push('a\nb')
    splitter.flush()
    expect(lines).toEqual(['a', 'b'])
  })
})
