// `jobdeck tokens create NAME --role viewer|operator|admin [--expires 90d]`: a new API token,
// printed once, alone on the last line (`| tail -1` takes it); only its SHA-256 is kept.
// `jobdeck tokens list [--json]`: every token with its role, creator, expiry, last use and
// revocation, never the token or its hash. `jobdeck tokens revoke NAME`: refused from now on
// (by running servers within a second). JSON output is a top-level array of the API's tokens.
import { absoluteTime } from '../../src-shared/local-time'
import type { ApiToken } from '../../src-shared/access'
import { JobdeckError } from '../../src-shared/errors'
import { callApi, typed } from './api-call'
import { str, withCore, type Command } from './commands'
import { printJson, printLine, table } from './output'

const USAGE = 'jobdeck tokens create NAME --role viewer|operator|admin [--expires 90d] | tokens list [--json] | tokens revoke NAME'

/** `active`, `expired`, `revoked 2026-12-05 10:42:10`. */
export function tokenState(token: ApiToken, now = Date.now()): string {
  if (token.revokedAt !== null) return `revoked ${absoluteTime(token.revokedAt)}`
  if (token.expiresAt !== null && Date.parse(token.expiresAt) <= now) return 'expired'
  return 'active'
}

function printTokens(tokens: ApiToken[]): void {
  if (tokens.length === 0) {
    printLine('no API tokens; make one with `jobdeck tokens create NAME --role viewer|operator|admin`')
    return
  }
  process.stdout.write(
    table(
      ['name', 'role', 'state', 'created', 'by', 'expires', 'last used'],
      tokens.map((t) => [t.name, t.role, tokenState(t), absoluteTime(t.createdAt), t.createdBy, t.expiresAt === null ? 'never' : absoluteTime(t.expiresAt), absoluteTime(t.lastUsedAt)]),
    ),
  )
}

function oneName(action: string, names: string[]): string {
  const [name, ...extra] = names
  if (name === undefined || extra.length > 0) throw new JobdeckError('invalid_input', `tokens ${action}: expected exactly one token NAME\nusage: ${USAGE}`)
  return name
}

export const tokensCommand: Command = {
  summary: 'API tokens for the HTTP API: create (shown once), list, revoke',
  usage: `${USAGE}\n  roles: viewer reads everything; operator also enqueues, cancels, retries, pauses and runs schedules; admin also changes config, connections, tokens and retention`,
  positionals: ['ACTION', 'NAME'],
  options: { role: { type: 'string' }, expires: { type: 'string' }, json: { type: 'boolean' } },
  async run({ values, positionals }) {
    const [action, ...names] = positionals
    if (action !== 'create' && action !== 'list' && action !== 'revoke') {
      throw new JobdeckError('invalid_input', `${action === undefined ? 'expected an action' : `unknown action "${action}"`}; expected create, list or revoke\nusage: ${USAGE}`)
    }
    return withCore(values, async (core) => {
      if (action === 'list') {
        if (names.length > 0) throw new JobdeckError('invalid_input', `tokens list takes no NAME\nusage: ${USAGE}`)
        const tokens = await callApi(core, 'tokens.list', {})
        if (values.json === true) printJson(tokens)
        else printTokens(tokens)
        return 0
      }
      const name = oneName(action, names)
      if (action === 'revoke') {
        const token = await callApi(core, 'tokens.revoke', { name }, { name: typed('NAME', name) })
        printLine(`revoked token ${token.name} (${token.role}); running servers refuse it within a second`)
        return 0
      }
      const role = str(values, 'role')
      const expires = str(values, 'expires')
      if (role === undefined) throw new JobdeckError('invalid_input', `tokens create: --role is required: viewer, operator or admin\nusage: ${USAGE}`)
      const made = await callApi(
        core,
        'tokens.create',
        { name, role, ...(expires !== undefined ? { expires } : {}) },
        { name: typed('NAME', name), role: typed('--role', role), expires: typed('--expires', expires) },
      )
      const until = made.token.expiresAt === null ? 'never expires' : `expires ${absoluteTime(made.token.expiresAt)}`
      printLine(`token ${made.token.name} (${made.token.role}, ${until}); it is shown this once, keep it now (clients send it as "Authorization: Bearer <token>"):`)
      process.stdout.write(`${made.secret}\n`)
      return 0
    })
  },
}
