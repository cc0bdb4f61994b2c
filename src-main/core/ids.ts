import { randomFillSync } from 'node:crypto'
import { incrementBase32, TIME_LEN, ulid } from 'ulid'

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

let lastTime = -1
let lastId = ''

/**
 * A ULID: sortable by creation time, made here, known before any database has seen it. Ids made in
 * the same millisecond follow each other (the last one's random part plus one), so a list ordered
 * newest first by (time, id), such as the audit log, keeps the order things happened in within a
 * millisecond; a fresh random part would order them by chance. An id for any other millisecond
 * gets a fresh random part and its own time: ulid's monotonicFactory would stamp an earlier time
 * (a schedule's fire time) with the last one instead.
 */
export function newId(time: number = Date.now()): string {
  let id: string
  try {
    id = time === lastTime ? lastId.slice(0, TIME_LEN) + incrementBase32(lastId.slice(TIME_LEN)) : ulid(time, bufferedRandom)
  } catch {
    // The random part was all Z (one chance in 2^80): start again from a fresh one.
    id = ulid(time, bufferedRandom)
  }
  lastTime = time
  lastId = id
  return id
}
