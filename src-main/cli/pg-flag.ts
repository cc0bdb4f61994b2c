// `--pg postgres://user:password@…` leaves the password in the process's command line, which
// every local user can read (`ps`, /proc/PID/cmdline). The environment of a process is readable by
// its own user only, so the safer ways are there: PGPASSWORD, ~/.pgpass, JOBDECK_PG_URL.

export const PASSWORD_IN_FLAG_WARNING =
  'warning: the password in --pg is visible to every user of this machine (ps shows command lines); ' +
  'leave it out of --pg and set PGPASSWORD, put it in ~/.pgpass (mode 0600), or pass the whole URL in JOBDECK_PG_URL'

export function hasPassword(url: string): boolean {
  try {
    const parsed = new URL(url)
    return parsed.password !== '' || parsed.searchParams.has('password')
  } catch {
    return false
  }
}

let warned = false

/** Says so on stderr, once per process, when a `--pg` URL carries a password. */
export function warnPasswordInFlag(url: string, write: (line: string) => void = (line) => process.stderr.write(`jobdeck: ${line}\n`)): void {
  if (warned || !hasPassword(url)) return
  warned = true
  write(PASSWORD_IN_FLAG_WARNING)
}
