// A fresh PostgreSQL database per test file, on the server the global setup started.
import pg from 'pg'
import { inject } from 'vitest'

export interface TestDatabase {
  url: string
  name: string
  drop(): Promise<void>
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url)
  parsed.pathname = `/${database}`
  return parsed.toString()
}

export function pgAdminUrl(): string {
  return inject('pgAdminUrl')
}

export async function createTestDatabase(prefix = 'jobdeck_test'): Promise<TestDatabase> {
  const admin = pgAdminUrl()
  const name = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`
  const client = new pg.Client({ connectionString: admin })
  await client.connect()
  try {
    await client.query(`CREATE DATABASE ${name}`)
  } finally {
    await client.end()
  }
  return {
    url: withDatabase(admin, name),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: admin })
      await c.connect()
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      } finally {
        await c.end()
      }
    },
  }
}
