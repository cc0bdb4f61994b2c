// The PostgreSQL versions as a whole: released ones never change, they count 1, 2, 3… and a
// database upgraded release by release ends with exactly the schema of a new one.
import { fileURLToPath } from 'node:url'
import type pg from 'pg'
import { describe, expect, it } from 'vitest'
import { expectContiguous, expectReleasedUnchanged, expectSelfContained } from '../../../test-support/frozen-migrations'
import { pgAtVersion } from '../../../test-support/migration-db'
import { PG_MIGRATIONS, PG_SCHEMA_VERSION } from '../pg-schema'

/** SHA-256 of each released version's SQL. A new version records its hash here when it is added. */
const RELEASED: Readonly<Record<number, string>> = {
  1: 'a00c3bb5e2972782385bc33335e9223d9696d49727c6a597462bdaf0290e9d0c',
  2: '195b8949f13fe6dbfb30b060fe0911dd76c556bf04ba6c22e8a97fe349daaf1a',
  3: 'fe1147cf476c40107ebfca394a41b9e9b819e876373158a4b9c7eda8b4ab1704',
  4: '13b0a559423b55d93d355bcafa7fc620ed3d11ef55f189d4c39ce2da3608b687',
  5: 'b82b1d90b071ea8066151a0e51a941660bf550acf5ca7e5ebfe75f9c03422469',
  6: '2eb1131b2014a0f967639b02c315195ae2d6490887d049e9e4bf399793b6e25d',
  7: '1f34451940d456399f64a00520157f8c9ccf92b4502d4baf04667890d4544f19',
  8: 'ff4ce43952896aa58671966a9bc065da5f090455932edeb71b71215d346105af',
  9: 'e10f6b8a8ac24fc19350dc4d02587914a6a2a0e67c17d2ea6332a9f564b36729',
  10: 'ca7398af0fae3f424f7ee46997069ea8cff80ebd52738dcd0f5f425d8f6fe8d7',
  11: '1b89cf25e74ead99f19df007ff26aebac963220be3069e95b3bd200284134626',
  12: '1c0cea8d526d540bfc720a151463b0a336093636b8b0e08cbcbfff17fb324a4d',
  13: '5b0ce6330096deb927a41179a52872a396fb304968bb74236f080b6b2e07bfdc',
}

/** What the catalog says about the schema jobdeck, each part in a stable order. */
const CATALOG: Readonly<Record<string, string>> = {
  relations: `SELECT c.relname, c.relkind FROM pg_class c WHERE c.relnamespace = 'jobdeck'::regnamespace ORDER BY 1`,
  columns: `SELECT table_name, column_name, ordinal_position, data_type, udt_name, column_default, is_nullable
    FROM information_schema.columns WHERE table_schema = 'jobdeck' ORDER BY table_name, ordinal_position`,
  indexes: `SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'jobdeck' ORDER BY 1, 2`,
  constraints: `SELECT conrelid::regclass::text AS rel, conname, pg_get_constraintdef(oid) AS def
    FROM pg_constraint WHERE connamespace = 'jobdeck'::regnamespace ORDER BY 1, 2`,
  functions: `SELECT p.oid::regprocedure::text AS signature, pg_get_functiondef(p.oid) AS def
    FROM pg_proc p WHERE p.pronamespace = 'jobdeck'::regnamespace ORDER BY 1`,
  triggers: `SELECT t.tgrelid::regclass::text AS rel, t.tgname, pg_get_triggerdef(t.oid) AS def FROM pg_trigger t
    JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace = 'jobdeck'::regnamespace AND NOT t.tgisinternal ORDER BY 1, 2`,
  sequences: `SELECT sequencename, data_type::text, start_value, increment_by, max_value, cycle
    FROM pg_sequences WHERE schemaname = 'jobdeck' ORDER BY 1`,
  versions: `SELECT version, name FROM jobdeck.schema_version ORDER BY version`,
}

async function catalogOf(client: pg.ClientBase): Promise<Record<string, unknown[]>> {
  const catalog: Record<string, unknown[]> = {}
  for (const [part, sql] of Object.entries(CATALOG)) catalog[part] = (await client.query(sql)).rows
  return catalog
}

describe('PostgreSQL migrations', () => {
  it('a released migration is never edited', () => {
    expectReleasedUnchanged(PG_MIGRATIONS, RELEASED)
  })

  it('versions count up from 1 without a gap, each with its own name', () => {
    expectContiguous(PG_MIGRATIONS)
    expect(PG_SCHEMA_VERSION).toBe(PG_MIGRATIONS.length)
  })

  it('a migration file imports nothing and interpolates nothing: its SQL is the text written in it', () => {
    expectSelfContained(PG_MIGRATIONS, fileURLToPath(new URL('.', import.meta.url)))
  })

  it('a database upgraded one release at a time has exactly the schema of a new one', async () => {
    const stepwise = await pgAtVersion(1, 'jobdeck_stepwise')
    const fresh = await pgAtVersion(PG_SCHEMA_VERSION, 'jobdeck_fresh')
    try {
      for (let version = 2; version <= PG_SCHEMA_VERSION; version++) await stepwise.upgradeTo(version)
      const expected = await catalogOf(fresh.client)
      expect(expected.functions?.length).toBeGreaterThan(0)
      const actual = await catalogOf(stepwise.client)
      for (const part of Object.keys(CATALOG)) expect(actual[part], part).toEqual(expected[part])
    } finally {
      await stepwise.dispose()
      await fresh.dispose()
    }
  })
})
