import fs from 'node:fs'

/**
 * Group commit for the runner's hot path. A transaction committed with synchronous=NORMAL is
 * already safe against a crash of this process; this makes it safe against power loss too by
 * fsyncing the WAL on libuv's thread pool, so the disk flush overlaps the next job's work
 * instead of blocking the event loop. Callers report a result only once `sync()` resolved.
 * Commits made while a flush is in flight share the next flush.
 */
export class WalSync {
  private fd: number | null = null
  private inFlight: Promise<void> | null = null
  private queued: Promise<void> | null = null

  constructor(private readonly walFile: string) {}

  sync(): Promise<void> {
    if (!this.inFlight) {
      this.inFlight = this.flush().finally(() => {
        this.inFlight = null
      })
      return this.inFlight
    }
    // A flush already running may have started before our commit: wait for the one after it.
    this.queued ??= this.inFlight.then(() => {
      this.queued = null
      return this.sync()
    })
    return this.queued
  }

  private flush(): Promise<void> {
    return new Promise((resolve, reject) => {
      const fd = this.open()
      fs.fsync(fd, (error) => (error ? reject(error) : resolve()))
    })
  }

  private open(): number {
    // The WAL stays the same file while the database is open (SQLite rewinds it, never unlinks it).
    this.fd ??= fs.openSync(this.walFile, 'r+')
    return this.fd
  }

  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd)
    this.fd = null
  }
}
