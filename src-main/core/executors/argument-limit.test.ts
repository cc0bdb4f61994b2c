import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { MAX_PARAM_BYTES } from '../../../src-shared/param-size'

// The param limit is the operating system's: a longer value could be enqueued but never started.
describe.runIf(process.platform === 'linux')('the longest param value', () => {
  it('starts a program as one argument, and one byte more fails with E2BIG', () => {
    const run = (bytes: number) => spawnSync(process.execPath, ['-e', '', 'a'.repeat(bytes)], { encoding: 'utf8' })
    expect(run(MAX_PARAM_BYTES).status).toBe(0)
    expect((run(MAX_PARAM_BYTES + 1).error as NodeJS.ErrnoException | undefined)?.code).toBe('E2BIG')
  })
})
