// retention.status and retention.run: the data dir by part, what the policy deletes next, the
// last pass, and one pass now (core/retention/).
import type { JobdeckApi } from '../../../src-shared/api'
import { JobdeckError } from '../../../src-shared/errors'
import type { ServiceDeps } from './service-deps'

type RetentionApi = Pick<JobdeckApi, 'retention.status' | 'retention.run'>

export function retentionServices(deps: ServiceDeps): RetentionApi {
  const retention = () => {
    if (!deps.retention) throw new JobdeckError('unavailable', 'retention is not available in this process')
    return deps.retention
  }
  return {
    'retention.status': async () => retention().status(),
    'retention.run': async () => retention().run(),
  }
}
