import { afterEach, describe, expect, it } from 'vitest'
import { pgAtVersion, type PgAtVersion } from '../../../test-support/migration-db'

let data: PgAtVersion | undefined
afterEach(async () => data?.dispose())

/** Lanes against exact limits and patterns, including a lane two patterns match (the first wins) and none. */
const CASES: ReadonlyArray<[string, Record<string, number>, Array<[string, number]>]> = [
  ['wide', { wide: 3 }, [['w%', 7]]],
  ['dealer:12', {}, [['dealer:%', 2], ['%', 9]]],
  ['dealer:12', {}, [['%', 9], ['dealer:%', 2]]],
  ['other', { wide: 3 }, [['dealer:%', 2]]],
  ['other', {}, []],
  ['50%_off', { '50%_off': 4 }, []],
]

async function limits(at: PgAtVersion): Promise<number[]> {
  const out: number[] = []
  for (const [lane, exact, patterns] of CASES) {
    const { rows } = await at.client.query<{ n: number }>('SELECT jobdeck.lane_limit($1, $2, $3) AS n', [lane, JSON.stringify(exact), JSON.stringify(patterns)])
    out.push(rows[0]?.n ?? -1)
  }
  return out
}

describe('PostgreSQL migration 7: the lane limit lookup in PL/pgSQL', () => {
  it('answers exactly as version 6 did, and is no longer a SQL function planned on every call', async () => {
    data = await pgAtVersion(6)
    const before = await limits(data)
    expect(before).toEqual([3, 2, 9, 1, 1, 4])
    await data.upgradeTo(7)
    expect(await limits(data)).toEqual(before)
    const { rows } = await data.client.query<{ lang: string }>(
      `SELECT l.lanname AS lang FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang WHERE p.oid = 'jobdeck.lane_limit(text, jsonb, jsonb)'::regprocedure`,
    )
    expect(rows).toEqual([{ lang: 'plpgsql' }])
  })
})
