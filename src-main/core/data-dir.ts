// The data dir: checked, and made, before SQLite opens it (a file given as the dir made a stack
// trace, and `/proc/x` hung for ever: Node's recursive mkdir loops on a pseudo filesystem that
// answers ENOENT to every mkdir), and the owner's alone, since it holds every job's params and
// output (and, headless, the key of secret params). It is created 0700 and its files 0600; a dir
// or file an older Jobdeck left readable by others is tightened at start, and the operator is
// told once what changed. Windows has no such mode bits (its folders under the user profile are
// private already).
import fs from 'node:fs'
import path from 'node:path'
import { JobdeckError } from '../../src-shared/errors'

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

/** statfs magic numbers of Linux filesystems that show kernel state and store nothing. */
const PSEUDO_FILESYSTEMS: ReadonlyMap<number, string> = new Map([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x1cd1, 'devpts'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0xcafe4a11, 'bpf'],
  [0x6165676c, 'pstore'],
  [0x62656570, 'configfs'],
  [0x65735543, 'fusectl'],
  [0x42494e4d, 'binfmt_misc'],
])

/** Folders of kernel state on Linux (/dev is a tmpfs, so its magic number does not tell). */
const PSEUDO_ROOTS = ['/proc', '/sys', '/dev']

const errno = (error: unknown): string => (error as NodeJS.ErrnoException).code ?? (error as Error).message

/**
 * Makes sure `dir` is a folder Jobdeck can keep its database in, creating it (and missing parents)
 * when needed. `place` names where the dir came from (`--data-dir`, `JOBDECK_DATA_DIR`).
 */
export function prepareDataDir(dir: string, place = 'data dir'): string {
  const target = path.resolve(dir)
  const refuse = (what: string): never => {
    throw new JobdeckError('invalid_input', `${place} ${target}: ${what}; cannot open the database there (expected a folder Jobdeck can create and write in)`)
  }

  const { existing, missing } = nearestExisting(target, refuse)
  if (!existing.stat.isDirectory()) {
    refuse(missing.length === 0 ? 'is a file, not a folder' : `cannot be created: ${existing.path} is a file, not a folder`)
  }
  const pseudo = pseudoFilesystem(existing.path)
  if (pseudo !== null) refuse(`is on ${pseudo}, a filesystem of kernel state that stores no files`)

  for (const folder of missing) {
    try {
      fs.mkdirSync(folder, { mode: PRIVATE_DIR_MODE })
    } catch (error) {
      const code = errno(error)
      if (code === 'EEXIST' && fs.statSync(folder).isDirectory()) continue // made meanwhile by another process
      refuse(`cannot be created (${describeCode(code)} at ${folder})`)
    }
  }
  try {
    fs.accessSync(target, fs.constants.W_OK | fs.constants.X_OK)
  } catch (error) {
    refuse(`is not writable (${describeCode(errno(error))})`)
  }
  return target
}

/** The deepest existing folder on the way to `target`, and the folders below it still to make. */
function nearestExisting(target: string, refuse: (what: string) => never): { existing: { path: string; stat: fs.Stats }; missing: string[] } {
  const missing: string[] = []
  let current = target
  for (;;) {
    try {
      return { existing: { path: current, stat: fs.statSync(current) }, missing }
    } catch (error) {
      const code = errno(error)
      // ENOTDIR: a parent is a file; walking up finds it and says so.
      if (code !== 'ENOENT' && code !== 'ENOTDIR') refuse(`cannot be reached (${describeCode(code)} at ${current})`)
    }
    const parent = path.dirname(current)
    if (parent === current) refuse('cannot be reached (no part of the path exists)')
    missing.unshift(current)
    current = parent
  }
}

function pseudoFilesystem(existing: string): string | null {
  if (process.platform !== 'linux') return null
  let real = existing
  try {
    real = fs.realpathSync(existing)
  } catch {
    // statfs below still tells
  }
  const root = PSEUDO_ROOTS.find((r) => real === r || real.startsWith(`${r}/`))
  try {
    const name = PSEUDO_FILESYSTEMS.get(fs.statfsSync(real).type)
    if (name !== undefined) return `the ${name} pseudo filesystem (${root ?? real})`
  } catch {
    // unknown: fall back on the path
  }
  return root === undefined ? null : `${root}`
}

function describeCode(code: string): string {
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied'
    case 'EROFS':
      return 'read-only filesystem'
    case 'ENOSPC':
      return 'no space left on the device'
    case 'ENOENT':
      return 'no such folder'
    case 'ENOTDIR':
      return 'a part of the path is a file'
    default:
      return code
  }
}
