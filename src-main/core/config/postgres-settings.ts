// Which database shared mode uses: `--pg URL` beats JOBDECK_PG_URL beats `postgres.url` in the
// config file; the file's other settings (pool size, timeouts, TLS, lease) apply to any of them.
import { postgresRuntimeSchema, type PostgresConfig } from '../../../src-shared/config-schema'
import { JobdeckError } from '../../../src-shared/errors'
import { formatConfigError, type LoadedConfig } from './load-config'

export interface PostgresChoice {
  config: PostgresConfig
  source: 'flag' | 'env' | 'config'
}

export function choosePostgres(config: LoadedConfig, override?: { url: string; source: 'flag' | 'env' }): PostgresChoice | null {
  const file = config.raw.postgres
  const url = override?.url ?? file?.url
  if (!url) return null
  // The file's settings are already parsed (durations in ms); only the defaults come from the schema.
  const defaults = postgresRuntimeSchema.safeParse({ url })
  if (!defaults.success) {
    throw new JobdeckError('invalid_input', `the PostgreSQL settings are invalid: ${defaults.error.issues.map((i) => i.message).join('; ')}`)
  }
  const settings: PostgresConfig = { ...defaults.data, ...(file ?? {}), url }
  try {
    const protocol = new URL(url).protocol
    if (protocol !== 'postgres:' && protocol !== 'postgresql:') throw new Error(protocol)
  } catch {
    const where = override?.source === 'flag' ? '--pg' : override?.source === 'env' ? 'JOBDECK_PG_URL' : 'postgres.url'
    throw new JobdeckError('invalid_input', `${where}: expected a URL like postgres://user@host:5432/jobdeck`)
  }
  if (config.zonelessSchedules.length > 0) {
    throw new JobdeckError('config_invalid', config.zonelessSchedules.map(formatConfigError).join('\n'))
  }
  return { config: settings, source: override?.source ?? 'config' }
}
