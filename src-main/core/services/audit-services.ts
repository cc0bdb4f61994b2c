// audit.list: the audit log newest first (at desc, id desc), filtered by time, caller and method,
// in keyset pages. Shared mode reads every instance's records in PostgreSQL (access/audit-log.ts).
import type { JobdeckApi } from '../../../src-shared/api'
import { JobdeckError } from '../../../src-shared/errors'
import { toEpoch, type ServiceDeps } from './service-deps'

export function auditServices(deps: Pick<ServiceDeps, 'audit'>): Pick<JobdeckApi, 'audit.list'> {
  return {
    async 'audit.list'(args) {
      if (!deps.audit) throw new JobdeckError('unavailable', 'the audit log is not available in this process')
      return deps.audit.list({
        ...(args.since !== undefined ? { since: toEpoch(args.since, 'since') } : {}),
        ...(args.until !== undefined ? { until: toEpoch(args.until, 'until') } : {}),
        ...(args.who !== undefined ? { who: args.who } : {}),
        ...(args.method !== undefined ? { method: args.method } : {}),
        ...(args.before !== undefined ? { before: { at: toEpoch(args.before.at, 'before.at'), id: args.before.id } } : {}),
        limit: args.limit,
      })
    },
  }
}
