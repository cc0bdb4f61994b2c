// tokens.list, tokens.create, tokens.revoke: API tokens for other programs and users (issue 17).
// The tokens themselves (where they live, how they verify) are access/api-tokens.ts.
import type { JobdeckApi } from '../../../src-shared/api'
import { JobdeckError } from '../../../src-shared/errors'
import { echo } from '../../../src-shared/redact'
import { MAX_DURATION_MS, MAX_DURATION_TEXT, parseDuration } from '../../../src-shared/units'
import type { ApiTokens } from '../access/api-tokens'

/** Who made a token when no transport says (the core's own callers act as the owner). */
const OWNER = 'owner'

/** `90d`, `12h`, `1h30m` as milliseconds from now; the error names `expires`. */
export function parseExpires(text: string): number {
  const ms = parseDuration(text)
  if (ms === null || ms <= 0 || ms > MAX_DURATION_MS) {
    throw new JobdeckError('invalid_input', `expires: expected a duration from now such as 90d, 12h or 30m (at most ${MAX_DURATION_TEXT}), got ${echo(text)}`)
  }
  return ms
}

export function tokensServices(tokens: ApiTokens): Pick<JobdeckApi, 'tokens.list' | 'tokens.create' | 'tokens.revoke'> {
  return {
    'tokens.list': async () => tokens.list(),
    'tokens.create': async ({ name, role, expires }, caller) =>
      tokens.create({ name, role, expiresInMs: expires === undefined ? null : parseExpires(expires), createdBy: caller?.who ?? OWNER }),
    'tokens.revoke': async ({ name }) => tokens.revoke(name),
  }
}
