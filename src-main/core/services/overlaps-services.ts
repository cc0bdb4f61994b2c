// overlaps.list: runs that ran at the same time, across sources and Jobdeck's own lanes.
import type { JobdeckApi } from '../../../src-shared/api'
import { JobdeckError } from '../../../src-shared/errors'
import { checkedSource } from './source-filter'
import { toEpoch, type ServiceDeps } from './service-deps'

type OverlapsApi = Pick<JobdeckApi, 'overlaps.list'>

export function overlapsServices(deps: ServiceDeps): OverlapsApi {
  const now = deps.now ?? Date.now
  return {
    'overlaps.list': async (args) => {
      const at = now()
      const since = toEpoch(args.since, 'since')
      const until = args.until === undefined ? at : toEpoch(args.until, 'until')
      if (until <= since) throw new JobdeckError('invalid_input', 'overlaps.list: until must be after since')
      const source = checkedSource(deps, args.source, 'overlaps.list')
      return deps.store.overlaps({
        since,
        until,
        now: at,
        ...(source !== undefined ? { source } : {}),
        ...(args.sameLane !== undefined ? { sameLane: args.sameLane } : {}),
        limit: args.limit,
      })
    },
  }
}
