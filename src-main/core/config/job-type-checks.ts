// Checks across fields of one job type that the schema alone cannot express. They read the raw
// YAML data field by field, so they still run when another field of the same type is broken.
import { resolve as pathResolve } from 'node:path'
import { paramDefSchema } from '../../../src-shared/config-schema'
import { coerceParamValue, describeValue, isAbsent } from '../../../src-shared/params'
import { parseTemplate } from '../../../src-shared/template'
import { dottedPath, type PathKey } from './yaml-positions'
import type { ConfigProblem } from './zod-issues'

export function checkJobType(name: string, raw: unknown): ConfigProblem[] {
  if (!isRecord(raw)) return []
  const base: PathKey[] = ['jobs', name]
  const problems: ConfigProblem[] = []
  const params = isRecord(raw.params) ? raw.params : {}
  const declared = new Set(Object.keys(params))
  const known = declared.size === 0 ? 'this job type declares no params' : `declared params: ${someNames([...declared])}`

  const checkTemplate = (path: PathKey[], template: unknown): void => {
    if (typeof template !== 'string') return
    const parsed = parseTemplate(template)
    for (const problem of parsed.problems) {
      const needle = template.slice(problem.offset, problem.offset + 1)
      problems.push({ path, at: 'value', message: `${dottedPath(path)}: ${problem.message}`, needle })
    }
    for (const part of parsed.parts) {
      if (part.kind !== 'param' || declared.has(part.name)) continue
      problems.push({
        path,
        at: 'value',
        message: `${dottedPath(path)}: unknown placeholder {${part.name}}; ${known}`,
        needle: `{${part.name}}`,
      })
    }
  }

  if (Array.isArray(raw.command)) raw.command.forEach((element, index) => checkTemplate([...base, 'command', index], element))
  checkTemplate([...base, 'cwd'], raw.cwd)
  if (isRecord(raw.env)) for (const [key, value] of Object.entries(raw.env)) checkTemplate([...base, 'env', key], value)
  checkTemplate([...base, 'lane'], raw.lane)
  if (isRecord(raw.http)) {
    const http = raw.http
    checkTemplate([...base, 'http', 'url'], http.url)
    if (isRecord(http.headers)) for (const [key, value] of Object.entries(http.headers)) checkTemplate([...base, 'http', 'headers', key], value)
    checkBodyTemplates([...base, 'http', 'body'], http.body, checkTemplate)
  }

  problems.push(...checkSecretParams(base, params, raw.lane))

  for (const [paramName, rawDef] of Object.entries(params)) {
    // A def the schema rejects is reported by the schema; its default cannot be judged.
    const def = paramDefSchema.safeParse(rawDef)
    if (!def.success || def.data.default === undefined || isAbsent(def.data.default)) continue
    const coerced = coerceParamValue(def.data, def.data.default)
    if (coerced.ok) continue
    const path = [...base, 'params', paramName, 'default']
    problems.push({
      path,
      at: 'value',
      message: `${dottedPath(path)}: default ${describeValue(def.data.default)} does not pass the param's own validation: ${coerced.problem}`,
    })
  }
  return problems
}

/**
 * A `secret: true` param has no default (it would sit in the config file in clear) and names no
 * lane (a lane is stored and shown in clear everywhere).
 */
function checkSecretParams(base: PathKey[], params: Record<string, unknown>, lane: unknown): ConfigProblem[] {
  const problems: ConfigProblem[] = []
  const inLane = typeof lane === 'string' ? parseTemplate(lane).parts.flatMap((p) => (p.kind === 'param' ? [p.name] : [])) : []
  for (const [name, def] of Object.entries(params)) {
    if (!isRecord(def) || def.secret !== true) continue
    if (def.default !== undefined) {
      const path = [...base, 'params', name, 'default']
      problems.push({
        path,
        at: 'key',
        message: `${dottedPath(path)}: a secret param has no default: it would be written in the config file in clear; give the value when enqueueing`,
      })
    }
    if (inLane.includes(name)) {
      const path = [...base, 'lane']
      problems.push({
        path,
        at: 'value',
        message: `${dottedPath(path)}: {${name}} is a secret param, and a lane name is stored and shown in clear; build the lane from other params`,
        needle: `{${name}}`,
      })
    }
  }
  return problems
}

/** Every string inside a JSON body template may hold placeholders. */
function checkBodyTemplates(path: PathKey[], value: unknown, check: (path: PathKey[], template: unknown) => void): void {
  if (typeof value === 'string') check(path, value)
  else if (Array.isArray(value)) value.forEach((item, index) => checkBodyTemplates([...path, index], item, check))
  else if (isRecord(value)) for (const [key, item] of Object.entries(value)) checkBodyTemplates([...path, key], item, check)
}

/** An `sql` job names a connection the file declares (or, without one, uses the shared `postgres:` database). */
export function checkSqlConnections(data: Record<string, unknown>, exists: (file: string) => boolean, configDir: string): ConfigProblem[] {
  if (!isRecord(data.jobs)) return []
  const names = isRecord(data.connections) ? Object.keys(data.connections) : []
  const declared = new Set(names)
  const known = names.length ? `the config declares: ${someNames(names)}` : 'declare it under `connections:`'
  const problems: ConfigProblem[] = []
  for (const [name, job] of Object.entries(data.jobs)) {
    if (!isRecord(job) || !isRecord(job.sql)) continue
    const connection = job.sql.connection
    if (typeof connection === 'string' && !declared.has(connection)) {
      const path = ['jobs', name, 'sql', 'connection']
      problems.push({
        path,
        at: 'value',
        message: `${dottedPath(path)}: no connection named "${connection}"; ${known}`,
      })
    }
    const script = job.sql.script
    if (typeof script === 'string' && !exists(pathResolve(configDir, script))) {
      const path = ['jobs', name, 'sql', 'script']
      problems.push({ path, at: 'value', message: `${dottedPath(path)}: script file not found: ${pathResolve(configDir, script)}` })
    }
  }
  return problems
}

/** Names for a message: a few, then how many more (a file can declare thousands). */
function someNames(names: readonly string[], shown = 20): string {
  return names.length <= shown ? names.join(', ') : `${names.slice(0, shown).join(', ')} … and ${names.length - shown} more`
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
