import { describe, expect, it } from 'vitest'
import { paramDefSchema, type ParamDef } from '../../../src-shared/config-schema'
import { validateParams } from '../../../src-shared/params'
import { checkForm, copyableParams, fieldError, fieldErrors, fieldsFor, initialValues, paramsSummary, stepValue, toInput, toLocalDateTimeText } from './param-form'

const def = (raw: Record<string, unknown>): ParamDef => paramDefSchema.parse(raw)

// The example config's params, as the engine parses them.
const params: Record<string, ParamDef> = {
  dealer_id: def({ type: 'string', required: true, pattern: '^[0-9]{5}$', label: 'Dealer', description: 'Five-digit dealer number' }),
  from: def({ type: 'date', label: 'Since' }),
  count: def({ type: 'integer', min: 1, max: 10000, default: 40 }),
  failRate: def({ type: 'number', min: 0, max: 1, default: 0.3 }),
  warehouse: def({ type: 'enum', values: ['north', 'south'], default: 'north' }),
  dryRun: def({ type: 'boolean', default: false }),
  asOf: def({ type: 'datetime' }),
}

describe('fieldsFor', () => {
  it('gives each param the control its type calls for, with label, help and limits', () => {
    const fields = fieldsFor(params)
    expect(fields.map((f) => [f.name, f.control])).toEqual([
      ['dealer_id', 'text'],
      ['from', 'date'],
      ['count', 'number'],
      ['failRate', 'number'],
      ['warehouse', 'enum'],
      ['dryRun', 'boolean'],
      ['asOf', 'datetime'],
    ])
    const [dealer, , count, rate, warehouse] = fields
    expect(dealer).toMatchObject({ label: 'Dealer', help: 'Five-digit dealer number', required: true })
    expect(count).toMatchObject({ label: 'count', min: 1, max: 10000, step: 1, placeholder: '1 – 10000 (optional)' })
    expect(rate?.step).toBe(0.1)
    expect(warehouse?.options).toEqual([
      { label: 'north', value: 'north' },
      { label: 'south', value: 'south' },
    ])
  })
})

describe('form values', () => {
  it('pre-fills defaults, and a copied run’s params win over them', () => {
    const fields = fieldsFor(params)
    expect(initialValues(fields)).toEqual({ dealer_id: '', from: '', count: '40', failRate: '0.3', warehouse: 'north', dryRun: false, asOf: '' })
    const copied = initialValues(fields, { dealer_id: '12345', count: 7, dryRun: true, asOf: '2026-01-02T03:04:05.000Z' })
    expect(copied).toMatchObject({ dealer_id: '12345', count: '7', dryRun: true })
    expect(copied.asOf).toBe(toLocalDateTimeText('2026-01-02T03:04:05.000Z'))
  })

  it('leaves empty fields out so the engine applies defaults', () => {
    expect(toInput({ a: '', b: '  ', c: 'x', d: false })).toEqual({ c: 'x', d: false })
  })

  it('says what is wrong in the engine’s words, without repeating the param name', () => {
    const [dealer, from, count] = fieldsFor(params)
    expect(fieldError(dealer!, '')).toBe('required, but no value was given (5 digits matching ^[0-9]{5}$)')
    expect(fieldError(dealer!, '123')).toBe('expected 5 digits matching ^[0-9]{5}$, got "123"')
    expect(fieldError(dealer!, '12345')).toBeNull()
    expect(fieldError(from!, '2026-02-30')).toBe('expected a date as YYYY-MM-DD, got "2026-02-30"')
    expect(fieldError(count!, '20000')).toBe('expected an integer between 1 and 10000, got "20000"')
    expect(fieldError(count!, '1.5')).toMatch(/^expected an integer/)
    expect(fieldError(count!, '')).toBeNull()
  })

  it('accepts exactly what jobs.enqueue accepts', () => {
    const fields = fieldsFor(params)
    const values = { ...initialValues(fields), dealer_id: '12345', asOf: '2026-01-02T03:04:05' }
    expect(fieldErrors(fields, values)).toEqual({})
    const result = checkForm(params, values)
    expect(result).toEqual(validateParams(params, toInput(values)))
    expect(result.ok && result.params).toMatchObject({ dealer_id: '12345', count: 40, failRate: 0.3, warehouse: 'north', dryRun: false })
    expect(result.ok && typeof result.params.asOf).toBe('string')
    const bad = checkForm(params, { ...values, count: 'many' })
    expect(bad.ok).toBe(false)
  })

  it('steps numbers with the arrow keys inside min and max', () => {
    const [, , count, rate] = fieldsFor(params)
    expect(stepValue(count!, '40', 1)).toBe('41')
    expect(stepValue(count!, '1', -1)).toBe('1')
    expect(stepValue(count!, '', 1)).toBe('1')
    expect(stepValue(rate!, '0.3', 1)).toBe('0.4')
    expect(stepValue(rate!, '1', 1)).toBe('1')
    expect(stepValue(count!, 'abc', 1)).toBe('abc')
  })

  it('summarises params in one line', () => {
    expect(paramsSummary({ a: 1, b: 'x', c: true })).toBe('a=1 · b=x · c=true')
    expect(paramsSummary({ a: 1, b: 2, c: 3 }, 2)).toBe('a=1 · b=2 · +1 more')
  })
})

describe('a secret param in the form', () => {
  const defs: Record<string, ParamDef> = {
    dealer_id: def({ type: 'string', required: true }),
    token: def({ type: 'string', secret: true, required: true, pattern: 'tok-[a-z0-9]+', description: 'The CRM token' }),
    pin: def({ type: 'integer', secret: true }),
  }

  it('is typed hidden, says it is secret, and a copied job asks for it again', () => {
    const [dealer, token, pin] = fieldsFor(defs)
    expect([dealer?.control, token?.control, pin?.control]).toEqual(['text', 'secret', 'secret'])
    expect(token?.help).toMatch(/^The CRM token Secret: stored encrypted and shown as •••• from then on; a copied job asks for it again\.$/)
    // A run's params as the engine sends them: the secret is only its mask.
    const copied = { dealer_id: '12345', token: '••••', pin: '••••' }
    expect(copyableParams(copied, defs)).toEqual({ dealer_id: '12345' })
    expect(initialValues(fieldsFor(defs), copied)).toEqual({ dealer_id: '12345', token: '', pin: '' })
  })

  it('does not quote a refused secret under its field', () => {
    const [, token] = fieldsFor(defs)
    expect(fieldError(token!, 'NOT-hunter2')).toBe('expected a value matching tok-[a-z0-9]+, got "••••"')
    expect(fieldError(token!, 'tok-hunter2')).toBeNull()
  })
})
