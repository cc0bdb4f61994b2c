// Zod issues rewritten as operator messages: what was expected, what was found, where.
import { z } from 'zod'
import { describeConfigValue } from '../../../src-shared/config-schema'
import { dottedPath, type PathKey, type PointAt } from './yaml-positions'

/** A problem found in the config, still to be given a line and column. */
export interface ConfigProblem {
  path: PathKey[]
  at: PointAt
  message: string
  /** Text inside the value to point at, e.g. the offending `{placeholder}`. */
  needle?: string
}

const TYPE_NAMES: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'a mapping',
  record: 'a mapping',
  array: 'a list',
  null: 'nothing',
}

function typeName(expected: string): string {
  return TYPE_NAMES[expected] ?? expected
}

/**
 * Default messages for issues the schema did not word itself (schema messages win over this map).
 * Paths are not known yet here; `toProblems` prefixes them.
 */
export const configErrorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${typeName(issue.expected)}, got ${describeConfigValue(issue.input)}`
    case 'invalid_value':
      return `expected one of ${issue.values.map(String).join(', ')}, got ${describeConfigValue(issue.input)}`
    case 'too_small':
      return boundMessage('at least', 'more than', issue.origin, issue.minimum, issue.inclusive, issue.input)
    case 'too_big':
      return boundMessage('at most', 'less than', issue.origin, issue.maximum, issue.inclusive, issue.input)
    case 'invalid_union': {
      const expected = new Set<string>()
      for (const branch of issue.errors) {
        for (const inner of branch) if (inner.code === 'invalid_type') expected.add(typeName(inner.expected))
      }
      return expected.size === 0
        ? undefined
        : `expected ${[...expected].join(' or ')}, got ${describeConfigValue(issue.input)}`
    }
    case 'invalid_format':
      return issue.format === 'regex' && issue.pattern
        ? `expected text matching ${issue.pattern}, got ${describeConfigValue(issue.input)}`
        : undefined
    default:
      return undefined
  }
}

function boundMessage(
  inclusiveWord: string,
  exclusiveWord: string,
  origin: string,
  bound: number | bigint,
  inclusive: boolean | undefined,
  input: unknown,
): string {
  const word = inclusive === false ? exclusiveWord : inclusiveWord
  if (origin === 'array') return `expected ${word} ${bound} item${bound === 1 ? '' : 's'}, got ${describeCount(input)}`
  if (origin === 'string') {
    return bound === 1 && inclusive !== false
      ? 'expected non-empty text'
      : `expected text of ${word} ${bound} characters, got ${describeConfigValue(input)}`
  }
  return `expected a number ${inclusive === false ? word : `of ${word}`} ${bound}, got ${describeConfigValue(input)}`
}

function describeCount(input: unknown): string {
  return Array.isArray(input) ? `${input.length}` : describeConfigValue(input)
}

function pathOf(issue: z.core.$ZodIssue): PathKey[] {
  return issue.path.filter((key): key is PathKey => typeof key === 'string' || typeof key === 'number')
}

function prefixed(path: readonly PathKey[], message: string): string {
  return path.length === 0 ? message : `${dottedPath(path)}: ${message}`
}

/** One issue can name several keys (unrecognized keys), so it becomes one problem per key. */
export function toProblems(issue: z.core.$ZodIssue, schema: z.ZodType): ConfigProblem[] {
  const path = pathOf(issue)
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeysAt(schema, path)
      return issue.keys.map((key) => ({
        path: [...path, key],
        at: 'key' as const,
        message: prefixed(path, unknownKeyMessage(key, known)),
      }))
    }
    case 'invalid_key': {
      const parent = path.slice(0, -1)
      const key = path[path.length - 1]
      const why = issue.issues.map((inner) => inner.message).join('; ')
      return [{ path, at: 'key', message: prefixed(parent, `invalid name ${JSON.stringify(String(key))}: ${why}`) }]
    }
    case 'invalid_type':
      if (issue.input === undefined && path.length > 0) {
        const parent = path.slice(0, -1)
        const key = String(path[path.length - 1])
        return [
          {
            path,
            at: 'key',
            message: prefixed(parent, `missing required key "${key}" (expected ${typeName(issue.expected)})`),
          },
        ]
      }
      return [{ path, at: 'value', message: prefixed(path, issue.message) }]
    default: {
      // A check on a whole mapping (e.g. "exactly one executor") points at the mapping's key.
      const at = issue.code === 'custom' && (issue.params as { at?: unknown } | undefined)?.at === 'key' ? 'key' : 'value'
      return [{ path, at, message: prefixed(path, issue.message) }]
    }
  }
}

function unknownKeyMessage(key: string, known: string[]): string {
  if (known.length === 0) return `unknown key "${key}"`
  const suggestion = closest(key, known)
  return `unknown key "${key}"; expected one of ${known.join(', ')}${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`
}

function closest(word: string, candidates: string[]): string | null {
  let best: string | null = null
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase())
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  return best
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1)
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution))
    }
    previous = current
  }
  return previous[b.length] ?? 0
}

/** The keys the schema allows for the object at `path`, for "expected one of …". */
export function knownKeysAt(schema: z.ZodType, path: readonly PathKey[]): string[] {
  let current: z.ZodType | null = unwrap(schema)
  for (const segment of path) {
    if (current instanceof z.ZodObject) {
      const shape = current.shape as Record<string, z.ZodType>
      current = Object.hasOwn(shape, String(segment)) ? (shape[String(segment)] ?? null) : null
    } else if (current instanceof z.ZodRecord) {
      current = current.valueType as z.ZodType
    } else if (current instanceof z.ZodArray) {
      current = current.element as z.ZodType
    } else {
      current = null
    }
    if (current === null) return []
    current = unwrap(current)
  }
  return current instanceof z.ZodObject ? Object.keys(current.shape) : []
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema
  for (;;) {
    if (current instanceof z.ZodDefault || current instanceof z.ZodOptional || current instanceof z.ZodNullable) {
      current = current.unwrap() as z.ZodType
    } else if (current instanceof z.ZodPipe) {
      current = current.in as z.ZodType
    } else {
      return current
    }
  }
}
