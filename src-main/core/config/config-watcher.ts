// Reloads the config when its file changes, so an edit is in force within a second, without
// SIGHUP or the Reload button. Editors save by writing in place or by renaming a new file over
// the old one, so the folder is watched (a watch on the file itself ends with its first rename),
// and a slow poll covers filesystems that send no events. Each burst of events is debounced and
// the file compared with what was last applied, so a save that changed nothing reloads nothing.
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

export interface ConfigWatcher {
  close(): void
}

export interface WatchOptions {
  /** Quiet time after the last event before the file is read (editors write in several steps). */
  debounceMs?: number
  /** The fallback poll's period. */
  pollMs?: number
}

function fingerprint(file: string): string | null {
  try {
    return createHash('sha256').update(fs.readFileSync(file)).digest('hex')
  } catch {
    // Gone for a moment (an editor's rename) or unreadable: the next event or poll looks again.
    return null
  }
}

export function watchConfigFile(file: string, onChange: () => void, options: WatchOptions = {}): ConfigWatcher {
  const debounceMs = options.debounceMs ?? 250
  const name = path.basename(file)
  let applied = fingerprint(file)
  let timer: NodeJS.Timeout | null = null
  let closed = false

  const check = (): void => {
    timer = null
    if (closed) return
    const now = fingerprint(file)
    if (now === null || now === applied) return
    applied = now
    onChange()
  }
  const schedule = (): void => {
    if (closed) return
    if (timer) clearTimeout(timer)
    timer = setTimeout(check, debounceMs)
  }

  let watcher: fs.FSWatcher | null = null
  try {
    watcher = fs.watch(path.dirname(file), { persistent: false }, (_event, changed) => {
      if (changed === null || changed === name) schedule()
    })
    watcher.on('error', () => undefined)
  } catch {
    watcher = null
  }
  const poll = setInterval(schedule, options.pollMs ?? 2_000)
  poll.unref()

  return {
    close() {
      closed = true
      if (timer) clearTimeout(timer)
      clearInterval(poll)
      watcher?.close()
    },
  }
}
