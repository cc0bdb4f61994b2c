// What keeps released migrations as they were released, for each database's list of versions.
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { expect } from 'vitest'

interface Migration {
  readonly version: number
  readonly name: string
  readonly sql: string
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex')

/** Every version's SQL hashes to the hash recorded when it was released, and none was removed. */
export function expectReleasedUnchanged(migrations: ReadonlyArray<Migration>, released: Readonly<Record<number, string>>): void {
  for (const migration of migrations) {
    const hash = sha256(migration.sql)
    const recorded = released[migration.version]
    expect(recorded, `migration ${migration.version} has no recorded hash: record ${migration.version}: '${hash}' in RELEASED`).toBeDefined()
    expect(hash, `migration ${migration.version} is frozen: add a new migration instead`).toBe(recorded)
  }
  for (const version of Object.keys(released).map(Number)) {
    expect(migrations.some((m) => m.version === version), `migration ${version} was released: it cannot be removed`).toBe(true)
  }
}

/** Versions 1, 2, 3… in order, each named differently. */
export function expectContiguous(migrations: ReadonlyArray<Migration>): void {
  expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1))
  expect(new Set(migrations.map((m) => m.name)).size).toBe(migrations.length)
}

/**
 * Each NNNN-name.ts in `dir` is the version its name says, imports nothing and interpolates
 * nothing: its SQL is the text written in it, which nothing edited later can change.
 */
export function expectSelfContained(migrations: ReadonlyArray<Migration>, dir: string): void {
  const files = fs.readdirSync(dir).filter((f) => /^\d{4}-.+\.ts$/.test(f) && !f.endsWith('.test.ts'))
  expect(files).toHaveLength(migrations.length)
  for (const file of files) {
    const source = fs.readFileSync(path.join(dir, file), 'utf8')
    const version = Number(file.slice(0, 4))
    expect(source, `${file} imports`).not.toMatch(/^\s*import\s/m)
    expect(source, `${file} interpolates`).not.toMatch(/(?<!\\)\$\{/)
    expect(source, `${file} is not version ${version}`).toContain(`version: ${version},`)
  }
}
