// Issue 17 in progress: the methods the audit work answers next. Deleted by it.
import { JobdeckError } from '../../../src-shared/errors'
import type { JobdeckApi } from '../../../src-shared/api'

const notYet = (method: string) => async (): Promise<never> => {
  throw new JobdeckError('unavailable', `${method} is not built yet`)
}

export function pendingServices(): Pick<JobdeckApi, 'audit.list'> {
  return {
    'audit.list': notYet('audit.list'),
  }
}
