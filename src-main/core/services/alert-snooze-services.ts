// alerts.snooze: holds back a job type's alerts (type-based rules: failed, streaks, recovered,
// overrun, stuck) until a time, or lifts the snooze. Kept in SQLite locally, in PostgreSQL in
// shared mode (every instance honours it); AlertWatch reads them.
import { SNOOZE_UNTIL_LIFTED } from '../../../src-shared/alerts'
import type { JobdeckApi } from '../../../src-shared/api'
import { JobdeckError } from '../../../src-shared/errors'
import { echo } from '../../../src-shared/redact'
import { AlertStore } from '../store/sqlite/alert-store'
import { toEpoch, type ServiceDeps } from './service-deps'

/** A timed snooze longer than this is a rule to change, not a snooze ("until lifted" is the exception). */
const MAX_SNOOZE_MS = 366 * 86_400_000
const UNTIL_LIFTED = Date.parse(SNOOZE_UNTIL_LIFTED)

export function alertSnoozeServices(deps: Pick<ServiceDeps, 'store' | 'config' | 'link' | 'now'>): Pick<JobdeckApi, 'alerts.snooze'> {
  const local = new AlertStore(deps.store)
  return {
    'alerts.snooze': async ({ type, until }) => {
      const now = (deps.now ?? Date.now)()
      const config = deps.config.current
      const slash = type.indexOf('/')
      const known = config.types.has(type) || (slash > 0 && config.sources.has(type.slice(0, slash)))
      if (!known) {
        const types = [...config.types.keys()]
        throw new JobdeckError(
          'invalid_input',
          `alerts.snooze: unknown job type ${echo(type)}; expected one of ${types.length > 0 ? types.join(', ') : 'none'} or \`source/type\` of a configured source`,
        )
      }
      const ends = until === null ? null : toEpoch(until, 'alerts.snooze: until')
      if (ends !== null && ends <= now) {
        throw new JobdeckError('invalid_input', `alerts.snooze: until must be in the future, got ${echo(until)}; send until: null to lift a snooze`)
      }
      if (ends !== null && ends !== UNTIL_LIFTED && ends > now + MAX_SNOOZE_MS) {
        throw new JobdeckError(
          'invalid_input',
          `alerts.snooze: until must be at most a year ahead (a snooze is a pause, not a mute) or ${SNOOZE_UNTIL_LIFTED} (until lifted), got ${echo(until)}`,
        )
      }
      if (deps.link) {
        await deps.link.alerts.setSnooze(type, ends, null, now)
        return deps.link.alerts.snoozes(now)
      }
      local.setSnooze(type, ends, null, now)
      return local.snoozes(now)
    },
  }
}
