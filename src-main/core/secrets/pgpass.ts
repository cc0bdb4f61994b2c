// ~/.pgpass as libpq reads it (PGPASSFILE, else ~/.pgpass, on Windows
// %APPDATA%\postgresql\pgpass.conf): `host:port:database:user:password` lines, `*` for any value,
// `\` escaping `:` and `\`, the first matching line wins, and a file others may read is ignored.
// Jobdeck reads it itself where it decides which server a password may go to (connection.test).
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

export interface PgTarget {
  host: string
  port: number
  user: string
  database: string
}

export interface PgpassOptions {
  env?: NodeJS.ProcessEnv
  platform?: NodeJS.Platform
  homedir?: string
}

export function pgpassFile(options: PgpassOptions = {}): string {
  const env = options.env ?? process.env
  if (env.PGPASSFILE) return env.PGPASSFILE
  const platform = options.platform ?? process.platform
  const home = options.homedir ?? os.homedir()
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'postgresql', 'pgpass.conf')
  return path.join(home, '.pgpass')
}

/** The password ~/.pgpass holds for exactly this server, port, database and user. */
export function pgpassPassword(target: PgTarget, options: PgpassOptions = {}): string | undefined {
  const file = pgpassFile(options)
  let text: string
  try {
    const stat = fs.statSync(file)
    if (!stat.isFile()) return undefined
    // libpq ignores a password file that the group or others may read or write.
    if ((options.platform ?? process.platform) !== 'win32' && (stat.mode & 0o077) !== 0) return undefined
    text = fs.readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
  return matchPgpass(text, target)
}

/** The first line of a .pgpass text matching the target. */
export function matchPgpass(text: string, target: PgTarget): string | undefined {
  // A Unix-socket connection matches the host `localhost`, as libpq does it.
  const host = target.host === '' || target.host.startsWith('/') ? 'localhost' : target.host
  const wanted = [host, String(target.port), target.database, target.user]
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith('#') || line.trim() === '') continue
    const fields = splitFields(line)
    if (fields.length < 5) continue
    if (wanted.every((value, i) => fields[i] === '*' || fields[i] === value)) return fields.slice(4).join(':')
  }
  return undefined
}

function splitFields(line: string): string[] {
  const fields: string[] = []
  let current = ''
  for (let i = 0; i < line.length; i++) {
    const c = line[i]
    if (c === '\\' && i + 1 < line.length) current += line[++i]
    else if (c === ':' && fields.length < 4) {
      fields.push(current)
      current = ''
    } else current += c
  }
  fields.push(current)
  return fields
}
