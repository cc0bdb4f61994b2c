import { describe, expect, it } from 'vitest'
import { noFilters } from './history'
import { filtersFromQuery, hasFilterQuery, queryWithFilters, sameFilters } from './history-route'

describe("History's filters in the route query", () => {
  it("lands the Queue's link on failed runs of the last 24 h", () => {
    const query = { status: 'failed', since: '24h' }
    expect(hasFilterQuery(query)).toBe(true)
    expect(filtersFromQuery(query)).toEqual({ type: null, source: null, status: 'failed', range: { preset: '24h' }, search: '' })
  })

  it('gives back the same filters after a reload, a custom range and the run panel included', () => {
    const filters = { type: 'sync/inventory', source: null, status: 'canceled' as const, range: { preset: 'custom' as const, since: 1_700_000_000_000, until: 1_700_086_400_000 }, search: 'warehouse north' }
    const query = queryWithFilters({ run: '01HRUN' }, filters)
    expect(query).toEqual({
      run: '01HRUN',
      type: 'sync/inventory',
      status: 'canceled',
      since: '2023-11-14T22:13:20.000Z',
      until: '2023-11-15T22:13:20.000Z',
      q: 'warehouse north',
    })
    expect(filtersFromQuery(query as Record<string, string>)).toEqual(filters)
    expect(sameFilters(filtersFromQuery(query as Record<string, string>), filters)).toBe(true)
  })

  it('issue 15: keeps the source filter in the link (a name, or `-` for Jobdeck\'s own)', () => {
    const filters = { ...noFilters(), source: 'legacy', search: 'timeout' }
    const query = queryWithFilters({}, filters)
    expect(query).toEqual({ source: 'legacy', q: 'timeout' })
    expect(filtersFromQuery(query as Record<string, string>)).toEqual(filters)
    expect(filtersFromQuery({ source: '-' }).source).toBe('-')
  })

  it('drops what it cannot read, and a plain /history has no filters', () => {
    expect(hasFilterQuery({ run: 'x' })).toBe(false)
    expect(filtersFromQuery({ status: 'exploded', since: 'yesterday', q: '' })).toEqual(noFilters())
    expect(filtersFromQuery({ since: '1700000000000' }).range).toEqual({ preset: 'custom', since: 1_700_000_000_000, until: null })
    expect(queryWithFilters({ q: 'old', run: 'r' }, noFilters())).toEqual({ run: 'r' })
  })
})
