// The data dir is checked, and made, before SQLite opens it: a file given as the dir made a stack
// trace, and `/proc/x` hung for ever (Node's recursive mkdir loops on a pseudo filesystem that
// answers ENOENT to every mkdir). Each refusal says where the dir came from and what is wrong.
import fs from 'node:fs'
import path from 'node:path'
import { JobdeckError } from '../../src-shared/errors'

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
      fs.mkdirSync(folder)
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
