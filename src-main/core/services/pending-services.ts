// Issue 17 in progress: the methods the token work answers next. Deleted by it.
import { JobdeckError } from '../../../src-shared/errors'
import type { JobdeckApi } from '../../../src-shared/api'

const notYet = (method: string) => async (): Promise<never> => {
  throw new JobdeckError('unavailable', `${method} is not built yet`)
}

export function pendingServices(): Pick<JobdeckApi, 'tokens.list' | 'tokens.create' | 'tokens.revoke'> {
  return {
    'tokens.list': notYet('tokens.list'),
    'tokens.create': notYet('tokens.create'),
    'tokens.revoke': notYet('tokens.revoke'),
  }
}
