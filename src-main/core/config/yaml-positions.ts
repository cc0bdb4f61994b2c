// Maps a path in the parsed config (as zod reports it) back to a line and column in the file.
import { isMap, isScalar, isSeq, type Document, type LineCounter, type Pair, type YAMLMap } from 'yaml'

export type PathKey = string | number

export interface SourcePos {
  /** 1-based. */
  line: number
  /** 1-based. */
  col: number
}

/** `value` points at the entry's value; `key` at its map key (for unknown or badly named keys). */
export type PointAt = 'value' | 'key'

/** A parsed document with what is needed to turn offsets into positions. */
export interface SourceDoc {
  doc: Document
  lineCounter: LineCounter
  text: string
}

interface Ranged {
  range?: readonly [number, number, number] | null
}

/**
 * Where `path` is in the document. A path that does not exist (a missing key) points at the key
 * of the deepest entry that does, so "jobs.fetch: missing key command" lands on `fetch:`.
 * With `needle`, points at its first occurrence inside the value's source text when there is one
 * (a placeholder inside a quoted command element).
 */
export function locate(source: SourceDoc, path: readonly PathKey[], at: PointAt = 'value', needle?: string): SourcePos {
  const offset = locateOffset(source, path, at, needle)
  return offset === null ? { line: 1, col: 1 } : source.lineCounter.linePos(offset)
}

function locateOffset(source: SourceDoc, path: readonly PathKey[], at: PointAt, needle: string | undefined): number | null {
  let node: unknown = source.doc.contents
  let keyNode: Ranged | null = null
  let found = true
  for (const segment of path) {
    if (isMap(node)) {
      const pair = pairsByKey(node).get(String(segment))
      if (!pair) {
        found = false
        break
      }
      keyNode = pair.key as Ranged
      node = pair.value
    } else if (isSeq(node) && Number.isInteger(Number(segment))) {
      const item: unknown = node.items[Number(segment)]
      if (item === undefined) {
        found = false
        break
      }
      keyNode = null
      node = item
    } else {
      found = false
      break
    }
  }
  const valueRange = rangeOf(node)
  const keyStart = rangeOf(keyNode)?.[0] ?? null
  if (!found || at === 'key') return keyStart ?? valueRange?.[0] ?? null
  if (valueRange && needle !== undefined) {
    const index = source.text.slice(valueRange[0], valueRange[1]).indexOf(needle)
    if (index !== -1) return valueRange[0] + index
  }
  return valueRange?.[0] ?? keyStart
}

// One index per mapping, built on first use: a config with an error in each of thousands of job
// types looked each one up by scanning the whole `jobs:` mapping.
const indexes = new WeakMap<YAMLMap, Map<string, Pair>>()

function pairsByKey(map: YAMLMap): Map<string, Pair> {
  let index = indexes.get(map)
  if (index === undefined) {
    index = new Map()
    // The last of duplicate keys wins, as that is the value the parsed config holds.
    for (const pair of map.items) if (isScalar(pair.key)) index.set(String(pair.key.value), pair)
    indexes.set(map, index)
  }
  return index
}

function rangeOf(node: unknown): readonly [number, number, number] | null {
  if (node === null || typeof node !== 'object' || !('range' in node)) return null
  return (node as Ranged).range ?? null
}

/** `jobs.fetch.command[2]`: the path as operators read it. */
export function dottedPath(path: readonly PathKey[]): string {
  let out = ''
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`
    else out += out === '' ? segment : `.${segment}`
  }
  return out
}
