// Database states for tests of the Database settings, the banner and the status strip.
import { LOCAL_DATABASE, type DatabaseState } from '../../src-shared/connection'

export const LOCAL: DatabaseState = LOCAL_DATABASE

export const ONLINE: DatabaseState = {
  ...LOCAL_DATABASE,
  mode: 'shared',
  status: 'online',
  url: 'postgres://jd:***@db.internal:5432/jobdeck',
  source: 'env',
  lastSyncAt: '2026-03-01T10:41:00.000Z',
}

export const OFFLINE: DatabaseState = {
  ...ONLINE,
  status: 'offline',
  error: 'connect ECONNREFUSED 10.0.0.5:5432',
  offlineSince: '2026-03-01T10:42:00.000Z',
  outboxPending: 3,
  retryAt: '2026-03-01T10:43:00.000Z',
}
