// `session.get`: who the transport says is calling. The core's own callers act as the owner.
import type { JobdeckApi } from '../../../src-shared/api'
import type { Caller } from '../../../src-shared/access'

const OWNER: Caller = { who: 'owner', role: 'admin' }

export function sessionServices(): Pick<JobdeckApi, 'session.get'> {
  return {
    'session.get': async (_args, caller) => ({ who: (caller ?? OWNER).who, role: (caller ?? OWNER).role }),
  }
}
