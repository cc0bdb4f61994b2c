import { randomFillSync } from 'node:crypto'
import { ulid } from 'ulid'

// ulid's default generator asks the OS for one random byte per character (16 syscalls per id);
// drawing from a buffer refilled in bulk keeps ids cryptographically random at a fraction of it.
const pool = new Uint32Array(4096)
let next = pool.length

function bufferedRandom(): number {
  if (next >= pool.length) {
    randomFillSync(pool)
    next = 0
  }
  return (pool[next++] as number) / 0x1_0000_0000
}

/** A ULID: sortable by creation time, made here, known before any database has seen it. */
export function newId(time: number = Date.now()): string {
  return ulid(time, bufferedRandom)
}
