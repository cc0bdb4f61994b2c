import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { matchPgpass, pgpassFile, pgpassPassword } from './pgpass'

const target = { host: 'db.internal', port: 5432, database: 'jobdeck', user: 'queue' }

describe('.pgpass', () => {
  it('takes the first line matching server, port, database and user, with * and escapes', () => {
    const text = [
      '# comment:*:*:*:nope',
      'other.internal:5432:*:queue:not-this-server',
      'db.internal:5433:*:queue:not-this-port',
      'db.internal:5432:*:admin:not-this-user',
      'db.internal:*:jobdeck:queue:pa\\:ss\\\\word:with-colon',
      '*:*:*:*:catch-all',
    ].join('\n')
    expect(matchPgpass(text, target)).toBe('pa:ss\\word:with-colon')
    expect(matchPgpass(text, { ...target, host: 'elsewhere' })).toBe('catch-all')
    expect(matchPgpass('db.internal:5432:jobdeck:queue', target)).toBeUndefined()
    // A Unix socket matches `localhost`, as libpq has it.
    expect(matchPgpass('localhost:5432:*:queue:socket', { ...target, host: '/var/run/postgresql' })).toBe('socket')
  })

  it('ignores a file others may read, as libpq does', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobdeck-pgpass-'))
    const file = path.join(dir, 'pgpass')
    fs.writeFileSync(file, 'db.internal:5432:*:queue:pw\n', { mode: 0o600 })
    const env = { PGPASSFILE: file }
    expect(pgpassFile({ env })).toBe(file)
    expect(pgpassPassword(target, { env, platform: 'linux' })).toBe('pw')
    fs.chmodSync(file, 0o644)
    expect(pgpassPassword(target, { env, platform: 'linux' })).toBeUndefined()
    expect(pgpassPassword(target, { env: { PGPASSFILE: path.join(dir, 'missing') } })).toBeUndefined()
    fs.rmSync(dir, { recursive: true, force: true })
  })
})
