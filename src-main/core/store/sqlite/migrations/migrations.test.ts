// The SQLite versions as a whole: released ones never change, they count 1, 2, 3… and a data dir
// upgraded release by release ends with exactly the schema of a new one.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { expectContiguous, expectReleasedUnchanged, expectSelfContained } from '../../../test-support/frozen-migrations'
import { sqliteAtVersion } from '../../../test-support/migration-db'
import { MIGRATIONS, SCHEMA_VERSION } from '../migrations'

const OPEN_DATABASE = fileURLToPath(new URL('../open-database.ts', import.meta.url))

/** Processes that open one new data file at the same moment; resolves with each one's exit code and stderr. */
function openAtOnce(file: string, processes: number): Promise<Array<{ code: number | null; stderr: string }>> {
  const script = `const { openDatabase } = await import(${JSON.stringify(OPEN_DATABASE)}); openDatabase(${JSON.stringify(file)}).close()`
  return Promise.all(
    Array.from({ length: processes }, () => new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'pipe'] })
      let stderr = ''
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
      child.on('exit', (code) => resolve({ code, stderr }))
    })),
  )
}

/** SHA-256 of each released version's SQL. A new version records its hash here when it is added. */
const RELEASED: Readonly<Record<number, string>> = {
  1: '54ef3796502378f37f1756c41a44a419a08d1f641ae05d86b89cd8076213c87d',
  2: '10dda2bf42ce7598e0a0374a61181808902fc3bd39944e302b1c0700fbf1a091',
  3: '9d82afc246fb2b760f230310d2137c5981d0adb8c833ba4b0133589a14df03c3',
  4: '0a46b97c38496aeeb6791755df3f7676c3e147f8abc90fa5c4934c2839c4f422',
  5: '584e11a8b348520dd5416d256f711e5d02eb99a78cc90002b65abc0182da7152',
  6: 'b86e31f1e2b96743944b210ad3a6888011f16ca703253d93cd5efaddb7c19001',
  7: '8f5cee30d65776c0986c5d3aca328f7a8b885883483d3c970b438ffa4349f293',
  8: 'cf71b98400f15a6ba5fcbcd1b84d0e0bf5c202ab83a100fa9a63423592f1a47b',
  9: 'f37481311c86f67b3a6c21926b368b485317072d2abd5533b0eaff3b4a56e1ef',
  10: '008ea5331cfbc36554f8ad2eb2f21787e389a7914dc9ffdaad6e61656f3a94f7',
  11: '3802e5ccf0246c1c7db258531cb603f0a9156a3fc65400f40d33774bacdbae8b',
  12: '188e2780ac3b25a68ffb60ecd28e5a903e496816781a48ffdcad21f61df7a59b',
  13: 'c29bd4935dae37438dcf92f9132a0426048abc0a25e33c2dc2bca006994f3743',
  14: '318076684cca42aa15b7a358d055c67678e5c7edf53bbf4bb672b620f9793ed6',
  15: '61f9f55a7d72d194f2e8a5a714f1b6ce192f1956ffdfb58656056eb77b6efbc1',
  16: '4aa913c27cd6f71a4c4411a935bad5938a599ee8fcbef1bb7c91070ac3c4784f',
}

interface SchemaRow {
  type: string
  name: string
  tbl_name: string
  sql: string | null
}

/** Everything SQLite records about the schema, with the SQL's whitespace normalized (only that). */
function schemaOf(db: Database.Database): { version: unknown; rows: SchemaRow[] } {
  const rows = db.prepare(`SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name`).all() as SchemaRow[]
  return {
    version: db.pragma('user_version', { simple: true }),
    rows: rows.map((row) => ({ ...row, sql: row.sql?.replace(/\s+/g, ' ').trim() ?? null })),
  }
}

describe('SQLite migrations', () => {
  it('a released migration is never edited', () => {
    expectReleasedUnchanged(MIGRATIONS, RELEASED)
  })

  it('versions count up from 1 without a gap, each with its own name', () => {
    expectContiguous(MIGRATIONS)
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length)
  })

  it('a migration file imports nothing and interpolates nothing: its SQL is the text written in it', () => {
    expectSelfContained(MIGRATIONS, fileURLToPath(new URL('.', import.meta.url)))
  })

  it('processes opening one new data dir at the same moment (a runner and a CLI command) all end at the current version', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobdeck-open-race-'))
    try {
      for (let round = 0; round < 3; round++) {
        const file = path.join(dir, `round-${round}.sqlite`)
        const opened = await openAtOnce(file, 4)
        expect(opened.map((o) => o.stderr.split('\n')[0] ?? '')).toEqual(opened.map(() => ''))
        expect(opened.map((o) => o.code)).toEqual([0, 0, 0, 0])
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)

  it('a data dir upgraded one release at a time has exactly the schema of a new one', () => {
    const stepwise = sqliteAtVersion(1)
    const fresh = sqliteAtVersion(SCHEMA_VERSION)
    try {
      for (let version = 2; version <= SCHEMA_VERSION; version++) {
        stepwise.upgradeTo(version)
        expect(stepwise.db.pragma('user_version', { simple: true })).toBe(version)
      }
      const expected = schemaOf(fresh.db)
      expect(expected.rows.length).toBeGreaterThan(0)
      expect(schemaOf(stepwise.db)).toEqual(expected)
    } finally {
      stepwise.dispose()
      fresh.dispose()
    }
  })
})
