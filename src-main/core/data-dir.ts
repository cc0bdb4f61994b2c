// The data dir holds every job's params and output (and, headless, the key of secret params):
// it is the owner's alone. It is created 0700 and its files 0600; a dir or file an older Jobdeck
// left readable by others is tightened at start, and the operator is told once what changed.
// Windows has no such mode bits (its folders under the user profile are private already).
import fs from 'node:fs'
import path from 'node:path'

export const PRIVATE_DIR_MODE = 0o700
export const PRIVATE_FILE_MODE = 0o600

/** Files of the data dir that hold params, output, keys or secrets. */
export const PRIVATE_FILES = ['jobdeck.sqlite', 'jobdeck.sqlite-wal', 'jobdeck.sqlite-shm', 'params.key', 'secrets.json'] as const

const modeText = (mode: number): string => `0${(mode & 0o777).toString(8)}`

function posix(platform: NodeJS.Platform): boolean {
  return platform !== 'win32'
}

/** chmod to `mode` when group or others have any access; returns the old mode when it changed. */
function tighten(target: string, mode: number): number | null {
  let stat: fs.Stats
  try {
    stat = fs.lstatSync(target)
  } catch {
    return null
  }
  // A symlink is left alone: chmod would follow it to whatever it points at.
  if (stat.isSymbolicLink() || (stat.mode & 0o077) === 0) return null
  fs.chmodSync(target, mode)
  return stat.mode & 0o777
}

/**
 * Creates the data dir owner-only, or tightens an existing one and its private files. `notice`
 * gets one line when something was tightened (the CLI prints it on stderr, the app's engine logs it).
 */
export function securePrivateDataDir(dir: string, notice: (line: string) => void, platform: NodeJS.Platform = process.platform): void {
  fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE })
  if (!posix(platform)) return
  const changed: string[] = []
  const dirWas = tighten(dir, PRIVATE_DIR_MODE)
  if (dirWas !== null) changed.push(`the folder ${modeText(dirWas)} → ${modeText(PRIVATE_DIR_MODE)}`)
  for (const name of PRIVATE_FILES) {
    const was = tighten(path.join(dir, name), PRIVATE_FILE_MODE)
    if (was !== null) changed.push(`${name} ${modeText(was)} → ${modeText(PRIVATE_FILE_MODE)}`)
  }
  if (changed.length > 0) {
    notice(`the data dir ${dir} was readable by other users of this machine and holds job params and output; made it yours alone (${changed.join(', ')})`)
  }
}

/**
 * Creates `file` empty and owner-only if it does not exist yet, so a database or log opened on it
 * (SQLite gives its -wal and -shm files the mode of the database) is never readable by others.
 */
export function createPrivateFile(file: string, platform: NodeJS.Platform = process.platform): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: PRIVATE_DIR_MODE })
  try {
    fs.closeSync(fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, PRIVATE_FILE_MODE))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    return
  }
  // The umask may only take bits away; the file is made exactly owner read/write.
  if (posix(platform)) fs.chmodSync(file, PRIVATE_FILE_MODE)
}
