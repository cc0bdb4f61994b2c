// `__proto__` as a YAML key. The YAML reader keeps it as an own property, but the schema copies
// records by assignment, which makes it the copy's prototype: a job type named so vanished and
// validate said "valid: 0 job types". It is refused wherever it appears, then removed from the data
// so no later check trips on it. (`constructor` and `prototype` are refused by the schema.)
import { RESERVED_NAME_MESSAGE } from '../../../src-shared/config-schema'
import { dottedPath, type PathKey } from './yaml-positions'
import type { ConfigProblem } from './zod-issues'

const PROTO = '__proto__'

interface Visit {
  value: unknown
  /** The path is rebuilt only for a hit, from these links: most configs have none. */
  parent: Visit | null
  key: PathKey
}

export function takeProtoKeys(data: unknown): ConfigProblem[] {
  const problems: ConfigProblem[] = []
  // Aliases can make one object appear twice, or contain itself.
  const seen = new Set<object>()
  const stack: Visit[] = [{ value: data, parent: null, key: '' }]
  for (let visit = stack.pop(); visit !== undefined; visit = stack.pop()) {
    const value = visit.value
    if (typeof value !== 'object' || value === null || seen.has(value)) continue
    seen.add(value)
    if (Array.isArray(value)) {
      value.forEach((item: unknown, index) => stack.push({ value: item, parent: visit, key: index }))
      continue
    }
    const record = value as Record<string, unknown>
    if (Object.hasOwn(record, PROTO)) {
      const path = pathOf(visit)
      const where = path.length === 0 ? '' : `${dottedPath(path)}: `
      problems.push({ path: [...path, PROTO], at: 'key', message: `${where}invalid name "${PROTO}": ${RESERVED_NAME_MESSAGE}` })
      delete record[PROTO]
    }
    for (const key in record) stack.push({ value: record[key], parent: visit, key })
  }
  return problems
}

function pathOf(visit: Visit): PathKey[] {
  const path: PathKey[] = []
  for (let at: Visit | null = visit; at?.parent; at = at.parent) path.unshift(at.key)
  return path
}
