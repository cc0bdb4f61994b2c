// sources.*: other systems' job tables, through the SourcesPort of this process.
import type { JobdeckApi } from '../../../src-shared/api'
import { JobdeckError } from '../../../src-shared/errors'
import type { ServiceDeps } from './service-deps'

type SourcesApi = Pick<JobdeckApi, 'sources.list' | 'sources.sync' | 'sources.queue' | 'sources.test' | 'sources.markFailed'>

export function sourcesServices(deps: ServiceDeps): SourcesApi {
  const sources = () => {
    const port = deps.sources?.() ?? null
    if (port === null) throw new JobdeckError('unavailable', 'sources are not mirrored by this process')
    return port
  }
  return {
    'sources.list': async () => deps.sources?.()?.list() ?? [],
    'sources.sync': async ({ name }) => sources().sync(name),
    'sources.queue': async ({ source, limit }) => deps.store.sourceQueue(source ?? null, limit),
    'sources.test': async ({ name }) => sources().test(name),
    'sources.markFailed': async ({ id }) => sources().markFailed(id),
  }
}
