import { describe, expect, it } from 'vitest'
import { paramDefSchema, type ParamDef } from './config-schema'
import { MAX_PARAM_BYTES } from './param-size'
import { validateParamValue, validateParams } from './params'

const def = (input: Record<string, unknown>): ParamDef => paramDefSchema.parse(input)

function value(definition: Record<string, unknown>, raw: unknown): unknown {
  const result = validateParamValue('p', def(definition), raw)
  return result.ok ? result.value : `ERROR ${result.error.message}`
}

describe('coercion by type', () => {
  it('integer', () => {
    expect(value({ type: 'integer' }, '42')).toBe(42)
    expect(value({ type: 'integer' }, ' -7 ')).toBe(-7)
    expect(value({ type: 'integer' }, 12)).toBe(12)
    expect(value({ type: 'integer' }, '4.2')).toBe('ERROR param "p": expected an integer, got "4.2"')
    expect(value({ type: 'integer' }, 4.2)).toBe('ERROR param "p": expected an integer, got 4.2')
    expect(value({ type: 'integer' }, 'abc')).toBe('ERROR param "p": expected an integer, got "abc"')
    expect(value({ type: 'integer' }, '99999999999999999999')).toMatch(/^ERROR/)
  })

  it('number with min and max', () => {
    expect(value({ type: 'number' }, '0.25')).toBe(0.25)
    expect(value({ type: 'number' }, '1e3')).toBe(1000)
    expect(value({ type: 'number' }, '0x10')).toMatch(/^ERROR/)
    expect(value({ type: 'number', min: 0, max: 1 }, '1.5')).toBe(
      'ERROR param "p": expected a number between 0 and 1, got "1.5"',
    )
    expect(value({ type: 'integer', min: 1 }, 0)).toBe('ERROR param "p": expected an integer of at least 1, got 0')
    expect(value({ type: 'integer', max: 10 }, '10')).toBe(10)
  })

  it('boolean', () => {
    for (const yes of ['true', 'TRUE', '1', 'yes', 'Yes', true, 1]) expect(value({ type: 'boolean' }, yes)).toBe(true)
    for (const no of ['false', 'False', '0', 'no', 'NO', false, 0]) expect(value({ type: 'boolean' }, no)).toBe(false)
    expect(value({ type: 'boolean' }, 'maybe')).toBe(
      'ERROR param "p": expected true or false (also 1/0, yes/no), got "maybe"',
    )
  })

  it('enum lists the allowed values', () => {
    const region = { type: 'enum', values: ['north', 'south', 3] }
    expect(value(region, 'south')).toBe('south')
    expect(value(region, 3)).toBe('3')
    expect(value(region, 'east')).toBe('ERROR param "p": expected one of north, south, 3, got "east"')
  })

  it('date must be a real calendar date and stays a string', () => {
    expect(value({ type: 'date' }, '2024-02-29')).toBe('2024-02-29')
    expect(value({ type: 'date' }, '2026-02-29')).toBe('ERROR param "p": expected a date as YYYY-MM-DD, got "2026-02-29"')
    expect(value({ type: 'date' }, '2026-13-01')).toMatch(/^ERROR/)
    expect(value({ type: 'date' }, '2026-1-5')).toMatch(/^ERROR/)
  })

  it('datetime is normalised to UTC', () => {
    expect(value({ type: 'datetime' }, '2026-01-02T03:04:05Z')).toBe('2026-01-02T03:04:05.000Z')
    expect(value({ type: 'datetime' }, '2026-01-02T05:04:05.5+02:00')).toBe('2026-01-02T03:04:05.500Z')
    expect(value({ type: 'datetime' }, '2026-01-01 22:04-0500')).toBe('2026-01-02T03:04:00.000Z')
    expect(value({ type: 'datetime' }, '2026-01-02T03:04')).toBe(new Date(2026, 0, 2, 3, 4).toISOString())
    expect(value({ type: 'datetime' }, '2026-01-02')).toMatch(/^ERROR param "p": expected a date and time/)
    expect(value({ type: 'datetime' }, '2026-01-02T24:00:00Z')).toMatch(/^ERROR/)
    expect(value({ type: 'datetime' }, '2026-02-30T01:00:00Z')).toMatch(/^ERROR/)
  })

  it('string pattern is a full match and the message shows the pattern', () => {
    const dealer = { type: 'string', pattern: '[0-9]{5}' }
    expect(value(dealer, '12345')).toBe('12345')
    expect(value(dealer, 12345)).toBe('12345')
    expect(value(dealer, '123456')).toBe('ERROR param "p": expected 5 digits matching [0-9]{5}, got "123456"')
    expect(value({ type: 'string', pattern: '^[0-9]{5}$' }, '12a')).toBe(
      'ERROR param "p": expected 5 digits matching ^[0-9]{5}$, got "12a"',
    )
    expect(value({ type: 'string', pattern: 'a|b' }, 'ab')).toBe('ERROR param "p": expected a value matching a|b, got "ab"')
    expect(value({ type: 'string' }, { x: 1 })).toBe('ERROR param "p": expected text, got a mapping')
  })
})

