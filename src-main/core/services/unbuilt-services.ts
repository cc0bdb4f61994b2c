// TEMPORARY while issue 16 is built on branches: the methods its contract declares, answered
// with `unavailable` until their services land (each helper moves its methods out of here; the
// file is deleted before the issue closes).
import type { JobdeckApi } from '../../../src-shared/api'
import { JobdeckError } from '../../../src-shared/errors'

const unbuilt = (method: string) => async (): Promise<never> => {
  throw new JobdeckError('unavailable', `${method} is not built yet`)
}

export function unbuiltServices(): Pick<JobdeckApi, 'jobs.startNow'> {
  return {
    'jobs.startNow': unbuilt('jobs.startNow'),
  }
}
