// Checks across fields of one job type that the schema alone cannot express. They read the raw
// YAML data field by field, so they still run when another field of the same type is broken.
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
  const declared = Object.keys(params)

  const checkTemplate = (path: PathKey[], template: unknown): void => {
    if (typeof template !== 'string') return
    const parsed = parseTemplate(template)
    for (const problem of parsed.problems) {
      const needle = template.slice(problem.offset, problem.offset + 1)
      problems.push({ path, at: 'value', message: `${dottedPath(path)}: ${problem.message}`, needle })
    }
    for (const part of parsed.parts) {
      if (part.kind !== 'param' || declared.includes(part.name)) continue
      const known = declared.length === 0 ? 'this job type declares no params' : `declared params: ${declared.join(', ')}`
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

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
