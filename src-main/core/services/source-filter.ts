// The `source` filter of History, its counts, CSV and overlaps: a configured source's name, `-` for
// Jobdeck's own runs, or a source no longer configured whose rows the cache still holds. Anything
// else is a mistake (a typo would otherwise answer "nothing" and look like a quiet day).
import { JobdeckError } from '../../../src-shared/errors'
import { echo } from '../../../src-shared/redact'
import { OWN_RUNS } from '../../../src-shared/sources'
import type { InputIssue } from './error-reply'
import type { ServiceDeps } from './service-deps'

export function checkedSource(deps: Pick<ServiceDeps, 'config' | 'store'>, source: string | undefined, method: string): string | undefined {
  if (source === undefined || source === OWN_RUNS) return source
  const configured = Object.keys(deps.config.current.raw.sources ?? {})
  if (configured.includes(source) || deps.store.hasSourceRows(source)) return source
  const known = configured.length > 0 ? `one of ${configured.join(', ')}` : 'no source is configured'
  const message = `no source named ${echo(source)} (expected ${known}, or ${OWN_RUNS} for Jobdeck's own runs)`
  // As an input issue of `source`, so the CLI says it of --source.
  const issue: InputIssue = { path: ['source'], code: 'custom', message }
  throw new JobdeckError('invalid_input', `${method}: source: ${message}`, [issue])
}
