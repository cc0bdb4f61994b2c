import { describe, expect, it } from 'vitest'
import { paramDefSchema, type ParamDef } from '../../../src-shared/config-schema'
import { applyEngineRowErrors, bulkRows, bulkSummary, previewBulk, previewCell } from './bulk-preview'

const params: Record<string, ParamDef> = {
  dealer_id: paramDefSchema.parse({ type: 'string', required: true, pattern: '^[0-9]{5}$' }),
  from: paramDefSchema.parse({ type: 'date' }),
}

describe('previewBulk', () => {
  it('checks every CSV row and counts valid and invalid ones', () => {
    const rows = ['dealer_id,from', ...Array.from({ length: 48 }, (_, i) => `${10000 + i},2026-01-01`), '123,2026-01-01', '12345,2026-13-01'].join('\n')
    const preview = previewBulk(params, rows)
    expect(preview.format).toBe('csv')
    expect(preview.valid).toBe(48)
    expect(preview.invalid).toBe(2)
    expect(preview.summary).toBe('48 valid · 2 with errors')
    expect(preview.ready).toBe(false)
    const bad = preview.rows.filter((r) => r.errors.length > 0)
    expect(bad.map((r) => r.line)).toEqual([50, 51])
    expect(bad[0]?.badColumns).toEqual(['dealer_id'])
    expect(bad[1]?.errors).toEqual(['param "from": expected a date as YYYY-MM-DD, got "2026-13-01"'])
  })

  it('reads JSON lines, counts unparseable lines as rows with errors, and flags unknown columns', () => {
    const text = ['{"dealer_id": "12345"}', '{"dealer_id": "54321", "extra": 1}', 'not json', '', '[1]'].join('\n')
    const preview = previewBulk(params, text)
    expect(preview.format).toBe('jsonl')
    expect(preview.summary).toBe('1 valid · 3 with errors')
    expect(preview.columns).toEqual(['dealer_id', 'from', 'extra'])
    expect(preview.rows.map((r) => r.line)).toEqual([1, 2, 3, 5])
    expect(preview.rows[1]?.errors[0]).toMatch(/unknown param; known params: dealer_id, from/)
    expect(preview.rows[2]?.errors[0]).toMatch(/^line 3: invalid JSON/)
  })

  it('is ready only when every row is valid, and sends the rows as pasted', () => {
    const preview = previewBulk(params, 'dealer_id,from\n12345,\n54321,2026-02-01\n')
    expect(preview.ready).toBe(true)
    expect(preview.summary).toBe('2 valid · 0 with errors')
    expect(bulkRows(preview)).toEqual([
      { dealer_id: '12345', from: '' },
      { dealer_id: '54321', from: '2026-02-01' },
    ])
  })

  it('has nothing to add for empty text or a header alone', () => {
    expect(previewBulk(params, '  ').summary).toBe('No rows yet')
    const header = previewBulk(params, 'dealer_id,from\n')
    expect(header.rows).toEqual([])
    expect(header.ready).toBe(false)
    expect(bulkSummary(1, 1)).toBe('1 valid · 1 with error')
  })

  it('puts the engine’s per-row errors back on the rows that were sent', () => {
    const preview = previewBulk(params, 'dealer_id\n11111\n22222\n33333\n')
    const mapped = applyEngineRowErrors(preview, [{ row: 2, errors: [{ param: 'dealer_id', message: 'param "dealer_id": gone' }] }])
    expect(mapped?.summary).toBe('2 valid · 1 with error')
    expect(mapped?.rows[1]).toMatchObject({ line: 3, errors: ['param "dealer_id": gone'], badColumns: ['dealer_id'], params: null })
    expect(applyEngineRowErrors(preview, 'something else')).toBeNull()
  })
})

describe('a secret column in the bulk preview', () => {
  const withSecret: Record<string, ParamDef> = {
    ...params,
    token: paramDefSchema.parse({ type: 'string', secret: true, pattern: 'tok-[a-z0-9]+' }),
  }

  it('shows its cells as the mask and never quotes a refused value', () => {
    const preview = previewBulk(withSecret, 'dealer_id,token\n12345,tok-hunter2\n12346,NOT-hunter2\n12347,')
    const [ok, bad, empty] = preview.rows
    expect(previewCell(withSecret, 'token', ok?.values.token)).toBe('••••')
    expect(previewCell(withSecret, 'dealer_id', ok?.values.dealer_id)).toBe('12345')
    expect(previewCell(withSecret, 'token', empty?.values.token)).toBe('')
    expect(JSON.stringify(bad?.errors)).not.toContain('hunter2')
    expect(bad?.errors[0]).toMatch(/param "token": expected a value matching tok-\[a-z0-9\]\+, got "••••"/)
  })
})
