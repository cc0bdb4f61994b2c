// Duplicate keys, found with one set per mapping. The YAML library's own check (`uniqueKeys`)
// compares each key with every earlier one: a mapping of 254k job types took minutes.
import { isMap, isScalar, visit, type Document } from 'yaml'

export interface DuplicateKey {
  key: string
  offset: number
}

/** Every repeat of a key within one mapping, at the repeat. Keys compare as the config reads them: `1` and "1" are one key. */
export function duplicateKeys(doc: Document): DuplicateKey[] {
  const found: DuplicateKey[] = []
  visit(doc, {
    Map(_, map) {
      if (!isMap(map)) return
      const seen = new Set<string>()
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue
        const key = String(pair.key.value)
        if (!seen.has(key)) {
          seen.add(key)
          continue
        }
        const offset = pair.key.range?.[0]
        if (offset !== undefined) found.push({ key, offset })
      }
    },
  })
  return found
}
