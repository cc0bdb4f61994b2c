// overlaps.list: runs that ran at the same time, across sources and Jobdeck's own lanes.
import type { JobdeckApi } from '../../../src-shared/api'
import { JobdeckError } from '../../../src-shared/errors'
import type { ServiceDeps } from './service-deps'

type OverlapsApi = Pick<JobdeckApi, 'overlaps.list'>

export function overlapsServices(_deps: ServiceDeps): OverlapsApi {
  return {
    // Built in the overlaps change (store/sqlite/overlap-reads.ts).
    'overlaps.list': async () => {
      throw new JobdeckError('unavailable', 'overlaps.list is not built yet')
    },
  }
}