describe('validateParams', () => {
  const defs = {
    dealer_id: def({ type: 'string', required: true, pattern: '^[0-9]{5}$' }),
    from: def({ type: 'date' }),
    pages: def({ type: 'integer', default: 10 }),
    mode: def({ type: 'enum', values: ['full', 'delta'], default: 'delta' }),
  }

  it('coerces, applies defaults and omits absent optional params', () => {
    expect(validateParams(defs, { dealer_id: '12345', pages: '3' })).toEqual({
      ok: true,
      params: { dealer_id: '12345', pages: 3, mode: 'delta' },
    })
  })

  it('counts an empty string as absent', () => {
    expect(validateParams(defs, { dealer_id: '12345', from: '', pages: '', mode: '  ' })).toEqual({
      ok: true,
      params: { dealer_id: '12345', pages: 10, mode: 'delta' },
    })
  })

  it('collects every error, each naming its param', () => {
    const result = validateParams(defs, { dealer_id: '12a', from: '2026-02-30', pages: '4.2', regoin: 'x' })
    expect(result).toEqual({
      ok: false,
      errors: [
        { param: 'dealer_id', message: 'param "dealer_id": expected 5 digits matching ^[0-9]{5}$, got "12a"' },
        { param: 'from', message: 'param "from": expected a date as YYYY-MM-DD, got "2026-02-30"' },
        { param: 'pages', message: 'param "pages": expected an integer, got "4.2"' },
        { param: 'regoin', message: 'param "regoin": unknown param; known params: dealer_id, from, pages, mode' },
      ],
    })
  })

  it('reports a missing required param', () => {
    const result = validateParams(defs, { dealer_id: '' })
    expect(result.ok).toBe(false)
    if (!result.ok) {
      expect(result.errors).toEqual([
        {
          param: 'dealer_id',
          message: 'param "dealer_id": required, but no value was given (5 digits matching ^[0-9]{5}$)',
        },
      ])
    }
  })

  it('names unknown params of a type without params', () => {
    expect(validateParams({}, { x: 1 })).toEqual({
      ok: false,
      errors: [{ param: 'x', message: 'param "x": unknown param; this job type takes no params' }],
    })
  })

  it('rejects a default that does not fit its own type', () => {
    const result = validateParamValue('n', def({ type: 'integer', default: 'ten' }), undefined)
    expect(result).toEqual({
      ok: false,
      error: { param: 'n', message: 'param "n": its default "ten" is invalid: expected an integer, got "ten"' },
    })
  })

  it('does not treat inherited names as params', () => {
    expect(validateParams(defs, { dealer_id: '12345', constructor: 'x' }).ok).toBe(false)
    expect(validateParams({ toString: def({ type: 'string' }) }, {})).toEqual({ ok: true, params: {} })
  })
})

describe('values a job can be started with', () => {
  const text = def({ type: 'string' })

  it('a value with a NUL is refused, naming the param and where the NUL is', () => {
    expect(value({ type: 'string' }, 'ab\0c')).toBe(
      'ERROR param "p": the value contains a NUL character (\\0) at character 3; a program argument cannot hold one',
    )
    expect(value({ type: 'enum', values: ['a'] }, 'a\0')).toMatch(/^ERROR param "p": the value contains a NUL character/)
  })

  it('a value is at most 128 KiB in UTF-8 with its terminating NUL, the Linux limit for one argument', () => {
    expect(validateParamValue('blob', text, 'a'.repeat(MAX_PARAM_BYTES)).ok).toBe(true)
    expect(validateParamValue('blob', text, 'a'.repeat(MAX_PARAM_BYTES + 1))).toEqual({
      ok: false,
      error: {
        param: 'blob',
        message:
          'param "blob": the value is 128 KiB (131072 bytes in UTF-8); a value is at most 131071 bytes ' +
          '(128 KiB less the terminating NUL: the Linux limit for one program argument)',
      },
    })
    // Bytes, not characters: 65 536 × "é" is 131 072 bytes.
    expect(validateParamValue('blob', text, 'é'.repeat(65_536)).ok).toBe(false)
    expect(validateParamValue('blob', text, '😀'.repeat(32_767)).ok).toBe(true)
    expect(validateParamValue('blob', text, '😀'.repeat(32_768)).ok).toBe(false)
  })

  it('all params of a job together are at most 1 MiB, the largest one named', () => {
    const defs = Object.fromEntries(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].map((name) => [name, text]))
    const values = Object.fromEntries(Object.keys(defs).map((name) => [name, 'x'.repeat(120_000)]))
    values.e = 'x'.repeat(130_000)
    const result = validateParams(defs, values)
    expect(result.ok ? 'accepted' : result.errors).toEqual([
      {
        param: 'e',
        message:
          'param "e": the params together are 1090000 bytes in UTF-8, this one the largest (130000 bytes); ' +
          "a job's params are at most 1048576 bytes (1 MiB) together",
      },
    ])
    expect(validateParams(defs, { ...values, e: 'x' }).ok).toBe(true)
  })
})
