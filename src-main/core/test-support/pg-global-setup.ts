// vitest globalSetup: one PostgreSQL for the whole run, its URL handed to every test file.
import type { TestProject } from 'vitest/node'
import { startTestPgServer, type TestPgServer } from './postgres-server'

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string
  }
}

let server: TestPgServer | null = null

export async function setup(project: TestProject): Promise<void> {
  server = await startTestPgServer()
  project.provide('pgAdminUrl', server.url)
}

export async function teardown(): Promise<void> {
  await server?.stop()
  server = null
}
