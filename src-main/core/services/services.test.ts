// The services are put together from one part per area; every API method must be answered by
// exactly one of them, which the types check when the core is compiled and createServices checks
// again when it runs (a part answering a method twice would otherwise win silently by order).
import { afterEach, describe, expect, it } from 'vitest'
import type { JobdeckApi } from '../../../src-shared/api'
import { API_METHODS } from '../../../src-shared/bridge'
import { makeTestEnv, type TestEnv } from '../test-support/test-env'
import { answerEachMethodOnce } from './services'

let env: TestEnv
afterEach(() => env?.cleanup())

const answer = async (): Promise<never> => {
  throw new Error('not called')
}

/** Every method but `except`, each answered by a stub. */
function allBut(...except: string[]): Record<string, typeof answer> {
  return Object.fromEntries(API_METHODS.filter((m) => !except.includes(m)).map((m) => [m, answer]))
}

describe('createServices', () => {
  it('answers every API method, each by its own area', () => {
    env = makeTestEnv('jobs:\n  a:\n    command: ["true"]\n')
    const api = env.open().api
    expect(Object.keys(api).sort()).toEqual([...API_METHODS].sort())
    for (const method of API_METHODS) expect(typeof api[method]).toBe('function')
  })

  it('refuses, in the types and when run, a method answered twice, one answered by no part, and one that is not in the API', () => {
    const rest = allBut('jobs.cancel', 'runner.pause') as unknown as Omit<JobdeckApi, 'jobs.cancel' | 'runner.pause'>
    const cancel = { 'jobs.cancel': answer } as Pick<JobdeckApi, 'jobs.cancel'>
    const pause = { 'runner.pause': answer } as Pick<JobdeckApi, 'runner.pause'>
    expect(Object.keys(answerEachMethodOnce(rest, cancel, pause))).toHaveLength(API_METHODS.length)

    // @ts-expect-error jobs.cancel is answered twice
    expect(() => answerEachMethodOnce(rest, cancel, pause, cancel)).toThrow(/jobs\.cancel is answered by two parts/)
    // @ts-expect-error runner.pause is answered by no part
    expect(() => answerEachMethodOnce(rest, cancel)).toThrow(/no part of the services answers runner\.pause/)
    const stray = { 'runs.nothing': answer }
    // @ts-expect-error runs.nothing is not an API method
    expect(() => answerEachMethodOnce(rest, cancel, pause, stray)).toThrow(/runs\.nothing is not an API method/)
  })
})
