// `__proto__` as a YAML key. The YAML reader keeps it as an own property, but the schema copies
// records by assignment, which makes it the copy's prototype: a job type named so vanished and
// validate said "valid: 0 job types". It is refused wherever it appears, then removed from the data
// so no later check trips on it. (`constructor` and `prototype` are refused by the schema.)
import { RESERVED_NAME_MESSAGE } from '../../../src-shared/config-schema'
import { dottedPath, type PathKey } from './yaml-positions'
import type { ConfigProblem } from './zod-issues'

const PROTO = '__proto__'

export function takeProtoKeys(data: unknown): ConfigProblem[] {
  const problems: ConfigProblem[] = []
  // Aliases can make one object appear twice, or contain itself.
  const seen = new Set<object>()
  const stack: Array<{ value: unknown; path: PathKey[] }> = [{ value: data, path: [] }]
  for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
    const { value, path } = entry
    if (typeof value !== 'object' || value === null || seen.has(value)) continue
    seen.add(value)
    if (Array.isArray(value)) {
      value.forEach((item: unknown, index) => stack.push({ value: item, path: [...path, index] }))
      continue
    }
    const record = value as Record<string, unknown>
    if (Object.hasOwn(record, PROTO)) {
      const where = path.length === 0 ? '' : `${dottedPath(path)}: `
      problems.push({
        path: [...path, PROTO],
        at: 'key',
        message: `${where}invalid name "${PROTO}": ${RESERVED_NAME_MESSAGE}`,
      })
      delete record[PROTO]
    }
    for (const [key, item] of Object.entries(record)) stack.push({ value: item, path: [...path, key] })
  }
  return problems
}
