// Alerts in shared mode: each alert is sent once across instances (its key claimed in PostgreSQL,
// only the winner writes its local outbox), and snoozes are every instance's. While the database
// is unreachable nothing can be claimed: AlertWatch keeps the facts undecided and asks again.
import type { AlertSnooze } from '../../../src-shared/alerts'
import { JobdeckError } from '../../../src-shared/errors'
import type { PgAlerts } from '../store/postgres/pg-alerts'

/** What the alert rules need of the shared database. */
export interface SharedAlertKeys {
  /** The keys this instance sends; throws `unavailable` while the database is unreachable. */
  claim(keys: readonly string[], instance: string): Promise<Set<string>>
  snoozes(now: number): Promise<AlertSnooze[]>
  setSnooze(type: string, until: number | null, by: string | null, now: number): Promise<void>
}

export class SharedAlerts implements SharedAlertKeys {
  constructor(
    private readonly pg: PgAlerts,
    private readonly online: () => boolean,
  ) {}

  private requireOnline(what: string): void {
    if (!this.online()) throw new JobdeckError('unavailable', `cannot ${what}: the shared database is offline; try again when it is back`)
  }

  claim(keys: readonly string[], instance: string): Promise<Set<string>> {
    this.requireOnline('claim alerts')
    return this.pg.claim(keys, instance)
  }

  snoozes(now: number): Promise<AlertSnooze[]> {
    this.requireOnline('read the snoozes')
    return this.pg.snoozes(now)
  }

  setSnooze(type: string, until: number | null, by: string | null, now: number): Promise<void> {
    this.requireOnline(until === null ? 'lift a snooze' : 'snooze alerts')
    return this.pg.setSnooze(type, until, by, now)
  }
}
